"""The ticket lifecycle: the one place where a status is decided.

Each action has one or more rows: from which statuses, to which status, and which actors may
take it. `transition()` answers the new status or raises NotPermitted (the actor may never take
this action, or not from this status) or IllegalTransition (nobody may take it from this status).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .enums import AWAITING_RESPONSE, OPEN_STATUSES, Action, Actor, Rating, Role, Status
from .errors import IllegalTransition, NotPermitted

S = Status


@dataclass(frozen=True, slots=True)
class Rule:
    sources: frozenset[Status]
    actors: frozenset[str]
    target: Status | None  # None: the ticket stays in its status
    rework_target: Status | None = None  # rate (first 不满意) and inspect (fail) send it here
    # Actors who may never take the action, whatever role they also hold (回访: the assignee).
    barred: frozenset[str] = frozenset()


def _rule(
    sources: Iterable[Status],
    actors: Iterable[str],
    target: Status | None,
    rework_target: Status | None = None,
    barred: Iterable[str] = (),
) -> Rule:
    return Rule(frozenset(sources), frozenset(actors), target, rework_target, frozenset(barred))


STAFF_INTAKE = (Role.REGISTRAR, Role.LEADER, Role.HANDLER, Role.GRID_MEMBER)

RULES: dict[Action, tuple[Rule, ...]] = {
    Action.REGISTER: (_rule([S.COLLECTED], [Role.REGISTRAR, Role.LEADER], S.REGISTERED),),
    Action.MERGE: (_rule([S.COLLECTED, S.REGISTERED], [Role.REGISTRAR, Role.LEADER], S.MERGED),),
    Action.SUBMIT: (_rule([S.REGISTERED], [Role.REGISTRAR], S.SUBMITTED),),
    Action.ASSIGN: (_rule([S.SUBMITTED, S.ASSIGNED], [Role.LEADER], S.ASSIGNED),),
    Action.RESPOND: (
        _rule([S.REGISTERED, S.SUBMITTED, S.ASSIGNED], [Actor.ASSIGNEE, Role.LEADER], S.RESPONDED),
        # The "answer at once" path of the hotline and the front desk.
        _rule([S.REGISTERED], [Role.REGISTRAR], S.RESPONDED),
    ),
    Action.EXTEND: (_rule([S.ASSIGNED], [Role.LEADER], S.ASSIGNED),),
    Action.RATE: (_rule([S.RESPONDED], [Actor.PARENT], S.RESPONDED, S.ASSIGNED),),
    Action.ARCHIVE: (_rule([S.RESPONDED], [Role.LEADER, Role.REGISTRAR, Actor.SYSTEM], S.ARCHIVED),),
    Action.REOPEN: (_rule([S.RESPONDED, S.ARCHIVED], [Role.LEADER, Role.INSPECTOR], S.ASSIGNED),),
    Action.SUPERVISE: (_rule(OPEN_STATUSES, [Role.INSPECTOR], None),),
    # 催办 reminds the school of an open ticket (or order) again: logged, the status stays.
    Action.CHASE: (_rule(OPEN_STATUSES, [Role.INSPECTOR], None),),
    Action.INSPECT: (_rule([S.ARCHIVED], [Role.INSPECTOR], S.INSPECTED, S.ASSIGNED),),
    # 回访: the school office or the bureau calls the parent back after the answer; 未解决 sends
    # it back for rework (重办). Never the ticket's own handler (barred), whatever their role.
    Action.CALLBACK: (
        _rule(
            [S.RESPONDED, S.ARCHIVED],
            [Role.REGISTRAR, Role.LEADER, Role.INSPECTOR],
            None,
            S.ASSIGNED,
            barred=[Actor.ASSIGNEE],
        ),
    ),
    # 退单, back to whoever routed it, to be routed again (services/tickets/returns.py): the
    # assignee to the leader who assigned it; the school's registrar or leader up to the
    # district (a ticket filed at the school that is not the school's to handle).
    Action.RETURN: (
        _rule([S.ASSIGNED], [Actor.ASSIGNEE], S.SUBMITTED),
        _rule([S.COLLECTED, S.REGISTERED, S.SUBMITTED], [Role.REGISTRAR, Role.LEADER], S.SUBMITTED),
    ),
    # 挂起: the assignee asks, a leader approves (or holds at once) or denies; the clock stops.
    Action.REQUEST_HOLD: (_rule([S.ASSIGNED], [Actor.ASSIGNEE], None),),
    Action.HOLD: (_rule([S.ASSIGNED], [Role.LEADER], S.HELD),),
    Action.DENY_HOLD: (_rule([S.ASSIGNED], [Role.LEADER], None),),
    # 恢复办理: a leader, the assignee, or the system on the day the hold was to end.
    Action.RESUME: (_rule([S.HELD], [Role.LEADER, Actor.ASSIGNEE, Actor.SYSTEM], S.ASSIGNED),),
}

# Actions that change nothing on the ticket, only append an event: the ticket's version stays,
# so a page loaded before a chase still acts without a conflict.
LOGGED_ONLY = frozenset({Action.CHASE})

STATE_WORDS = {
    S.COLLECTED: "collected (not yet registered)",
    S.REGISTERED: "registered",
    S.SUBMITTED: "submitted to the leader",
    S.ASSIGNED: "assigned to a handler",
    S.RESPONDED: "responded",
    S.ARCHIVED: "archived",
    S.INSPECTED: "inspected",
    S.MERGED: "merged into another ticket",
    S.HELD: "held (挂起)",
}


def transition(status: Status, action: Action, actors: frozenset[str], *, rework: bool = False) -> Status:
    """The status after `actors` take `action` on a ticket in `status`.

    `rework` picks the rework branch of rate (the first 不满意) and inspect (a failed check).
    """
    rules = RULES.get(action)
    if rules is None:
        raise IllegalTransition(
            f"Cannot {action} this ticket: it is {STATE_WORDS[status]}; "
            f"'{action}' is not an action on an existing ticket."
        )
    if not any(rule.actors & actors for rule in rules):
        raise NotPermitted(f"Your role may not {action} tickets.")
    for rule in rules:
        if status in rule.sources and rule.actors & actors and not rule.barred & actors:
            target = rule.rework_target if rework and rule.rework_target else rule.target
            return target or status
    if any(status in rule.sources and rule.actors & actors for rule in rules):
        raise NotPermitted(
            f"The ticket's own handler may not {action} a ticket that is {STATE_WORDS[status]}."
        )
    if any(status in rule.sources for rule in rules):
        raise NotPermitted(f"Your role may not {action} a ticket that is {STATE_WORDS[status]}.")
    allowed = sorted({str(s) for rule in rules for s in rule.sources})
    raise IllegalTransition(
        f"Cannot {action} this ticket: it is {STATE_WORDS[status]}; "
        f"{action} is allowed only when it is {' or '.join(allowed)}."
    )


def allowed_actions(status: Status, actors: frozenset[str]) -> list[Action]:
    """The actions these actors may take now, in table order (for pages and clients)."""
    return [
        action
        for action, rules in RULES.items()
        if any(status in rule.sources and rule.actors & actors and not rule.barred & actors for rule in rules)
    ]


def rating_reopens(value: Rating, reopened_by_rating_before: bool) -> bool:
    """The first 不满意 sends the ticket back for rework; a later one is recorded and kept."""
    return value is Rating.UNSATISFIED and not reopened_by_rating_before


def is_overdue(status: Status, respond_due_at: datetime | None, now: datetime) -> bool:
    """Not yet responded and past the deadline in force. Times are aware datetimes."""
    return status in AWAITING_RESPONSE and respond_due_at is not None and now > respond_due_at


def acting_as(action: Action, status: Status, actors: frozenset[str]) -> str:
    """The role under which `actors` take `action` from `status`, for the archive."""
    for rule in RULES[action]:
        if status in rule.sources:
            matching = sorted(rule.actors & actors)
            if matching:
                return matching[0]
    return sorted(actors)[0] if actors else Actor.SYSTEM
