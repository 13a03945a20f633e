"""The ticket lifecycle, checked against a table written independently from DESIGN.md.

The expected table below is transcribed by hand from DESIGN.md, section "The ticket lifecycle";
it deliberately does not read `lifecycle.RULES`, so a wrong rule there makes these tests fail.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huixiang.domain.enums import NOT_TRANSITIONS, Action, Actor, Rating, Role, Status
from huixiang.domain.errors import Conflict, DomainError, IllegalTransition, NotPermitted
from huixiang.domain.lifecycle import (
    acting_as,
    allowed_actions,
    is_overdue,
    needs_sign_off,
    rating_reopens,
    transition,
)

S = Status
A = Action

OPEN = (S.COLLECTED, S.REGISTERED, S.SUBMITTED, S.ASSIGNED, S.RESPONDED, S.HELD, S.REVIEWING)
# An answer waiting for sign-off is not yet the parent's answer: its deadline runs (issue 12).
AWAITING = (S.COLLECTED, S.REGISTERED, S.SUBMITTED, S.ASSIGNED, S.REVIEWING)
ALL_ACTORS: tuple[str, ...] = (*Role, *Actor)

# DESIGN.md lifecycle table, one entry per action:
#   who -> the statuses that actor may take the action from;
#   "to" -> the status reached (None: stays in the same status);
#   "rework" -> the status reached on the rework branch, if the action has one.
# `intake` has no "from" state (it creates the ticket), so it is no transition on a ticket.
EXPECTED: dict[Action, dict] = {
    A.REGISTER: {
        "who": {Role.REGISTRAR: {S.COLLECTED}, Role.LEADER: {S.COLLECTED}},
        "to": S.REGISTERED,
    },
    A.MERGE: {
        "who": {
            Role.REGISTRAR: {S.COLLECTED, S.REGISTERED},
            Role.LEADER: {S.COLLECTED, S.REGISTERED},
        },
        "to": S.MERGED,
    },
    A.SUBMIT: {"who": {Role.REGISTRAR: {S.REGISTERED}}, "to": S.SUBMITTED},
    A.ASSIGN: {"who": {Role.LEADER: {S.SUBMITTED, S.ASSIGNED}}, "to": S.ASSIGNED},
    A.RESPOND: {
        "who": {
            Actor.ASSIGNEE: {S.REGISTERED, S.SUBMITTED, S.ASSIGNED},
            Role.LEADER: {S.REGISTERED, S.SUBMITTED, S.ASSIGNED},
            # "registrar only from registered" (the answer-at-once path)
            Role.REGISTRAR: {S.REGISTERED},
        },
        "to": S.RESPONDED,
        # 审核签发 (issue 12): under a review policy the answer waits for a leader's sign-off.
        "review": S.REVIEWING,
    },
    A.EXTEND: {"who": {Role.LEADER: {S.ASSIGNED}}, "to": S.ASSIGNED},
    A.RATE: {"who": {Actor.PARENT: {S.RESPONDED}}, "to": S.RESPONDED, "rework": S.ASSIGNED},
    A.ARCHIVE: {
        "who": {
            Role.LEADER: {S.RESPONDED},
            Role.REGISTRAR: {S.RESPONDED},
            Actor.SYSTEM: {S.RESPONDED},
        },
        "to": S.ARCHIVED,
    },
    A.REOPEN: {
        "who": {
            Role.LEADER: {S.RESPONDED, S.ARCHIVED},
            Role.INSPECTOR: {S.RESPONDED, S.ARCHIVED},
        },
        "to": S.ASSIGNED,
    },
    A.SUPERVISE: {"who": {Role.INSPECTOR: set(OPEN)}, "to": None},
    # 催办 (issue 10): an inspector chases an open ticket again; nothing but the archive changes.
    A.CHASE: {"who": {Role.INSPECTOR: set(OPEN)}, "to": None},
    A.INSPECT: {"who": {Role.INSPECTOR: {S.ARCHIVED}}, "to": S.INSPECTED, "rework": S.ASSIGNED},
    # 回访 (issue 12): the school office or the bureau calls back after the answer; 未解决 → 重办.
    A.CALLBACK: {
        "who": {
            Role.REGISTRAR: {S.RESPONDED, S.ARCHIVED},
            Role.LEADER: {S.RESPONDED, S.ARCHIVED},
            Role.INSPECTOR: {S.RESPONDED, S.ARCHIVED},
        },
        "to": None,
        "rework": S.ASSIGNED,
        # "someone other than the handler": the ticket's assignee never, whatever their role
        "barred": {Actor.ASSIGNEE},
    },
    # 退单 (issue 12): back to whoever routed it — the assignee to the leader who assigned it,
    # the school's registrar or leader up to the district — where it waits to be assigned.
    A.RETURN: {
        "who": {
            Actor.ASSIGNEE: {S.ASSIGNED},
            Role.REGISTRAR: {S.COLLECTED, S.REGISTERED, S.SUBMITTED},
            Role.LEADER: {S.COLLECTED, S.REGISTERED, S.SUBMITTED},
        },
        "to": S.SUBMITTED,
    },
    # 挂起 (issue 12): the assignee asks, a leader holds or denies; 恢复办理 back to assigned.
    A.REQUEST_HOLD: {"who": {Actor.ASSIGNEE: {S.ASSIGNED}}, "to": None},
    A.HOLD: {"who": {Role.LEADER: {S.ASSIGNED}}, "to": S.HELD},
    A.DENY_HOLD: {"who": {Role.LEADER: {S.ASSIGNED}}, "to": None},
    A.RESUME: {
        "who": {Role.LEADER: {S.HELD}, Actor.ASSIGNEE: {S.HELD}, Actor.SYSTEM: {S.HELD}},
        "to": S.ASSIGNED,
    },
    # 审核签发 (issue 12): 签发 publishes the answer under review, 退回修改 sends it back.
    A.APPROVE: {"who": {Role.LEADER: {S.REVIEWING}}, "to": S.RESPONDED},
    A.SEND_BACK: {"who": {Role.LEADER: {S.REVIEWING}}, "to": S.ASSIGNED},
    # 主办/协办 (issue 12): notes while the ticket is handled, by its lead, a helper or a leader.
    A.NOTE: {
        "who": {
            Actor.ASSIGNEE: {S.SUBMITTED, S.ASSIGNED, S.REVIEWING},
            Actor.HELPER: {S.SUBMITTED, S.ASSIGNED, S.REVIEWING},
            Role.LEADER: {S.SUBMITTED, S.ASSIGNED, S.REVIEWING},
        },
        "to": None,
    },
}

# What DESIGN.md lets each status move to (the transitive graph the property test walks).
NEXT_ALLOWED: dict[Status, set[Status]] = {
    S.COLLECTED: {S.COLLECTED, S.REGISTERED, S.MERGED, S.SUBMITTED},  # supervise, register, merge, return
    S.REGISTERED: {S.REGISTERED, S.MERGED, S.SUBMITTED, S.RESPONDED, S.REVIEWING},
    S.SUBMITTED: {S.SUBMITTED, S.ASSIGNED, S.RESPONDED, S.REVIEWING},  # … and return (stays submitted)
    # assign again, extend, supervise, note, respond (or for sign-off), return, hold, ask / deny a hold
    S.ASSIGNED: {S.ASSIGNED, S.RESPONDED, S.REVIEWING, S.SUBMITTED, S.HELD},
    S.REVIEWING: {S.REVIEWING, S.RESPONDED, S.ASSIGNED},  # supervise, note, approve, send back
    S.RESPONDED: {S.RESPONDED, S.ASSIGNED, S.ARCHIVED},  # rate, supervise, reopen, archive
    S.ARCHIVED: {S.ARCHIVED, S.ASSIGNED, S.INSPECTED},  # callback, reopen, inspect (pass / fail)
    S.INSPECTED: set(),
    S.MERGED: set(),
    S.HELD: {S.HELD, S.ASSIGNED},  # supervise, chase; resume
}


def expected_outcome(
    status: Status, action: Action, actors: frozenset[str], rework: bool, review: bool = False
):
    """A status, or the exception class the table calls for."""
    if action in NOT_TRANSITIONS:
        # intake creates a ticket; reveal is an audited read; anonymise is the retention
        # sweep's: none moves an existing one
        return IllegalTransition
    row = EXPECTED[action]
    who: dict[str, set[Status]] = row["who"]
    mine = [who[a] for a in actors if a in who]
    if not mine:
        return NotPermitted  # the actor may never take this action
    if not any(status in sources for sources in who.values()):
        return IllegalTransition  # nobody may take it from this status
    if not any(status in sources for sources in mine):
        return NotPermitted  # others may, from this status; not this actor
    if actors & row.get("barred", set()):
        return NotPermitted  # the actor holds a role that may, but is barred (the assignee)
    if review and "review" in row:
        return row["review"]
    if rework and "rework" in row:
        return row["rework"]
    return row["to"] or status


def _assert_message_names(exc: DomainError, status: Status | None, action: Action) -> None:
    assert action.value in exc.message
    assert str(exc) == exc.message
    if status is not None:
        assert status.value in exc.message


# -- the table itself, so a typo in it cannot silently agree with the code ------------------


def test_expected_table_covers_every_action_but_intake():
    assert (
        set(EXPECTED)
        == set(Action) - {A.INTAKE, A.REVEAL, A.ANONYMISE, A.NAME_STAFF, A.UNSEAL}
        == set(Action) - NOT_TRANSITIONS
    )


def test_next_allowed_matches_expected_table():
    derived: dict[Status, set[Status]] = {s: set() for s in Status}
    for row in EXPECTED.values():
        for sources in row["who"].values():
            for s in sources:
                derived[s].add(row["to"] or s)
                if "rework" in row:
                    derived[s].add(row["rework"])
                if "review" in row:
                    derived[s].add(row["review"])
    assert derived == NEXT_ALLOWED


# -- exhaustive: every status x action x single actor --------------------------------------


@pytest.mark.parametrize("actor", ALL_ACTORS, ids=str)
@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("status", list(Status), ids=str)
def test_transition_every_status_action_actor_matches_design_table(status, action, actor):
    actors = frozenset({actor})
    expected = expected_outcome(status, action, actors, rework=False)
    if isinstance(expected, Status):
        assert transition(status, action, actors) is expected
        return
    with pytest.raises(DomainError) as info:
        transition(status, action, actors)
    assert type(info.value) is expected, (status, action, actor, info.value.message)
    # A 409 always names the state and the action; a 403 from a status names both too,
    # a 403 for an action the role never takes names the action.
    never = expected is NotPermitted and actor not in EXPECTED[action]["who"]
    _assert_message_names(info.value, None if never else status, action)


@pytest.mark.parametrize("actor", ALL_ACTORS, ids=str)
@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("status", list(Status), ids=str)
def test_transition_rework_flag_every_combination_matches_design_table(status, action, actor):
    actors = frozenset({actor})
    expected = expected_outcome(status, action, actors, rework=True)
    if isinstance(expected, Status):
        assert transition(status, action, actors, rework=True) is expected
    else:
        with pytest.raises(expected):
            transition(status, action, actors, rework=True)


def test_transition_exhaustive_table_has_every_kind_of_outcome():
    # Guards the parametrised test above against a table that, say, only ever expects errors.
    outcomes = {
        expected_outcome(s, a, frozenset({actor}), False)
        for s in Status
        for a in Action
        for actor in ALL_ACTORS
    }
    assert NotPermitted in outcomes
    assert IllegalTransition in outcomes
    assert outcomes & set(Status) == {
        S.REGISTERED,
        S.MERGED,
        S.SUBMITTED,
        S.ASSIGNED,
        S.RESPONDED,
        S.ARCHIVED,
        S.INSPECTED,
        S.COLLECTED,  # supervise on collected stays collected
        S.HELD,
        S.REVIEWING,  # supervise or note on reviewing stays reviewing
    }


# -- named cases, readable on their own -----------------------------------------------------


def test_respond_registrar_from_registered_responds():
    assert transition(S.REGISTERED, A.RESPOND, frozenset({Role.REGISTRAR})) is S.RESPONDED


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ASSIGNED], ids=str)
def test_respond_registrar_from_later_status_not_permitted(status):
    with pytest.raises(NotPermitted) as info:
        transition(status, A.RESPOND, frozenset({Role.REGISTRAR}))
    _assert_message_names(info.value, status, A.RESPOND)


def test_respond_registrar_from_collected_illegal_for_everyone():
    with pytest.raises(IllegalTransition) as info:
        transition(S.COLLECTED, A.RESPOND, frozenset({Role.REGISTRAR}))
    _assert_message_names(info.value, S.COLLECTED, A.RESPOND)
    assert "registered" in info.value.message  # says where respond is allowed


def test_respond_registrar_who_is_also_assignee_from_assigned_responds():
    actors = frozenset({Role.REGISTRAR, Actor.ASSIGNEE})
    assert transition(S.ASSIGNED, A.RESPOND, actors) is S.RESPONDED


def test_respond_handler_not_assignee_not_permitted():
    with pytest.raises(NotPermitted) as info:
        transition(S.ASSIGNED, A.RESPOND, frozenset({Role.HANDLER}))
    _assert_message_names(info.value, None, A.RESPOND)


def test_respond_handler_as_assignee_responds():
    actors = frozenset({Role.HANDLER, Actor.ASSIGNEE})
    assert transition(S.ASSIGNED, A.RESPOND, actors) is S.RESPONDED


@pytest.mark.parametrize("action", [a for a in Action if a not in NOT_TRANSITIONS], ids=str)
def test_transition_no_actors_not_permitted(action):
    with pytest.raises(NotPermitted):
        transition(S.ASSIGNED, action, frozenset())


def test_register_parent_on_merged_ticket_not_permitted_before_illegal():
    # A role that may never take the action is told so, whatever the state.
    with pytest.raises(NotPermitted):
        transition(S.MERGED, A.REGISTER, frozenset({Actor.PARENT}))


def test_register_leader_on_merged_ticket_illegal_and_names_state():
    with pytest.raises(IllegalTransition) as info:
        transition(S.MERGED, A.REGISTER, frozenset({Role.LEADER}))
    _assert_message_names(info.value, S.MERGED, A.REGISTER)


def test_illegal_transition_is_a_conflict_and_not_permitted_is_not():
    assert issubclass(IllegalTransition, Conflict)
    assert not issubclass(NotPermitted, Conflict)


@pytest.mark.parametrize("status", list(Status), ids=str)
@pytest.mark.parametrize("actor", ALL_ACTORS, ids=str)
def test_intake_on_existing_ticket_illegal_and_names_state(status, actor):
    with pytest.raises(IllegalTransition) as info:
        transition(status, A.INTAKE, frozenset({actor}))
    _assert_message_names(info.value, status, A.INTAKE)


# -- rework branches ------------------------------------------------------------------------


def test_rate_parent_without_rework_stays_responded():
    assert transition(S.RESPONDED, A.RATE, frozenset({Actor.PARENT})) is S.RESPONDED


def test_rate_parent_with_rework_reopens_to_assigned():
    assert transition(S.RESPONDED, A.RATE, frozenset({Actor.PARENT}), rework=True) is S.ASSIGNED


def test_inspect_inspector_pass_reaches_inspected():
    assert transition(S.ARCHIVED, A.INSPECT, frozenset({Role.INSPECTOR})) is S.INSPECTED


def test_inspect_inspector_fail_returns_to_assigned():
    got = transition(S.ARCHIVED, A.INSPECT, frozenset({Role.INSPECTOR}), rework=True)
    assert got is S.ASSIGNED


@pytest.mark.parametrize(
    ("status", "action", "actor", "target"),
    [
        (S.COLLECTED, A.REGISTER, Role.REGISTRAR, S.REGISTERED),
        (S.REGISTERED, A.SUBMIT, Role.REGISTRAR, S.SUBMITTED),
        (S.SUBMITTED, A.ASSIGN, Role.LEADER, S.ASSIGNED),
        (S.RESPONDED, A.ARCHIVE, Actor.SYSTEM, S.ARCHIVED),
        (S.ARCHIVED, A.REOPEN, Role.INSPECTOR, S.ASSIGNED),
    ],
    ids=str,
)
def test_transition_rework_flag_on_action_without_rework_branch_ignored(status, action, actor, target):
    assert transition(status, action, frozenset({actor}), rework=True) is target


def test_rate_parent_from_archived_illegal_names_state():
    with pytest.raises(IllegalTransition) as info:
        transition(S.ARCHIVED, A.RATE, frozenset({Actor.PARENT}), rework=True)
    _assert_message_names(info.value, S.ARCHIVED, A.RATE)


# -- supervise ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", OPEN, ids=str)
@pytest.mark.parametrize("rework", [False, True])
def test_supervise_inspector_open_status_stays_same(status, rework):
    assert transition(status, A.SUPERVISE, frozenset({Role.INSPECTOR}), rework=rework) is status


@pytest.mark.parametrize("status", [S.ARCHIVED, S.INSPECTED, S.MERGED], ids=str)
def test_supervise_inspector_closed_status_illegal(status):
    with pytest.raises(IllegalTransition) as info:
        transition(status, A.SUPERVISE, frozenset({Role.INSPECTOR}))
    _assert_message_names(info.value, status, A.SUPERVISE)


@pytest.mark.parametrize("actor", [a for a in ALL_ACTORS if a != Role.INSPECTOR], ids=str)
def test_supervise_non_inspector_not_permitted(actor):
    with pytest.raises(NotPermitted):
        transition(S.ASSIGNED, A.SUPERVISE, frozenset({actor}))


# -- 退单 and 挂起 ---------------------------------------------------------------------------


def test_return_assignee_from_assigned_goes_back_to_submitted():
    actors = frozenset({Role.HANDLER, Actor.ASSIGNEE})
    assert transition(S.ASSIGNED, A.RETURN, actors) is S.SUBMITTED
    assert acting_as(A.RETURN, S.ASSIGNED, actors) == Actor.ASSIGNEE


def test_return_handler_not_assignee_not_permitted():
    with pytest.raises(NotPermitted):
        transition(S.ASSIGNED, A.RETURN, frozenset({Role.HANDLER}))


def test_return_leader_not_assignee_from_assigned_not_permitted():
    # A leader takes an assigned ticket back by assigning it again, not by returning it.
    with pytest.raises(NotPermitted) as info:
        transition(S.ASSIGNED, A.RETURN, frozenset({Role.LEADER}))
    _assert_message_names(info.value, S.ASSIGNED, A.RETURN)


@pytest.mark.parametrize("status", [S.RESPONDED, S.ARCHIVED, S.HELD], ids=str)
def test_return_after_assignment_phase_illegal(status):
    with pytest.raises(IllegalTransition) as info:
        transition(status, A.RETURN, frozenset({Role.LEADER, Actor.ASSIGNEE}))
    _assert_message_names(info.value, status, A.RETURN)


def test_hold_leader_from_assigned_holds_and_resume_goes_back():
    assert transition(S.ASSIGNED, A.HOLD, frozenset({Role.LEADER})) is S.HELD
    assert transition(S.HELD, A.RESUME, frozenset({Actor.SYSTEM})) is S.ASSIGNED


def test_hold_assignee_may_only_ask():
    actors = frozenset({Role.HANDLER, Actor.ASSIGNEE})
    with pytest.raises(NotPermitted):
        transition(S.ASSIGNED, A.HOLD, actors)
    assert transition(S.ASSIGNED, A.REQUEST_HOLD, actors) is S.ASSIGNED


@pytest.mark.parametrize("action", [A.RESPOND, A.EXTEND, A.ASSIGN, A.HOLD, A.RETURN], ids=str)
def test_held_ticket_must_resume_before_it_moves_on(action):
    with pytest.raises(IllegalTransition) as info:
        transition(S.HELD, action, frozenset({Role.LEADER, Actor.ASSIGNEE}))
    _assert_message_names(info.value, S.HELD, action)


# -- terminal states ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.MERGED, S.INSPECTED], ids=str)
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_transition_terminal_status_even_with_every_actor_refused(status, action):
    everyone = frozenset(ALL_ACTORS)
    with pytest.raises(IllegalTransition) as info:
        transition(status, action, everyone)
    _assert_message_names(info.value, status, action)


@pytest.mark.parametrize("status", [S.MERGED, S.INSPECTED], ids=str)
def test_allowed_actions_terminal_status_empty(status):
    assert allowed_actions(status, frozenset(ALL_ACTORS)) == []


def test_allowed_actions_archived_everyone_only_reopen_and_inspect():
    # everyone includes the assignee, who is barred from the callback
    assert allowed_actions(S.ARCHIVED, frozenset(ALL_ACTORS)) == [A.REOPEN, A.INSPECT]


# -- allowed_actions ------------------------------------------------------------------------


def _expected_allowed(status: Status, actors: frozenset[str]) -> list[Action]:
    # Table order in DESIGN.md is the order of the Action enum.
    return [a for a in Action if isinstance(expected_outcome(status, a, actors, False), Status)]


@pytest.mark.parametrize("actor", ALL_ACTORS, ids=str)
@pytest.mark.parametrize("status", list(Status), ids=str)
def test_allowed_actions_single_actor_matches_design_table(status, actor):
    actors = frozenset({actor})
    assert allowed_actions(status, actors) == _expected_allowed(status, actors)


@pytest.mark.parametrize(
    ("status", "actors", "expected"),
    [
        (S.COLLECTED, {Role.REGISTRAR}, [A.REGISTER, A.MERGE, A.RETURN]),
        (S.REGISTERED, {Role.REGISTRAR}, [A.MERGE, A.SUBMIT, A.RESPOND, A.RETURN]),
        (S.ASSIGNED, {Role.REGISTRAR}, []),
        (S.ASSIGNED, {Role.LEADER}, [A.ASSIGN, A.RESPOND, A.EXTEND, A.HOLD, A.DENY_HOLD, A.NOTE]),
        (S.ASSIGNED, {Role.HANDLER, Actor.ASSIGNEE}, [A.RESPOND, A.RETURN, A.REQUEST_HOLD, A.NOTE]),
        (S.HELD, {Role.HANDLER, Actor.ASSIGNEE}, [A.RESUME]),
        (S.HELD, {Role.LEADER, Role.INSPECTOR}, [A.SUPERVISE, A.CHASE, A.RESUME]),
        (S.ASSIGNED, {Role.HANDLER}, []),
        (S.RESPONDED, {Actor.PARENT}, [A.RATE]),
        (S.RESPONDED, {Role.LEADER, Role.INSPECTOR}, [A.ARCHIVE, A.REOPEN, A.SUPERVISE, A.CHASE, A.CALLBACK]),
        (S.RESPONDED, {Role.LEADER, Actor.ASSIGNEE}, [A.ARCHIVE, A.REOPEN]),
        (S.RESPONDED, {Actor.SYSTEM}, [A.ARCHIVE]),
        (S.ARCHIVED, {Role.INSPECTOR}, [A.REOPEN, A.INSPECT, A.CALLBACK]),
        (S.SUBMITTED, {Role.ADMIN, Role.GRID_MEMBER}, []),
    ],
    ids=lambda v: ",".join(sorted(v)) if isinstance(v, set) else str(v),
)
def test_allowed_actions_named_cases_in_table_order(status, actors, expected):
    assert allowed_actions(status, frozenset(actors)) == expected


@settings(max_examples=200, deadline=None, database=None)
@given(
    status=st.sampled_from(list(Status)),
    actors=st.frozensets(st.sampled_from(ALL_ACTORS), max_size=4),
)
def test_allowed_actions_any_actor_set_agrees_with_transition(status, actors):
    allowed = allowed_actions(status, actors)
    assert allowed == _expected_allowed(status, actors)
    for action in Action:
        if action in allowed:
            transition(status, action, actors)  # must not raise
        else:
            with pytest.raises((NotPermitted, IllegalTransition)):
                transition(status, action, actors)


# -- rating_reopens -------------------------------------------------------------------------


def test_rating_reopens_first_unsatisfied_true():
    assert rating_reopens(Rating.UNSATISFIED, reopened_by_rating_before=False) is True


def test_rating_reopens_second_unsatisfied_false():
    assert rating_reopens(Rating.UNSATISFIED, reopened_by_rating_before=True) is False


@pytest.mark.parametrize("value", [Rating.SATISFIED, Rating.BASICALLY_SATISFIED], ids=str)
@pytest.mark.parametrize("before", [False, True])
def test_rating_reopens_satisfied_or_basically_false(value, before):
    assert rating_reopens(value, reopened_by_rating_before=before) is False


# -- is_overdue -----------------------------------------------------------------------------

DUE = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", AWAITING, ids=str)
def test_is_overdue_awaiting_after_due_true(status):
    assert is_overdue(status, DUE, DUE + timedelta(seconds=1)) is True


@pytest.mark.parametrize("status", AWAITING, ids=str)
def test_is_overdue_awaiting_exactly_at_due_false(status):
    # "Responded on time" means at or before the deadline: at the deadline it is not overdue.
    assert is_overdue(status, DUE, DUE) is False


@pytest.mark.parametrize("status", AWAITING, ids=str)
def test_is_overdue_awaiting_before_due_false(status):
    assert is_overdue(status, DUE, DUE - timedelta(hours=1)) is False


@pytest.mark.parametrize("status", AWAITING, ids=str)
def test_is_overdue_no_deadline_false(status):
    assert is_overdue(status, None, DUE + timedelta(days=365)) is False


@pytest.mark.parametrize("status", [S.RESPONDED, S.ARCHIVED, S.INSPECTED, S.MERGED, S.HELD], ids=str)
def test_is_overdue_responded_closed_or_held_past_due_false(status):
    assert is_overdue(status, DUE, DUE + timedelta(days=30)) is False


def test_is_overdue_compares_instants_across_zones():
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    due_local = datetime(2026, 3, 10, 18, 0, tzinfo=shanghai)  # 10:00 UTC
    assert is_overdue(S.ASSIGNED, due_local, datetime(2026, 3, 10, 10, 0, 1, tzinfo=UTC))
    assert not is_overdue(S.ASSIGNED, due_local, datetime(2026, 3, 10, 9, 59, tzinfo=UTC))


# -- property: random walks from collected --------------------------------------------------

steps = st.lists(
    st.tuples(
        st.sampled_from(list(Action)),
        st.frozensets(st.sampled_from(ALL_ACTORS), min_size=0, max_size=3),
        st.booleans(),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None, database=None)
@given(steps=steps)
def test_transition_random_walk_from_collected_stays_within_design_graph(steps):
    status = S.COLLECTED
    for action, actors, rework in steps:
        try:
            new = transition(status, action, actors, rework=rework)
        except (NotPermitted, IllegalTransition):
            assert not isinstance(expected_outcome(status, action, actors, rework), Status)
            continue
        assert isinstance(new, Status)
        assert new in NEXT_ALLOWED[status], (status, action, sorted(actors), rework, new)
        assert new == expected_outcome(status, action, actors, rework)
        status = new
    if status in (S.MERGED, S.INSPECTED):
        assert allowed_actions(status, frozenset(ALL_ACTORS)) == []


@settings(max_examples=200, deadline=None, database=None)
@given(
    terminal=st.sampled_from([S.MERGED, S.INSPECTED]),
    action=st.sampled_from(list(Action)),
    actors=st.frozensets(st.sampled_from(ALL_ACTORS), max_size=len(ALL_ACTORS)),
    rework=st.booleans(),
)
def test_transition_terminal_status_any_input_refused(terminal, action, actors, rework):
    with pytest.raises((NotPermitted, IllegalTransition)):
        transition(terminal, action, actors, rework=rework)


# -- acting_as (the role recorded in the archive) -------------------------------------------


def test_acting_as_handler_assignee_responds_as_assignee():
    actors = frozenset({Role.HANDLER, Actor.ASSIGNEE})
    assert acting_as(A.RESPOND, S.ASSIGNED, actors) == Actor.ASSIGNEE


def test_acting_as_registrar_and_grid_member_registers_as_registrar():
    actors = frozenset({Role.GRID_MEMBER, Role.REGISTRAR})
    assert acting_as(A.REGISTER, S.COLLECTED, actors) == Role.REGISTRAR


def test_acting_as_no_actors_system():
    assert acting_as(A.ARCHIVE, S.RESPONDED, frozenset()) == Actor.SYSTEM


@settings(max_examples=200, deadline=None, database=None)
@given(
    status=st.sampled_from(list(Status)),
    action=st.sampled_from([a for a in Action if a not in NOT_TRANSITIONS]),
    actors=st.frozensets(st.sampled_from(ALL_ACTORS), min_size=1, max_size=4),
)
def test_acting_as_permitted_action_names_one_actor_permitted_alone(status, action, actors):
    if not isinstance(expected_outcome(status, action, actors, False), Status):
        return
    role = acting_as(action, status, actors)
    assert role in actors
    # the recorded role is one that, by itself, may take this action from this status
    assert isinstance(expected_outcome(status, action, frozenset({role}), False), Status)


# -- 回访: never the ticket's own handler ----------------------------------------------------


@pytest.mark.parametrize("status", [S.RESPONDED, S.ARCHIVED], ids=str)
@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.LEADER, Role.INSPECTOR], ids=str)
def test_callback_by_the_assignee_is_not_permitted_whatever_their_role(status, role):
    with pytest.raises(NotPermitted) as info:
        transition(status, A.CALLBACK, frozenset({role, Actor.ASSIGNEE}))
    assert "callback" in info.value.message
    assert A.CALLBACK not in allowed_actions(status, frozenset({role, Actor.ASSIGNEE}))


@pytest.mark.parametrize("status", [S.RESPONDED, S.ARCHIVED], ids=str)
def test_callback_unresolved_sends_back_resolved_stays(status):
    actors = frozenset({Role.REGISTRAR})
    assert transition(status, A.CALLBACK, actors) is status
    assert transition(status, A.CALLBACK, actors, rework=True) is S.ASSIGNED
    assert A.CALLBACK in allowed_actions(status, actors)


def test_barred_assignee_keeps_every_other_action_of_their_role():
    # A leader who is the assignee still responds, archives and reopens.
    actors = frozenset({Role.LEADER, Actor.ASSIGNEE})
    assert transition(S.ASSIGNED, A.RESPOND, actors) is S.RESPONDED
    assert transition(S.RESPONDED, A.ARCHIVE, actors) is S.ARCHIVED


# -- 审核签发 and 主办/协办 (issue 12) --------------------------------------------------------


@pytest.mark.parametrize("actor", ALL_ACTORS, ids=str)
@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("status", list(Status), ids=str)
def test_transition_review_flag_every_combination_matches_design_table(status, action, actor):
    actors = frozenset({actor})
    expected = expected_outcome(status, action, actors, rework=False, review=True)
    if isinstance(expected, Status):
        assert transition(status, action, actors, review=True) is expected
    else:
        with pytest.raises(expected):
            transition(status, action, actors, review=True)


def test_respond_assignee_under_review_waits_for_sign_off():
    actors = frozenset({Role.HANDLER, Actor.ASSIGNEE})
    review = needs_sign_off(True, actors)
    assert review is True
    assert transition(S.ASSIGNED, A.RESPOND, actors, review=review) is S.REVIEWING


def test_respond_leader_under_review_signs_own_answer():
    actors = frozenset({Role.LEADER, Actor.ASSIGNEE})
    review = needs_sign_off(True, actors)
    assert review is False
    assert transition(S.ASSIGNED, A.RESPOND, actors, review=review) is S.RESPONDED


@pytest.mark.parametrize("actors", [{Role.HANDLER, Actor.ASSIGNEE}, {Role.REGISTRAR}, {Role.LEADER}], ids=str)
def test_needs_sign_off_without_policy_false(actors):
    assert needs_sign_off(False, frozenset(actors)) is False


def test_needs_sign_off_registrar_answer_at_once_under_policy_true():
    assert needs_sign_off(True, frozenset({Role.REGISTRAR})) is True
    assert transition(S.REGISTERED, A.RESPOND, frozenset({Role.REGISTRAR}), review=True) is S.REVIEWING


def test_approve_leader_from_reviewing_responds():
    assert transition(S.REVIEWING, A.APPROVE, frozenset({Role.LEADER})) is S.RESPONDED


def test_send_back_leader_from_reviewing_returns_to_assigned():
    assert transition(S.REVIEWING, A.SEND_BACK, frozenset({Role.LEADER})) is S.ASSIGNED


@pytest.mark.parametrize("action", [A.APPROVE, A.SEND_BACK], ids=str)
def test_sign_off_assignee_not_permitted(action):
    with pytest.raises(NotPermitted) as info:
        transition(S.REVIEWING, action, frozenset({Role.HANDLER, Actor.ASSIGNEE}))
    _assert_message_names(info.value, None, action)


@pytest.mark.parametrize("action", [A.APPROVE, A.SEND_BACK], ids=str)
def test_sign_off_leader_from_assigned_illegal_names_state(action):
    with pytest.raises(IllegalTransition) as info:
        transition(S.ASSIGNED, action, frozenset({Role.LEADER}))
    _assert_message_names(info.value, S.ASSIGNED, action)
    assert "reviewing" in info.value.message


def test_respond_from_reviewing_illegal_for_everyone():
    with pytest.raises(IllegalTransition):
        transition(S.REVIEWING, A.RESPOND, frozenset(ALL_ACTORS))


def test_note_helper_from_assigned_stays_and_helper_may_not_respond():
    helper = frozenset({Role.HANDLER, Actor.HELPER})
    assert transition(S.ASSIGNED, A.NOTE, helper) is S.ASSIGNED
    assert allowed_actions(S.ASSIGNED, helper) == [A.NOTE]
    with pytest.raises(NotPermitted):
        transition(S.ASSIGNED, A.RESPOND, helper)


def test_note_handler_not_named_not_permitted():
    with pytest.raises(NotPermitted):
        transition(S.ASSIGNED, A.NOTE, frozenset({Role.HANDLER}))


def test_allowed_actions_reviewing_leader_signs_off_and_notes():
    assert allowed_actions(S.REVIEWING, frozenset({Role.LEADER})) == [A.APPROVE, A.SEND_BACK, A.NOTE]


def test_acting_as_helper_notes_as_helper():
    assert acting_as(A.NOTE, S.ASSIGNED, frozenset({Role.HANDLER, Actor.HELPER})) == Actor.HELPER


def test_is_overdue_reviewing_past_due_true():
    # The parent has no answer until the sign-off: the deadline counts at 签发.
    assert is_overdue(S.REVIEWING, DUE, DUE + timedelta(seconds=1)) is True
