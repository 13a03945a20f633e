"""The days an extension (延期) may choose: later than the deadline in force and than now, at
most the policy's maximum of working days after the deadline in force (Clock.check_extension
is the rule; this lists what it accepts, for a date picker). Pure: takes `now`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .deadlines import Clock


@dataclass(frozen=True, slots=True)
class ExtensionWindow:
    earliest: date  # the first day whose end of working day is accepted
    latest: date  # the policy's maximum
    workdays: tuple[date, ...]  # the working days in [earliest, latest]
    max_days: int  # working days after the deadline in force


def extension_window(clock: Clock, current_due: datetime, now: datetime) -> ExtensionWindow:
    latest = clock.after_workdays(current_due, clock.policy.max_extension_days)
    floor = max(current_due, now)
    day = clock.local_day(floor)
    if due_on(clock, day) <= floor:
        day += timedelta(days=1)
    days = []
    current = day
    last = clock.local_day(latest)
    while current <= last:
        if clock.calendar.is_workday(current):
            days.append(current)
        current += timedelta(days=1)
    return ExtensionWindow(day, last, tuple(days), clock.policy.max_extension_days)


def due_on(clock: Clock, day: date) -> datetime:
    """The end of the working day on `day`: what a chosen date means as a deadline."""
    return datetime.combine(day, clock.policy.end_of_day, tzinfo=clock.tz)
