"""回访's pure rules: the policy read from JSON, the reproducible sample, the tally's rates."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huixiang.domain.callbacks import CallbackPolicy, CallbackTally, Caller, Outcome, may_call
from huixiang.domain.enums import Rating, Role
from huixiang.domain.errors import Invalid

NUMBERS = [f"2026-{n:06d}" for n in range(1, 2001)]


def test_policy_defaults_to_the_school_office_calling_everyone() -> None:
    policy = CallbackPolicy.from_json({})
    assert (policy.caller, policy.percent) == (Caller.SCHOOL, 100)
    assert all(policy.draws(n) for n in NUMBERS[:50])


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"caller": "teacher"}, "caller"),
        ({"percent": 101}, "percent"),
        ({"percent": -1}, "percent"),
        ({"percent": "50"}, "percent"),
        ({"percent": True}, "percent"),
        ({"seed": ""}, "seed"),
        ({"seed": 5}, "seed"),
    ],
)
def test_policy_bad_field_is_invalid_naming_it(data: dict[str, object], field: str) -> None:
    with pytest.raises(Invalid) as info:
        CallbackPolicy.from_json(data)
    assert f"`{field}`" in info.value.message


def test_policy_round_trips_through_json() -> None:
    policy = CallbackPolicy(Caller.BUREAU, 30, "2026-秋".encode().hex())
    assert CallbackPolicy.from_json(policy.to_json()) == policy


def test_no_share_draws_nobody() -> None:
    assert not any(CallbackPolicy(percent=0).draws(n) for n in NUMBERS)


@settings(max_examples=40, deadline=None)
@given(percent=st.integers(min_value=1, max_value=99), seed=st.text("abcdef0123", min_size=1, max_size=12))
def test_sample_is_reproducible_and_near_its_share(percent: int, seed: str) -> None:
    policy = CallbackPolicy(Caller.SCHOOL, percent, seed)
    drawn = [n for n in NUMBERS if policy.draws(n)]
    assert drawn == [n for n in NUMBERS if CallbackPolicy(Caller.SCHOOL, percent, seed).draws(n)]
    # 2000 tickets: the share within 6 points (far beyond 4 standard deviations at 50%).
    assert abs(len(drawn) / len(NUMBERS) * 100 - percent) < 6


def test_a_larger_share_draws_a_superset() -> None:
    small, large = CallbackPolicy(percent=20, seed="s"), CallbackPolicy(percent=60, seed="s")
    assert {n for n in NUMBERS if small.draws(n)} < {n for n in NUMBERS if large.draws(n)}


def test_callers_by_role() -> None:
    assert may_call(Caller.SCHOOL, frozenset({Role.REGISTRAR}))
    assert may_call(Caller.SCHOOL, frozenset({Role.LEADER}))
    assert not may_call(Caller.SCHOOL, frozenset({Role.INSPECTOR, Role.HANDLER}))
    assert may_call(Caller.BUREAU, frozenset({Role.INSPECTOR}))
    assert not may_call(Caller.BUREAU, frozenset({Role.LEADER, Role.REGISTRAR}))


def test_tally_rates() -> None:
    tally = CallbackTally()
    assert (tally.resolved_rate, tally.satisfaction_rate) == (None, None)
    tally.add(None)
    tally.add(Outcome(True, Rating.SATISFIED, False))
    tally.add(Outcome(True, Rating.BASICALLY_SATISFIED, False))
    tally.add(Outcome(False, Rating.UNSATISFIED, True))
    assert (tally.pending, tally.made, tally.resolved, tally.treated_differently) == (1, 3, 2, 1)
    assert (tally.resolved_rate, tally.satisfaction_rate) == (0.6667, 0.6667)
    assert (
        Outcome(False, Rating.SATISFIED, False).rework and not Outcome(True, Rating.UNSATISFIED, False).rework
    )
