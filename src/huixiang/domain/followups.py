"""Follow-ups of the six groups (六回访): how often each group's families are visited again, when
a student's next follow-up falls due, and whether it is due or overdue on a given day. Pure: the
caller passes the days (in the bureau's zone); nothing here reads a clock.

A student's follow-ups count from their last visit record (any form); never visited, from the
day they joined the roster; never before the school year's first day (a visit of last year does
not make this year's follow-up overdue on 1 September). The cadence of a student in several
groups is the shortest of theirs. A unit's cadence for a group overrides the one above it (the
city's, then the district's, then the school's), and the defaults below fill in the rest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .visits import Group

# Days between follow-ups, by group: the ones whose situation changes fastest most often.
DEFAULT_CADENCE: dict[Group, int] = {
    Group.HARDSHIP: 30,
    Group.LEARNING: 30,
    Group.LEFT_BEHIND: 30,
    Group.CHANGE: 14,
    Group.MIGRANT: 60,
    Group.DISABILITY: 30,
}
MIN_DAYS, MAX_DAYS = 7, 365
# The responsible teacher is reminded this many days before the due day.
REMIND_BEFORE_DAYS = 3


class FollowupState(StrEnum):
    UPCOMING = "upcoming"  # not due yet
    DUE = "due"  # within REMIND_BEFORE_DAYS of the due day, or on it
    OVERDUE = "overdue"  # the due day has passed without a visit


STATE_LABELS: dict[FollowupState, str] = {
    FollowupState.UPCOMING: "未到期",
    FollowupState.DUE: "待回访",
    FollowupState.OVERDUE: "已超期",
}


def effective_cadences(levels: Sequence[Mapping[Group, int]]) -> dict[Group, int]:
    """The cadence of each group at a school: `levels` from the top unit down to the school,
    each overriding the ones above it, over the defaults."""
    out = dict(DEFAULT_CADENCE)
    for level in levels:
        out.update(level)
    return out


def cadence_of(groups: Iterable[Group], cadences: Mapping[Group, int]) -> int | None:
    """A student's cadence: the shortest of their groups'; None outside the six groups."""
    days = [cadences.get(g, DEFAULT_CADENCE[g]) for g in groups]
    return min(days) if days else None


def next_due(last_visit: date | None, joined: date, year_start: date, days: int) -> date:
    """The day the next follow-up is due: `days` after the last visit (or, never visited, the
    day the student joined), counted from the school year's first day at the earliest."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"a cadence is {MIN_DAYS} to {MAX_DAYS} days, not {days}")
    base = max(last_visit if last_visit is not None else joined, year_start)
    return base + timedelta(days=days)


def state_on(due_on: date, today: date, remind_before: int = REMIND_BEFORE_DAYS) -> FollowupState:
    if today > due_on:
        return FollowupState.OVERDUE
    if today >= due_on - timedelta(days=remind_before):
        return FollowupState.DUE
    return FollowupState.UPCOMING


@dataclass(frozen=True, slots=True)
class Followup:
    days: int
    due_on: date
    state: FollowupState


def followup(
    groups: Iterable[Group],
    cadences: Mapping[Group, int],
    last_visit: date | None,
    joined: date,
    year_start: date,
    today: date,
) -> Followup | None:
    """A student's follow-up on `today`, or None when they are in none of the six groups."""
    days = cadence_of(groups, cadences)
    if days is None:
        return None
    due_on = next_due(last_visit, joined, year_start, days)
    return Followup(days, due_on, state_on(due_on, today))
