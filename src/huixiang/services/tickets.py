"""Ticket use cases after intake: the staff actions of the lifecycle, staff reads, and the
parent's view and rating."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..db import fast, repo
from ..db.models import Ticket, TicketEvent
from ..domain import lifecycle
from ..domain.access import Principal, mask_phone, may_see_full_phone
from ..domain.chain import GENESIS, HASHED_FIELDS, event_hash, verify_chain
from ..domain.enums import (
    OPEN_STATUSES,
    Action,
    Actor,
    Kind,
    Priority,
    Status,
)
from ..domain.errors import Conflict, Invalid, NotFound
from . import notices
from . import schemas as s
from .context import Ctx
from .reference import categories, clock_for
from .secrets import code_matches

# ---- the parent's view and rating -----------------------------------------------------------

NOT_FOUND_PUBLIC = "No ticket matches this number and access code."
# The steps the parent sees on the timeline; supervision stays between the school and the bureau.
PUBLIC_ACTIONS = frozenset(
    {
        Action.INTAKE,
        Action.REGISTER,
        Action.MERGE,
        Action.SUBMIT,
        Action.ASSIGN,
        Action.RESPOND,
        Action.EXTEND,
        Action.RATE,
        Action.ARCHIVE,
        Action.REOPEN,
        Action.INSPECT,
    }
)
PUBLIC_ACTION_NAMES = sorted(a.value for a in PUBLIC_ACTIONS)


def _check_code(ctx: Ctx, code: str, stored: bytes | None) -> None:
    # Compared in every case, so a wrong code and an unknown number take the same path.
    if not code_matches(ctx.settings.secret_key, code, stored or bytes(32)) or stored is None:
        raise NotFound(NOT_FOUND_PUBLIC)


async def _ticket_by_code(ctx: Ctx, number: str, code: str) -> Ticket:
    ticket = await repo.ticket_by_number(ctx.session, number)
    _check_code(ctx, code, ticket.access_code_hash if ticket else None)
    assert ticket is not None
    return ticket


async def public_view(ctx: Ctx, number: str, code: str) -> s.PublicTicketView:
    row = await fast.track_row(await fast.driver(ctx), number, PUBLIC_ACTION_NAMES)
    _check_code(ctx, code, row["access_code_hash"] if row else None)
    merged = row["primary_number"] is not None
    answer = (
        (row["primary_text"], row["primary_responded_at"])
        if merged
        else (row["response_text"], row["responded_at"])
    )
    timeline = [
        s.TimelineItem(at, action, note)
        for at, action, note in zip(row["ats"] or (), row["actions"] or (), row["notes"] or (), strict=True)
    ]
    return s.PublicTicketView(
        number=row["number"],
        status=row["status"],
        kind=row["kind"],
        category=row["category"],
        content=row["content"],
        collected_at=row["collected_at"],
        respond_due_at=row["primary_due_at"] if merged else row["respond_due_at"],
        timeline=timeline,
        response=s.ResponseView(answer[0], answer[1]) if answer[0] is not None else None,
        rating=s.RatingView(row["rating"], row["rating_comment"], row["rated_at"])
        if row["rating"] is not None
        else None,
        merged_into=row["primary_number"],
        to_bureau=row["to_bureau"],
    )


async def rate(ctx: Ctx, number: str, request: s.RatingRequest) -> s.PublicTicketView:
    ticket = await _ticket_by_code(ctx, number, request.code)
    status = Status(ticket.status)
    if (
        status is Status.RESPONDED
        and ticket.rated_at
        and ticket.responded_at
        and (ticket.rated_at >= ticket.responded_at)
    ):
        raise Conflict("This answer has already been rated.")
    rework = lifecycle.rating_reopens(request.value, ticket.reopened_by_rating)
    target = lifecycle.transition(status, Action.RATE, frozenset({Actor.PARENT}), rework=rework)
    ticket.rating = request.value.value
    ticket.rating_comment = request.comment
    ticket.rated_at = ctx.now
    if target is Status.ASSIGNED:
        ticket.reopened_by_rating = True
        await _send_back(ctx, ticket)
    await _commit_action(
        ctx,
        ticket,
        Action.RATE,
        status,
        target,
        actor=("parent", Actor.PARENT, None),
        note=request.comment,
        data={"value": request.value.value},
    )
    return await public_view(ctx, number, request.code)


# ---- staff reads ----------------------------------------------------------------------------


async def _scoped(ctx: Ctx, principal: Principal, number: str) -> tuple[Ticket, str, str | None]:
    found = await repo.scoped_ticket(ctx.session, principal, number)
    if found is None:
        raise NotFound(f"Ticket {number} was not found.")
    return found


async def get_ticket(ctx: Ctx, principal: Principal, number: str) -> s.TicketView:
    ticket, school_code, assignee = await _scoped(ctx, principal, number)
    return await _staff_view(ctx, principal, ticket, school_code, assignee)


async def _staff_view(
    ctx: Ctx, principal: Principal, ticket: Ticket, school_code: str, assignee: str | None
) -> s.TicketView:
    merged_into = None
    if ticket.merged_into_id is not None:
        primary = await repo.ticket_by_id(ctx.session, ticket.merged_into_id)
        merged_into = primary.number if primary else None
    return staff_view(principal, ticket, school_code, assignee, ctx.now, merged_into)


def staff_view(
    principal: Principal,
    ticket: Ticket,
    school_code: str,
    assignee: str | None,
    now: datetime,
    merged_into: str | None = None,
) -> s.TicketView:
    contact = dict(ticket.contact) if ticket.contact else None
    if contact and contact.get("phone") and not may_see_full_phone(principal.roles_over(ticket.org_path)):
        contact["phone"] = mask_phone(contact["phone"])
    return s.TicketView(
        number=ticket.number,
        school_code=school_code,
        channel=ticket.channel,
        kind=ticket.kind,
        category=ticket.category,
        priority=ticket.priority,
        status=ticket.status,
        title=ticket.title,
        content=ticket.content,
        anonymous=ticket.anonymous,
        to_bureau=ticket.to_bureau,
        contact=contact,
        student=dict(ticket.student) if ticket.student else None,
        collected_at=ticket.collected_at,
        register_due_at=ticket.register_due_at,
        respond_due_at=ticket.respond_due_at,
        overdue=lifecycle.is_overdue(Status(ticket.status), ticket.respond_due_at, now),
        supervised=ticket.supervised,
        supervision=s.Supervision(ticket.supervise_note, ticket.supervise_due_at)
        if ticket.supervised
        else None,
        assignee=assignee,
        response=_response(ticket),
        rating=_rating(ticket),
        extended=ticket.extended,
        merged_into=merged_into,
        version=ticket.version,
    )


def _response(ticket: Ticket) -> s.ResponseView | None:
    if ticket.response_text is None or ticket.responded_at is None:
        return None
    return s.ResponseView(ticket.response_text, ticket.responded_at)


def _rating(ticket: Ticket) -> s.RatingView | None:
    if ticket.rating is None or ticket.rated_at is None:
        return None
    return s.RatingView(ticket.rating, ticket.rating_comment, ticket.rated_at)


async def events(ctx: Ctx, principal: Principal, number: str) -> s.EventLog:
    ticket, _, _ = await _scoped(ctx, principal, number)
    rows = await repo.events_of(ctx.session, ticket.id)
    chain_ok = verify_chain(
        ticket.number,
        [{name: getattr(e, name) for name in (*HASHED_FIELDS, "prev_hash", "hash")} for e in rows],
    )
    items = [
        s.EventView(
            e.seq, e.at, e.action, e.actor, e.actor_role, e.from_status, e.to_status, e.note, e.internal_note
        )
        for e in rows
    ]
    return s.EventLog(items, chain_ok)


# ---- staff actions --------------------------------------------------------------------------

Handler = Callable[[Ctx, Principal, Ticket, Any], Awaitable["Outcome"]]


@dataclass
class Outcome:
    note: str | None = None
    internal_note: str | None = None
    data: dict[str, Any] | None = None
    rework: bool = False


async def act(
    ctx: Ctx, principal: Principal, number: str, action: Action, request: s.ActionInput
) -> s.TicketView:
    """Take one lifecycle action: scope → version → the table decides → apply → event."""
    ticket, _, _ = await _scoped(ctx, principal, number)
    if request.version is not None and request.version != ticket.version:
        raise Conflict(
            f"Ticket {number} changed since you loaded it (your version {request.version}, "
            f"now {ticket.version}); reload it and try again."
        )
    status = Status(ticket.status)
    actors = principal.actors_for(ticket.org_path, ticket.assignee_id)
    # Check the role and state before the action's own checks, so 403/409 come first.
    lifecycle.transition(status, action, actors, rework=False)
    outcome = await HANDLERS[action](ctx, principal, ticket, request)
    target = lifecycle.transition(status, action, actors, rework=outcome.rework)
    role = lifecycle.acting_as(action, status, actors)
    await _commit_action(
        ctx,
        ticket,
        action,
        status,
        target,
        actor=(principal.display_name, role, principal.user_id),
        note=outcome.note,
        internal_note=outcome.internal_note,
        data=outcome.data,
    )
    found = await _scoped(ctx, principal, number)
    return await _staff_view(ctx, principal, *found)


async def _commit_action(
    ctx: Ctx,
    ticket: Ticket,
    action: Action,
    from_status: Status,
    to_status: Status,
    *,
    actor: tuple[str, str, int | None],
    note: str | None = None,
    internal_note: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Apply the new status (optimistically locked by version) and append the chained event."""
    ticket.status = to_status.value
    ticket.updated_at = ctx.now
    await ctx.session.flush()  # UPDATE … WHERE version = :seen; a stale one raises StaleDataError
    await append_event(
        ctx,
        ticket,
        action,
        from_status,
        to_status,
        actor=actor,
        note=note,
        internal_note=internal_note,
        data=data,
    )


async def append_event(
    ctx: Ctx,
    ticket: Ticket,
    action: Action,
    from_status: Status | None,
    to_status: Status,
    *,
    actor: tuple[str, str, int | None],
    note: str | None = None,
    internal_note: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    last = await repo.last_event(ctx.session, ticket.id)
    prev_hash, seq = (last.hash, last.seq + 1) if last else (GENESIS, 1)
    name, role, actor_id = actor
    fields = {
        "seq": seq,
        "at": ctx.now,
        "action": action.value,
        "actor": name,
        "actor_role": str(role),
        "from_status": from_status.value if from_status else None,
        "to_status": to_status.value,
        "note": note,
        "internal_note": internal_note,
        "data": data,
    }
    ctx.session.add(
        TicketEvent(
            ticket_id=ticket.id,
            actor_id=actor_id,
            prev_hash=prev_hash,
            hash=event_hash(prev_hash, ticket.number, fields),
            **fields,
        )
    )
    await ctx.session.flush()


async def _send_back(ctx: Ctx, ticket: Ticket) -> None:
    """Back to the assignee for rework (整改), with the rework deadline."""
    clock = await clock_for(ctx, ticket.org_path)
    ticket.respond_due_at = clock.rework_due(ctx.now)
    ticket.reopen_count += 1
    ticket.extended = False
    ticket.archived_at = None


async def _register(ctx: Ctx, _: Principal, ticket: Ticket, r: s.RegisterRequest) -> Outcome:
    if r.category is not None:
        root_id = int(ticket.org_path.strip("/").split("/")[0])
        if r.category not in await categories(ctx, root_id):
            raise Invalid(f"`category` {r.category!r} is not one of this bureau's categories.")
        ticket.category = r.category
    kind = Kind(r.kind or ticket.kind)
    priority = Priority(r.priority or ticket.priority)
    if (kind.value, priority.value) != (ticket.kind, ticket.priority):
        clock = await clock_for(ctx, ticket.org_path)
        ticket.respond_due_at = clock.respond_due(ticket.collected_at, kind, priority)
    ticket.kind, ticket.priority = kind.value, priority.value
    ticket.registered_at = ctx.now
    return Outcome(
        note=r.note, data={"kind": kind.value, "priority": priority.value, "category": ticket.category}
    )


async def _merge(ctx: Ctx, principal: Principal, ticket: Ticket, r: s.MergeRequest) -> Outcome:
    # Locked: the merge appends an event to the primary, and two merges into it at once would
    # both take the same next seq (a unique violation, a 500).
    found = await repo.scoped_ticket(ctx.session, principal, r.into, for_update=True)
    if found is None:
        raise Invalid(f"`into` names no ticket in your scope: {r.into!r}.")
    primary = found[0]
    if primary.id == ticket.id:
        raise Invalid("`into` must be another ticket, not this one.")
    if primary.school_id != ticket.school_id:
        raise Invalid("`into` must be a ticket of the same school.")
    if Status(primary.status) not in OPEN_STATUSES or primary.merged_into_id is not None:
        raise Invalid(f"`into` must be an open ticket; {primary.number} is {primary.status}.")
    ticket.merged_into_id = primary.id
    await _tell_parent(ctx, ticket, "merged", primary.number)
    await append_event(
        ctx,
        primary,
        Action.MERGE,
        Status(primary.status),
        Status(primary.status),
        actor=(principal.display_name, _merging_role(principal, ticket), principal.user_id),
        internal_note=f"重复件 {ticket.number} 已合并到本件。",
        data={"duplicate": ticket.number},
    )
    return Outcome(note=r.note, data={"into": primary.number})


def _merging_role(principal: Principal, ticket: Ticket) -> str:
    actors = principal.actors_for(ticket.org_path, ticket.assignee_id)
    return lifecycle.acting_as(Action.MERGE, Status(ticket.status), actors)


async def _note_only(ctx: Ctx, _: Principal, ticket: Ticket, r: s.NoteRequest) -> Outcome:
    return Outcome(note=r.note)


async def _assign(ctx: Ctx, _: Principal, ticket: Ticket, r: s.AssignRequest) -> Outcome:
    user = await repo.user_by_username(ctx.session, r.assignee)
    grants = (await repo.grants_of(ctx.session, [user.id]))[user.id] if user else []
    if user is None or not user.is_active or not any(ticket.org_path.startswith(g.org_path) for g in grants):
        raise Invalid(f"`assignee` {r.assignee!r} is not active staff who can see this ticket.")
    ticket.assignee_id = user.id
    return Outcome(note=r.note, data={"assignee": user.username})


async def _tell_parent(ctx: Ctx, ticket: Ticket, rule: str, extra: str = "") -> None:
    """The parent's notice (answered, merged) through the contact they left, via the outbox."""
    if ticket.anonymous:
        return
    text = notices.ticket_text(rule, ticket.number, None, ctx.settings.timezone, extra)
    rows = [
        (ticket.id, rule, "parent", channel, target, ctx.now, text)
        for channel, target in notices.parent_targets(ticket.contact)
    ]
    ctx.deliveries += await notices.enqueue_outbox(await fast.driver(ctx), rows, ctx.now)


async def _respond(ctx: Ctx, _: Principal, ticket: Ticket, r: s.RespondRequest) -> Outcome:
    await _tell_parent(ctx, ticket, "answered")
    ticket.response_text = r.text
    ticket.responded_at = ctx.now
    if ticket.first_responded_at is None:
        ticket.first_responded_at = ctx.now
        ticket.responded_on_time = ctx.now <= ticket.respond_due_at
    return Outcome(internal_note=r.internal_note)


async def _extend(ctx: Ctx, _: Principal, ticket: Ticket, r: s.ExtendRequest) -> Outcome:
    clock = await clock_for(ctx, ticket.org_path)
    clock.check_extension(
        ticket.respond_due_at, r.respond_due_at, already_extended=ticket.extended, now=ctx.now
    )
    previous = ticket.respond_due_at
    ticket.respond_due_at = r.respond_due_at
    ticket.extended = True
    return Outcome(
        internal_note=r.reason,
        data={"from": previous.isoformat(), "to": r.respond_due_at.isoformat()},
    )


async def _archive(ctx: Ctx, _: Principal, ticket: Ticket, r: s.NoteRequest) -> Outcome:
    ticket.archived_at = ctx.now
    return Outcome(note=r.note)


async def _reopen(ctx: Ctx, _: Principal, ticket: Ticket, r: s.ReopenRequest) -> Outcome:
    await _send_back(ctx, ticket)
    return Outcome(internal_note=r.reason)


async def _supervise(ctx: Ctx, _: Principal, ticket: Ticket, r: s.SuperviseRequest) -> Outcome:
    if r.due_at is not None and (r.due_at.tzinfo is None or r.due_at <= ctx.now):
        raise Invalid("`due_at` must be a future time with a time zone offset.")
    ticket.supervised = True
    ticket.supervise_note = r.note
    ticket.supervise_due_at = r.due_at
    return Outcome(internal_note=r.note)


async def _inspect(ctx: Ctx, _: Principal, ticket: Ticket, r: s.InspectRequest) -> Outcome:
    failed = r.verdict.value == "fail"
    if failed:
        await _send_back(ctx, ticket)
    return Outcome(internal_note=r.note, data={"verdict": r.verdict.value}, rework=failed)


HANDLERS: dict[Action, Handler] = {
    Action.REGISTER: _register,
    Action.MERGE: _merge,
    Action.SUBMIT: _note_only,
    Action.ASSIGN: _assign,
    Action.RESPOND: _respond,
    Action.EXTEND: _extend,
    Action.ARCHIVE: _archive,
    Action.REOPEN: _reopen,
    Action.SUPERVISE: _supervise,
    Action.INSPECT: _inspect,
}

REQUESTS: dict[Action, type[s.ActionInput]] = {
    Action.REGISTER: s.RegisterRequest,
    Action.MERGE: s.MergeRequest,
    Action.SUBMIT: s.NoteRequest,
    Action.ASSIGN: s.AssignRequest,
    Action.RESPOND: s.RespondRequest,
    Action.EXTEND: s.ExtendRequest,
    Action.ARCHIVE: s.NoteRequest,
    Action.REOPEN: s.ReopenRequest,
    Action.SUPERVISE: s.SuperviseRequest,
    Action.INSPECT: s.InspectRequest,
}


# ---- the system's own actions ---------------------------------------------------------------

SYSTEM_ACTOR = ("system", str(Actor.SYSTEM), None)


async def archive_expired(ctx: Ctx, responded_before: datetime, root_path: str, limit: int = 2000) -> int:
    """Close the loop on answers whose rating window has passed (the worker's archive)."""
    connection = await fast.driver(ctx)
    rows = await connection.fetch(
        "SELECT id FROM tickets WHERE status = 'responded' AND responded_at <= $1 "
        "AND org_path >= $2 AND org_path < $3 ORDER BY responded_at LIMIT $4 FOR UPDATE SKIP LOCKED",
        responded_before,
        root_path,
        root_path[:-1] + "0",
        limit,
    )
    for row in rows:
        ticket = await repo.ticket_by_id(ctx.session, row["id"])
        assert ticket is not None
        target = lifecycle.transition(Status.RESPONDED, Action.ARCHIVE, frozenset({Actor.SYSTEM}))
        ticket.archived_at = ctx.now
        await _commit_action(
            ctx,
            ticket,
            Action.ARCHIVE,
            Status.RESPONDED,
            target,
            actor=SYSTEM_ACTOR,
            note="评价期已满，自动办结。",
        )
    return len(rows)
