"""督办 and 催办's pure rules (domain/supervision.py): the overdue board's grouping and order,
working days overdue (the queue chip's count), who holds an unassigned ticket, an order's
deadline and which orders a chase may name. Every (status, chase) pair of the lifecycle is
walked by test_lifecycle.py's table; the pairs are checked here once more by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huixiang.domain.deadlines import Clock, DeadlinePolicy, WorkCalendar
from huixiang.domain.due import Colour, due_chip, overdue_days
from huixiang.domain.enums import OPEN_STATUSES, Action, Actor, Role, Status
from huixiang.domain.errors import IllegalTransition, Invalid, NotPermitted
from huixiang.domain.lifecycle import LOGGED_ONLY, transition
from huixiang.domain.supervision import (
    PENDING,
    BoardTicket,
    OrderState,
    board,
    check_chase,
    check_order_due,
)

SH = ZoneInfo("Asia/Shanghai")
CLOCK = Clock(WorkCalendar(), SH, DeadlinePolicy())
DUE = datetime(2026, 11, 25, 18, 0, tzinfo=SH)  # a Wednesday


def ticket(number: str, school: str, due: datetime = DUE, **overrides: object) -> BoardTicket:
    fields: dict[str, object] = {
        "number": number,
        "status": Status.ASSIGNED,
        "title": None,
        "content": "食堂的菜太咸",
        "school_code": school,
        "school_name": {"a": "甲校", "b": "乙校", "c": "丙校"}[school],
        "org_path": "/1/2/3/",
        "to_bureau": False,
        "respond_due_at": due,
        "escalated": False,
        "assignee_name": "刘老师",
        "pending_orders": 0,
        "chases": 0,
    }
    fields.update(overrides)
    return BoardTicket(**fields)  # type: ignore[arg-type]


def clock_of(_: str) -> Clock:
    return CLOCK


# ---- days overdue ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "days"),
    [
        (datetime(2026, 11, 25, 17, 59, tzinfo=SH), 0),  # not yet
        (datetime(2026, 11, 25, 18, 0, tzinfo=SH), 1),  # since this evening: 1
        (datetime(2026, 11, 26, 9, 0, tzinfo=SH), 1),  # Thursday
        (datetime(2026, 11, 28, 9, 0, tzinfo=SH), 2),  # Saturday: Thursday, Friday
        (datetime(2026, 11, 30, 10, 0, tzinfo=SH), 3),  # Monday
    ],
)
def test_overdue_days_counts_working_days_from_the_deadlines_day(now: datetime, days: int) -> None:
    assert overdue_days(DUE, now, CLOCK) == days


def test_overdue_days_skips_the_national_day_holiday() -> None:
    due = datetime(2026, 9, 30, 18, 0, tzinfo=SH)
    # 1-7 October 2026 are holidays (the calendar package): a week of days off is no day late.
    assert not any(CLOCK.calendar.is_workday(due.date() + timedelta(days=d)) for d in range(1, 8))
    assert overdue_days(due, datetime(2026, 10, 7, 12, 0, tzinfo=SH), CLOCK) == 1


@settings(max_examples=200, deadline=None)
@given(hours=st.integers(min_value=0, max_value=24 * 60))
def test_overdue_days_equal_the_queue_chip(hours: int) -> None:
    now = DUE + timedelta(hours=hours)
    chip = due_chip(Status.ASSIGNED, DUE, DUE, now, CLOCK)
    assert chip is not None and chip.colour is Colour.RED
    assert chip.values["days"] == overdue_days(DUE, now, CLOCK)


# ---- the board ---------------------------------------------------------------------------------


def test_board_groups_by_school_longest_overdue_first_and_leaves_out_what_is_not_late() -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    groups = board(
        [
            ticket("1", "a"),  # 3 days
            ticket("2", "b", due=DUE - timedelta(days=7)),  # 8 days
            ticket("3", "a", due=DUE - timedelta(days=1)),  # 4 days
            ticket("4", "c", due=now + timedelta(hours=1)),  # not late yet
            ticket("5", "b", due=DUE),
        ],
        now,
        clock_of,
    )
    assert [g.school_code for g in groups] == ["b", "a"]
    assert [[line.ticket.number for line in g.lines] for g in groups] == [["2", "5"], ["3", "1"]]
    assert [[line.days_overdue for line in g.lines] for g in groups] == [[8, 3], [4, 3]]


def test_board_ties_between_schools_go_by_name() -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    groups = board([ticket("1", "a"), ticket("2", "b"), ticket("3", "c")], now, clock_of)
    assert [g.school_name for g in groups] == sorted(["甲校", "乙校", "丙校"])


def test_board_says_who_holds_an_unassigned_ticket() -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=SH)
    lines = {
        line.ticket.number: line
        for g in board(
            [
                ticket("1", "a"),
                ticket("2", "a", status=Status.REGISTERED, assignee_name=None),
                ticket("3", "a", status=Status.SUBMITTED, assignee_name=None),
                ticket("4", "a", status=Status.COLLECTED, assignee_name=None),
            ],
            now,
            clock_of,
        )
        for line in g.lines
    }
    assert (lines["1"].holder, lines["1"].holder_role) == ("刘老师", None)
    assert [lines[n].holder_role for n in "234"] == [Role.REGISTRAR, Role.LEADER, Role.REGISTRAR]


@settings(max_examples=100, deadline=None)
@given(
    offsets=st.lists(
        st.tuples(st.sampled_from("abc"), st.integers(min_value=-2000, max_value=200)), max_size=25
    )
)
def test_board_keeps_every_late_ticket_once_and_each_school_sorted(offsets: list[tuple[str, int]]) -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    tickets = [ticket(str(i), school, due=now - timedelta(hours=h)) for i, (school, h) in enumerate(offsets)]
    groups = board(tickets, now, clock_of)
    shown = [line.ticket.number for g in groups for line in g.lines]
    assert sorted(shown) == sorted(t.number for t in tickets if t.respond_due_at < now)
    for g in groups:
        assert {line.ticket.school_code for line in g.lines} == {g.school_code}
        days = [line.days_overdue for line in g.lines]
        assert days == sorted(days, reverse=True) and all(d >= 1 for d in days)
    most = [g.most_days for g in groups]
    assert most == sorted(most, reverse=True)


# ---- orders and chases -------------------------------------------------------------------------


def test_an_orders_deadline_must_be_a_future_aware_time() -> None:
    now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    check_order_due(None, now)
    check_order_due(now + timedelta(minutes=1), now)
    for bad in (now, now - timedelta(days=1), datetime(2026, 12, 1, 18, 0)):
        with pytest.raises(Invalid, match="`due_at`"):
            check_order_due(bad, now)


def test_a_chase_names_only_an_order_not_yet_answered() -> None:
    assert frozenset({OrderState.OPEN, OrderState.OVERDUE}) == PENDING
    check_chase(OrderState.OPEN)
    check_chase(OrderState.OVERDUE)
    with pytest.raises(Invalid, match="`order_id`"):
        check_chase(OrderState.ANSWERED)


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_every_status_chase_pair(status: Status) -> None:
    inspector = frozenset({Role.INSPECTOR})
    if status in OPEN_STATUSES:
        assert transition(status, Action.CHASE, inspector) is status  # the status stays
    else:
        with pytest.raises(IllegalTransition, match="chase"):
            transition(status, Action.CHASE, inspector)
    for actors in ({Role.LEADER}, {Role.HANDLER, Actor.ASSIGNEE}, {Role.REGISTRAR}, {Actor.PARENT}):
        with pytest.raises(NotPermitted, match="chase"):
            transition(status, Action.CHASE, frozenset(actors))
    assert Action.CHASE in LOGGED_ONLY
