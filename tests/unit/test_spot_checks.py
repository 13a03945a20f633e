"""The spot check draw (domain/spot_checks.py): a pure function of the seed and the eligible
tickets — same inputs, same sample; the sizes asked; no duplicates; every school with tickets
represented; and a failed check's rectification against its deadline."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huixiang.domain.errors import Invalid
from huixiang.domain.spot_checks import (
    Eligible,
    Rectification,
    SampleSize,
    SizeUnit,
    Tally,
    check_seed,
    draw_sample,
    eligible_digest,
    rectification,
)

SCHOOLS = st.integers(min_value=1, max_value=6)
NUMBERS = st.integers(min_value=1, max_value=5000).map(lambda n: f"2026{n:06d}")
ELIGIBLE = st.lists(st.tuples(SCHOOLS, NUMBERS), max_size=120, unique_by=lambda pair: pair[1]).map(
    lambda pairs: [Eligible(school, number) for school, number in pairs]
)
SIZES = st.one_of(
    st.integers(min_value=1, max_value=50).map(lambda n: SampleSize(n, SizeUnit.PER_SCHOOL)),
    st.integers(min_value=1, max_value=100).map(lambda n: SampleSize(n, SizeUnit.PERCENT)),
)
SEEDS = st.text(alphabet="0123456789abcdefXYZ-_", min_size=1, max_size=20)


def _count(tickets: list[Eligible[int]], school: int) -> int:
    return sum(1 for t in tickets if t.school == school)


@given(SEEDS, ELIGIBLE, SIZES)
def test_same_seed_and_tickets_draw_the_same_sample(
    seed: str, eligible: list[Eligible[int]], size: SampleSize
) -> None:
    assert draw_sample(seed, eligible, size) == draw_sample(seed, list(eligible), size)


@given(SEEDS, ELIGIBLE, SIZES)
def test_the_order_of_the_eligible_list_does_not_change_which_are_drawn(
    seed: str, eligible: list[Eligible[int]], size: SampleSize
) -> None:
    forward = {t.number for t in draw_sample(seed, eligible, size)}
    backward = {t.number for t in draw_sample(seed, eligible[::-1], size)}
    assert forward == backward


@given(SEEDS, ELIGIBLE, SIZES)
def test_each_school_gets_its_size_without_duplicates_in_the_list_order(
    seed: str, eligible: list[Eligible[int]], size: SampleSize
) -> None:
    sample = draw_sample(seed, eligible, size)
    numbers = [t.number for t in sample]
    assert len(numbers) == len(set(numbers))
    assert all(t in eligible for t in sample)
    positions = [eligible.index(t) for t in sample]
    assert positions == sorted(positions)  # a subsequence of the eligible list
    for school in {t.school for t in eligible}:
        n = _count(eligible, school)
        drawn = _count(sample, school)
        assert drawn == size.of(n) and 1 <= drawn <= n  # every school with tickets is represented


@given(SEEDS, ELIGIBLE)
def test_a_ticket_listed_twice_is_drawn_once(seed: str, eligible: list[Eligible[int]]) -> None:
    everything = SampleSize(50, SizeUnit.PER_SCHOOL)
    doubled = eligible + eligible
    assert draw_sample(seed, doubled, everything) == draw_sample(seed, eligible, everything)


def test_the_sample_is_the_smallest_sha256_keys_so_anyone_can_recompute_it() -> None:
    eligible = [Eligible("s1", f"2026{n:06d}") for n in range(1, 21)]
    sample = draw_sample("abc", eligible, SampleSize(3))
    keys = sorted(eligible, key=lambda t: hashlib.sha256(b"abc\0" + t.number.encode()).digest())
    assert {t.number for t in sample} == {t.number for t in keys[:3]}
    assert draw_sample("abd", eligible, SampleSize(3)) != sample  # another seed, another sample


def test_sizes_round_a_percentage_up_and_never_exceed_the_tickets() -> None:
    assert SampleSize(10, SizeUnit.PERCENT).of(3) == 1
    assert SampleSize(10, SizeUnit.PERCENT).of(25) == 3
    assert SampleSize(100, SizeUnit.PERCENT).of(7) == 7
    assert SampleSize(5).of(3) == 3 and SampleSize(5).of(0) == 0


@pytest.mark.parametrize(
    ("value", "unit"),
    [(0, SizeUnit.PER_SCHOOL), (51, SizeUnit.PER_SCHOOL), (0, SizeUnit.PERCENT), (101, SizeUnit.PERCENT)],
)
def test_a_size_out_of_range_is_refused_naming_the_field(value: int, unit: SizeUnit) -> None:
    with pytest.raises(Invalid, match="`size`"):
        SampleSize(value, unit)


@pytest.mark.parametrize("seed", ["", "  ", "x" * 65, "种子", "a\tb"])
def test_a_seed_that_is_not_short_printable_ascii_is_refused(seed: str) -> None:
    with pytest.raises(Invalid, match="`seed`"):
        check_seed(seed)


def test_the_digest_fingerprints_the_ordered_list() -> None:
    assert eligible_digest(["1", "2"]) != eligible_digest(["2", "1"])
    assert eligible_digest([]) == hashlib.sha256(b"").hexdigest()


NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
DUE = NOW + timedelta(days=3)


def test_rectification_is_on_time_at_or_before_the_deadline_in_force() -> None:
    assert rectification(DUE, None, NOW) is Rectification.PENDING
    assert rectification(DUE, None, DUE + timedelta(seconds=1)) is Rectification.OVERDUE
    assert rectification(DUE, DUE, DUE + timedelta(days=9)) is Rectification.ON_TIME
    assert rectification(DUE, DUE + timedelta(hours=1), NOW) is Rectification.LATE
    later = DUE + timedelta(days=2)
    assert rectification(DUE, DUE + timedelta(hours=1), NOW, extended_to=later) is Rectification.ON_TIME


def test_a_tally_counts_checks_passes_and_rectifications() -> None:
    tally = Tally()
    for verdict, state in [
        (None, None),
        ("pass", None),
        ("fail", Rectification.ON_TIME),
        ("fail", Rectification.LATE),
        ("fail", Rectification.OVERDUE),
    ]:
        tally.add(verdict, state)
    assert (tally.sampled, tally.checked, tally.passed, tally.failed) == (5, 4, 1, 3)
    assert (tally.rectified, tally.rectified_on_time, tally.pass_rate) == (2, 1, 0.25)
    assert Tally().pass_rate is None
