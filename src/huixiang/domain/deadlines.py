"""Deadlines on Chinese working days, in the bureau's time zone. Every function takes `now`.

A deadline of N working days falls on the N-th working day after the day of collection, at the
end of the working day. Statutory holidays and adjusted working weekends (调休) come from the
`chinese_calendar` package; an admin's overrides win, and cover years the package does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

from .enums import Kind, Priority
from .errors import Conflict, Invalid

# The furthest a hold's expected end may lie (calendar days after today).
MAX_HOLD_DAYS = 90

# Longest run of non-working days we accept before calling the calendar broken (the longest
# real one, Spring Festival with weekends, is 9 days).
_MAX_GAP = 31


class WorkCalendar:
    """Which days are working days: overrides first, then the package, else Monday–Friday."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})
        # Answers are remembered: intake computes deadlines on every request (the hot path).
        self._days: dict[date, bool] = {}
        self._shifts: dict[tuple[date, int], date] = {}
        self._between: dict[tuple[date, date], int] = {}  # the queue's deadline chips, per row

    def is_workday(self, day: date) -> bool:
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._is_workday(day)
        return known

    def _is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # a year the package does not know yet
            return day.weekday() < 5

    def knows(self, year: int) -> bool:
        """Whether the package has the official schedule for `year`."""
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def shift(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n > 0) or before it (n < 0); n == 0 is `day`."""
        known = self._shifts.get((day, n))
        if known is None:
            known = self._shifts[(day, n)] = self._shift(day, n)
        return known

    def _shift(self, day: date, n: int) -> date:
        step = 1 if n >= 0 else -1
        remaining, current, gap = abs(n), day, 0
        while remaining:
            current += timedelta(days=step)
            if self.is_workday(current):
                remaining -= 1
                gap = 0
            else:
                gap += 1
                if gap > _MAX_GAP:
                    raise Invalid(f"The calendar has no working day for {_MAX_GAP} days after {current}.")
        return current

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days `end` lies after `start`."""
        if end <= start:
            return -self.workdays_between(end, start) if end < start else 0
        known = self._between.get((start, end))
        if known is None:
            days = (end - start).days
            known = self._between[(start, end)] = sum(
                self.is_workday(start + timedelta(days=i)) for i in range(1, days + 1)
            )
        return known


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    """A bureau's deadlines. Days are working days; hours are wall-clock hours."""

    register_days: int = 1
    respond_days: int = 5
    urgent_respond_hours: int = 24
    rework_days: int = 3
    rating_window_days: int = 7  # calendar days after the response, then the worker archives
    max_extension_days: int = 10  # working days an extension may add to the deadline in force
    end_of_day: time = time(18, 0)
    due_soon_days: int = 1
    due_soon_urgent_hours: int = 4
    escalate_after_days: int = 2
    respond_days_by_kind: Mapping[str, int] = field(default_factory=dict)
    # 审核签发: the kinds whose answers a leader signs off before the parent sees them.
    review_required_by_kind: Mapping[str, bool] = field(default_factory=dict)

    def respond_days_for(self, kind: Kind) -> int:
        return self.respond_days_by_kind.get(kind.value, self.respond_days)

    def review_required(self, kind: Kind) -> bool:
        return bool(self.review_required_by_kind.get(kind.value, False))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["end_of_day"] = self.end_of_day.strftime("%H:%M")
        data["respond_days_by_kind"] = dict(self.respond_days_by_kind)
        data["review_required_by_kind"] = {k: v for k, v in self.review_required_by_kind.items() if v}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeadlinePolicy:
        """A policy from stored or submitted JSON; every fault is an Invalid naming the field."""
        known = {f.name for f in fields(cls)}
        if unknown := sorted(set(data) - known):
            raise Invalid(f"Unknown deadline policy field `{unknown[0]}`.")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name == "end_of_day":
                try:
                    values[name] = time.fromisoformat(value)
                except (TypeError, ValueError):
                    raise Invalid("`end_of_day` must be a time such as 18:00.") from None
            elif name == "respond_days_by_kind":
                if not isinstance(value, Mapping):
                    raise Invalid("`respond_days_by_kind` must map a kind to working days.")
                for kind, days in value.items():
                    if kind not in Kind.__members__.values():
                        raise Invalid(f"`respond_days_by_kind` names an unknown kind `{kind}`.")
                    _check_days(f"respond_days_by_kind.{kind}", days)
                values[name] = dict(value)
            elif name == "review_required_by_kind":
                if not isinstance(value, Mapping):
                    raise Invalid("`review_required_by_kind` must map a kind to true or false.")
                for kind, flag in value.items():
                    if kind not in Kind.__members__.values():
                        raise Invalid(f"`review_required_by_kind` names an unknown kind `{kind}`.")
                    if not isinstance(flag, bool):
                        raise Invalid(f"`review_required_by_kind.{kind}` must be true or false.")
                values[name] = dict(value)
            else:
                _check_days(name, value)
                values[name] = value
        return cls(**values)


def _check_days(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 365:
        raise Invalid(f"`{name}` must be a whole number from 1 to 365.")


@dataclass(frozen=True, slots=True)
class Clock:
    """What deadline arithmetic needs: the calendar, the bureau's zone and its policy."""

    calendar: WorkCalendar
    tz: ZoneInfo
    policy: DeadlinePolicy

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def after_workdays(self, start: datetime, days: int) -> datetime:
        """The end of the working day `days` working days after the day of `start`."""
        due_day = self.calendar.shift(self.local_day(start), days)
        return datetime.combine(due_day, self.policy.end_of_day, tzinfo=self.tz)

    def shift_keeping_time(self, at: datetime, days: int) -> datetime:
        """The same local time of day, `days` working days later (or earlier): "1 working day
        before the deadline" is reached when this, with days=1, passes the deadline."""
        local = at.astimezone(self.tz)
        day = self.calendar.shift(local.date(), days)
        return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=self.tz)

    def register_due(self, collected_at: datetime) -> datetime:
        return self.after_workdays(collected_at, self.policy.register_days)

    def respond_due(self, collected_at: datetime, kind: Kind, priority: Priority) -> datetime:
        if priority is Priority.URGENT:
            return collected_at + timedelta(hours=self.policy.urgent_respond_hours)
        return self.after_workdays(collected_at, self.policy.respond_days_for(kind))

    def rework_due(self, now: datetime) -> datetime:
        return self.after_workdays(now, self.policy.rework_days)

    def archive_after(self, responded_at: datetime) -> datetime:
        return responded_at + timedelta(days=self.policy.rating_window_days)

    def check_extension(
        self, current_due: datetime, new_due: datetime, *, already_extended: bool, now: datetime
    ) -> None:
        """At most one extension, later than the deadline in force, within the policy's maximum."""
        if already_extended:
            raise Conflict("This ticket was already extended once; a second extension is not allowed.")
        if new_due.tzinfo is None:
            raise Invalid("`respond_due_at` must carry a time zone offset, e.g. +08:00.")
        if new_due <= max(current_due, now):
            raise Invalid("`respond_due_at` must be later than the deadline in force and than now.")
        limit = self.after_workdays(current_due, self.policy.max_extension_days)
        if new_due > limit:
            raise Invalid(
                f"`respond_due_at` may be at most {self.policy.max_extension_days} working days "
                f"after the deadline in force, i.e. by {limit.isoformat()}."
            )

    def held_workdays(self, held_at: datetime, resumed_at: datetime) -> int:
        """The working days a hold (挂起) took from the clock: those from the local day it began
        up to, not including, the day it ended. A hold begun and ended on one day, or one over
        a weekend only, takes none; one from Friday to Monday takes Friday."""
        start, end = self.local_day(held_at), self.local_day(resumed_at)
        if end <= start:
            return 0
        return self.calendar.workdays_between(start - timedelta(days=1), end - timedelta(days=1))

    def resumed_due(self, due: datetime, held_at: datetime, resumed_at: datetime) -> datetime:
        """The respond deadline after a hold: later by the working days the hold took, at the
        same local time of day (a deadline at 18:00 stays at 18:00)."""
        days = self.held_workdays(held_at, resumed_at)
        return self.shift_keeping_time(due, days) if days else due

    def hold_ends(self, until: date, now: datetime) -> datetime:
        """When a hold expected to end on `until` ends by itself: the start of that local day,
        which must come after today and within MAX_HOLD_DAYS."""
        today = self.local_day(now)
        if until <= today:
            raise Invalid("`until` must be a day after today.")
        if until > today + timedelta(days=MAX_HOLD_DAYS):
            raise Invalid(f"`until` may be at most {MAX_HOLD_DAYS} days from today.")
        return datetime.combine(until, time(0, 0), tzinfo=self.tz)
