"""The inspection figures of the tickets in scope, for a period of whole days or exact instants,
served from the rollups (db/figures.py): the contract's stats, trends by week and month,
breakdowns by channel, kind and category, and the tickets behind each figure.

A period's whole months come from the monthly rollup, its other whole days from the daily
one, the instants at its edges (shorter than a day) from the tickets; 超期未办 and 督办中 are
counted now, over the open tickets. Each figure is defined once, in domain/figures.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Literal

from ..db import figures as db
from ..domain import figures as f
from ..domain.access import Principal
from ..domain.enums import OrgKind
from ..domain.errors import Invalid, NotFound, NotPermitted
from . import replica
from .context import Ctx
from .reference import org_info

Every = Literal["week", "month"]
BREAKDOWNS: tuple[db.By, ...] = ("channel", "kind", "category")


def instant(value: str | None, name: str, tz: tzinfo, *, end: bool) -> datetime | None:
    """A bound of the period: a plain date is a whole day in the bureau's zone (`to` includes its
    day), a time must carry its offset."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
        if day is not None:
            return datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=tz)
        at = datetime.fromisoformat(value)
        if at.tzinfo is not None:
            return at
    except ValueError:
        pass
    raise Invalid(
        f"`{name}` must be a date such as 2026-11-01 (a whole day in the bureau's time zone) "
        "or a time with its offset such as 2026-11-01T08:00:00+08:00."
    )


@dataclass(frozen=True, slots=True)
class Selection:
    """Which tickets and when: what every figure of a page is computed over."""

    where: db.Where
    start: datetime | None
    end: datetime | None


async def select_tickets(
    ctx: Ctx,
    principal: Principal,
    *,
    org_code: str | None,
    start: str | None,
    end: str | None,
    facets: dict[str, str] | None = None,
) -> Selection:
    """The caller's scope, or one org unit inside it (anything else: 404), and the period. A
    school is chosen by the school a ticket concerns, wherever it is filed."""
    if not principal.grants:
        raise NotPermitted("You hold no role.")
    tz = ctx.settings.timezone
    since, until = instant(start, "from", tz, end=False), instant(end, "to", tz, end=True)
    if since and until and since >= until:
        raise Invalid("`from` must be before `to`.")
    school_id, subtree = None, None
    if org_code:
        org = await org_info(ctx, org_code)
        if org is None or not principal.roles_over(org.path):
            raise NotFound(f"No org unit {org_code!r} in your scope.")
        if org.kind == OrgKind.SCHOOL:
            school_id = org.id
        else:
            subtree = org.path
    return Selection(db.Where(principal, school_id, subtree, dict(facets or {})), since, until)


async def counts_by(ctx: Ctx, selection: Selection, by: db.By) -> dict[Any, dict[str, int]]:
    """The counts per `by` key: rollups for the whole days, tickets for the edges, the open
    tickets for the figures of the moment."""
    tz = ctx.settings.timezone
    split = f.beyond_today(f.split_period(selection.start, selection.end, tz), ctx.now, tz)
    rows: list[Any] = []
    if not split.empty_days:
        months, spans = f.month_split(split.first_day, split.end_day)
        days = (split.first_day, split.end_day)
        rows += await db.rollup_sums(ctx.session, selection.where, days, months, spans, by)
    rows += await db.edge_sums(ctx.session, selection.where, split.edges, by)
    rows += await db.now_sums(ctx.session, selection.where, selection.start, selection.end, by, ctx.now)
    merged: dict[Any, dict[str, int]] = {}
    for row in rows:
        f.add(merged.setdefault(row.pop("key"), {}), row)
    return {key: counts for key, counts in merged.items() if any(counts.values())}


def _total(parts: Sequence[dict[str, int]]) -> dict[str, int]:
    whole: dict[str, int] = {}
    for part in parts:
        f.add(whole, part)
    return whole


async def _on_replica(ctx: Ctx, read: Callable[[Ctx], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """`read` on the replica when there is one (services/replica.py), its answer saying how
    fresh it is (`freshness`)."""
    async with replica.reading(ctx) as reader:
        result = await read(reader)
        result["freshness"] = replica.freshness(reader).as_json()
    return result


async def stats(
    ctx: Ctx,
    principal: Principal,
    *,
    org_code: str | None,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    """The contract's figures of the caller's scope, or of one org unit inside it, and the same
    per school; the totals are the sums of the schools' rows. A school's figures are the same
    asked directly or read in its district's `by_school`. Read on the replica when there is one
    (services/replica.py); `freshness` says how far behind it is."""
    return await _on_replica(ctx, lambda c: _stats(c, principal, org_code=org_code, start=start, end=end))


async def _stats(
    ctx: Ctx,
    principal: Principal,
    *,
    org_code: str | None,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    selection = await select_tickets(ctx, principal, org_code=org_code, start=start, end=end)
    per_school = await counts_by(ctx, selection, "school")
    names = await db.schools(ctx.session, list(per_school))
    rows = sorted(((names[i], counts) for i, counts in per_school.items()), key=lambda r: r[0][0])
    result = f.shape(_total([counts for _, counts in rows]))
    result["by_school"] = [
        {"school_code": code, "school_name": name, **f.shape(counts)} for (code, name), counts in rows
    ]
    return result


def default_start(today: date, every: Every) -> date:
    """Where a trend starts when the caller names no start: 26 weeks or 12 months back."""
    if every == "week":
        return f.week_of(today) - timedelta(weeks=25)
    return f.month_of(f.month_of(today) - timedelta(days=330))


async def trends(
    ctx: Ctx,
    principal: Principal,
    *,
    org_code: str | None,
    start: str | None,
    end: str | None,
    every: Every,
) -> dict[str, Any]:
    """The figures per week (from Monday) or month of collection, oldest first, every period in
    the range listed (an empty one with zeros), from the rollups. Without a start: 26 weeks or
    12 months up to the end (or today). On the replica when there is one, like `stats`."""
    return await _on_replica(
        ctx, lambda c: _trends(c, principal, org_code=org_code, start=start, end=end, every=every)
    )


async def _trends(
    ctx: Ctx,
    principal: Principal,
    *,
    org_code: str | None,
    start: str | None,
    end: str | None,
    every: Every,
) -> dict[str, Any]:
    today = ctx.now.astimezone(ctx.settings.timezone).date()
    until = instant(end, "to", ctx.settings.timezone, end=True)
    anchor = f.local_day(until - timedelta(microseconds=1), ctx.settings.timezone) if until else today
    start = start or default_start(anchor, every).isoformat()
    selection = await select_tickets(ctx, principal, org_code=org_code, start=start, end=end)
    counts = await counts_by(ctx, selection, every)
    tz = ctx.settings.timezone
    first = f.local_day(selection.start, tz) if selection.start else today
    last = f.local_day(selection.end - timedelta(microseconds=1), tz) if selection.end else today
    step = f.week_of if every == "week" else f.month_of
    periods: list[date] = []
    at = step(first)
    while at <= last and len(periods) < 400:
        periods.append(at)
        at = at + timedelta(weeks=1) if every == "week" else f.next_month(at)
    for key in counts:
        if key not in periods:
            periods.append(key)

    def span(p: date) -> tuple[str, str]:
        after = p + timedelta(weeks=1) if every == "week" else f.next_month(p)
        return max(p, first).isoformat(), min(after - timedelta(days=1), last).isoformat()

    return {
        "every": every,
        "items": [
            {"period": p.isoformat(), "from": span(p)[0], "to": span(p)[1], **f.shape(counts.get(p, {}))}
            for p in sorted(periods)
        ],
    }


async def breakdowns(
    ctx: Ctx,
    principal: Principal,
    *,
    org_code: str | None,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    """The figures per channel, kind and category, largest first; each breakdown adds up to
    the totals of the same selection. On the replica when there is one, like `stats`."""
    return await _on_replica(
        ctx, lambda c: _breakdowns(c, principal, org_code=org_code, start=start, end=end)
    )


async def _breakdowns(
    ctx: Ctx,
    principal: Principal,
    *,
    org_code: str | None,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    selection = await select_tickets(ctx, principal, org_code=org_code, start=start, end=end)
    result: dict[str, Any] = {}
    for by in BREAKDOWNS:
        counts = await counts_by(ctx, selection, by)
        ordered = sorted(counts.items(), key=lambda item: (-item[1].get("total", 0), str(item[0])))
        result[f"by_{by}"] = [{by: key, **f.shape(c)} for key, c in ordered]
    return result


FIGURES = tuple(f.DRILL)
PAGE = 50


async def tickets_behind(
    ctx: Ctx,
    principal: Principal,
    *,
    figure: str,
    org_code: str | None,
    start: str | None,
    end: str | None,
    facets: dict[str, str],
    after: tuple[datetime, int] | None = None,
) -> dict[str, Any]:
    """The tickets behind one figure of a selection, newest first, a page at a time, with the
    figure (their count: tests/integration/test_figures.py lists every page and counts)."""
    if figure not in f.DRILL:
        raise Invalid(f"`figure` must be one of: {', '.join(FIGURES)}.")
    unknown = set(facets) - set(BREAKDOWNS)
    if unknown:
        raise Invalid(f"`{sorted(unknown)[0]}` is not a filter of the figures.")
    selection = await select_tickets(ctx, principal, org_code=org_code, start=start, end=end, facets=facets)
    # The count is the figure, from the rollups like every figure; the list pages the tickets
    # (the tests hold the two equal).
    figures = f.shape(_total(list((await counts_by(ctx, selection, "school")).values())))
    count = f.drill_count(figures, figure)
    condition = db.figure_condition(f.DRILL[figure], ctx.now)
    rows = await db.drill(
        ctx.session, selection.where, selection.start, selection.end, condition, limit=PAGE, after=after
    )
    last = rows[-1] if len(rows) == PAGE else None
    return {
        "figure": figure,
        "count": count,
        "items": rows,
        "next": (last.collected_at, last.id) if last is not None else None,
    }


async def rebuild_rollups(ctx: Ctx) -> dict[str, Any]:
    """Recompute the rollups from the tickets in the bureau's zone (HUIXIANG_TIMEZONE, which
    the trigger then keeps using), and say whether they had drifted from what was kept."""
    before = (await db.kept(ctx.session, "days"), await db.kept(ctx.session, "months"))
    zone_before = await db.zone(ctx.session)
    days, months = await db.rebuild(ctx.session, ctx.settings.timezone.key)
    after = (await db.kept(ctx.session, "days"), await db.kept(ctx.session, "months"))
    return {
        "days": days,
        "months": months,
        "drifted": before != after,
        "timezone": ctx.settings.timezone.key,
        "timezone_before": zone_before,
    }


async def overview(
    ctx: Ctx,
    principal: Principal,
    *,
    org_code: str | None,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    """Everything the console's overview shows, in one call: the stats of the period, its
    breakdowns, and the trends by month (12 months) and week (26 weeks) up to its end; on the
    replica when there is one (the figures' `freshness` says how fresh)."""
    async with replica.reading(ctx) as reader:
        return await _overview(reader, principal, org_code=org_code, start=start, end=end)


async def _overview(
    ctx: Ctx,
    principal: Principal,
    *,
    org_code: str | None,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    figures = await stats(ctx, principal, org_code=org_code, start=start, end=end)
    parts = await breakdowns(ctx, principal, org_code=org_code, start=start, end=end)
    tz = ctx.settings.timezone
    until = instant(end, "to", tz, end=True)
    last = f.local_day(until - timedelta(microseconds=1), tz) if until else ctx.now.astimezone(tz).date()
    trend_to = last.isoformat()
    by_month = await trends(
        ctx,
        principal,
        org_code=org_code,
        start=default_start(last, "month").isoformat(),
        end=trend_to,
        every="month",
    )
    by_week = await trends(
        ctx,
        principal,
        org_code=org_code,
        start=default_start(last, "week").isoformat(),
        end=trend_to,
        every="week",
    )
    return {"figures": figures, **parts, "by_month": by_month["items"], "by_week": by_week["items"]}


async def export_breakdowns(ctx: Ctx, where: Any) -> dict[str, list[dict[str, Any]]]:
    """The figures per school, channel, kind and category of an export's tickets (its filters,
    as db/listing.clause() says them), each row shaped like `stats`' rows."""
    result = {}
    for by in db.DIMENSIONS:
        rows = await db.breakdown(ctx.session, now=ctx.now, where=where, by=by)
        result[by] = [{"key": row.pop("key"), "name": row.pop("name"), **f.shape(row)} for row in rows]
    return result
