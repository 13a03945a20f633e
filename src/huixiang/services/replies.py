"""常用回复: a school's canned answers, kept by its leaders, offered on the answer form with
their variables filled in for the ticket (domain/replies.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import replies as rows
from ..domain.access import Grant, Principal
from ..domain.enums import Role
from ..domain.errors import Invalid, NotFound, NotPermitted
from .context import Ctx

MAX_TITLE, MAX_BODY = 100, 5000


@dataclass(frozen=True, slots=True)
class Reply:
    id: int
    title: str
    body: str


def keeper(principal: Principal) -> Grant:
    """The school whose canned answers this principal keeps: a leader acting at a school."""
    for grant in principal.grants:
        if grant.role is Role.LEADER and grant.leaf:
            return grant
    raise NotPermitted("Only a school's leaders keep its canned answers.")


async def of_school(ctx: Ctx, school_id: int) -> list[Reply]:
    return [Reply(r.id, r.title, r.body) for r in await rows.replies_of(ctx.session, school_id)]


async def list_replies(ctx: Ctx, principal: Principal) -> list[Reply]:
    return await of_school(ctx, keeper(principal).org_id)


async def get_reply(ctx: Ctx, principal: Principal, reply_id: int) -> Reply:
    found = await rows.reply_of(ctx.session, keeper(principal).org_id, reply_id)
    if found is None:
        raise NotFound("No such canned answer.")
    return Reply(found.id, found.title, found.body)


def _checked(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if not title:
        raise Invalid("`title` is blank: name the canned answer.")
    if len(title) > MAX_TITLE:
        raise Invalid(f"`title` may be at most {MAX_TITLE} characters.")
    if not body:
        raise Invalid("`body` is blank: write the answer.")
    if len(body) > MAX_BODY:
        raise Invalid(f"`body` may be at most {MAX_BODY} characters.")
    return title, body


async def save_reply(ctx: Ctx, principal: Principal, reply_id: int | None, title: str, body: str) -> Reply:
    """A new canned answer (reply_id None) or a change to one of this school's."""
    school = keeper(principal).org_id
    title, body = _checked(title, body)
    if await rows.title_taken(ctx.session, school, title, but=reply_id):
        raise Invalid(f"`title` {title!r} is already the name of another canned answer.")
    if reply_id is None:
        made = await rows.add_reply(ctx.session, school, title, body, principal.user_id, ctx.now)
        return Reply(made.id, made.title, made.body)
    found = await rows.reply_of(ctx.session, school, reply_id)
    if found is None:
        raise NotFound("No such canned answer.")
    found.title, found.body = title, body
    found.updated_by_id, found.updated_at = principal.user_id, ctx.now
    await ctx.session.flush()
    return Reply(found.id, found.title, found.body)


async def delete_reply(ctx: Ctx, principal: Principal, reply_id: int) -> None:
    found = await rows.reply_of(ctx.session, keeper(principal).org_id, reply_id)
    if found is None:
        raise NotFound("No such canned answer.")
    await rows.delete_reply(ctx.session, found)
