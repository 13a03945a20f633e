"""The league tables' assessment (domain/league.py): weights, the score, ranks, periods and the
monthly 通报's first working day, on the 2026 official calendar."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huixiang.domain.deadlines import WorkCalendar
from huixiang.domain.errors import Invalid
from huixiang.domain.league import (
    DEFAULT_WEIGHTS,
    FIGURES,
    Assessment,
    below_line,
    month_before,
    period_of,
    rank,
    report_due,
    score,
    shares,
)


@st.composite
def weights(draw: st.DrawFn) -> dict[str, int]:
    """Whole points per figure adding up to 100 (cut points of 0..100)."""
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(FIGURES) - 1, max_size=len(FIGURES) - 1)))
    bounds = [0, *cuts, 100]
    return {name: bounds[i + 1] - bounds[i] for i, name in enumerate(FIGURES)}


share = st.one_of(st.none(), st.floats(0, 1, allow_nan=False))
values = st.fixed_dictionaries({name: share for name in FIGURES})


@settings(max_examples=200, deadline=None)
@given(weights())
def test_weights_from_the_strategy_add_up_to_100_and_are_accepted(w: dict[str, int]) -> None:
    assert sum(w.values()) == 100
    assert Assessment.from_json({"weights": w}).weights == w


@settings(max_examples=200, deadline=None)
@given(weights())
def test_perfect_figures_score_100(w: dict[str, int]) -> None:
    assert score(dict.fromkeys(FIGURES, 1.0), w) == 100.0
    perfect = {"total": 9, "response_rate": 1.0, "on_time_rate": 1.0, "satisfaction_rate": 1.0}
    assert score(shares({**perfect, "reopen_rate": 0.0, "overdue_open": 0}), w) == 100.0


@settings(max_examples=300, deadline=None)
@given(weights(), values, st.sampled_from(FIGURES), st.floats(0, 1, allow_nan=False))
def test_score_is_monotone_in_each_figure(
    w: dict[str, int], v: dict[str, float | None], name: str, better: float
) -> None:
    if v[name] is None:
        return
    low, high = sorted((v[name] or 0.0, better))
    worse, improved = score({**v, name: low}, w), score({**v, name: high}, w)
    assert (worse is None) == (improved is None)  # nothing weighted known: neither is scored
    if worse is None or improved is None:
        return
    assert worse <= improved
    assert 0 <= worse <= 100


@settings(max_examples=200, deadline=None)
@given(weights(), values)
def test_score_is_within_0_and_100_or_none_when_nothing_weighted_is_known(
    w: dict[str, int], v: dict[str, float | None]
) -> None:
    found = score(v, w)
    known = sum(w[name] for name in FIGURES if v[name] is not None)
    assert (found is None) == (known == 0)
    if found is not None:
        assert 0 <= found <= 100


def test_a_figure_with_no_base_is_left_out_and_the_rest_scaled_to_100() -> None:
    w = dict(DEFAULT_WEIGHTS)  # response 25, on_time 25, satisfaction 30, reopen 10, overdue 10
    no_ratings = {"response": 1.0, "on_time": 0.5, "satisfaction": None, "reopen": 1.0, "overdue": 1.0}
    # (25 + 12.5 + 10 + 10) / 70 points known
    assert score(no_ratings, w) == round(100 * 57.5 / 70, 1) == 82.1


def test_a_school_with_no_tickets_is_not_scored() -> None:
    assert shares({"total": 0}) == dict.fromkeys(FIGURES)
    assert score(shares({"total": 0}), dict(DEFAULT_WEIGHTS)) is None
    assert not below_line(None, 60)


def test_reopen_and_overdue_count_against_the_school() -> None:
    got = shares(
        {"total": 10, "response_rate": 0.8, "on_time_rate": None, "reopen_rate": 0.2, "overdue_open": 3}
    )
    assert got == {"response": 0.8, "on_time": None, "satisfaction": None, "reopen": 0.8, "overdue": 0.7}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"weights": {**DEFAULT_WEIGHTS, "satisfaction": 25}}, "weights"),  # adds up to 95
        ({"weights": {**DEFAULT_WEIGHTS, "reopen": -1, "overdue": 21}}, "reopen"),
        ({"weights": {**DEFAULT_WEIGHTS, "on_time": "25"}}, "on_time"),
        ({"weights": {k: v for k, v in DEFAULT_WEIGHTS.items() if k != "overdue"}}, "overdue"),
        ({"weights": {**DEFAULT_WEIGHTS, "speed": 0}}, "speed"),
        ({"weights": dict(DEFAULT_WEIGHTS), "passing_line": 101}, "passing_line"),
        ({"weights": dict(DEFAULT_WEIGHTS), "rectify_days": 0}, "rectify_days"),
        ({"weights": dict(DEFAULT_WEIGHTS), "line": 60}, "line"),
        ({}, "weights"),
    ],
)
def test_bad_assessment_is_invalid_naming_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(Invalid, match=f"`{field}`"):
        Assessment.from_json(data)


def test_assessment_round_trips_through_json() -> None:
    a = Assessment({**DEFAULT_WEIGHTS}, passing_line=75, rectify_days=15)
    assert Assessment.from_json(a.to_json()) == a


def test_rank_shares_equal_scores_and_puts_unscored_last() -> None:
    placed = rank([("s3", 80.0), ("s1", 90.0), ("s2", 80.0), ("s4", None), ("s0", 70.0)])
    assert [(p.key, p.rank) for p in placed] == [("s1", 1), ("s2", 2), ("s3", 2), ("s0", 4), ("s4", None)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 100, allow_nan=False)), max_size=30))
def test_a_higher_score_never_ranks_below_a_lower(scores: list[float | None]) -> None:
    placed = rank((f"s{i:03d}", v) for i, v in enumerate(scores))
    ranked = [p for p in placed if p.rank is not None]
    for a in ranked:
        for b in ranked:
            if a.score is not None and b.score is not None and a.score > b.score:
                assert a.rank is not None and b.rank is not None and a.rank < b.rank
    assert ranked == placed[: len(ranked)]
    assert ranked[:1] == [] or ranked[0].rank == 1


def test_periods_month_term_year() -> None:
    today = date(2026, 11, 18)
    assert period_of("month", None, today).key == "2026-11"
    m = period_of("month", "2026-02", today)
    assert (m.first, m.last) == (date(2026, 2, 1), date(2026, 2, 28))
    t = period_of("term", None, today)
    assert (t.key, t.first, t.last) == ("2026-2027-1", date(2026, 9, 1), date(2027, 1, 31))
    spring = period_of("term", None, date(2027, 3, 1))
    assert (spring.key, spring.first, spring.last) == ("2026-2027-2", date(2027, 2, 1), date(2027, 8, 31))
    assert period_of("term", None, date(2027, 1, 15)).key == "2026-2027-1"
    y = period_of("year", "2025", today)
    assert (y.first, y.last) == (date(2025, 1, 1), date(2025, 12, 31))


@pytest.mark.parametrize(
    ("kind", "key", "field"),
    [
        ("week", None, "period"),
        ("month", "2026-13", "key"),
        ("month", "11", "key"),
        ("term", "2026-2028-1", "key"),
    ],
)
def test_bad_period_is_invalid_naming_the_field(kind: str, key: str | None, field: str) -> None:
    with pytest.raises(Invalid, match=f"`{field}`"):
        period_of(kind, key, date(2026, 11, 18))


def test_the_report_is_due_from_the_first_working_day_of_the_month() -> None:
    calendar = WorkCalendar()
    # October 2026: 1–7 National Day holiday (Thu–Wed), the 8th (Thursday) is the first working day.
    assert report_due(date(2026, 10, 7), calendar) is None
    due = report_due(date(2026, 10, 8), calendar)
    assert due is not None and due.key == "2026-09"
    # February 2026: the 1st is a Sunday, the 2nd a working Monday.
    assert report_due(date(2026, 2, 1), calendar) is None
    assert month_before(date(2026, 1, 5)).key == "2025-12"
    later = report_due(date(2026, 12, 20), calendar)
    assert later is not None and later.key == "2026-11"
