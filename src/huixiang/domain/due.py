"""The deadline chip of a ticket on the staff pages: how much time is left, in working days.

The deadline in force depends on the status: a collected ticket must be registered by
`register_due_at`; a registered, submitted or assigned one answered by `respond_due_at`; later
states have no running deadline and no chip.

- red, overdue: `now` is at or past the deadline; N is the working days from the deadline's day
  to today, at least 1 (overdue since this evening is "1 day").
- amber, due within one working day: the deadline is today, or on the next working day
  ("明天" when that is the calendar's tomorrow, else its weekday: Friday → "周一").
- green: N working days left, counted from today to the deadline's day (N ≥ 2, or 1 for an
  urgent deadline that falls on a day off).

Words are the page's (a catalogue key and its values); this module only decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from .deadlines import Clock
from .enums import Status

REGISTER_DUE = frozenset({Status.COLLECTED})
RESPOND_DUE = frozenset({Status.REGISTERED, Status.SUBMITTED, Status.ASSIGNED, Status.REVIEWING})


class Colour(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


# Catalogue keys (web/catalog/queue.py) of the chip's sentence.
LEFT = "queue.due.left"  # 剩余{days}个工作日
TODAY = "queue.due.today"  # 今天{time}到期
TOMORROW = "queue.due.tomorrow"  # 明天{time}到期
WEEKDAY = "queue.due.weekday"  # {weekday}{time}到期, weekday 0 = Monday
OVERDUE = "queue.due.overdue"  # 已超期{days}天


@dataclass(frozen=True, slots=True)
class DueChip:
    colour: Colour
    key: str
    values: dict[str, int | str] = field(default_factory=dict)
    due_at: datetime | None = None


def deadline_in_force(
    status: Status, register_due_at: datetime | None, respond_due_at: datetime | None
) -> datetime | None:
    if status in REGISTER_DUE:
        return register_due_at
    if status in RESPOND_DUE:
        return respond_due_at
    return None


def due_chip(
    status: Status,
    register_due_at: datetime | None,
    respond_due_at: datetime | None,
    now: datetime,
    clock: Clock,
) -> DueChip | None:
    """The chip for a ticket in `status` at `now`, or None when no deadline runs."""
    due = deadline_in_force(status, register_due_at, respond_due_at)
    if due is None:
        return None
    today, due_day = clock.local_day(now), clock.local_day(due)
    if now >= due:
        return DueChip(Colour.RED, OVERDUE, {"days": overdue_days(due, now, clock)}, due)
    at = due.astimezone(clock.tz).strftime("%H:%M")
    if due_day == today:
        return DueChip(Colour.AMBER, TODAY, {"time": at}, due)
    next_workday = clock.calendar.shift(today, 1)
    if due_day <= next_workday:
        if due_day == today + timedelta(days=1):
            return DueChip(Colour.AMBER, TOMORROW, {"time": at}, due)
        return DueChip(Colour.AMBER, WEEKDAY, {"time": at, "weekday": due_day.weekday()}, due)
    return DueChip(Colour.GREEN, LEFT, {"days": clock.calendar.workdays_between(today, due_day)}, due)


def overdue_days(due: datetime, now: datetime, clock: Clock) -> int:
    """How long a deadline has passed at `now`, in working days: from the deadline's day to
    today, at least 1 (past due since this evening is "1 day"); 0 while it has not passed."""
    if now < due:
        return 0
    return max(1, clock.calendar.workdays_between(clock.local_day(due), clock.local_day(now)))


def due_within(now: datetime, clock: Clock) -> datetime:
    """The end of the next working day: a deadline before it is "due within one working day"
    (the 即将超期 queue), the same instant the amber chip starts."""
    next_workday = clock.calendar.shift(clock.local_day(now), 1)
    return datetime.combine(next_workday + timedelta(days=1), datetime.min.time(), tzinfo=clock.tz)
