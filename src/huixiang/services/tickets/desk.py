"""The staff's ticket page in one call: the ticket as the caller may see it, its timeline and
files, the actions the table gives this caller, and what each action's form offers (likely
duplicates, the school's handlers with their load, the canned answers, the extension's days).
And the page's writes: an action from a form (with an answer's photos), and the audited reveal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import msgspec
from sqlalchemy.orm.exc import StaleDataError

from ...db import desk as rows
from ...db import repo
from ...db import supervision as orders_db
from ...db import trust as trust_db
from ...domain import lifecycle, replies
from ...domain.access import Principal, may_reveal, may_see_identity
from ...domain.deadlines import MAX_HOLD_DAYS
from ...domain.due import DueChip, due_chip
from ...domain.enums import TRUST_KINDS, Action, Actor, Kind, Role, Status
from ...domain.errors import Conflict, Invalid
from ...domain.extension import ExtensionWindow, due_on, extension_window
from ...domain.trust import NAMING_STATUSES, may_unseal
from .. import cohandling_schemas as cs
from .. import schemas as s
from .. import trust
from ..context import Ctx
from ..intake import Upload
from ..reference import categories, clock_for, org_info
from ..replies import Reply, of_school
from . import cohandling
from .actions import REQUESTS, act
from .orders import order_view
from .privacy import reveal as reveal_identity
from .records import scoped
from .views import attachments, events, view_of

DUPLICATE_DAYS = 30
EXCERPT = 80  # characters of a duplicate's words shown beside it
# Form fields that are a date on the page and a deadline (the end of that working day) in the request.
DATE_FIELDS = {Action.EXTEND: "respond_due_at", Action.SUPERVISE: "due_at"}
PHOTOS = "photos"


@dataclass(frozen=True, slots=True)
class Handler:
    username: str
    name: str
    open: int  # tickets assigned to them, not yet answered


@dataclass(frozen=True, slots=True)
class Duplicate:
    number: str
    title: str | None
    excerpt: str
    status: str
    collected_at: Any
    score: float  # the share of this ticket's bigrams the other one contains


@dataclass
class Desk:
    ticket: s.TicketView
    events: list[s.EventView]
    chain_ok: bool
    attachments: list[s.AttachmentView]
    actions: list[Action]
    may_reveal: bool
    masked: bool  # the contact and student show masked to this caller (a reveal shows them)
    school_name: str
    today: date  # in the bureau's zone: the earliest day a supervision order may be due
    identity: s.IdentityView | None = None  # after a reveal: the contact and student in full
    handlers: list[Handler] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    prefill: str | None = None  # a canned answer, filled in for this ticket
    extension: ExtensionWindow | None = None
    chip: DueChip | None = None  # the deadline in force, on working days (domain/due.py)
    orders: list[s.OrderView] = field(default_factory=list)  # 督办, newest first: shown on top
    hold_days: tuple[date, date] | None = None  # 挂起: the first and last day it may be expected to end
    named: list[str] = field(default_factory=list)  # the staff the ticket names (they never see it)
    staff: list[tuple[int, str]] = field(default_factory=list)  # who the caller may name now
    may_unseal: bool = False  # a district reviewer, on an escrowed ticket
    # 主办/协办: the school's handlers a leader may name as helpers, the drafts, and whether the
    # caller may keep one (who may `note`); whether the caller helps on this ticket.
    helper_choices: list[Handler] = field(default_factory=list)
    drafts: list[cs.DraftView] = field(default_factory=list)
    may_draft: bool = False
    helping: bool = False
    helper_names: list[str] = field(default_factory=list)  # display names, for the facts
    review: bool = False  # an answer by this caller waits for a leader's sign-off (审核签发)

    @property
    def latest(self) -> s.EventView | None:
        return self.events[-1] if self.events else None


async def desk(
    ctx: Ctx,
    principal: Principal,
    number: str,
    *,
    reply_id: int | None = None,
    identity: s.IdentityView | None = None,
    draft: str | None = None,
) -> Desk:
    ticket, school_code, assignee = await scoped(ctx, principal, number)
    view = await view_of(ctx, principal, ticket, school_code, assignee)
    log = await events(ctx, principal, number)
    files = await attachments(ctx, principal, number)
    actors = await cohandling.actors_on(ctx, principal, ticket)
    # 回访 is recorded from the callers' queue (/staff/callbacks), where the pending call is.
    allowed: list[Action] = [
        a for a in lifecycle.allowed_actions(Status(ticket.status), actors) if a != Action.CALLBACK
    ]
    school = await org_info(ctx, school_code)
    page = Desk(
        view,
        log.items,
        log.chain_ok,
        files.items,
        allowed,
        may_reveal(actors),
        not may_see_identity(principal.roles_over(ticket.org_path)),
        school.name if school else school_code,
        ctx.now.astimezone(ctx.settings.timezone).date(),
        identity,
    )
    page.orders = [order_view(r) for r in await orders_db.orders_of_ticket(ctx.session, ticket.id)]
    if Action.REGISTER in allowed:
        page.categories = await categories(ctx, int(ticket.org_path.strip("/").split("/")[0]))
    if Action.MERGE in allowed:
        found = await rows.likely_duplicates(
            ctx.session,
            ticket_id=ticket.id,
            school_id=ticket.school_id,
            words=f"{ticket.title or ''} {ticket.content}",
            since=ctx.now - timedelta(days=DUPLICATE_DAYS),
            viewer_id=principal.user_id,
        )
        page.duplicates = [
            Duplicate(r.number, r.title, _excerpt(r.content), r.status, r.collected_at, float(r.score))
            for r in found
        ]
    if Action.ASSIGN in allowed:
        page.handlers = [
            Handler(r.username, r.display_name, int(r.open))
            for r in await rows.handlers_with_load(ctx.session, ticket.org_id, ticket.id)
        ]
        page.helper_choices = page.handlers
    # The page offers a draft to the lead and the helpers (a leader answers or signs off; the
    # API lets a leader keep one too).
    page.may_draft = Action.NOTE in allowed and bool(actors & {Actor.ASSIGNEE, Actor.HELPER})
    page.helping = Actor.HELPER in actors
    page.helper_names = await cohandling.helper_names(ctx, ticket)
    if page.may_draft or actors & cohandling.DRAFT_READERS:
        page.drafts = (await cohandling.drafts(ctx, principal, number)).items
    if Action.RESPOND in allowed:
        page.review = lifecycle.needs_sign_off(await cohandling.review_required(ctx, ticket), actors)
        # The answer sent back (退回修改) or a chosen draft is offered again in the form.
        if ticket.pending_text is not None:
            page.prefill = ticket.pending_text
        chosen_draft = next((d for d in page.drafts if d.author == draft), None)
        if chosen_draft is not None:
            page.prefill = chosen_draft.text
        page.replies = await of_school(ctx, ticket.school_id)
        chosen = next((r for r in page.replies if r.id == reply_id), None)
        if chosen is not None:
            page.prefill = replies.fill(
                chosen.body,
                contact=ticket.contact,
                number=ticket.number,
                due=ticket.respond_due_at,
                tz=ctx.settings.timezone,
            )
    await _trust(ctx, principal, ticket, page)
    clock = await clock_for(ctx, ticket.org_path)
    page.chip = due_chip(Status(ticket.status), ticket.register_due_at, ticket.respond_due_at, ctx.now, clock)
    if Action.HOLD in allowed or Action.REQUEST_HOLD in allowed:
        page.hold_days = (page.today + timedelta(days=1), page.today + timedelta(days=MAX_HOLD_DAYS))
    if Action.EXTEND in allowed and not ticket.extended:
        page.extension = extension_window(clock, ticket.respond_due_at, ctx.now)
    return page


async def _trust(ctx: Ctx, principal: Principal, ticket: Any, page: Desk) -> None:
    """Who the ticket names, whom the caller may name, and whether they may unseal."""
    page.named = [r.display_name for r in await trust_db.named_of(ctx.session, ticket.id)]
    namers = principal.roles_over(ticket.org_path) & {Role.REGISTRAR, Role.LEADER}
    if namers and Status(ticket.status) in NAMING_STATUSES and Kind(ticket.kind) in TRUST_KINDS:
        people = {r.id: r.display_name for r in await trust_db.staff_of_school(ctx.session, ticket.school_id)}
        page.staff = sorted(people.items(), key=lambda p: (p[1], p[0]))
    if ticket.escrowed:
        reviewer = await trust_db.is_reviewer(ctx.session, principal.user_id)
        page.may_unseal = may_unseal(reviewer, principal.grants, ticket.org_path)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


async def unseal(ctx: Ctx, principal: Principal, number: str, reason: str) -> Desk:
    """The reviewer's audited unseal, then the page with the escrowed identity in full."""
    identity = await trust.unseal(ctx, principal, number, s.UnsealRequest(reason=reason))
    return await desk(ctx, principal, number, identity=identity)


async def name_staff(ctx: Ctx, principal: Principal, number: str, named: list[int], note: str | None) -> bool:
    """The form's marking of named staff; whether the caller still sees the ticket (a named
    leader sends it to the district, and the school's staff see it no more)."""
    await trust.name_staff(ctx, principal, number, s.NameStaffRequest(named_staff=named, note=note))
    return await repo.scoped_ticket(ctx.session, principal, number) is not None


async def reveal(ctx: Ctx, principal: Principal, number: str, reason: str) -> Desk:
    """The audited reveal (an event with the reason), then the page with the identity in full."""
    identity = await reveal_identity(ctx, principal, number, s.RevealRequest(reason=reason))
    return await desk(ctx, principal, number, identity=identity)


async def act_from_form(
    ctx: Ctx,
    principal: Principal,
    number: str,
    action: Action,
    values: Mapping[str, str],
    photos: Sequence[Upload] = (),
) -> s.TicketView:
    """A lifecycle action from the page's form: blank fields are left out, a date field is the
    end of that working day, the answer's photos are kept with the ticket. All or nothing: a
    refusal leaves the transaction as it was, so the page can show the form again."""
    if action not in REQUESTS:
        raise Invalid(f"'{action}' is not a staff action.")
    request = await _request(ctx, principal, number, action, values)
    try:
        async with ctx.session.begin_nested():
            view = await act(ctx, principal, number, action, request)
            if photos and action is Action.RESPOND:
                ticket, _, _ = await scoped(ctx, principal, number)
                files = [(p.filename, p.content_type, p.data) for p in photos]
                await rows.add_attachments(ctx.session, ticket.id, files, ctx.now)
    except StaleDataError:
        raise Conflict(f"Ticket {number} was changed by someone else at the same time.") from None
    return view


async def _request(
    ctx: Ctx, principal: Principal, number: str, action: Action, values: Mapping[str, str]
) -> s.ActionInput:
    schema = REQUESTS[action]
    known = set(schema.__struct_fields__)
    data: dict[str, Any] = {k: v for k, v in values.items() if k in known and v.strip()}
    if action is Action.ASSIGN and "helpers" in values:  # the ticked boxes, one a line; none: []
        data["helpers"] = [name for name in values["helpers"].split("\n") if name.strip()]
    if "version" in data:
        try:
            data["version"] = int(data["version"])
        except ValueError:
            raise Invalid("`version` must be a whole number.") from None
    date_field = DATE_FIELDS.get(action)
    if date_field and date_field in data:
        try:
            day = date.fromisoformat(data[date_field].strip())
        except ValueError:
            raise Invalid(f"`{date_field}` must be a date such as 2026-12-08.") from None
        ticket, _, _ = await scoped(ctx, principal, number)
        data[date_field] = due_on(await clock_for(ctx, ticket.org_path), day)
    try:
        return msgspec.convert(data, schema, strict=False)
    except msgspec.ValidationError as exc:
        raise Invalid(f"`{_field_of(str(exc))}`: {exc}") from None


def _field_of(message: str) -> str:
    """The field a msgspec error names (`... - at `$.text``), or the first required one missing."""
    if "at `$." in message:
        return message.rsplit("at `$.", 1)[1].split("`", 1)[0].split("[", 1)[0]
    if "missing required field `" in message:
        return message.split("missing required field `", 1)[1].split("`", 1)[0]
    return "form"
