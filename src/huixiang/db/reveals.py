"""查看记录: every reveal of a parent's or a student's personal data in a scope — the tickets'
`reveal` events (ix_ticket_events_reveals) and the roster's phone reveals (roster_access)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import false, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..domain.access import Principal
from .models import Org, RosterAccess, Student, Ticket, TicketEvent, User, VisitClass
from .repo import in_scope, subtree

School = aliased(Org, name="school")
Actor = aliased(User, name="actor")


async def ticket_reveals(
    session: AsyncSession,
    principal: Principal,
    start: datetime,
    end: datetime,
    *,
    school_id: int | None,
    user_id: int | None,
    limit: int,
) -> Sequence[Any]:
    query = (
        select(
            TicketEvent.at,
            TicketEvent.actor,
            TicketEvent.actor_role,
            Actor.username,
            Ticket.number,
            School.name.label("school_name"),
            TicketEvent.internal_note.label("reason"),
            TicketEvent.data,
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(School, School.id == Ticket.school_id)
        .outerjoin(Actor, Actor.id == TicketEvent.actor_id)
        .where(
            TicketEvent.action == "reveal",
            TicketEvent.at >= start,
            TicketEvent.at < end,
            in_scope(principal),
        )
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .limit(limit)
    )
    if school_id is not None:
        query = query.where(Ticket.school_id == school_id)
    if user_id is not None:
        query = query.where(TicketEvent.actor_id == user_id)
    return (await session.execute(query)).all()


async def roster_reveals(
    session: AsyncSession,
    principal: Principal,
    start: datetime,
    end: datetime,
    *,
    school_id: int | None,
    user_id: int | None,
    limit: int,
) -> Sequence[Any]:
    paths = principal.scope_paths()
    reach = or_(*(subtree(School.path, p) for p in paths)) if paths else false()
    query = (
        select(
            RosterAccess.at,
            Actor.display_name.label("actor"),
            literal("").label("actor_role"),
            Actor.username,
            Student.id.label("student_id"),
            VisitClass.name.label("class_name"),
            School.name.label("school_name"),
            RosterAccess.action,
        )
        .join(Student, Student.id == RosterAccess.student_id)
        .join(VisitClass, VisitClass.id == Student.class_id)
        .join(School, School.id == Student.school_id)
        .join(Actor, Actor.id == RosterAccess.user_id)
        .where(RosterAccess.at >= start, RosterAccess.at < end, RosterAccess.action == "reveal", reach)
        .order_by(RosterAccess.at.desc(), RosterAccess.id.desc())
        .limit(limit)
    )
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    if user_id is not None:
        query = query.where(RosterAccess.user_id == user_id)
    return (await session.execute(query)).all()


async def user_id_of(session: AsyncSession, username: str) -> int | None:
    return (await session.execute(select(User.id).where(User.username == username))).scalar_one_or_none()
