"""Deadlines on Chinese working days in Asia/Shanghai.

Expected dates are derived by hand from the State Council's official 2026 holiday schedule
(国务院办公厅关于2026年部分节假日安排的通知):
  Spring Festival: Feb 15 (Sun) – Feb 23 (Mon) off; Sat Feb 14 and Sat Feb 28 are working days.
  Mid-Autumn: Sep 25 (Fri) – Sep 27 (Sun) off.
  National Day: Oct 1 (Thu) – Oct 7 (Wed) off; Sun Sep 20 and Sat Oct 10 are working days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huixiang.domain.deadlines import Clock, DeadlinePolicy, WorkCalendar
from huixiang.domain.enums import Kind, Priority
from huixiang.domain.errors import Conflict, Invalid

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
POLICY = DeadlinePolicy()
CLOCK = Clock(CAL, SH, POLICY)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def local(iso: str) -> datetime:
    """A wall-clock time in Shanghai, e.g. local("2026-09-30 10:00")."""
    return datetime.fromisoformat(iso).replace(tzinfo=SH)


def eod(iso_day: str) -> datetime:
    """18:00 Shanghai on that day: the default end of the working day."""
    return datetime.combine(d(iso_day), time(18, 0), tzinfo=SH)


def weekend_workdays(start: str, end: str, is_workday) -> set[date]:
    first, last = d(start), d(end)
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return {day for day in days if day.weekday() >= 5 and is_workday(day)}


# -- the package and our calendar agree with the official 2026 schedule ---------------------


def test_is_workday_package_national_day_2026_adjusted_days_match_official():
    assert chinese_calendar.is_workday(d("2026-09-20")) is True  # Sunday, 调休
    assert chinese_calendar.is_workday(d("2026-10-10")) is True  # Saturday, 调休
    assert weekend_workdays("2026-09-12", "2026-10-31", chinese_calendar.is_workday) == {
        d("2026-09-20"),
        d("2026-10-10"),
    }


def test_is_workday_calendar_national_day_2026_matches_official():
    for day in range(1, 8):
        assert CAL.is_workday(date(2026, 10, day)) is False, day
    assert [CAL.is_workday(d(x)) for x in ("2026-09-25", "2026-09-26", "2026-09-27")] == [
        False,
        False,
        False,
    ]
    assert CAL.is_workday(d("2026-09-24")) is True
    assert CAL.is_workday(d("2026-09-30")) is True
    assert CAL.is_workday(d("2026-10-08")) is True
    assert CAL.is_workday(d("2026-10-09")) is True
    assert CAL.is_workday(d("2026-10-11")) is False
    assert weekend_workdays("2026-09-12", "2026-10-31", CAL.is_workday) == {
        d("2026-09-20"),
        d("2026-10-10"),
    }


def test_is_workday_package_spring_festival_2026_matches_official():
    for day in range(15, 24):
        assert chinese_calendar.is_workday(date(2026, 2, day)) is False, day
    assert chinese_calendar.is_workday(d("2026-02-14")) is True  # Saturday, 调休
    assert chinese_calendar.is_workday(d("2026-02-28")) is True  # Saturday, 调休
    assert chinese_calendar.is_workday(d("2026-02-24")) is True
    assert weekend_workdays("2026-02-01", "2026-03-15", chinese_calendar.is_workday) == {
        d("2026-02-14"),
        d("2026-02-28"),
    }


def test_is_workday_calendar_spring_festival_2026_matches_official():
    for day in range(15, 24):
        assert CAL.is_workday(date(2026, 2, day)) is False, day
    assert weekend_workdays("2026-02-01", "2026-03-15", CAL.is_workday) == {
        d("2026-02-14"),
        d("2026-02-28"),
    }


def test_is_workday_ordinary_weekend_false_weekday_true():
    assert CAL.is_workday(d("2026-03-07")) is False  # Saturday
    assert CAL.is_workday(d("2026-03-08")) is False  # Sunday
    assert CAL.is_workday(d("2026-03-09")) is True  # Monday


# -- register and respond deadlines around National Day 2026 --------------------------------


def test_register_due_collected_before_national_day_lands_after_holiday():
    assert CLOCK.register_due(local("2026-09-30 10:00")) == eod("2026-10-08")


def test_respond_due_collected_before_national_day_counts_adjusted_saturday():
    # Oct 8 (1), Oct 9 (2), Sat Oct 10 (3, 调休), Oct 12 (4), Oct 13 (5)
    got = CLOCK.respond_due(local("2026-09-30 10:00"), Kind.COMPLAINT, Priority.NORMAL)
    assert got == eod("2026-10-13")


def test_register_due_collected_friday_before_adjusted_sunday_lands_on_sunday():
    assert CLOCK.register_due(local("2026-09-18 09:00")) == eod("2026-09-20")


def test_respond_due_collected_friday_before_adjusted_sunday_counts_sunday():
    # Sun Sep 20 (1, 调休), 21 (2), 22 (3), 23 (4), 24 (5)
    got = CLOCK.respond_due(local("2026-09-18 09:00"), Kind.INQUIRY, Priority.NORMAL)
    assert got == eod("2026-09-24")


def test_respond_due_collected_before_mid_autumn_and_national_day_skips_both():
    # Sep 25–27 off; Sep 28 (1), 29 (2), 30 (3); Oct 1–7 off; Oct 8 (4), Oct 9 (5)
    got = CLOCK.respond_due(local("2026-09-24 15:00"), Kind.HELP, Priority.NORMAL)
    assert got == eod("2026-10-09")


def test_register_due_collected_on_holiday_next_working_day():
    assert CLOCK.register_due(local("2026-10-03 11:00")) == eod("2026-10-08")


def test_respond_due_collected_on_holiday_counts_from_holiday():
    got = CLOCK.respond_due(local("2026-10-03 11:00"), Kind.SUGGESTION, Priority.NORMAL)
    assert got == eod("2026-10-13")


def test_register_due_collected_2330_local_counts_local_day():
    # 23:30 on Wed Sep 30 is still Sep 30 in Shanghai (15:30 UTC the same day).
    assert CLOCK.register_due(local("2026-09-30 23:30")) == eod("2026-10-08")
    assert CLOCK.register_due(local("2026-09-17 23:30")) == eod("2026-09-18")


def test_register_due_utc_timestamp_next_day_in_shanghai_counts_shanghai_day():
    # 16:30 UTC on Thu Sep 17 is 00:30 on Fri Sep 18 in Shanghai: counted from Sep 18.
    collected = datetime(2026, 9, 17, 16, 30, tzinfo=UTC)
    assert CLOCK.local_day(collected) == d("2026-09-18")
    assert CLOCK.register_due(collected) == eod("2026-09-20")  # not Sep 18 (UTC day + 1)


# -- Spring Festival 2026 -------------------------------------------------------------------


def test_register_due_collected_friday_before_spring_festival_lands_on_adjusted_saturday():
    assert CLOCK.register_due(local("2026-02-13 10:00")) == eod("2026-02-14")


def test_respond_due_collected_before_spring_festival_skips_holiday():
    # Sat Feb 14 (1, 调休); Feb 15–23 off; Feb 24 (2), 25 (3), 26 (4), 27 (5)
    got = CLOCK.respond_due(local("2026-02-13 10:00"), Kind.COMPLAINT, Priority.NORMAL)
    assert got == eod("2026-02-27")


def test_respond_due_collected_on_adjusted_saturday_lands_on_next_adjusted_saturday():
    # Feb 24 (1), 25 (2), 26 (3), 27 (4), Sat Feb 28 (5, 调休)
    got = CLOCK.respond_due(local("2026-02-14 10:00"), Kind.COMPLAINT, Priority.NORMAL)
    assert got == eod("2026-02-28")


def test_register_due_utc_evening_before_adjusted_saturday_counts_shanghai_day():
    # 17:00 UTC Fri Feb 13 is 01:00 Sat Feb 14 in Shanghai; the next working day is Feb 24.
    collected = datetime(2026, 2, 13, 17, 0, tzinfo=UTC)
    assert CLOCK.register_due(collected) == eod("2026-02-24")


def test_register_due_collected_during_spring_festival_first_day_after():
    assert CLOCK.register_due(local("2026-02-17 08:00")) == eod("2026-02-24")


def test_after_workdays_result_is_aware_in_bureau_zone():
    due = CLOCK.register_due(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    assert due.tzinfo is not None
    assert due.utcoffset() == timedelta(hours=8)
    assert due.astimezone(UTC) == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def test_register_due_custom_end_of_day_used():
    clock = Clock(CAL, SH, DeadlinePolicy(end_of_day=time(17, 30)))
    assert clock.register_due(local("2026-09-30 10:00")) == local("2026-10-08 17:30")


# -- urgent ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "collected",
    [
        local("2026-09-30 23:30"),  # into a holiday: still exactly 24 h
        local("2026-02-14 09:15"),
        datetime(2026, 3, 2, 3, 4, 5, tzinfo=UTC),
    ],
    ids=str,
)
@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_respond_due_urgent_exactly_24_hours(collected, kind):
    got = CLOCK.respond_due(collected, kind, Priority.URGENT)
    assert got - collected == timedelta(hours=24)
    assert got.astimezone(UTC) == collected.astimezone(UTC) + timedelta(hours=24)


def test_respond_due_urgent_ignores_kind_override_and_uses_policy_hours():
    policy = DeadlinePolicy(urgent_respond_hours=12, respond_days_by_kind={"complaint": 2})
    clock = Clock(CAL, SH, policy)
    start = local("2026-03-02 10:00")
    assert clock.respond_due(start, Kind.COMPLAINT, Priority.URGENT) == start + timedelta(hours=12)


# -- rework, archive, per-kind days ---------------------------------------------------------


def test_rework_due_three_working_days_counts_adjusted_saturday():
    # From Thu Oct 8: Oct 9 (1), Sat Oct 10 (2, 调休), Mon Oct 12 (3)
    assert CLOCK.rework_due(local("2026-10-08 09:00")) == eod("2026-10-12")


def test_rework_due_policy_days_used():
    clock = Clock(CAL, SH, DeadlinePolicy(rework_days=1))
    assert clock.rework_due(local("2026-09-30 20:00")) == eod("2026-10-08")


def test_archive_after_rating_window_calendar_days():
    responded = local("2026-09-30 10:00")
    assert CLOCK.archive_after(responded) == local("2026-10-07 10:00")


def test_respond_due_kind_override_used_for_that_kind():
    clock = Clock(CAL, SH, DeadlinePolicy(respond_days_by_kind={"complaint": 3}))
    # Sat Feb 14 (1), Feb 24 (2), Feb 25 (3)
    got = clock.respond_due(local("2026-02-13 10:00"), Kind.COMPLAINT, Priority.NORMAL)
    assert got == eod("2026-02-25")


def test_respond_due_kind_without_override_uses_respond_days():
    clock = Clock(CAL, SH, DeadlinePolicy(respond_days_by_kind={"complaint": 3}))
    got = clock.respond_due(local("2026-02-13 10:00"), Kind.INQUIRY, Priority.NORMAL)
    assert got == eod("2026-02-27")


def test_respond_days_for_override_and_default():
    policy = DeadlinePolicy(respond_days=7, respond_days_by_kind={"report": 10})
    assert policy.respond_days_for(Kind.REPORT) == 10
    assert policy.respond_days_for(Kind.PRAISE) == 7


# -- overrides and unknown years ------------------------------------------------------------


def test_is_workday_override_beats_package_both_ways():
    cal = WorkCalendar({d("2026-10-08"): False, d("2026-10-03"): True})
    assert cal.is_workday(d("2026-10-08")) is False
    assert cal.is_workday(d("2026-10-03")) is True
    assert cal.is_workday(d("2026-10-09")) is True  # untouched days still from the package


def test_register_due_override_makes_holiday_working_day():
    cal = WorkCalendar({d("2026-10-08"): False, d("2026-10-03"): True})
    clock = Clock(cal, SH, POLICY)
    assert clock.register_due(local("2026-09-30 10:00")) == eod("2026-10-03")


def test_work_calendar_overrides_copied_not_shared():
    source = {d("2026-10-08"): False}
    cal = WorkCalendar(source)
    source[d("2026-10-08")] = True
    assert cal.is_workday(d("2026-10-08")) is False


def test_knows_package_year_true_unknown_year_false():
    assert CAL.knows(2026) is True
    assert CAL.knows(2099) is False


def test_is_workday_unknown_year_falls_back_to_monday_to_friday():
    # 2099-01-01 is a Thursday; without data, it is a working day.
    assert [CAL.is_workday(date(2099, 1, day)) for day in range(1, 8)] == [
        True,  # Thu
        True,  # Fri
        False,  # Sat
        False,  # Sun
        True,  # Mon
        True,  # Tue
        True,  # Wed
    ]


def test_is_workday_unknown_year_overrides_applied():
    cal = WorkCalendar({date(2099, 1, 1): False, date(2099, 1, 3): True})
    assert cal.is_workday(date(2099, 1, 1)) is False
    assert cal.is_workday(date(2099, 1, 3)) is True  # a working Saturday


def test_register_due_unknown_year_with_overrides():
    cal = WorkCalendar({date(2099, 1, 1): False, date(2099, 1, 2): False})
    clock = Clock(cal, SH, POLICY)
    # Collected Wed 2098-12-31; Jan 1 and Fri Jan 2 are overridden off, then the weekend.
    assert clock.register_due(local("2098-12-31 10:00")) == eod("2099-01-05")
    assert Clock(CAL, SH, POLICY).register_due(local("2098-12-31 10:00")) == eod("2099-01-01")


# -- shift and workdays_between -------------------------------------------------------------


def test_shift_zero_returns_same_day_even_on_holiday():
    assert CAL.shift(d("2026-10-03"), 0) == d("2026-10-03")


def test_shift_positive_skips_holiday():
    assert CAL.shift(d("2026-09-30"), 1) == d("2026-10-08")
    assert CAL.shift(d("2026-09-30"), 3) == d("2026-10-10")


def test_shift_negative_goes_back_over_holidays():
    assert CAL.shift(d("2026-10-08"), -1) == d("2026-09-30")
    # Sep 30 (1), 29 (2), 28 (3); Sep 25–27 off; Sep 24 (4)
    assert CAL.shift(d("2026-10-08"), -4) == d("2026-09-24")
    assert CAL.shift(d("2026-02-24"), -1) == d("2026-02-14")
    assert CAL.shift(d("2026-10-11"), -1) == d("2026-10-10")


def test_shift_negative_from_holiday_lands_on_last_working_day_before():
    assert CAL.shift(d("2026-10-05"), -1) == d("2026-09-30")


def test_shift_long_run_of_non_working_days_raises_invalid():
    start = d("2026-03-01")
    cal = WorkCalendar({start + timedelta(days=i): False for i in range(1, 60)})
    with pytest.raises(Invalid, match="working day"):
        cal.shift(start, 1)
    with pytest.raises(Invalid):
        WorkCalendar({start - timedelta(days=i): False for i in range(1, 60)}).shift(start, -1)


def test_shift_gap_at_limit_still_found():
    # 31 non-working days in a row is accepted; the 32nd day is a working day.
    start = d("2026-03-01")
    off = {start + timedelta(days=i): False for i in range(1, 32)}
    off[start + timedelta(days=32)] = True
    assert WorkCalendar(off).shift(start, 1) == start + timedelta(days=32)


def test_workdays_between_across_national_day():
    assert CAL.workdays_between(d("2026-09-30"), d("2026-10-08")) == 1
    assert CAL.workdays_between(d("2026-09-30"), d("2026-10-13")) == 5


def test_workdays_between_counts_adjusted_sunday():
    assert CAL.workdays_between(d("2026-09-18"), d("2026-09-24")) == 5


def test_workdays_between_reversed_negative():
    assert CAL.workdays_between(d("2026-09-24"), d("2026-09-18")) == -5


def test_workdays_between_same_day_zero():
    assert CAL.workdays_between(d("2026-10-08"), d("2026-10-08")) == 0


def test_workdays_between_end_on_holiday_excludes_it():
    assert CAL.workdays_between(d("2026-09-30"), d("2026-10-07")) == 0
    assert CAL.workdays_between(d("2026-09-29"), d("2026-10-07")) == 1


days_2025_2026 = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))


@settings(max_examples=200, deadline=None, database=None)
@given(day=days_2025_2026, n=st.integers(min_value=1, max_value=30))
def test_shift_random_day_lands_on_workday_n_workdays_later(day, n):
    later = CAL.shift(day, n)
    assert CAL.is_workday(later)
    assert later > day
    assert CAL.workdays_between(day, later) == n
    assert CAL.workdays_between(later, day) == -n
    back = CAL.shift(later, -n)
    assert back <= day
    assert CAL.is_workday(back)
    # back is the last working day at or before `day`
    assert CAL.workdays_between(back, day) == 0


@settings(max_examples=200, deadline=None, database=None)
@given(day=days_2025_2026, n=st.integers(min_value=1, max_value=30))
def test_shift_random_day_no_working_day_skipped(day, n):
    later = CAL.shift(day, n)
    between = [day + timedelta(days=i) for i in range(1, (later - day).days)]
    assert sum(CAL.is_workday(x) for x in between) == n - 1


# -- check_extension ------------------------------------------------------------------------

CURRENT = eod("2026-10-13")  # deadline in force (Tue)
NOW = local("2026-10-09 10:00")
# max_extension_days = 10: Oct 14 (1), 15, 16, 19, 20, 21, 22, 23, 26, Oct 27 (10)
LIMIT = eod("2026-10-27")


def test_check_extension_within_limit_accepted():
    assert CLOCK.check_extension(CURRENT, eod("2026-10-20"), already_extended=False, now=NOW) is None


def test_check_extension_exactly_at_limit_accepted():
    CLOCK.check_extension(CURRENT, LIMIT, already_extended=False, now=NOW)


def test_check_extension_in_other_zone_within_limit_accepted():
    CLOCK.check_extension(CURRENT, LIMIT.astimezone(UTC), already_extended=False, now=NOW)


def test_check_extension_beyond_max_refused():
    with pytest.raises(Invalid) as info:
        CLOCK.check_extension(CURRENT, LIMIT + timedelta(minutes=1), already_extended=False, now=NOW)
    assert "respond_due_at" in info.value.message
    assert "10 working days" in info.value.message
    assert "2026-10-27" in info.value.message


def test_check_extension_policy_max_used():
    clock = Clock(CAL, SH, DeadlinePolicy(max_extension_days=1))
    clock.check_extension(CURRENT, eod("2026-10-14"), already_extended=False, now=NOW)
    with pytest.raises(Invalid):
        clock.check_extension(CURRENT, eod("2026-10-15"), already_extended=False, now=NOW)


def test_check_extension_second_extension_refused_as_conflict():
    with pytest.raises(Conflict) as info:
        CLOCK.check_extension(CURRENT, eod("2026-10-20"), already_extended=True, now=NOW)
    assert "once" in info.value.message


def test_check_extension_earlier_than_current_refused():
    with pytest.raises(Invalid) as info:
        CLOCK.check_extension(CURRENT, eod("2026-10-12"), already_extended=False, now=NOW)
    assert "respond_due_at" in info.value.message


def test_check_extension_equal_to_current_refused():
    with pytest.raises(Invalid):
        CLOCK.check_extension(CURRENT, CURRENT, already_extended=False, now=NOW)


def test_check_extension_overdue_new_due_before_now_refused():
    now = local("2026-10-15 12:00")  # already past the deadline in force
    with pytest.raises(Invalid):
        CLOCK.check_extension(CURRENT, eod("2026-10-14"), already_extended=False, now=now)
    CLOCK.check_extension(CURRENT, eod("2026-10-16"), already_extended=False, now=now)


def test_check_extension_naive_datetime_refused():
    with pytest.raises(Invalid) as info:
        CLOCK.check_extension(CURRENT, datetime(2026, 10, 20, 18, 0), already_extended=False, now=NOW)
    assert "respond_due_at" in info.value.message
    assert "time zone" in info.value.message


# -- DeadlinePolicy JSON --------------------------------------------------------------------


def test_from_json_default_round_trip_equal():
    assert DeadlinePolicy.from_json(POLICY.to_json()) == POLICY


def test_from_json_custom_round_trip_equal():
    policy = DeadlinePolicy(
        register_days=2,
        respond_days=7,
        urgent_respond_hours=12,
        rework_days=4,
        rating_window_days=14,
        max_extension_days=5,
        end_of_day=time(17, 30),
        due_soon_days=2,
        due_soon_urgent_hours=6,
        escalate_after_days=3,
        respond_days_by_kind={"complaint": 3, "praise": 10},
    )
    data = policy.to_json()
    assert data["end_of_day"] == "17:30"
    assert data["respond_days_by_kind"] == {"complaint": 3, "praise": 10}
    assert DeadlinePolicy.from_json(data) == policy


def test_to_json_plain_json_types():
    import json

    data = POLICY.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["end_of_day"] == "18:00"
    assert data["respond_days"] == 5


def test_from_json_empty_gives_defaults():
    assert DeadlinePolicy.from_json({}) == DeadlinePolicy()


def test_from_json_partial_keeps_other_defaults():
    policy = DeadlinePolicy.from_json({"respond_days": 4, "end_of_day": "17:00"})
    assert policy.respond_days == 4
    assert policy.end_of_day == time(17, 0)
    assert policy.register_days == 1


def test_from_json_unknown_field_invalid_names_field():
    with pytest.raises(Invalid) as info:
        DeadlinePolicy.from_json({"respond_days": 5, "respond_dayz": 4})
    assert "respond_dayz" in info.value.message


@pytest.mark.parametrize("value", ["25:00", "noon", "", "18h", 1800, None, ["18:00"]], ids=repr)
def test_from_json_bad_end_of_day_invalid_names_field(value):
    with pytest.raises(Invalid) as info:
        DeadlinePolicy.from_json({"end_of_day": value})
    assert "end_of_day" in info.value.message


def test_from_json_bad_kind_invalid_names_field_and_kind():
    with pytest.raises(Invalid) as info:
        DeadlinePolicy.from_json({"respond_days_by_kind": {"gossip": 3}})
    assert "respond_days_by_kind" in info.value.message
    assert "gossip" in info.value.message


@pytest.mark.parametrize("value", [[("complaint", 3)], "complaint=3", 3, None], ids=repr)
def test_from_json_respond_days_by_kind_not_mapping_invalid(value):
    with pytest.raises(Invalid) as info:
        DeadlinePolicy.from_json({"respond_days_by_kind": value})
    assert "respond_days_by_kind" in info.value.message


@pytest.mark.parametrize("days", [True, False, 0, -1, 366, 2.0, "3", None], ids=repr)
def test_from_json_bad_kind_days_invalid_names_kind(days):
    with pytest.raises(Invalid) as info:
        DeadlinePolicy.from_json({"respond_days_by_kind": {"complaint": days}})
    assert "respond_days_by_kind.complaint" in info.value.message


INT_FIELDS = [
    "register_days",
    "respond_days",
    "urgent_respond_hours",
    "rework_days",
    "rating_window_days",
    "max_extension_days",
    "due_soon_days",
    "due_soon_urgent_hours",
    "escalate_after_days",
]


def test_int_fields_list_covers_policy():
    assert set(INT_FIELDS) | {"end_of_day", "respond_days_by_kind", "review_required_by_kind"} == set(
        POLICY.to_json()
    )


@pytest.mark.parametrize("value", [True, False, 0, -1, -365, 366, 1.5, 5.0, "5", None], ids=repr)
@pytest.mark.parametrize("name", INT_FIELDS)
def test_from_json_bad_days_invalid_names_field(name, value):
    with pytest.raises(Invalid) as info:
        DeadlinePolicy.from_json({name: value})
    assert f"`{name}`" in info.value.message


@pytest.mark.parametrize("value", [1, 365])
@pytest.mark.parametrize("name", INT_FIELDS)
def test_from_json_days_at_bounds_accepted(name, value):
    assert getattr(DeadlinePolicy.from_json({name: value}), name) == value


# -- 审核签发: the kinds a leader signs off (issue 12) ------------------------------------------


def test_review_required_defaults_to_no_kind():
    assert not any(DeadlinePolicy().review_required(kind) for kind in Kind)


def test_review_required_by_kind_round_trips_and_names_only_the_kinds_on():
    policy = DeadlinePolicy.from_json({"review_required_by_kind": {"complaint": True, "praise": False}})
    assert policy.review_required(Kind.COMPLAINT) and not policy.review_required(Kind.PRAISE)
    assert not policy.review_required(Kind.REPORT)
    assert policy.to_json()["review_required_by_kind"] == {"complaint": True}
    assert DeadlinePolicy.from_json(policy.to_json()) == DeadlinePolicy(
        review_required_by_kind={"complaint": True}
    )


@pytest.mark.parametrize("value", [[("complaint", True)], "complaint", True, None], ids=repr)
def test_from_json_review_required_by_kind_not_mapping_invalid(value):
    with pytest.raises(Invalid) as info:
        DeadlinePolicy.from_json({"review_required_by_kind": value})
    assert "review_required_by_kind" in info.value.message


@pytest.mark.parametrize("flag", [1, 0, "yes", None], ids=repr)
def test_from_json_review_flag_not_bool_invalid_names_kind(flag):
    with pytest.raises(Invalid) as info:
        DeadlinePolicy.from_json({"review_required_by_kind": {"complaint": flag}})
    assert "review_required_by_kind.complaint" in info.value.message


def test_from_json_review_unknown_kind_invalid():
    with pytest.raises(Invalid) as info:
        DeadlinePolicy.from_json({"review_required_by_kind": {"gossip": True}})
    assert "gossip" in info.value.message
