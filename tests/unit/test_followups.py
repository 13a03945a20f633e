"""The follow-up rule (domain/followups.py), exhaustively over its inputs with hypothesis."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huixiang.domain.followups import (
    DEFAULT_CADENCE,
    MAX_DAYS,
    MIN_DAYS,
    REMIND_BEFORE_DAYS,
    FollowupState,
    cadence_of,
    effective_cadences,
    followup,
    next_due,
    state_on,
)
from huixiang.domain.visits import Group

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
cadence = st.integers(MIN_DAYS, MAX_DAYS)
groups = st.lists(st.sampled_from(list(Group)), unique=True, max_size=6)
cadences = st.dictionaries(st.sampled_from(list(Group)), cadence)


@given(st.one_of(st.none(), days), days, days, cadence)
def test_next_due_counts_from_the_last_visit_or_joining_never_before_the_year(
    last: date | None, joined: date, year_start: date, n: int
) -> None:
    due = next_due(last, joined, year_start, n)
    base = due - timedelta(days=n)
    assert base >= year_start
    assert base == max(last if last is not None else joined, year_start)
    # A later visit never brings the next one sooner.
    if last is not None:
        assert next_due(last + timedelta(days=1), joined, year_start, n) >= due


@given(st.integers(-1000, 1000).filter(lambda n: not MIN_DAYS <= n <= MAX_DAYS))
def test_a_cadence_outside_its_bounds_is_refused(n: int) -> None:
    with pytest.raises(ValueError):
        next_due(None, date(2026, 9, 1), date(2026, 9, 1), n)


@given(days, days)
def test_the_state_moves_from_upcoming_to_due_to_overdue(due_on: date, today: date) -> None:
    state = state_on(due_on, today)
    gap = (due_on - today).days
    if gap < 0:
        assert state is FollowupState.OVERDUE
    elif gap <= REMIND_BEFORE_DAYS:
        assert state is FollowupState.DUE
    else:
        assert state is FollowupState.UPCOMING
    # Monotone in time: a day later is never a less urgent state.
    order = list(FollowupState)
    assert order.index(state_on(due_on, today + timedelta(days=1))) >= order.index(state)


@given(groups, cadences)
def test_a_student_follows_the_shortest_of_their_groups(chosen: list[Group], set_: dict[Group, int]) -> None:
    found = cadence_of(chosen, set_)
    if not chosen:
        assert found is None
    else:
        assert found == min(set_.get(g, DEFAULT_CADENCE[g]) for g in chosen)


@given(st.lists(cadences, max_size=4))
def test_the_nearest_unit_overrides_the_ones_above(levels: list[dict[Group, int]]) -> None:
    found = effective_cadences(levels)
    for group in Group:
        setting = [level[group] for level in levels if group in level]
        assert found[group] == (setting[-1] if setting else DEFAULT_CADENCE[group])


@given(groups, cadences, st.one_of(st.none(), days), days, days)
def test_followup_is_none_outside_the_groups_and_else_consistent(
    chosen: list[Group], set_: dict[Group, int], last: date | None, joined: date, today: date
) -> None:
    year_start = date(2026, 9, 1)
    found = followup(chosen, set_, last, joined, year_start, today)
    if not chosen:
        assert found is None
        return
    assert found is not None
    assert found.days == cadence_of(chosen, set_)
    assert found.due_on == next_due(last, joined, year_start, found.days)
    assert found.state is state_on(found.due_on, today)


def test_the_defaults_cover_the_six_groups_within_bounds() -> None:
    assert set(DEFAULT_CADENCE) == set(Group)
    assert all(MIN_DAYS <= n <= MAX_DAYS for n in DEFAULT_CADENCE.values())
    # A student in 思想学业重大变化 (14 days) and 进城务工子女 (60) is followed every 14 days.
    assert cadence_of([Group.MIGRANT, Group.CHANGE], DEFAULT_CADENCE) == 14
