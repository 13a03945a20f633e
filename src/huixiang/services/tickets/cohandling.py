"""主办/协办 and 审核签发 around the lifecycle's actions: a ticket's helpers (named with 交办),
their draft answers, whether an answer waits for a leader's sign-off, and the notices of both.

Who may keep a draft is who may take `note` (the lifecycle table): the lead, a helper, a
leader, while the ticket is being handled. Drafts are working text, not the archive: saving
one appends no event; the answer made from one does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ...db import cohandling as rows
from ...db import fast, repo
from ...db import notices as notices_db
from ...db.models import Ticket
from ...domain import lifecycle
from ...domain.access import Principal, may_help
from ...domain.enums import Action, Actor, Kind, Role, Status
from ...domain.errors import Invalid, NotPermitted
from .. import cohandling_schemas as cs
from ..context import Ctx
from ..notices import SUBJECTS, local
from ..reference import clock_for
from .records import scoped

MAX_HELPERS = 10
DRAFT_READERS = frozenset({Actor.ASSIGNEE, Actor.HELPER, Role.LEADER})


def _notice_text(rule: str, number: str, due: str) -> str:
    """The sentence of a notice of co-handling and review: a helper named, an answer to sign,
    an answer sent back (their subjects are notices.SUBJECTS')."""
    return {
        "helping": f"工单 {number} 请您协办：可添加备注和答复草稿，由主办人答复（期限 {due}）。",
        "to_sign": f"工单 {number} 的答复待您签发，签发后家长才会看到（期限 {due}）。",
        "sent_back": f"工单 {number} 的答复被退回修改，请修改后再次提交（期限 {due}）。",
    }[rule]


async def helper_ids(ctx: Ctx, ticket: Ticket) -> frozenset[int]:
    return await rows.helper_ids(ctx.session, ticket.id)


async def actors_on(ctx: Ctx, principal: Principal, ticket: Ticket) -> frozenset[str]:
    """The caller's actor names on the ticket, 'helper' included when named (协办)."""
    return principal.actors_for(ticket.org_path, ticket.assignee_id, await helper_ids(ctx, ticket))


async def review_required(ctx: Ctx, ticket: Ticket) -> bool:
    """Whether the policy in force where the ticket is filed asks a leader to sign off its kind."""
    clock = await clock_for(ctx, ticket.org_path)
    return clock.policy.review_required(Kind(ticket.kind))


async def name_helpers(
    ctx: Ctx, ticket: Ticket, usernames: Sequence[str] | None, assignee_id: int
) -> dict[str, Any]:
    """The ticket's helpers after an assignment: `usernames` when given (each an active handler
    of the unit the ticket is filed at, not the assignee), else the same ones less the new
    assignee. Newly named helpers are told. Answers what the event records."""
    found = await rows.helpers_of(ctx.session, ticket.id)
    before = {r.user_id: r.username for r in found}
    names = {r.user_id: r.display_name for r in found}
    if usernames is None:
        chosen = {u: name for u, name in before.items() if u != assignee_id}
    else:
        chosen = {}
        for username in dict.fromkeys(name.strip() for name in usernames):
            user = await repo.user_by_username(ctx.session, username)
            grants = (await repo.grants_of(ctx.session, [user.id]))[user.id] if user else []
            if user is None or not user.is_active or not may_help(grants, ticket.org_path):
                raise Invalid(
                    f"`helpers` must name active handlers of this ticket's unit; {username!r} is not."
                )
            if user.id == assignee_id:
                raise Invalid(f"`helpers` must not name the assignee {username!r}: they lead the ticket.")
            chosen[user.id] = user.username
            names[user.id] = user.display_name
        if len(chosen) > MAX_HELPERS:
            raise Invalid(f"`helpers` may name at most {MAX_HELPERS} handlers.")
    await rows.set_helpers(ctx.session, ticket.id, sorted(chosen), ctx.now)
    added = sorted(set(chosen) - set(before))
    if added:
        await notify(ctx, ticket, "helping", user_ids=added)
    if not before and not chosen:
        return {}  # no helpers, before or now: the event says nothing of them
    return {
        "helpers": sorted(chosen.values()),
        "helper_names": [names[u] for u in sorted(chosen, key=lambda u: chosen[u])],
        "helpers_added": sorted(chosen[u] for u in added),
        "helpers_removed": sorted(name for u, name in before.items() if u not in chosen),
    }


async def helper_names(ctx: Ctx, ticket: Ticket) -> list[str]:
    """The helpers' display names, for the page."""
    return [r.display_name for r in await rows.helpers_of(ctx.session, ticket.id)]


async def notify(
    ctx: Ctx, ticket: Ticket, rule: str, *, user_ids: Sequence[int] = (), leaders: bool = False
) -> None:
    """One in-app notice (with its outbox rows): to `user_ids`, or to the leaders of the unit
    the ticket is filed at. A helper is told once per deadline; an answer to sign and one sent
    back once per instant (a resubmission after 退回修改 is news again)."""
    text = _notice_text(rule, ticket.number, local(ticket.respond_due_at, ctx.settings.timezone))
    ctx.deliveries += await notices_db.notify_staff(
        await fast.driver(ctx),
        org_id=ticket.org_id if leaders else None,
        roles=[Role.LEADER.value] if leaders else (),
        user_ids=user_ids,
        ticket_id=ticket.id,
        rule=rule,
        deadline=ticket.respond_due_at if rule == "helping" else ctx.now,
        body=text,
        subject=SUBJECTS[rule],
        data=json.dumps({"body": text, "number": ticket.number}, ensure_ascii=False),
        now=ctx.now,
    )


# ---- drafts -----------------------------------------------------------------------------------


async def _drafter(ctx: Ctx, principal: Principal, number: str) -> Ticket:
    """The ticket, if the caller may keep a draft on it now (who may `note`: 403 / 409)."""
    ticket, _, _ = await scoped(ctx, principal, number)
    lifecycle.transition(Status(ticket.status), Action.NOTE, await actors_on(ctx, principal, ticket))
    return ticket


async def drafts(ctx: Ctx, principal: Principal, number: str) -> cs.DraftList:
    ticket, _, _ = await scoped(ctx, principal, number)
    if not await actors_on(ctx, principal, ticket) & DRAFT_READERS:
        raise NotPermitted("Only the ticket's lead, its helpers and leaders read its drafts.")
    return await _draft_list(ctx, ticket)


async def _draft_list(ctx: Ctx, ticket: Ticket) -> cs.DraftList:
    found = await rows.drafts_of(ctx.session, ticket.id)
    return cs.DraftList([cs.DraftView(r.username, r.display_name, r.text, r.updated_at) for r in found])


async def save_draft(ctx: Ctx, principal: Principal, number: str, request: cs.DraftRequest) -> cs.DraftList:
    """The caller's draft answer, replaced (a blank text deletes it)."""
    ticket = await _drafter(ctx, principal, number)
    if len(request.text) > 5000:
        raise Invalid("`text` may be at most 5000 characters.")
    text = request.text.strip()
    if text:
        await rows.put_draft(ctx.session, ticket.id, principal.user_id, request.text, ctx.now)
    else:
        await rows.delete_draft(ctx.session, ticket.id, principal.user_id)
    return await _draft_list(ctx, ticket)
