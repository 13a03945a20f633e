"""The inspection figures, defined once: what each ticket adds to the counts, the rates and the
median over those counts, and how a period splits into whole days (kept in rollups) and the
instants at its edges. Pure: the callers pass the clock and the zone.

The counts a ticket adds depend only on the ticket (never on the clock), so they can be kept
in rollups updated with each change of a ticket; the "now" figures (超期未办, 督办中 and the late,
never answered part of 按时反馈率's base) depend on the clock and are counted when asked, over
the open tickets (docs/figures.md)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from .enums import AWAITING_RESPONSE, Rating, Status

# Counts kept in the rollups: each ticket (not merged) adds 0 or 1 to each.
COUNTERS = (
    "total",  # 收件
    "responded",  # answered at least once
    "responded_on_time",  # the first answer at or before the deadline in force then
    "rated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "reopened",  # sent back at least once (不满意, 重办 or a failed spot check)
    "to_bureau",  # sent past its school to the bureau; counted at its school all the same
    "returned",  # 退单: returned at least once (by its handler, or by its school to the district)
)
# Counts of the open tickets as of now, counted when asked (not in rollups).
NOW_COUNTERS = (
    "overdue_open",  # 超期未办: awaiting an answer, its deadline passed
    "supervised_open",  # 督办中: under a supervision order, awaiting an answer
    "late_unanswered",  # overdue and never answered: with `responded`, the base of 按时反馈率
)
# Hours to the first answer, kept as a histogram: bucket i holds [BOUNDS[i-1], BOUNDS[i]),
# the last one everything from 720 hours (30 days) on.
HOUR_BOUNDS: tuple[int, ...] = (1, 2, 4, 8, 12, 24, 48, 72, 96, 120, 168, 240, 336, 504, 720)
BUCKETS = len(HOUR_BOUNDS) + 1
HISTOGRAM = tuple(f"h{i:02d}" for i in range(BUCKETS))

OPEN = frozenset(AWAITING_RESPONSE)


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What the figures read of a ticket."""

    status: str
    collected_at: datetime
    first_responded_at: datetime | None
    responded_on_time: bool | None
    rating: str | None
    reopen_count: int
    to_bureau: bool
    supervised: bool = False
    respond_due_at: datetime | None = None
    return_count: int = 0


def bucket(hours: float) -> int:
    """The histogram bucket of a time to answer, in hours (a negative time counts as 0)."""
    return bisect_right(HOUR_BOUNDS, hours)


def contribution(t: TicketFacts) -> dict[str, int]:
    """What one ticket adds to the kept counts and the histogram (all 0 for a merged one)."""
    counts = dict.fromkeys(COUNTERS + HISTOGRAM, 0)
    if t.status == Status.MERGED.value:
        return counts
    answered = t.first_responded_at is not None
    counts.update(
        total=1,
        responded=int(answered),
        responded_on_time=int(t.responded_on_time is True),
        rated=int(t.rating is not None),
        satisfied=int(t.rating == Rating.SATISFIED.value),
        basically_satisfied=int(t.rating == Rating.BASICALLY_SATISFIED.value),
        unsatisfied=int(t.rating == Rating.UNSATISFIED.value),
        reopened=int(t.reopen_count > 0),
        to_bureau=int(t.to_bureau),
        returned=int(t.return_count > 0),
    )
    if t.first_responded_at is not None:
        hours = (t.first_responded_at - t.collected_at).total_seconds() / 3600
        counts[HISTOGRAM[bucket(hours)]] = 1
    return counts


def now_contribution(t: TicketFacts, now: datetime) -> dict[str, int]:
    """What one ticket adds to the figures of the moment."""
    awaiting = t.status in {s.value for s in OPEN}
    late = awaiting and t.respond_due_at is not None and t.respond_due_at < now
    return {
        "overdue_open": int(late),
        "supervised_open": int(awaiting and t.supervised),
        "late_unanswered": int(late and t.first_responded_at is None),
    }


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def median_hours(histogram: Sequence[int]) -> float | None:
    """The median of the histogram, interpolated linearly inside the bucket that holds it (the
    open last bucket answers its lower bound). Off by at most that bucket's width."""
    n = sum(histogram)
    if n == 0:
        return None
    half = n / 2
    seen = 0
    for i, count in enumerate(histogram):
        if count and seen + count >= half:
            low = HOUR_BOUNDS[i - 1] if i else 0
            if i == len(HOUR_BOUNDS):
                return float(low)
            high = HOUR_BOUNDS[i]
            return round(low + (high - low) * (half - seen) / count, 1)
        seen += count
    return None  # pragma: no cover - the loop always reaches half


def shape(counts: Mapping[str, int]) -> dict[str, Any]:
    """The figures of one row of counts: the contract's stats (docs/figures.md) and ours."""
    c = {name: int(counts.get(name, 0)) for name in COUNTERS + NOW_COUNTERS}
    due = c["responded"] + c["late_unanswered"]
    figures: dict[str, Any] = {
        "total": c["total"],
        "responded": c["responded"],
        "responded_on_time": c["responded_on_time"],
        "due": due,
        "overdue_open": c["overdue_open"],
        "supervised_open": c["supervised_open"],
        "rated": c["rated"],
        "satisfied": c["satisfied"],
        "basically_satisfied": c["basically_satisfied"],
        "unsatisfied": c["unsatisfied"],
        "reopened": c["reopened"],
        "to_bureau": c["to_bureau"],
        "returned": c["returned"],
        "response_rate": ratio(c["responded"], c["total"]),
        "on_time_rate": ratio(c["responded_on_time"], due),
        "satisfaction_rate": ratio(c["satisfied"] + c["basically_satisfied"], c["rated"]),
        "reopen_rate": ratio(c["reopened"], c["total"]),
        "return_rate": ratio(c["returned"], c["total"]),
        "median_hours_to_response": median_hours([int(counts.get(h, 0)) for h in HISTOGRAM]),
    }
    return figures


def add(into: dict[str, int], counts: Mapping[str, Any]) -> None:
    """Add a row of counts (any of COUNTERS, NOW_COUNTERS, HISTOGRAM) into `into`."""
    for name, value in counts.items():
        if value:
            into[name] = into.get(name, 0) + int(value)


# ---- drill-down: the tickets behind each figure ------------------------------------------------

# figure → the count it lists (a rate lists its numerator; the median its answered tickets).
DRILL: dict[str, str] = {
    "total": "total",
    "responded": "responded",
    "response_rate": "responded",
    "responded_on_time": "responded_on_time",
    "on_time_rate": "responded_on_time",
    "due": "due",
    "rated": "rated",
    "satisfied": "satisfied",
    "basically_satisfied": "basically_satisfied",
    "unsatisfied": "unsatisfied",
    "satisfaction_rate": "satisfied_any",
    "reopened": "reopened",
    "reopen_rate": "reopened",
    "overdue_open": "overdue_open",
    "supervised_open": "supervised_open",
    "to_bureau": "to_bureau",
    "returned": "returned",
    "return_rate": "returned",
    "median_hours_to_response": "responded",
}
# What a drill-down list counts beyond the shaped figures.
DRILL_COUNTS = {"satisfied_any": ("satisfied", "basically_satisfied")}


def drill_count(figures: Mapping[str, Any], figure: str) -> int:
    """The number of tickets the drill-down of `figure` lists."""
    name = DRILL[figure]
    if name in DRILL_COUNTS:
        return sum(int(figures[n]) for n in DRILL_COUNTS[name])
    return int(figures[name])


# ---- periods -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Split:
    """A period [start, end) as whole local days [first_day, end_day) (either side open when
    the period is) and at most two spans of instants at the edges, shorter than a day."""

    first_day: date | None
    end_day: date | None
    edges: tuple[tuple[datetime, datetime], ...]
    empty_days: bool = False


def midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def local_day(at: datetime, tz: tzinfo) -> date:
    return at.astimezone(tz).date()


def split_period(start: datetime | None, end: datetime | None, tz: tzinfo) -> Split:
    """Split [start, end) into the whole days of the bureau's zone it covers and the instants
    left over at each end."""
    first_day = end_day = None
    edges: list[tuple[datetime, datetime]] = []
    if start is not None:
        first_day = local_day(start, tz)
        if start != midnight(first_day, tz):
            first_day += timedelta(days=1)
            edge_end = midnight(first_day, tz)
            if end is not None and end <= edge_end:
                return Split(None, None, ((start, end),) if start < end else (), empty_days=True)
            edges.append((start, edge_end))
    if end is not None:
        end_day = local_day(end, tz)
        day_start = midnight(end_day, tz)
        if end != day_start:
            edges.append((max(day_start, start) if start is not None else day_start, end))
    empty = first_day is not None and end_day is not None and first_day >= end_day
    return Split(first_day, end_day, tuple(edges), empty_days=empty)


def week_of(day: date) -> date:
    """The Monday of a day's week (ISO weeks)."""
    return day - timedelta(days=day.weekday())


def month_of(day: date) -> date:
    return day.replace(day=1)


DayRange = tuple[date | None, date | None]  # [first, end), either side open


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_split(first_day: date | None, end_day: date | None) -> tuple[DayRange | None, list[DayRange]]:
    """Whole days [first_day, end_day) as the whole months inside them (kept per month) and the
    days left at either side (kept per day)."""
    m_from = None if first_day is None else (first_day if first_day.day == 1 else next_month(first_day))
    m_to = None if end_day is None else month_of(end_day)
    if m_from is not None and m_to is not None and m_from >= m_to:
        return None, [(first_day, end_day)]
    days: list[DayRange] = []
    if first_day is not None and m_from is not None and first_day < m_from:
        days.append((first_day, m_from))
    if end_day is not None and m_to is not None and m_to < end_day:
        days.append((m_to, end_day))
    return (m_from, m_to), days


# Intake accepts a collection time at most this far ahead of the clock (services/intake.py).
FUTURE_SLACK = timedelta(minutes=10)


def beyond_today(split: Split, now: datetime, tz: tzinfo) -> Split:
    """The same days, with an end past today moved to the end of a month: no ticket is
    collected after tomorrow's first minutes, so the days from `horizon` on are empty either
    way, and a period that runs to today ("this month") reads its month whole."""
    horizon = local_day(now + FUTURE_SLACK, tz) + timedelta(days=1)
    if split.empty_days or split.end_day is None or split.end_day < horizon:
        return split
    end_day = next_month(month_of(horizon - timedelta(days=1)))
    return Split(split.first_day, end_day, split.edges, empty_days=split.empty_days)
