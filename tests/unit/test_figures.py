"""domain/figures.py: a period splits into whole local days and short edges that cover it
exactly once; whole months inside the days; the histogram's median; one ticket's counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from huixiang.domain import figures as f

SH = ZoneInfo("Asia/Shanghai")
instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC, microsecond=0)
)
aligned = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)).map(lambda d: f.midnight(d, SH))
bounds = st.one_of(st.none(), instants, aligned)


def _covered(split: f.Split, at: datetime) -> int:
    """How many parts of the split hold the instant `at`."""
    n = sum(1 for lo, hi in split.edges if lo <= at < hi)
    if not split.empty_days:
        day = f.local_day(at, SH)
        if (split.first_day is None or day >= split.first_day) and (
            split.end_day is None or day < split.end_day
        ):
            n += 1
    return n


@given(start=bounds, end=bounds, probes=st.lists(instants, min_size=1, max_size=20))
def test_split_covers_the_period_exactly_once(
    start: datetime | None, end: datetime | None, probes: list[datetime]
) -> None:
    if start is not None and end is not None and start >= end:
        start, end = end - timedelta(hours=1), start
    split = f.split_period(start, end, SH)
    for lo, hi in split.edges:
        assert lo < hi and hi - lo < timedelta(days=1)
    for at in probes + [p for p in (start, end) if p is not None]:
        inside = (start is None or at >= start) and (end is None or at < end)
        assert _covered(split, at) == int(inside), (start, end, at, split)


def test_plain_dates_have_no_edges() -> None:
    split = f.split_period(f.midnight(date(2026, 11, 1), SH), f.midnight(date(2026, 12, 1), SH), SH)
    assert (split.first_day, split.end_day, split.edges) == (date(2026, 11, 1), date(2026, 12, 1), ())


@given(
    first=st.one_of(st.none(), st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 1, 1))),
    length=st.integers(1, 800),
    open_end=st.booleans(),
)
def test_month_split_covers_the_days_exactly_once(first: date | None, length: int, open_end: bool) -> None:
    start = first or date(2025, 1, 1)
    end = None if open_end else start + timedelta(days=length)
    months, days = f.month_split(first, end)
    probe = date(2024, 12, 1)
    while probe < date(2029, 6, 1):
        inside = (first is None or probe >= first) and (end is None or probe < end)
        n = sum(1 for lo, hi in days if (lo is None or probe >= lo) and (hi is None or probe < hi))
        if months is not None:
            lo, hi = months
            if (lo is None or probe >= lo) and (hi is None or probe < hi):
                n += 1
        assert n == int(inside), (first, end, probe, months, days)
        probe += timedelta(days=3)
    if months is not None:
        assert all(m is None or m.day == 1 for m in months)


def test_median_interpolates_inside_its_bucket() -> None:
    hist = [0] * f.BUCKETS
    assert f.median_hours(hist) is None
    hist[f.bucket(30)] = 3  # 24–48 h
    assert f.median_hours(hist) == 24 + 24 * 0.5
    hist[f.bucket(0.5)] = 3
    assert f.median_hours(hist) == 1.0  # the end of the first bucket: half the answers in under 1 h
    hist = [0] * f.BUCKETS
    hist[-1] = 1
    assert f.median_hours(hist) == 720.0


@given(hours=st.lists(st.floats(0, 2000), min_size=1, max_size=50))
def test_median_is_in_the_bucket_of_the_true_median(hours: list[float]) -> None:
    hist = [0] * f.BUCKETS
    for h in hours:
        hist[f.bucket(h)] += 1
    ordered = sorted(hours)
    lower = ordered[(len(ordered) - 1) // 2]
    upper = ordered[len(ordered) // 2]
    got = f.median_hours(hist)
    assert got is not None
    lo = f.HOUR_BOUNDS[f.bucket(lower) - 1] if f.bucket(lower) else 0
    hi = f.HOUR_BOUNDS[f.bucket(upper)] if f.bucket(upper) < len(f.HOUR_BOUNDS) else float("inf")
    assert lo <= got <= hi


def test_a_merged_ticket_adds_nothing_and_an_answered_one_its_bucket() -> None:
    at = datetime(2026, 11, 18, 2, tzinfo=UTC)
    facts = f.TicketFacts("responded", at, at + timedelta(hours=5), True, "satisfied", 0, True)
    counts = f.contribution(facts)
    assert counts["total"] == counts["responded"] == counts["satisfied"] == counts["to_bureau"] == 1
    assert counts["h03"] == 1 and sum(counts[h] for h in f.HISTOGRAM) == 1
    merged = f.contribution(f.TicketFacts("merged", at, None, None, None, 0, False))
    assert not any(merged.values())
    shaped = f.shape(counts)
    assert shaped["response_rate"] == 1.0 and shaped["on_time_rate"] == 1.0 and shaped["due"] == 1


def test_a_period_to_today_reads_its_month_whole_and_never_drops_a_day() -> None:
    now = datetime(2026, 11, 20, 2, tzinfo=UTC)  # 10:00 in Shanghai
    today = f.split_period(f.midnight(date(2026, 11, 1), SH), f.midnight(date(2026, 11, 21), SH), SH)
    moved = f.beyond_today(today, now, SH)
    assert (moved.first_day, moved.end_day) == (date(2026, 11, 1), date(2026, 12, 1))
    assert f.month_split(moved.first_day, moved.end_day) == ((date(2026, 11, 1), date(2026, 12, 1)), [])
    past = f.split_period(f.midnight(date(2026, 10, 1), SH), f.midnight(date(2026, 10, 15), SH), SH)
    assert f.beyond_today(past, now, SH) == past
    # Just before midnight an intake may be collected a few minutes into tomorrow: a period to
    # today stays as asked, one to tomorrow may move.
    late = datetime(2026, 11, 20, 15, 55, tzinfo=UTC)  # 23:55 in Shanghai
    assert f.beyond_today(today, late, SH).end_day == date(2026, 11, 21)
    edge = f.split_period(f.midnight(date(2026, 11, 1), SH), f.midnight(date(2026, 11, 22), SH), SH)
    assert f.beyond_today(edge, late, SH).end_day == date(2026, 12, 1)
