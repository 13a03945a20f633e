"""回访: every statement on `callbacks` and `callback_policies`, each read through a scoped
ticket (repo.in_scope)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, cast, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..domain.access import Principal
from ..domain.enums import Role, Status
from .models import Callback, CallbackPolicyRow, Org, SupervisionOrder, Ticket, User
from .repo import in_scope

School = aliased(Org, name="school")
Assignee = aliased(User, name="assignee")
# The statuses a ticket may be called back in (the lifecycle's sources of `callback`).
# A callback still pending when its ticket was inspected (or merged) is never listed.
CALLABLE = (Status.RESPONDED.value, Status.ARCHIVED.value)


async def put_policy(session: AsyncSession, org_id: int, policy: dict[str, Any], now: datetime) -> None:
    await session.execute(
        pg_insert(CallbackPolicyRow)
        .values(org_id=org_id, policy=policy, updated_at=now)
        .on_conflict_do_update(index_elements=["org_id"], set_={"policy": policy, "updated_at": now})
    )


async def policies_on(session: AsyncSession, org_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    query = select(CallbackPolicyRow.org_id, CallbackPolicyRow.policy).where(
        CallbackPolicyRow.org_id.in_(list(org_ids))
    )
    return {org_id: policy for org_id, policy in (await session.execute(query)).all()}


async def add_pending(session: AsyncSession, ticket_id: int, caller: str, now: datetime) -> None:
    """A callback due for the ticket, unless one is pending already."""
    await session.execute(
        pg_insert(Callback)
        .values(ticket_id=ticket_id, caller=caller, created_at=now)
        .on_conflict_do_nothing(index_elements=["ticket_id"], index_where=text("done_at IS NULL"))
    )


async def pending_of(session: AsyncSession, ticket_id: int) -> Callback | None:
    query = (
        select(Callback).where(Callback.ticket_id == ticket_id, Callback.done_at.is_(None)).with_for_update()
    )
    return (await session.execute(query)).scalar_one_or_none()


async def of_ticket(session: AsyncSession, ticket_id: int) -> Sequence[Callback]:
    query = select(Callback).where(Callback.ticket_id == ticket_id).order_by(Callback.id)
    return (await session.execute(query)).scalars().all()


async def queue(
    session: AsyncSession, principal: Principal, roles: Sequence[Role], caller: str, limit: int
) -> Sequence[Any]:
    """The pending callbacks of `caller` on tickets this principal reaches through `roles` and
    does not handle, oldest first."""
    query = (
        select(
            Callback.id,
            Callback.created_at,
            Ticket.number,
            Ticket.title,
            Ticket.content,
            Ticket.kind,
            Ticket.status,
            Ticket.org_path,
            Ticket.contact,
            Ticket.responded_at,
            Ticket.response_text,
            Ticket.rating,
            School.code.label("school_code"),
            School.name.label("school_name"),
            Assignee.display_name.label("assignee_name"),
        )
        .join(Ticket, Ticket.id == Callback.ticket_id)
        .join(School, School.id == Ticket.school_id)
        .outerjoin(Assignee, Assignee.id == Ticket.assignee_id)
        .where(
            Callback.done_at.is_(None),
            Callback.caller == caller,
            Ticket.status.in_(CALLABLE),
            Ticket.assignee_id.is_distinct_from(principal.user_id),
            in_scope(principal, roles),
        )
        .order_by(Callback.created_at, Callback.id)
        .limit(limit)
    )
    return (await session.execute(query)).all()


def _counted(column: Any, condition: Any) -> Any:
    return func.count(column).filter(condition)


async def figures_by_school(
    session: AsyncSession, principal: Principal, start: datetime, end: datetime
) -> Sequence[Any]:
    """Per school in scope: callbacks pending now, and those done in [start, end) by outcome."""
    done = and_(Callback.done_at >= start, Callback.done_at < end)
    query = (
        select(
            School.code.label("school_code"),
            School.name.label("school_name"),
            _counted(Callback.id, and_(Callback.done_at.is_(None), Ticket.status.in_(CALLABLE))).label(
                "pending"
            ),
            _counted(Callback.id, done).label("made"),
            func.coalesce(func.sum(cast(Callback.resolved, Integer)).filter(done), 0).label("resolved"),
            _counted(Callback.id, and_(done, Callback.satisfaction == "satisfied")).label("satisfied"),
            _counted(Callback.id, and_(done, Callback.satisfaction == "basically_satisfied")).label(
                "basically_satisfied"
            ),
            _counted(Callback.id, and_(done, Callback.satisfaction == "unsatisfied")).label("unsatisfied"),
            _counted(Callback.id, and_(done, Callback.treated_differently.is_(True))).label(
                "treated_differently"
            ),
        )
        .join(Ticket, Ticket.id == Callback.ticket_id)
        .join(School, School.id == Ticket.school_id)
        .where(in_scope(principal), Callback.done_at.is_(None) | done)
        .group_by(School.code, School.name)
        .order_by(School.code)
    )
    return (await session.execute(query)).all()


async def retaliation_signs(
    session: AsyncSession, principal: Principal, start: datetime, end: datetime, limit: int
) -> Sequence[Any]:
    """The callbacks in scope done in [start, end) where the parent said the child has been
    treated differently since, newest first."""
    query = (
        select(
            Ticket.number,
            Ticket.status,
            School.name.label("school_name"),
            Callback.done_at,
            Callback.done_by,
            Callback.resolved,
            Callback.satisfaction,
        )
        .join(Ticket, Ticket.id == Callback.ticket_id)
        .join(School, School.id == Ticket.school_id)
        .where(
            Callback.treated_differently.is_(True),
            Callback.done_at >= start,
            Callback.done_at < end,
            in_scope(principal),
        )
        .order_by(Callback.done_at.desc(), Callback.id.desc())
        .limit(limit)
    )
    return (await session.execute(query)).all()


async def retaliation_open(session: AsyncSession, principal: Principal, limit: int) -> Sequence[Any]:
    """Signs of retaliation in scope that no 督办 order issued since has taken up, newest first
    (the overdue board flags them)."""
    taken_up = (
        select(SupervisionOrder.id)
        .where(
            SupervisionOrder.ticket_id == Callback.ticket_id, SupervisionOrder.created_at >= Callback.done_at
        )
        .exists()
    )
    query = (
        select(
            Ticket.number, Ticket.status, School.name.label("school_name"), Callback.done_at, Callback.done_by
        )
        .join(Ticket, Ticket.id == Callback.ticket_id)
        .join(School, School.id == Ticket.school_id)
        .where(Callback.treated_differently.is_(True), ~taken_up, in_scope(principal))
        .order_by(Callback.done_at.desc(), Callback.id.desc())
        .limit(limit)
    )
    return (await session.execute(query)).all()
