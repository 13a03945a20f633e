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
    review_target: Status | None = None  # respond under a 审核签发 policy waits here for sign-off


def _rule(
    sources: Iterable[Status],
    actors: Iterable[str],
    target: Status | None,
    rework_target: Status | None = None,
    barred: Iterable[str] = (),
    review_target: Status | None = None,
) -> Rule:
    return Rule(
        frozenset(sources), frozenset(actors), target, rework_target, frozenset(barred), review_target
    )


NOTE_SOURCES = (S.SUBMITTED, S.ASSIGNED, S.REVIEWING)
# The leader signs off their own answer: only these actors' answers wait for review.
SIGNED_OFF_BY = frozenset({Role.LEADER})

STAFF_INTAKE = (Role.REGISTRAR, Role.LEADER, Role.HANDLER, Role.GRID_MEMBER)

RULES: dict[Action, tuple[Rule, ...]] = {
    Action.REGISTER: (_rule([S.COLLECTED], [Role.REGISTRAR, Role.LEADER], S.REGISTERED),),
    Action.MERGE: (_rule([S.COLLECTED, S.REGISTERED], [Role.REGISTRAR, Role.LEADER], S.MERGED),),
    Action.SUBMIT: (_rule([S.REGISTERED], [Role.REGISTRAR], S.SUBMITTED),),
    Action.ASSIGN: (_rule([S.SUBMITTED, S.ASSIGNED], [Role.LEADER], S.ASSIGNED),),
    Action.RESPOND: (
        # Under review (`review`, see needs_sign_off) the assignee's answer waits for a leader.
        _rule(
            [S.REGISTERED, S.SUBMITTED, S.ASSIGNED],
            [Actor.ASSIGNEE, Role.LEADER],
            S.RESPONDED,
            review_target=S.REVIEWING,
        ),
        # The "answer at once" path of the hotline and the front desk.
        _rule([S.REGISTERED], [Role.REGISTRAR], S.RESPONDED, review_target=S.REVIEWING),
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
    # 签发: the answer under review goes to the parent; 退回修改: back to the assignee to revise.
    Action.APPROVE: (_rule([S.REVIEWING], [Role.LEADER], S.RESPONDED),),
    Action.SEND_BACK: (_rule([S.REVIEWING], [Role.LEADER], S.ASSIGNED),),
    # 批注 while the ticket is being handled: the lead, a helper (协办), a leader. Who may note
    # may also keep a draft answer (services/tickets/helpers.py).
    Action.NOTE: (_rule(NOTE_SOURCES, [Actor.ASSIGNEE, Actor.HELPER, Role.LEADER], None),),
}

# Actions that change nothing on the ticket, only append an event: the ticket's version stays,
# so a page loaded before a chase still acts without a conflict.
LOGGED_ONLY = frozenset({Action.CHASE, Action.NOTE})

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
    S.REVIEWING: "reviewing (its answer waits for a leader's sign-off)",
}


def transition(
    status: Status, action: Action, actors: frozenset[str], *, rework: bool = False, review: bool = False
) -> Status:
    """The status after `actors` take `action` on a ticket in `status`.

    `rework` picks the rework branch of rate (the first 不满意) and inspect (a failed check);
    `review` the review branch of respond (an answer that waits for sign-off, needs_sign_off).
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
            if review and rule.review_target:
                target = rule.review_target
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


def needs_sign_off(review_required: bool, actors: frozenset[str]) -> bool:
    """Whether an answer by `actors` waits for a leader's 签发: the policy asks for review of
    this kind at this school, and no one who signs off (a leader) is answering."""
    return review_required and not actors & SIGNED_OFF_BY


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
