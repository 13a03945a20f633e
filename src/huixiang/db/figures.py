"""The figures' rollups (migration 0011: per school and local day, with channel, kind and
category; per school and month), kept by a trigger on `tickets` in the same transaction as
every change. Here: reading them for a scope and a period, the instants at a period's edges
and the figures of the moment over the open tickets, the tickets behind a figure, and the
rebuild from the tickets.

What each ticket adds is domain/figures.py's `contribution`; the SQL below and the trigger say
the same, and tests/integration/test_rollups.py checks both against it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    ColumnElement,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    false,
    func,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.access import Principal
from ..domain.enums import AWAITING_RESPONSE, Rating, Status
from ..domain.figures import COUNTERS, HISTOGRAM, HOUR_BOUNDS, DayRange
from . import repo
from .models import Org, Ticket

COUNTS = COUNTERS + HISTOGRAM
_meta = MetaData()


def _counts() -> list[Column[int]]:
    return [Column(name, Integer, nullable=False) for name in COUNTS]


days_table = Table(
    "figure_days",
    _meta,
    Column("school_id", Integer, primary_key=True),
    Column("to_bureau_key", Boolean, primary_key=True),
    Column("org_path", String(400, collation="C"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("category", String(64), primary_key=True),
    *_counts(),
)
months_table = Table(
    "figure_months",
    _meta,
    Column("school_id", Integer, primary_key=True),
    Column("to_bureau_key", Boolean, primary_key=True),
    Column("org_path", String(400, collation="C"), primary_key=True),
    Column("month", Date, primary_key=True),
    *_counts(),
)
settings_table = Table(
    "figure_settings", _meta, Column("id", Boolean, primary_key=True), Column("timezone", String)
)

By = Literal["school", "month", "week", "channel", "kind", "category"]
FACETS = ("channel", "kind", "category")
OPEN = [s.value for s in AWAITING_RESPONSE]


@dataclass(frozen=True, slots=True)
class Where:
    """Which tickets: the caller's scope, one school (by the school a ticket concerns, wherever
    it is filed) or a subtree (by where it is filed), and equal facets."""

    principal: Principal
    school_id: int | None = None
    subtree: str | None = None
    facets: dict[str, str] = field(default_factory=dict)

    def over(self, source: Any, *, with_facets: bool = True) -> list[ColumnElement[bool]]:
        paths = self.principal.scope_paths()
        leaves = self.principal.leaf_paths()
        column = source.c.org_path if hasattr(source, "c") else source.org_path
        scope = or_(*(repo.subtree(column, p, leaf=p in leaves) for p in paths)) if paths else false()
        conditions: list[ColumnElement[bool]] = [scope]
        school = source.c.school_id if hasattr(source, "c") else source.school_id
        if self.school_id is not None:
            conditions.append(school == self.school_id)
        if self.subtree is not None:
            conditions.append(repo.subtree(column, self.subtree))
        if with_facets:
            for name, value in self.facets.items():
                conditions.append(
                    (source.c[name] if hasattr(source, "c") else getattr(source, name)) == value
                )
        return conditions


def _range(column: Any, span: DayRange) -> list[ColumnElement[bool]]:
    first, end = span
    conditions: list[ColumnElement[bool]] = []
    if first is not None:
        conditions.append(column >= first)
    if end is not None:
        conditions.append(column < end)
    return conditions


def _key(by: By, source: Any, day: Any) -> Any:
    if by == "school":
        return source.school_id
    if by == "month":
        return func.date_trunc("month", day).cast(Date)
    if by == "week":
        return func.date_trunc("week", day).cast(Date)
    return getattr(source, by)


async def rollup_sums(
    session: AsyncSession,
    where: Where,
    days: DayRange | None,
    months: DayRange | None,
    day_spans: Sequence[DayRange],
    by: By,
) -> list[Any]:
    """Summed counts per `by` key: whole months from figure_months, `day_spans` from
    figure_days (all of `days` when months may not serve: a week or a facet, or a facet filter)."""
    sums = [func.sum(days_table.c[c]).label(c) for c in COUNTS]
    rows: list[Any] = []
    if by in ("school", "month") and not where.facets and months is not None:
        key = _key(by, months_table.c, months_table.c.month).label("key")
        query = (
            select(key, *[func.sum(months_table.c[c]).label(c) for c in COUNTS])
            .where(*where.over(months_table), *_range(months_table.c.month, months))
            .group_by(key)
        )
        rows.extend(await _dicts(session, query))
        spans = list(day_spans)
    else:
        spans = [days] if days is not None else []
    for span in spans:
        key = _key(by, days_table.c, days_table.c.day).label("key")
        query = (
            select(key, *sums).where(*where.over(days_table), *_range(days_table.c.day, span)).group_by(key)
        )
        rows.extend(await _dicts(session, query))
    return rows


async def _dicts(session: AsyncSession, query: Any) -> list[dict[str, Any]]:
    """The rows as plain dicts (the column names read once per result, not once per row)."""
    result = await session.execute(query)
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def _zone(session: AsyncSession) -> Any:
    return select(settings_table.c.timezone).scalar_subquery()


def ticket_counts() -> list[Any]:
    """The counts of raw tickets as aggregates, as the trigger keeps them (domain contribution)."""
    answered = Ticket.first_responded_at.is_not(None)

    def count(condition: Any) -> Any:
        return func.count().filter(condition)

    hours = func.extract("epoch", Ticket.first_responded_at - Ticket.collected_at) / 3600
    bucket = case(*((hours < bound, i) for i, bound in enumerate(HOUR_BOUNDS)), else_=len(HOUR_BOUNDS))
    return [
        func.count().label("total"),
        count(answered).label("responded"),
        count(Ticket.responded_on_time.is_(True)).label("responded_on_time"),
        count(Ticket.rating.is_not(None)).label("rated"),
        count(Ticket.rating == Rating.SATISFIED.value).label("satisfied"),
        count(Ticket.rating == Rating.BASICALLY_SATISFIED.value).label("basically_satisfied"),
        count(Ticket.rating == Rating.UNSATISFIED.value).label("unsatisfied"),
        count(Ticket.reopen_count > 0).label("reopened"),
        count(Ticket.to_bureau.is_(True)).label("to_bureau"),
        count(Ticket.return_count > 0).label("returned"),
        *(count(and_(answered, bucket == i)).label(h) for i, h in enumerate(HISTOGRAM)),
    ]


def _local_day(session: AsyncSession) -> Any:
    return func.timezone(_zone(session), Ticket.collected_at).cast(Date)


def _period(start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(Ticket.collected_at >= start)
    if end is not None:
        conditions.append(Ticket.collected_at < end)
    return conditions


async def edge_sums(
    session: AsyncSession, where: Where, edges: Sequence[tuple[datetime, datetime]], by: By
) -> list[Any]:
    """The counts of the tickets collected in spans shorter than a day at a period's edges,
    from the tickets themselves (on the scope's collection-time index)."""
    rows: list[Any] = []
    for start, end in edges:
        key = _key(by, Ticket, _local_day(session)).label("key")
        query = (
            select(key, *ticket_counts())
            .where(*where.over(Ticket), Ticket.status != Status.MERGED.value, *_period(start, end))
            .group_by(key)
        )
        rows.extend(await _dicts(session, query))
    return rows


async def now_sums(
    session: AsyncSession, where: Where, start: datetime | None, end: datetime | None, by: By, now: datetime
) -> list[Any]:
    """超期未办, 督办中 and the late, never answered tickets as of `now`, over the open tickets
    (the partial indexes on open deadlines and open supervision), per `by` key."""
    late = Ticket.respond_due_at < now
    key = _key(by, Ticket, _local_day(session)).label("key")
    query = (
        select(
            key,
            func.count().filter(late).label("overdue_open"),
            func.count().filter(Ticket.supervised.is_(True)).label("supervised_open"),
            func.count().filter(and_(late, Ticket.first_responded_at.is_(None))).label("late_unanswered"),
        )
        .where(
            *where.over(Ticket),
            Ticket.status.in_(OPEN),
            or_(late, Ticket.supervised.is_(True)),
            *_period(start, end),
        )
        .group_by(key)
    )
    return await _dicts(session, query)


async def schools(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    # One array parameter, not one per school (a province has 10,000).
    wanted = bindparam("ids", list(ids), type_=ARRAY(Integer))
    rows = await session.execute(select(Org.id, Org.code, Org.name).where(Org.id == any_(wanted)))
    return {row.id: (row.code, row.name) for row in rows}


# ---- the tickets behind a figure ---------------------------------------------------------------


def figure_condition(name: str, now: datetime) -> ColumnElement[bool]:
    """The tickets a drill-down lists (domain/figures.DRILL names them)."""
    answered = Ticket.first_responded_at.is_not(None)
    late_open = and_(Ticket.status.in_(OPEN), Ticket.respond_due_at < now)
    conditions: dict[str, ColumnElement[bool]] = {
        "total": true(),
        "responded": answered,
        "responded_on_time": Ticket.responded_on_time.is_(True),
        "due": or_(answered, late_open),
        "rated": Ticket.rating.is_not(None),
        "satisfied": Ticket.rating == Rating.SATISFIED.value,
        "basically_satisfied": Ticket.rating == Rating.BASICALLY_SATISFIED.value,
        "unsatisfied": Ticket.rating == Rating.UNSATISFIED.value,
        "satisfied_any": Ticket.rating.in_([Rating.SATISFIED.value, Rating.BASICALLY_SATISFIED.value]),
        "reopened": Ticket.reopen_count > 0,
        "overdue_open": late_open,
        "supervised_open": and_(Ticket.status.in_(OPEN), Ticket.supervised.is_(True)),
        "to_bureau": Ticket.to_bureau.is_(True),
        "returned": Ticket.return_count > 0,
    }
    return conditions[name]


async def drill(
    session: AsyncSession,
    where: Where,
    start: datetime | None,
    end: datetime | None,
    condition: ColumnElement[bool],
    *,
    limit: int,
    after: tuple[datetime, int] | None,
) -> Sequence[Any]:
    """One page of the tickets behind a figure, newest first (keyset on collection time; the
    scope's index). Their count is the figure itself, from the rollups."""
    conditions = [
        *where.over(Ticket),
        repo.not_named(where.principal.user_id),  # a conflict of interest: not listed to the named
        Ticket.status != Status.MERGED.value,
        condition,
        *_period(start, end),
    ]
    page = select(
        Ticket.id,
        Ticket.number,
        Ticket.title,
        Ticket.content,
        Ticket.status,
        Ticket.channel,
        Ticket.kind,
        Ticket.category,
        Ticket.collected_at,
        Ticket.respond_due_at,
        Ticket.to_bureau,
        Org.name.label("school_name"),
    ).join(Org, Org.id == Ticket.school_id)
    if after is not None:
        page = page.where(
            or_(Ticket.collected_at < after[0], and_(Ticket.collected_at == after[0], Ticket.id < after[1]))
        )
    rows = await session.execute(
        page.where(*conditions).order_by(Ticket.collected_at.desc(), Ticket.id.desc()).limit(limit)
    )
    return rows.all()


# ---- rebuild -----------------------------------------------------------------------------------


async def rebuild(session: AsyncSession, timezone: str) -> tuple[int, int]:
    """Recompute both rollups from the tickets, in the zone given (kept for the trigger). Holds
    writes to tickets off (SHARE lock) until the caller commits. Answers the rows written."""
    await session.execute(text("LOCK TABLE tickets IN SHARE MODE"))
    await session.execute(settings_table.update().values(timezone=timezone))
    await session.execute(days_table.delete())
    await session.execute(months_table.delete())
    day = _local_day(session).label("day")
    source = (
        select(
            Ticket.school_id,
            Ticket.to_bureau.label("to_bureau_key"),
            Ticket.org_path,
            day,
            Ticket.channel,
            Ticket.kind,
            Ticket.category,
            *ticket_counts(),
        )
        .where(Ticket.status != Status.MERGED.value)
        .group_by(
            Ticket.school_id,
            Ticket.to_bureau,
            Ticket.org_path,
            day,
            Ticket.channel,
            Ticket.kind,
            Ticket.category,
        )
    )
    names = ["school_id", "to_bureau_key", "org_path", "day", "channel", "kind", "category", *COUNTS]
    written = await session.execute(days_table.insert().from_select(names, source))
    days_written = written.rowcount  # type: ignore[attr-defined]
    month = func.date_trunc("month", days_table.c.day).cast(Date).label("month")
    by_month = select(
        days_table.c.school_id,
        days_table.c.to_bureau_key,
        days_table.c.org_path,
        month,
        *[func.sum(days_table.c[c]) for c in COUNTS],
    ).group_by(days_table.c.school_id, days_table.c.to_bureau_key, days_table.c.org_path, month)
    written = await session.execute(
        months_table.insert().from_select(
            ["school_id", "to_bureau_key", "org_path", "month", *COUNTS], by_month
        )
    )
    months_written = written.rowcount  # type: ignore[attr-defined]
    return int(days_written), int(months_written)


async def kept(session: AsyncSession, table: Literal["days", "months"]) -> list[Any]:
    """Every non-zero rollup row, for the rebuild's check and the parity test."""
    t = days_table if table == "days" else months_table
    keys = [c for c in t.c if c.primary_key]
    rows = await session.execute(
        select(*keys, *[t.c[c] for c in COUNTS]).where(or_(*(t.c[c] != 0 for c in COUNTS))).order_by(*keys)
    )
    return list(rows.all())


async def zone(session: AsyncSession) -> str:
    return str((await session.execute(select(settings_table.c.timezone))).scalar_one())


# What an export's breakdown sheets group by.
DIMENSIONS = ("school", "channel", "kind", "category")


async def breakdown(session: AsyncSession, *, now: datetime, where: Any, by: str) -> list[dict[str, Any]]:
    """The counts per school, channel, kind or category of the tickets `where` selects (an
    export's filters, any period: from the tickets themselves, merged duplicates left out),
    with those of the moment as now_sums counts them: rows of {key, name, …counts}, by key."""
    late = Ticket.respond_due_at < now
    open_ = Ticket.status.in_(OPEN)
    moment = [
        func.count().filter(and_(open_, late)).label("overdue_open"),
        func.count().filter(and_(open_, Ticket.supervised.is_(True))).label("supervised_open"),
        func.count().filter(and_(open_, late, Ticket.first_responded_at.is_(None))).label("late_unanswered"),
    ]
    if by == "school":
        query = (
            select(Org.code.label("key"), Org.name.label("name"), *ticket_counts(), *moment)
            .join(Org, Org.id == Ticket.school_id)
            .group_by(Org.code, Org.name)
            .order_by(Org.code)
        )
    else:
        key = {"channel": Ticket.channel, "kind": Ticket.kind, "category": Ticket.category}[by]
        query = (
            select(key.label("key"), key.label("name"), *ticket_counts(), *moment).group_by(key).order_by(key)
        )
    return await _dicts(session, query.where(where, Ticket.status != Status.MERGED.value))
