"""domain/trust.py: which staff a complaint may name, when naming sends it past the school,
when an identity may go into escrow, and who may unseal — every combination."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huixiang.domain.access import Grant
from huixiang.domain.enums import TRUST_KINDS, Kind, Role, Status
from huixiang.domain.errors import Conflict, IllegalTransition, Invalid, NotPermitted
from huixiang.domain.trust import (
    NAMING_STATUSES,
    check_naming,
    check_request,
    check_unseal,
    leader_named,
    may_unseal,
)

STAFF = [11, 12, 13]


@pytest.mark.parametrize(
    ("kind", "named", "escrow", "anonymous", "contact"),
    list(itertools.product(Kind, [[], [12], [99]], [False, True], [False, True], [False, True])),
)
def test_check_request_every_combination(
    kind: Kind, named: list[int], escrow: bool, anonymous: bool, contact: bool
) -> None:
    def expected() -> str | None:
        if (named or escrow) and kind not in TRUST_KINDS:
            return "named_staff" if named else "escrow"
        if escrow and anonymous:
            return "anonymous"
        if escrow and not contact:
            return "contact"
        if named == [99]:
            return "named_staff"
        return None

    field = expected()
    if field is None:
        assert (
            check_request(kind, named, escrow, anonymous=anonymous, has_contact=contact, school_staff=STAFF)
            == named
        )
    else:
        with pytest.raises(Invalid) as caught:
            check_request(kind, named, escrow, anonymous=anonymous, has_contact=contact, school_staff=STAFF)
        assert f"`{field}`" in caught.value.message


@given(st.lists(st.sampled_from(STAFF)))
def test_check_request_deduplicates_and_sorts(named: list[int]) -> None:
    got = check_request(Kind.COMPLAINT, named, False, anonymous=False, has_contact=False, school_staff=STAFF)
    assert got == sorted(set(named))


@given(st.lists(st.integers(1, 20)), st.sets(st.integers(1, 20)))
def test_leader_named_when_any_named_leads(named: list[int], leaders: set[int]) -> None:
    assert leader_named(named, leaders) is bool(set(named) & leaders)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("assignee", [None, 12, 13])
def test_check_naming_every_status(status: Status, assignee: int | None) -> None:
    if status not in NAMING_STATUSES:
        with pytest.raises(IllegalTransition) as caught:
            check_naming(status, [12], assignee)
        assert status.value in caught.value.message
    elif assignee == 12:
        with pytest.raises(Invalid, match="named_staff"):
            check_naming(status, [12], assignee)
    else:
        check_naming(status, [12], assignee)


SCHOOL = "/1/2/3/"
GRANTS = {
    "district inspector": Grant(Role.INSPECTOR, "d1", "/1/2/", district=True),
    "city inspector": Grant(Role.INSPECTOR, "city", "/1/"),
    "other district inspector": Grant(Role.INSPECTOR, "d2", "/1/5/", district=True),
    "school leader": Grant(Role.LEADER, "s1", SCHOOL, leaf=True),
    "district leader": Grant(Role.LEADER, "d1", "/1/2/", district=True),
    "admin": Grant(Role.ADMIN, "city", "/1/"),
    "school inspector": Grant(Role.INSPECTOR, "s1", SCHOOL, leaf=True),
}
REACHING_INSPECTORS = {"district inspector", "city inspector"}


@pytest.mark.parametrize("who", sorted(GRANTS))
@pytest.mark.parametrize("reviewer", [False, True])
@pytest.mark.parametrize("path", [SCHOOL, "/1/2/"])
def test_may_unseal_only_a_designated_inspector_reaching_it(who: str, reviewer: bool, path: str) -> None:
    expected = reviewer and who in REACHING_INSPECTORS
    assert may_unseal(reviewer, [GRANTS[who]], path) is expected


def test_check_unseal_refuses_then_needs_escrow() -> None:
    grant = [GRANTS["district inspector"]]
    with pytest.raises(NotPermitted, match="reviewer"):
        check_unseal(False, grant, SCHOOL, True)
    with pytest.raises(Conflict, match="escrow"):
        check_unseal(True, grant, SCHOOL, False)
    check_unseal(True, grant, SCHOOL, True)
