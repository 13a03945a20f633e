"""The deadline chip (domain/due.py) at its boundaries, on the 2026 official calendar
(National Day: Oct 1 (Thu) – Oct 7 (Wed) off; Sat Oct 10 is a working day)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huixiang.domain import due
from huixiang.domain.deadlines import Clock, DeadlinePolicy, WorkCalendar
from huixiang.domain.due import Colour, due_chip, due_within
from huixiang.domain.enums import Status

SH = ZoneInfo("Asia/Shanghai")
CLOCK = Clock(WorkCalendar(), SH, DeadlinePolicy())


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=SH)


def chip(now: str, respond: str, status: Status = Status.ASSIGNED) -> due.DueChip | None:
    return due_chip(status, local("2026-01-01 00:00"), local(respond), local(now), CLOCK)


def test_chip_deadline_today_is_amber_with_its_time() -> None:
    found = chip("2026-11-30 09:00", "2026-11-30 18:00")  # a Monday
    assert found == due.DueChip(Colour.AMBER, due.TODAY, {"time": "18:00"}, local("2026-11-30 18:00"))


def test_chip_one_minute_before_is_amber_at_the_deadline_is_red() -> None:
    before = chip("2026-11-30 17:59", "2026-11-30 18:00")
    at = chip("2026-11-30 18:00", "2026-11-30 18:00")
    assert before is not None and before.colour is Colour.AMBER
    assert at is not None and (at.colour, at.key, at.values) == (Colour.RED, due.OVERDUE, {"days": 1})


def test_chip_deadline_tomorrow_is_amber_tomorrow() -> None:
    found = chip("2026-11-30 20:00", "2026-12-01 18:00")
    assert found is not None and (found.colour, found.key) == (Colour.AMBER, due.TOMORROW)


def test_chip_friday_before_monday_deadline_names_the_weekday() -> None:
    found = chip("2026-12-04 10:00", "2026-12-07 18:00")  # Fri → Mon: next working day, not tomorrow
    assert found is not None
    assert (found.colour, found.key, found.values) == (
        Colour.AMBER,
        due.WEEKDAY,
        {"time": "18:00", "weekday": 0},
    )


def test_chip_two_working_days_is_green() -> None:
    found = chip("2026-11-30 10:00", "2026-12-02 18:00")
    assert found is not None and (found.colour, found.key, found.values) == (
        Colour.GREEN,
        due.LEFT,
        {"days": 2},
    )


def test_chip_counts_working_days_over_national_day() -> None:
    # Wed Sep 30 → Fri Oct 9: Oct 1–7 are holidays, Oct 8 and 9 working days.
    found = chip("2026-09-30 10:00", "2026-10-09 18:00")
    assert found is not None and found.values == {"days": 2} and found.colour is Colour.GREEN
    # Sep 30 → Oct 8: the next working day, amber, not "tomorrow".
    soon = chip("2026-09-30 10:00", "2026-10-08 18:00")
    assert soon is not None and soon.key == due.WEEKDAY and soon.values["weekday"] == 3


def test_chip_overdue_counts_working_days_not_calendar_days() -> None:
    # Due Fri Dec 4, now Tue Dec 8: Mon and Tue are working days past it.
    found = chip("2026-12-08 10:00", "2026-12-04 18:00")
    assert found is not None and (found.colour, found.values) == (Colour.RED, {"days": 2})
    # Over National Day: due Wed Sep 30, now Thu Oct 8 → one working day (Oct 8).
    holiday = chip("2026-10-08 09:00", "2026-09-30 18:00")
    assert holiday is not None and holiday.values == {"days": 1}


def test_chip_collected_uses_register_deadline() -> None:
    found = due_chip(
        Status.COLLECTED,
        local("2026-11-30 18:00"),
        local("2026-12-07 18:00"),
        local("2026-11-30 09:00"),
        CLOCK,
    )
    assert found is not None and found.key == due.TODAY


@pytest.mark.parametrize("status", [Status.RESPONDED, Status.ARCHIVED, Status.INSPECTED, Status.MERGED])
def test_chip_later_states_have_none(status: Status) -> None:
    assert chip("2026-11-30 09:00", "2026-11-29 18:00", status) is None


def test_chip_urgent_deadline_keeps_its_own_time() -> None:
    found = chip("2026-11-30 09:00", "2026-11-30 14:30")
    assert found is not None and found.values == {"time": "14:30"}


def test_chip_is_in_the_bureaus_zone() -> None:
    # 2026-11-30 18:00 in Shanghai is 10:00 UTC; at 23:30 UTC on Nov 30 it is Dec 1 locally.
    now = datetime(2026, 11, 30, 23, 30, tzinfo=ZoneInfo("UTC"))
    found = due_chip(Status.ASSIGNED, None, local("2026-12-01 18:00"), now, CLOCK)
    assert found is not None and found.key == due.TODAY


instants = st.datetimes(
    min_value=datetime(2026, 1, 2), max_value=datetime(2026, 12, 20), timezones=st.just(SH)
)


@settings(max_examples=300, deadline=None)
@given(now=instants, delta=st.integers(min_value=-20 * 24 * 60, max_value=20 * 24 * 60))
def test_chip_colour_agrees_with_the_deadline(now: datetime, delta: int) -> None:
    deadline = now + timedelta(minutes=delta)
    found = due_chip(Status.SUBMITTED, None, deadline, now, CLOCK)
    assert found is not None
    if deadline <= now:
        assert found.colour is Colour.RED and int(found.values["days"]) >= 1
    elif deadline < due_within(now, CLOCK):
        assert found.colour is Colour.AMBER
    else:
        # A deadline on a day off (an urgent one) can leave a single working day before it.
        assert found.colour is Colour.GREEN and int(found.values["days"]) >= 1


@settings(max_examples=200, deadline=None)
@given(now=instants, minutes=st.integers(min_value=1, max_value=60 * 24 * 30))
def test_chip_overdue_days_never_shrink_as_time_passes(now: datetime, minutes: int) -> None:
    deadline = now - timedelta(minutes=1)
    earlier = due_chip(Status.ASSIGNED, None, deadline, now, CLOCK)
    later = due_chip(Status.ASSIGNED, None, deadline, now + timedelta(minutes=minutes), CLOCK)
    assert earlier is not None and later is not None
    assert int(later.values["days"]) >= int(earlier.values["days"])
