"""The staff actions of the lifecycle: scope → version → the table decides → apply → event."""

from __future__ import annotations

from ...db import repo
from ...db import trust as trust_db
from ...db.models import Ticket
from ...domain import lifecycle
from ...domain.access import Principal, may_be_assigned
from ...domain.enums import OPEN_STATUSES, Action, Kind, Priority, Status
from ...domain.errors import Conflict, Invalid
from .. import callbacks
from .. import schemas as s
from ..context import Ctx
from ..notices import ticket_assigned
from ..reference import categories, clock_for
from . import holds, orders
from .outcome import Handler, Outcome
from .records import append_event, commit_action, scoped, send_back, tell_parent
from .views import view_of


async def act(
    ctx: Ctx, principal: Principal, number: str, action: Action, request: s.ActionInput
) -> s.TicketView:
    """Take one lifecycle action: scope → version → the table decides → apply → event."""
    ticket, school_code, _ = await scoped(ctx, principal, number)
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
    await commit_action(
        ctx,
        ticket,
        action,
        status,
        target,
        actor=(principal.display_name, role, principal.user_id),
        note=_public(request.public_note) or outcome.public_note,
        internal_note=outcome.internal_note,
        data=outcome.data,
    )
    found = await repo.scoped_ticket(ctx.session, principal, number)
    if found is None:  # the action took it out of the caller's scope (退单 up to the district)
        assignee = await repo.username_of(ctx.session, ticket.assignee_id) if ticket.assignee_id else None
        found = (ticket, school_code, assignee)
    return await view_of(ctx, principal, *found)


def _public(note: str | None) -> str | None:
    """The public note as the parent will read it; a blank one is none."""
    return (note.strip() or None) if note else None


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
        internal_note=r.note,
        data={"kind": kind.value, "priority": priority.value, "category": ticket.category},
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
    await tell_parent(ctx, ticket, "merged", primary.number)
    moved = await orders.carry_over(ctx, ticket, primary)
    await append_event(
        ctx,
        primary,
        Action.MERGE,
        Status(primary.status),
        Status(primary.status),
        actor=(principal.display_name, _merging_role(principal, ticket), principal.user_id),
        internal_note=f"重复件 {ticket.number} 已合并到本件。"
        + (f"其 {moved} 件督办转到本件办理。" if moved else ""),
        data={"duplicate": ticket.number, "orders_moved": moved},
    )
    return Outcome(internal_note=r.note, data={"into": primary.number})


def _merging_role(principal: Principal, ticket: Ticket) -> str:
    actors = principal.actors_for(ticket.org_path, ticket.assignee_id)
    return lifecycle.acting_as(Action.MERGE, Status(ticket.status), actors)


async def _note_only(ctx: Ctx, _: Principal, ticket: Ticket, r: s.NoteRequest) -> Outcome:
    return Outcome(internal_note=r.note)


async def _assign(ctx: Ctx, _: Principal, ticket: Ticket, r: s.AssignRequest) -> Outcome:
    user = await repo.user_by_username(ctx.session, r.assignee)
    grants = (await repo.grants_of(ctx.session, [user.id]))[user.id] if user else []
    if user is None or not user.is_active or not may_be_assigned(grants, ticket.org_path):
        unit = "district (the ticket was sent to the bureau)" if ticket.to_bureau else "school"
        raise Invalid(f"`assignee` must be an active handler of this ticket's {unit}; {r.assignee!r} is not.")
    if await trust_db.is_named(ctx.session, ticket.id, user.id):
        raise Invalid(f"`assignee` {r.assignee!r} is named in this ticket and may not handle it.")
    previous = await repo.username_of(ctx.session, ticket.assignee_id) if ticket.assignee_id else None
    ticket.assignee_id = user.id
    await ticket_assigned(ctx, ticket, user.id)
    return Outcome(
        internal_note=r.note,
        data={"assignee": user.username, "assignee_name": user.display_name, "previous": previous},
    )


async def _respond(ctx: Ctx, _: Principal, ticket: Ticket, r: s.RespondRequest) -> Outcome:
    await tell_parent(ctx, ticket, "answered")
    ticket.response_text = r.text
    ticket.responded_at = ctx.now
    if ticket.first_responded_at is None:
        ticket.first_responded_at = ctx.now
        ticket.responded_on_time = ctx.now <= ticket.respond_due_at
    await callbacks.due_after_answer(ctx, ticket)
    return Outcome(internal_note=r.internal_note, data={"text": r.text})


async def _extend(ctx: Ctx, _: Principal, ticket: Ticket, r: s.ExtendRequest) -> Outcome:
    clock = await clock_for(ctx, ticket.org_path)
    clock.check_extension(
        ticket.respond_due_at, r.respond_due_at, already_extended=ticket.extended, now=ctx.now
    )
    previous = ticket.respond_due_at
    ticket.respond_due_at = r.respond_due_at
    ticket.extended = True
    tz = ctx.settings.timezone
    return Outcome(
        internal_note=r.reason,
        data={"from": previous.astimezone(tz).isoformat(), "to": r.respond_due_at.astimezone(tz).isoformat()},
    )


async def _archive(ctx: Ctx, _: Principal, ticket: Ticket, r: s.NoteRequest) -> Outcome:
    ticket.archived_at = ctx.now
    return Outcome(internal_note=r.note)


async def _reopen(ctx: Ctx, _: Principal, ticket: Ticket, r: s.ReopenRequest) -> Outcome:
    await send_back(ctx, ticket)
    return Outcome(internal_note=r.reason)


async def _supervise(ctx: Ctx, principal: Principal, ticket: Ticket, r: s.SuperviseRequest) -> Outcome:
    # An order of its own (services/tickets/orders.py); the ticket shows the newest one, and
    # the archive keeps every order with its deadline.
    order = await orders.issue(ctx, principal, ticket, r.note, r.due_at)
    due = r.due_at.astimezone(ctx.settings.timezone).isoformat() if r.due_at else None
    return Outcome(internal_note=r.note, data={"due_at": due, "order_id": order.id})


async def _chase(ctx: Ctx, principal: Principal, ticket: Ticket, r: s.ChaseRequest) -> Outcome:
    # A chase writes nothing on the ticket (lifecycle.LOGGED_ONLY): lock it for the event's seq.
    await repo.scoped_ticket(ctx.session, principal, ticket.number, for_update=True)
    order_id = await orders.chase(ctx, principal, ticket, r.order_id)
    return Outcome(internal_note=r.note, data={"order_id": order_id} if order_id else None)


async def _inspect(ctx: Ctx, _: Principal, ticket: Ticket, r: s.InspectRequest) -> Outcome:
    failed = r.verdict.value == "fail"
    if failed:
        await send_back(ctx, ticket)
    return Outcome(internal_note=r.note, data={"verdict": r.verdict.value}, rework=failed)


async def _callback(ctx: Ctx, principal: Principal, ticket: Ticket, r: s.CallbackRequest) -> Outcome:
    # 回访 (services/callbacks.py): 未解决 takes the rework branch back to the assignee.
    data = await callbacks.record_outcome(ctx, principal, ticket, r)
    return Outcome(internal_note=r.note, data=data, rework=not r.resolved)


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
    Action.CHASE: _chase,
    Action.INSPECT: _inspect,
    Action.CALLBACK: _callback,
    **holds.HANDLERS,
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
    Action.CHASE: s.ChaseRequest,
    Action.INSPECT: s.InspectRequest,
    Action.CALLBACK: s.CallbackRequest,
    **holds.REQUESTS,
}
