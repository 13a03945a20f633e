"""督办 and 催办: supervision orders as records of their own, and the bureau's overdue board.

An inspector's order (督办) carries a note and, usually, a deadline. It is `open` until the
school answers the ticket (respond, or archive: the loop is closed) — then `answered` — or until
its deadline passes first — then `overdue`, which the deadline sweep decides exactly once per
order. An overdue order is still answered by the next answer (its `overdue_at` stays, so the
archive shows it was late). A chase (催办) reminds the school of a ticket or of one order not
yet answered; it never changes a status (lifecycle.RULES[CHASE] has no target).

The overdue board lists the tickets awaiting an answer past their deadline, grouped by school,
each with its working days overdue (the queue's red chip, due.overdue_days) and who holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .deadlines import Clock
from .due import overdue_days
from .enums import Action, Role, Status
from .errors import Invalid


class OrderState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    OVERDUE = "overdue"


# Not answered yet: the orders a chase may name and the next answer closes.
PENDING = frozenset({OrderState.OPEN, OrderState.OVERDUE})
# The actions that answer a ticket's pending orders.
# An answer held for a leader's sign-off answers nothing yet: its 签发 (approve) does.
ANSWERING_ACTIONS = frozenset({Action.RESPOND, Action.ARCHIVE, Action.APPROVE})


def check_order_due(due_at: datetime | None, now: datetime) -> None:
    """An order's deadline, when given, is a future instant with an offset."""
    if due_at is not None and (due_at.tzinfo is None or due_at <= now):
        raise Invalid("`due_at` must be a future time with a time zone offset.")


def check_chase(state: OrderState) -> None:
    """A chase names an order that is not answered yet."""
    if state not in PENDING:
        raise Invalid("`order_id` names an order that is already answered; chase the ticket instead.")


def holding_role(status: Status) -> Role:
    """Who holds an unassigned ticket: the registrar until it is submitted, then the leader
    (the same holder the due-soon reminder goes to)."""
    return Role.REGISTRAR if status in (Status.COLLECTED, Status.REGISTERED) else Role.LEADER


@dataclass(frozen=True, slots=True)
class BoardTicket:
    """One overdue ticket as the board's query reads it."""

    number: str
    status: Status
    title: str | None
    content: str
    school_code: str
    school_name: str
    org_path: str
    to_bureau: bool
    respond_due_at: datetime
    escalated: bool  # the sweep's escalation fired for this deadline
    assignee_name: str | None
    pending_orders: int  # supervision orders not answered yet
    chases: int


@dataclass(frozen=True, slots=True)
class BoardLine:
    ticket: BoardTicket
    days_overdue: int  # working days
    holder: str | None  # the assignee's name, else None (see holder_role)
    holder_role: Role | None  # who holds it when nobody is assigned


@dataclass(frozen=True, slots=True)
class SchoolGroup:
    school_code: str
    school_name: str
    lines: list[BoardLine]

    @property
    def most_days(self) -> int:
        return max((line.days_overdue for line in self.lines), default=0)


def board(
    tickets: Iterable[BoardTicket], now: datetime, clock_of: Callable[[str], Clock]
) -> list[SchoolGroup]:
    """The overdue board: the tickets past their deadline at `now`, by school; within a school
    the longest overdue first; schools with the longest overdue ticket first, then by name.
    `clock_of(org_path)` is the working-day clock of the ticket's bureau."""
    groups: dict[str, list[BoardLine]] = {}
    names: dict[str, str] = {}
    for t in tickets:
        if now <= t.respond_due_at:
            continue
        days = overdue_days(t.respond_due_at, now, clock_of(t.org_path))
        line = BoardLine(
            t,
            days,
            t.assignee_name,
            None if t.assignee_name else holding_role(t.status),
        )
        groups.setdefault(t.school_code, []).append(line)
        names[t.school_code] = t.school_name
    result = [
        SchoolGroup(
            code,
            names[code],
            sorted(lines, key=lambda x: (-x.days_overdue, x.ticket.respond_due_at, x.ticket.number)),
        )
        for code, lines in groups.items()
    ]
    return sorted(result, key=lambda g: (-g.most_days, g.school_name, g.school_code))
