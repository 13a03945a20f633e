"""挂起 on the working-day clock: the working days a hold takes, the deadline after it, and the
expected day it may name. Expected dates by hand from the 2026 official schedule (National Day:
Oct 1–7 off, Sat Oct 10 a working day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huixiang.domain.deadlines import MAX_HOLD_DAYS, Clock, DeadlinePolicy, WorkCalendar
from huixiang.domain.errors import Invalid

SH = ZoneInfo("Asia/Shanghai")
CLOCK = Clock(WorkCalendar(), SH, DeadlinePolicy())


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=SH)


@pytest.mark.parametrize(
    ("held", "resumed", "days"),
    [
        ("2026-11-16 09:00", "2026-11-16 17:00", 0),  # within one day
        ("2026-11-16 09:00", "2026-11-18 09:00", 2),  # Monday and Tuesday
        ("2026-11-20 16:00", "2026-11-23 09:00", 1),  # Friday to Monday: Friday
        ("2026-11-21 10:00", "2026-11-23 09:00", 0),  # over the weekend only
        ("2026-09-30 10:00", "2026-10-09 10:00", 2),  # Sep 30 and Oct 8 (Oct 1–7 off)
        ("2026-10-09 10:00", "2026-10-12 10:00", 2),  # Oct 9 and the adjusted Saturday Oct 10
    ],
)
def test_held_workdays_counts_days_from_start_up_to_end(held, resumed, days):
    assert CLOCK.held_workdays(local(held), local(resumed)) == days


def test_held_workdays_counts_the_bureau_day_not_utc():
    # 2026-11-16 23:30 in Shanghai is 15:30 UTC; resumed on the 17th at 08:00 local: one day.
    held = datetime(2026, 11, 16, 15, 30, tzinfo=UTC)
    assert CLOCK.held_workdays(held, local("2026-11-17 08:00")) == 1


def test_resumed_due_moves_by_working_days_keeping_the_time():
    due = local("2026-09-29 18:00")
    # Held Sep 28 (Mon) – Sep 30 (Wed): two working days; the 29th + 2 working days skips
    # the holiday: Sep 30, Oct 8.
    assert CLOCK.resumed_due(due, local("2026-09-28 10:00"), local("2026-09-30 11:00")) == local(
        "2026-10-08 18:00"
    )


def test_resumed_due_unchanged_for_a_hold_within_one_day():
    due = local("2026-11-20 18:00")
    assert CLOCK.resumed_due(due, local("2026-11-16 09:00"), local("2026-11-16 16:00")) == due


def test_hold_ends_at_the_start_of_the_expected_day():
    now = local("2026-11-16 10:00")
    assert CLOCK.hold_ends(date(2026, 11, 20), now) == local("2026-11-20 00:00")


@pytest.mark.parametrize("until", [date(2026, 11, 16), date(2026, 11, 1)])
def test_hold_ends_today_or_before_refused_naming_until(until):
    with pytest.raises(Invalid) as info:
        CLOCK.hold_ends(until, local("2026-11-16 10:00"))
    assert "`until`" in info.value.message


def test_hold_ends_beyond_the_limit_refused():
    now = local("2026-11-16 10:00")
    CLOCK.hold_ends(date(2026, 11, 16) + timedelta(days=MAX_HOLD_DAYS), now)
    with pytest.raises(Invalid):
        CLOCK.hold_ends(date(2026, 11, 16) + timedelta(days=MAX_HOLD_DAYS + 1), now)


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(SH)
)


@settings(max_examples=300, deadline=None, database=None)
@given(a=instants, b=instants, c=instants)
def test_held_workdays_adds_up_over_consecutive_holds(a, b, c):
    a, b, c = sorted((a, b, c))
    assert CLOCK.held_workdays(a, b) + CLOCK.held_workdays(b, c) == CLOCK.held_workdays(a, c)


@settings(max_examples=300, deadline=None, database=None)
@given(a=instants, span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)))
def test_held_workdays_never_more_than_the_days_held_nor_negative(a, span):
    days = CLOCK.held_workdays(a, a + span)
    local_days = ((a + span).astimezone(SH).date() - a.astimezone(SH).date()).days
    assert 0 <= days <= local_days
    assert CLOCK.held_workdays(a + span, a) == 0  # an end before the start takes nothing


@settings(max_examples=300, deadline=None, database=None)
@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 11, 1)),
    held=instants,
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_resumed_due_on_a_working_day_is_exactly_the_days_held_later(day, held, span):
    due_day = CLOCK.calendar.shift(day, 1)  # a working day
    due = datetime.combine(due_day, time(18, 0), tzinfo=SH)
    resumed = held + span
    days = CLOCK.held_workdays(held, resumed)
    after = CLOCK.resumed_due(due, held, resumed)
    assert after >= due
    assert after.astimezone(SH).time() == time(18, 0)
    assert CLOCK.calendar.workdays_between(due_day, after.astimezone(SH).date()) == days
