"""The queries of 退单 and 挂起: who assigned a ticket last, and the holds whose day has come."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..domain.enums import Action, Status
from .models import Org, Ticket, TicketEvent, User
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


async def assigned_with_last_event(session: AsyncSession, school_code: str) -> Sequence[Any]:
    """The school's assigned tickets (not under 督办) with their assignee's username and the
    time of their last event, oldest first (the demo picks its held and returned ones here)."""
    school = aliased(Org)
    query = (
        select(
            Ticket.number,
            User.username,
            Ticket.respond_due_at,
            func.max(TicketEvent.at).label("last_at"),
        )
        .join(school, school.id == Ticket.school_id)
        .join(User, User.id == Ticket.assignee_id)
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(
            school.code == school_code,
            Ticket.status == Status.ASSIGNED.value,
            ~Ticket.to_bureau,
            ~Ticket.supervised,  # the supervised ones stay where the bureau's orders find them
        )
        .group_by(Ticket.id, Ticket.number, User.username)
        .order_by(Ticket.id)
    )
    return (await session.execute(query)).all()


async def registered_with_last_event(session: AsyncSession, school_code: str) -> Sequence[Any]:
    """The school's registered tickets filed at it, with the time of their last event."""
    query = (
        select(Ticket.number, func.max(TicketEvent.at).label("last_at"))
        .join(Org, Org.id == Ticket.org_id)
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(Org.code == school_code, Ticket.status == Status.REGISTERED.value)
        .group_by(Ticket.id, Ticket.number)
        .order_by(Ticket.id)
    )
    return (await session.execute(query)).all()
