"""What every ticket use case shares: the scoped lookup, the chained event, the status write,
the rework send-back and the parent's notice."""

from __future__ import annotations

from typing import Any

from ...db import fast, repo
from ...db import supervision as orders_db
from ...db.models import Ticket, TicketEvent
from ...domain import lifecycle
from ...domain.access import Principal
from ...domain.chain import GENESIS, event_hash
from ...domain.enums import Action, Status
from ...domain.errors import NotFound
from ...domain.supervision import ANSWERING_ACTIONS
from .. import notices
from ..context import Ctx
from ..reference import clock_for

# (display name, role acted as, user id): who an event says acted.
ActorRef = tuple[str, str, int | None]


async def scoped(
    ctx: Ctx, principal: Principal, number: str, *, for_update: bool = False
) -> tuple[Ticket, str, str | None]:
    """The ticket, its school's code and its assignee's username, if the principal reaches it."""
    found = await repo.scoped_ticket(ctx.session, principal, number, for_update=for_update)
    if found is None:
        raise NotFound(f"Ticket {number} was not found.")
    return found


async def commit_action(
    ctx: Ctx,
    ticket: Ticket,
    action: Action,
    from_status: Status,
    to_status: Status,
    *,
    actor: ActorRef,
    note: str | None = None,
    internal_note: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Apply the new status (optimistically locked by version) and append the chained event.
    An action that changes nothing on the ticket (lifecycle.LOGGED_ONLY) only appends the event;
    its handler locks the ticket, so the event chain's next seq is still taken one at a time."""
    if action not in lifecycle.LOGGED_ONLY:
        if from_status is Status.ASSIGNED and to_status is not Status.ASSIGNED:
            ticket.hold_request = None  # a hold asked for lapses when the ticket moves on
        ticket.status = to_status.value
        ticket.updated_at = ctx.now
        await ctx.session.flush()  # UPDATE … WHERE version = :seen; stale: StaleDataError
    if action in ANSWERING_ACTIONS and to_status is not Status.REVIEWING:
        # an answer (once the parent has it) answers the ticket's pending 督办 orders
        await orders_db.answer_pending(ctx.session, ticket.id, ctx.now)
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
    actor: ActorRef,
    note: str | None = None,
    internal_note: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one event to the ticket's chain. `note` is public (the parent's timeline shows it);
    `internal_note` and `data` are for staff only."""
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


async def send_back(ctx: Ctx, ticket: Ticket) -> None:
    """Back to the assignee for rework (整改), with the rework deadline."""
    clock = await clock_for(ctx, ticket.org_path)
    ticket.respond_due_at = clock.rework_due(ctx.now)
    ticket.reopen_count += 1
    ticket.extended = False
    ticket.archived_at = None


async def tell_parent(ctx: Ctx, ticket: Ticket, rule: str, extra: str = "") -> None:
    """The parent's notice (answered, merged) through the contact they left, via the outbox."""
    if ticket.anonymous:
        return
    text = notices.ticket_text(rule, ticket.number, None, ctx.settings.timezone, extra)
    connection = await fast.driver(ctx)
    targets = (
        await notices.escrow_targets(connection, ticket.id)
        if ticket.escrowed
        else notices.parent_targets(ticket.contact)
    )
    rows = [(ticket.id, rule, "parent", channel, target, ctx.now, text) for channel, target in targets]
    ctx.deliveries += await notices.enqueue_outbox(connection, rows, ctx.now)
