"""The inspection figures, computed in SQL over the tickets in scope (merged duplicates left
out): one row for the whole selection and one per school."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.access import Principal
from ..domain.enums import Rating, Status
from . import repo
from .models import Org, Ticket


@dataclass(frozen=True, slots=True)
class Period:
    """Tickets collected in [start, end); either end may be open."""

    start: datetime | None = None
    end: datetime | None = None


def _figures(now: datetime) -> list[Any]:
    responded = Ticket.first_responded_at.is_not(None)
    late_open = repo.overdue_clause(now)

    def count(condition: Any) -> Any:
        return func.count().filter(condition)

    return [
        func.count().label("total"),
        count(responded).label("responded"),
        count(Ticket.responded_on_time.is_(True)).label("responded_on_time"),
        count(late_open).label("overdue_open"),
        # Whose deadline has come: answered, or still open past it (the base of 按时反馈率).
        count(or_(responded, late_open)).label("due"),
        count(Ticket.rating.is_not(None)).label("rated"),
        count(Ticket.rating == Rating.SATISFIED.value).label("satisfied"),
        count(Ticket.rating == Rating.BASICALLY_SATISFIED.value).label("basically_satisfied"),
        count(Ticket.rating == Rating.UNSATISFIED.value).label("unsatisfied"),
        count(Ticket.reopen_count > 0).label("reopened"),
        func.percentile_cont(0.5)
        .within_group(cast(func.extract("epoch", Ticket.first_responded_at - Ticket.collected_at), Float))
        .filter(responded)
        .label("median_seconds"),
    ]


async def figures(
    session: AsyncSession,
    principal: Principal,
    *,
    now: datetime,
    period: Period,
    school_id: int | None = None,
    subtree: str | None = None,
) -> tuple[Any, Sequence[Any]]:
    """The figures of the tickets in the caller's scope, of one school (by the school a ticket
    concerns, wherever it is filed: a ticket sent to the bureau counts at its school, as in
    `by_school`) or of a subtree. Answers the total row and the rows per school."""
    conditions: list[Any] = [repo.in_scope(principal), Ticket.status != Status.MERGED.value]
    if school_id is not None:
        conditions.append(Ticket.school_id == school_id)
    if subtree is not None:
        conditions.append(repo.subtree(Ticket.org_path, subtree))
    if period.start is not None:
        conditions.append(Ticket.collected_at >= period.start)
    if period.end is not None:
        conditions.append(Ticket.collected_at < period.end)
    columns = _figures(now)
    total = (await session.execute(select(*columns).where(*conditions))).one()
    by_school = await session.execute(
        select(Org.code.label("school_code"), Org.name.label("school_name"), *columns)
        .join(Org, Org.id == Ticket.school_id)
        .where(*conditions)
        .group_by(Org.code, Org.name)
        .order_by(Org.code)
    )
    return total, by_school.all()


# What a breakdown groups by: its key and the name a reader sees (words for codes come later).
DIMENSIONS = ("school", "channel", "kind", "category")


async def breakdown(session: AsyncSession, *, now: datetime, where: Any, by: str) -> Sequence[Any]:
    """The figures per school, channel, kind or category of the tickets `where` selects (merged
    duplicates left out, as in figures()): rows of (key, name, …the figures), by key."""
    columns = _figures(now)
    conditions = [where, Ticket.status != Status.MERGED.value]
    if by == "school":
        query = (
            select(Org.code.label("key"), Org.name.label("name"), *columns)
            .join(Org, Org.id == Ticket.school_id)
            .group_by(Org.code, Org.name)
            .order_by(Org.code)
        )
    else:
        key = {"channel": Ticket.channel, "kind": Ticket.kind, "category": Ticket.category}[by]
        query = select(key.label("key"), key.label("name"), *columns).group_by(key).order_by(key)
    return (await session.execute(query.where(*conditions))).all()
