"""督办 orders and the overdue board: every statement on `supervision_orders`, each read of
orders through a scoped ticket (repo.in_scope), and the sweep's rule over the orders' deadlines
(one UPDATE over the partial index ix_supervision_orders_sweep, whose predicate its WHERE
repeats word for word)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..domain.access import Principal
from .models import AWAITING_SQL, Org, SupervisionOrder, Ticket, TicketEvent, User
from .repo import in_scope

PENDING = ("open", "overdue")
BATCH = 2000

School = aliased(Org, name="school")
Issuer = aliased(Org, name="issuer")
Assignee = aliased(User, name="assignee")


async def add_order(session: AsyncSession, order: SupervisionOrder) -> SupervisionOrder:
    session.add(order)
    await session.flush()
    return order


async def answer_pending(session: AsyncSession, ticket_id: int, now: datetime) -> int:
    """The ticket's orders not answered yet (open or overdue) become answered now."""
    result = await session.execute(
        update(SupervisionOrder)
        .where(SupervisionOrder.ticket_id == ticket_id, SupervisionOrder.state.in_(PENDING))
        .values(state="answered", answered_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def move_pending(session: AsyncSession, from_ticket_id: int, to_ticket_id: int) -> int:
    """The ticket's orders not answered yet move to another ticket (a merge's primary)."""
    result = await session.execute(
        update(SupervisionOrder)
        .where(SupervisionOrder.ticket_id == from_ticket_id, SupervisionOrder.state.in_(PENDING))
        .values(ticket_id=to_ticket_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _order_select() -> Any:
    """An order with its ticket's number, status and school, and the issuing unit's name."""
    return (
        select(
            SupervisionOrder,
            Ticket.number.label("number"),
            Ticket.status.label("ticket_status"),
            Ticket.org_path.label("org_path"),
            School.code.label("school_code"),
            School.name.label("school_name"),
            Issuer.name.label("issuer_org_name"),
        )
        .join(Ticket, Ticket.id == SupervisionOrder.ticket_id)
        .join(School, School.id == Ticket.school_id)
        .join(Issuer, Issuer.id == SupervisionOrder.issuer_org_id)
    )


async def orders_of_ticket(session: AsyncSession, ticket_id: int) -> Sequence[Any]:
    """A ticket's orders, newest first (the caller has reached the ticket through its scope)."""
    query = (
        _order_select().where(SupervisionOrder.ticket_id == ticket_id).order_by(SupervisionOrder.id.desc())
    )
    return (await session.execute(query)).all()


async def scoped_order(
    session: AsyncSession, principal: Principal, order_id: int, *, for_update: bool = False
) -> Any | None:
    """One order, if the principal reaches its ticket."""
    query = _order_select().where(SupervisionOrder.id == order_id, in_scope(principal))
    if for_update:
        query = query.with_for_update(of=SupervisionOrder)
    return (await session.execute(query)).one_or_none()


async def orders_in_scope(
    session: AsyncSession, principal: Principal, state: str | None, limit: int
) -> Sequence[Any]:
    """The orders on tickets the principal reaches, newest first (of one state, when given)."""
    query = _order_select().where(in_scope(principal))
    if state is not None:
        query = query.where(SupervisionOrder.state == state)
    query = query.order_by(SupervisionOrder.created_at.desc(), SupervisionOrder.id.desc()).limit(limit)
    return (await session.execute(query)).all()


async def state_counts(session: AsyncSession, principal: Principal) -> dict[str, int]:
    """How many orders in the principal's scope are in each state."""
    query = (
        select(SupervisionOrder.state, func.count())
        .join(Ticket, Ticket.id == SupervisionOrder.ticket_id)
        .where(in_scope(principal))
        .group_by(SupervisionOrder.state)
    )
    return {state: int(n) for state, n in (await session.execute(query)).all()}


async def overdue_board(
    session: AsyncSession,
    principal: Principal,
    now: datetime,
    limit: int,
    *,
    school_code: str | None = None,
    after: tuple[datetime, int] | None = None,
) -> Sequence[Any]:
    """The tickets in scope awaiting an answer past their deadline (ix_tickets_open_due), the
    longest overdue first, each with its school, its assignee's name, its orders not answered
    yet and its chases; of one school when given; after `after` (deadline, id), a page on."""
    pending = (
        select(func.count())
        .where(SupervisionOrder.ticket_id == Ticket.id, SupervisionOrder.state.in_(PENDING))
        .scalar_subquery()
    )
    chases = (
        select(func.count())
        .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.action == "chase")
        .scalar_subquery()
    )
    query = (
        select(
            Ticket.id,
            Ticket.number,
            Ticket.status,
            Ticket.title,
            Ticket.content,
            School.code.label("school_code"),
            School.name.label("school_name"),
            Ticket.org_path,
            Ticket.to_bureau,
            Ticket.respond_due_at,
            (Ticket.escalated_for == Ticket.respond_due_at).label("escalated"),
            Assignee.display_name.label("assignee_name"),
            pending.label("pending_orders"),
            chases.label("chases"),
        )
        .join(School, School.id == Ticket.school_id)
        .outerjoin(Assignee, Assignee.id == Ticket.assignee_id)
        .where(
            text(f"tickets.status in ({AWAITING_SQL})"),
            Ticket.respond_due_at < now,
            in_scope(principal),
        )
        .order_by(Ticket.respond_due_at, Ticket.id)
        .limit(limit)
    )
    if school_code is not None:
        query = query.where(School.code == school_code)
    if after is not None:
        query = query.where(tuple_(Ticket.respond_due_at, Ticket.id) > tuple_(*after))
    return (await session.execute(query)).all()


# ---- the deadline sweep's rule ----------------------------------------------------------------

FIRE_OVERDUE = f"""
WITH due AS (
    SELECT id FROM supervision_orders
    WHERE state = 'open' AND due_at IS NOT NULL AND due_at < $1
    ORDER BY due_at
    LIMIT {BATCH}
    FOR UPDATE SKIP LOCKED
)
UPDATE supervision_orders o SET state = 'overdue', overdue_at = $1
FROM due, tickets t
WHERE o.id = due.id AND t.id = o.ticket_id
RETURNING o.id, o.ticket_id, o.issued_by_id, o.due_at AS deadline, o.note, t.number, t.org_id
"""


async def fire_overdue(connection: asyncpg.Connection, now: datetime) -> list[Any]:
    """Mark a batch of open orders whose deadline passed before `now` as overdue, and answer
    them: each order moves once (its state leaves the index's predicate)."""
    return list(await connection.fetch(FIRE_OVERDUE, now))
