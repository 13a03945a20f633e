"""The staff actions of the lifecycle: scope → version → the table decides → apply → event."""

from __future__ import annotations

from ...db import cohandling as cohandling_db
from ...db import repo
from ...db import trust as trust_db
from ...db.models import Ticket
from ...domain import lifecycle
from ...domain.access import Principal, may_be_assigned
from ...domain.enums import OPEN_STATUSES, Action, Kind, Priority, Status
from ...domain.errors import Conflict, Invalid
from .. import callbacks
from .. import cohandling_schemas as cs
from .. import schemas as s
from ..context import Ctx
from ..notices import ticket_assigned
from ..reference import categories, clock_for
from . import cohandling, holds, orders
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
    actors = await cohandling.actors_on(ctx, principal, ticket)
    # Check the role and state before the action's own checks, so 403/409 come first.
    lifecycle.transition(status, action, actors, rework=False)
    outcome = await HANDLERS[action](ctx, principal, ticket, request)
    target = lifecycle.transition(status, action, actors, rework=outcome.rework, review=outcome.review)
    role = lifecycle.acting_as(action, status, actors)
    # The action's own public note stands in when the request has none; "" withholds any (an
    # answer under review says nothing to the parent yet).
    note = None if outcome.public_note == "" else (_public(request.public_note) or outcome.public_note)
    await commit_action(
        ctx,
        ticket,
        action,
        status,
        target,
        actor=(principal.display_name, role, principal.user_id),
        note=note,
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
    """To one lead (the assignee), with helpers (协办) when named."""
    user = await repo.user_by_username(ctx.session, r.assignee)
    grants = (await repo.grants_of(ctx.session, [user.id]))[user.id] if user else []
    if user is None or not user.is_active or not may_be_assigned(grants, ticket.org_path):
        unit = "district (the ticket was sent to the bureau)" if ticket.to_bureau else "school"
        raise Invalid(f"`assignee` must be an active handler of this ticket's {unit}; {r.assignee!r} is not.")
    if await trust_db.is_named(ctx.session, ticket.id, user.id):
        raise Invalid(f"`assignee` {r.assignee!r} is named in this ticket and may not handle it.")
    previous = await repo.username_of(ctx.session, ticket.assignee_id) if ticket.assignee_id else None
    helping = await cohandling.name_helpers(ctx, ticket, r.helpers, user.id)
    if user.id != ticket.assignee_id:
        ticket.assignee_id = user.id
        await ticket_assigned(ctx, ticket, user.id)
    return Outcome(
        internal_note=r.note,
        data={"assignee": user.username, "assignee_name": user.display_name, "previous": previous, **helping},
    )


async def _respond(ctx: Ctx, principal: Principal, ticket: Ticket, r: s.RespondRequest) -> Outcome:
    actors = await cohandling.actors_on(ctx, principal, ticket)
    if lifecycle.needs_sign_off(await cohandling.review_required(ctx, ticket), actors):
        # 审核签发: held for a leader; the parent hears nothing until it is signed (_approve).
        ticket.pending_text = r.text
        ticket.pending_note = _public(r.public_note)
        ticket.pending_by_id = principal.user_id
        ticket.pending_at = ctx.now
        await cohandling.notify(ctx, ticket, "to_sign", leaders=True)
        data = {"text": r.text, "review": True}
        return Outcome(internal_note=r.internal_note, data=data, review=True, public_note="")
    # The drafts go first: a statement after the ticket's changes would flush them early, and
    # the ticket's version would count two updates for one action.
    await cohandling_db.delete_drafts(ctx.session, ticket.id)
    await _publish(ctx, ticket, r.text)
    await tell_parent(ctx, ticket, "answered")
    return Outcome(internal_note=r.internal_note, data={"text": r.text})


async def _publish(ctx: Ctx, ticket: Ticket, text: str) -> None:
    """The answer is the parent's now: the deadline counts at this moment (the first answer's)."""
    # Its statements before the ticket's changes: one after them would flush the ticket early
    # and count two versions for one action.
    await callbacks.due_after_answer(ctx, ticket)
    ticket.response_text = text
    ticket.responded_at = ctx.now
    if ticket.first_responded_at is None:
        ticket.first_responded_at = ctx.now
        ticket.responded_on_time = ctx.now <= ticket.respond_due_at
    ticket.pending_text = ticket.pending_note = None
    ticket.pending_by_id = ticket.pending_at = None


async def _approve(ctx: Ctx, _: Principal, ticket: Ticket, r: cs.ApproveRequest) -> Outcome:
    """签发: the answer under review goes to the parent, as its author wrote it."""
    text, held_note, author_id = ticket.pending_text or "", ticket.pending_note, ticket.pending_by_id
    author = await repo.username_of(ctx.session, author_id) if author_id else None
    await cohandling_db.delete_drafts(ctx.session, ticket.id)  # before the ticket's changes
    await _publish(ctx, ticket, text)
    await tell_parent(ctx, ticket, "answered")
    note = _public(r.public_note) or held_note or ""
    return Outcome(internal_note=r.note, data={"text": text, "author": author}, public_note=note)


async def _send_back(ctx: Ctx, _: Principal, ticket: Ticket, r: cs.SendBackRequest) -> Outcome:
    """退回修改: back to the assignee with what to change; the answer stays as their draft (the
    respond form offers it again) and the one deadline runs on."""
    if ticket.assignee_id is not None:
        await cohandling.notify(ctx, ticket, "sent_back", user_ids=[ticket.assignee_id])
    return Outcome(internal_note=r.note)


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


async def _note(ctx: Ctx, principal: Principal, ticket: Ticket, r: cs.NoteAction) -> Outcome:
    """批注: internal only (a helper speaks to the parent through the lead's answer)."""
    if _public(r.public_note):
        raise Invalid(
            "`public_note` is not taken with a note: a note is internal; the answer speaks to the parent."
        )
    # A note writes nothing on the ticket (lifecycle.LOGGED_ONLY): lock it for the event's seq.
    await repo.scoped_ticket(ctx.session, principal, ticket.number, for_update=True)
    return Outcome(internal_note=r.note, public_note="")


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
    Action.APPROVE: _approve,
    Action.SEND_BACK: _send_back,
    Action.NOTE: _note,
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
    Action.APPROVE: cs.ApproveRequest,
    Action.SEND_BACK: cs.SendBackRequest,
    Action.NOTE: cs.NoteAction,
}
