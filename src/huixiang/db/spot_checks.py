"""Spot checks' statements: the eligible tickets of a draw, the draws and items of a scope, and
each failed item's rectification as the ticket's events tell it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..domain.access import Principal
from ..domain.enums import Action, Role, Status
from . import repo
from .models import Org, SpotCheck, SpotCheckItem, Ticket, TicketEvent

LIST_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Reach:
    """What a caller sees of spot checks: an inspector every item of the draws made under their
    units (`draws`: those units' paths); a leader, in any draw, the items of the schools under
    their units (`schools`)."""

    draws: tuple[str, ...] = ()
    schools: tuple[str, ...] | None = None  # None: every school of the draws seen


async def eligible(
    session: AsyncSession,
    principal: Principal,
    *,
    start: datetime,
    end: datetime,
    school_id: int | None = None,
    subtree: str | None = None,
) -> Sequence[Any]:
    """The archived tickets a draw may take, collected in [start, end), in the inspector's scope,
    of one school (by the school a ticket concerns) or of a subtree: (id, number, school_id),
    ordered by school and number — the ordered list the sample is a function of."""
    conditions: list[Any] = [
        repo.in_scope(principal, [Role.INSPECTOR]),
        Ticket.status == Status.ARCHIVED.value,
        Ticket.collected_at >= start,
        Ticket.collected_at < end,
    ]
    if school_id is not None:
        conditions.append(Ticket.school_id == school_id)
    if subtree is not None:
        conditions.append(repo.subtree(Ticket.org_path, subtree))
    query = (
        select(Ticket.id, Ticket.number, Ticket.school_id)
        .where(*conditions)
        .order_by(Ticket.school_id, Ticket.number)
    )
    return (await session.execute(query)).all()


async def add_draw(session: AsyncSession, draw: SpotCheck, items: Sequence[tuple[int, int]]) -> None:
    """The draw and its items, (ticket id, school id) in the draw's order."""
    session.add(draw)
    await session.flush()
    session.add_all(
        SpotCheckItem(spot_check_id=draw.id, position=i, ticket_id=ticket_id, school_id=school_id)
        for i, (ticket_id, school_id) in enumerate(items)
    )
    await session.flush()


def _within(paths: Sequence[str]) -> ColumnElement[bool]:
    """Draws whose unit lies in one of the subtrees at `paths`."""
    if not paths:
        return false()
    return or_(*(repo.subtree(SpotCheck.org_path, p) for p in paths))


def _schools_in(paths: Sequence[str]) -> ColumnElement[bool]:
    """Items of the schools under `paths` (org paths by prefix: the orgs table is small)."""
    school = aliased(Org)
    under = or_(*(school.path.startswith(p) for p in paths)) if paths else false()
    return SpotCheckItem.school_id.in_(select(school.id).where(under))


def _seen(reach: Reach) -> list[ColumnElement[bool]]:
    """The conditions on an item (joined with its draw) that `reach` sees."""
    if reach.schools is not None:
        return [_schools_in(reach.schools)]
    return [_within(reach.draws)]


def _counts(reach: Reach) -> Any:
    """Per draw: sampled, checked, failed, of the items `reach` sees."""
    return (
        select(
            SpotCheckItem.spot_check_id.label("draw_id"),
            func.count().label("sampled"),
            func.count().filter(SpotCheckItem.verdict.is_not(None)).label("checked"),
            func.count().filter(SpotCheckItem.verdict == "fail").label("failed"),
        )
        .join(SpotCheck, SpotCheck.id == SpotCheckItem.spot_check_id)
        .where(*_seen(reach))
        .group_by(SpotCheckItem.spot_check_id)
        .subquery()
    )


async def draws_in(session: AsyncSession, reach: Reach, limit: int = LIST_LIMIT) -> Sequence[Any]:
    """The draws `reach` sees an item of, newest first, with their unit and counts of those items."""
    counts = _counts(reach)
    query = (
        select(SpotCheck, Org.code, Org.name, counts.c.sampled, counts.c.checked, counts.c.failed)
        .join(Org, Org.id == SpotCheck.org_id)
        .join(counts, counts.c.draw_id == SpotCheck.id)
        .order_by(SpotCheck.drawn_at.desc(), SpotCheck.id.desc())
        .limit(limit)
    )
    return (await session.execute(query)).all()


async def draw_in(session: AsyncSession, draw_id: int, reach: Reach) -> Any | None:
    """One draw `reach` sees (an item of), with its unit's code and name, or None."""
    if reach.schools is None:
        seen = _within(reach.draws)
    else:
        seen = (
            select(SpotCheckItem.id)
            .where(SpotCheckItem.spot_check_id == SpotCheck.id, _schools_in(reach.schools))
            .exists()
        )
    query = (
        select(SpotCheck, Org.code, Org.name)
        .join(Org, Org.id == SpotCheck.org_id)
        .where(SpotCheck.id == draw_id, seen)
    )
    return (await session.execute(query)).one_or_none()


async def item_for_update(session: AsyncSession, draw_id: int, number: str) -> SpotCheckItem | None:
    """A draw's item for the ticket `number`, locked (two checks of it at once: one waits)."""
    query = (
        select(SpotCheckItem)
        .join(Ticket, Ticket.id == SpotCheckItem.ticket_id)
        .where(SpotCheckItem.spot_check_id == draw_id, Ticket.number == number)
        .with_for_update(of=SpotCheckItem)
    )
    return (await session.execute(query)).scalar_one_or_none()


def _item_columns() -> list[Any]:
    """An item with its ticket, school, and (after 整改) the school's next answer and any
    extension granted before it, from the ticket's events."""
    answer = aliased(TicketEvent)
    answered_at = (
        select(func.min(answer.at))
        .where(
            answer.ticket_id == SpotCheckItem.ticket_id,
            answer.action == Action.RESPOND.value,
            answer.at > SpotCheckItem.checked_at,
        )
        .correlate(SpotCheckItem)
        .scalar_subquery()
    )
    extension = aliased(TicketEvent)
    extended_to = (
        select(extension.data["to"].astext)
        .where(
            extension.ticket_id == SpotCheckItem.ticket_id,
            extension.action == Action.EXTEND.value,
            extension.at > SpotCheckItem.checked_at,
            or_(answered_at.is_(None), extension.at <= answered_at),
        )
        .order_by(extension.seq.desc())
        .limit(1)
        .correlate(SpotCheckItem)
        .scalar_subquery()
    )
    return [
        SpotCheckItem.spot_check_id.label("draw_id"),
        SpotCheckItem.position,
        SpotCheckItem.verdict,
        SpotCheckItem.note,
        SpotCheckItem.checked_at,
        SpotCheckItem.checked_by,
        SpotCheckItem.rectify_due_at,
        Ticket.number,
        Ticket.status,
        Ticket.title,
        Ticket.version,
        Org.code.label("school_code"),
        Org.name.label("school_name"),
        answered_at.label("answered_at"),
        extended_to.label("extended_to"),
    ]


async def items_of(session: AsyncSession, draw_id: int, reach: Reach) -> Sequence[Any]:
    """The items of a draw that `reach` sees, in the draw's order."""
    query = (
        select(*_item_columns())
        .join(SpotCheck, SpotCheck.id == SpotCheckItem.spot_check_id)
        .join(Ticket, Ticket.id == SpotCheckItem.ticket_id)
        .join(Org, Org.id == SpotCheckItem.school_id)
        .where(SpotCheckItem.spot_check_id == draw_id, *_seen(reach))
        .order_by(SpotCheckItem.position)
    )
    return (await session.execute(query)).all()


async def items_in_period(
    session: AsyncSession, reach: Reach, period_from: date, period_to: date, unit_path: str
) -> Sequence[Any]:
    """The items `reach` sees of the schools under `unit_path`, in every draw whose period lies
    within [period_from, period_to]: the results of a period."""
    query = (
        select(*_item_columns())
        .join(SpotCheck, SpotCheck.id == SpotCheckItem.spot_check_id)
        .join(Ticket, Ticket.id == SpotCheckItem.ticket_id)
        .join(Org, Org.id == SpotCheckItem.school_id)
        .where(
            *_seen(reach),
            _schools_in([unit_path]),
            SpotCheck.period_from >= period_from,
            SpotCheck.period_to <= period_to,
        )
        .order_by(Org.code, SpotCheckItem.spot_check_id, SpotCheckItem.position)
    )
    return (await session.execute(query)).all()


async def units_in(session: AsyncSession, paths: Sequence[str]) -> Sequence[Any]:
    """The bureaus and districts under `paths` (a draw's unit picker): (code, name, kind, path)."""
    if not paths:
        return []
    query = (
        select(Org.code, Org.name, Org.kind, Org.path)
        .where(or_(*(Org.path.startswith(p) for p in paths)), Org.kind != "school")
        .order_by(Org.path)
    )
    return (await session.execute(query)).all()
