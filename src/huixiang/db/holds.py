"""The queries of 退单 and 挂起: who assigned a ticket last, and the holds whose day has come."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.enums import Action, Status
from .models import Ticket, TicketEvent
from .repo import subtree


async def last_assigner(session: AsyncSession, ticket_id: int) -> int | None:
    """The user who last assigned the ticket (交办): whom the assignee's return goes back to."""
    query = (
        select(TicketEvent.actor_id)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == Action.ASSIGN.value)
        .order_by(TicketEvent.seq.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def lock_holds_due(
    session: AsyncSession, now: datetime, root_path: str, limit: int
) -> Sequence[Ticket]:
    """Held tickets under `root_path` whose expected day has come (ix_tickets_held_until),
    locked, skipping the ones another sweep holds."""
    query = (
        select(Ticket)
        .where(
            Ticket.status == Status.HELD.value, Ticket.hold_until <= now, subtree(Ticket.org_path, root_path)
        )
        .order_by(Ticket.hold_until)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).scalars().all()
