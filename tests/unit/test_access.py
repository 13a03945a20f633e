"""Scope and actors of a staff principal; masking of parents' identity; who may be assigned."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huixiang.domain.access import (
    CONTACT_MASKS,
    FULL_IDENTITY_ROLES,
    STUDENT_MASKS,
    Grant,
    Principal,
    mask_email,
    mask_name,
    mask_phone,
    masked,
    may_be_assigned,
    may_help,
    may_reveal,
    may_see_identity,
)
from huixiang.domain.enums import Actor, Role

BUREAU = "/1/"
DISTRICT = "/1/4/"
SCHOOL = "/1/4/17/"
SCHOOL_PREFIX_TWIN = "/1/4/170/"  # shares the string prefix "/1/4/17" but is not below SCHOOL
OTHER_SCHOOL = "/1/4/18/"
OTHER_DISTRICT_SCHOOL = "/1/5/9/"


def principal(*grants: tuple[Role, str], user_id: int = 7) -> Principal:
    return Principal(
        user_id=user_id,
        username="wang",
        display_name="王老师",
        grants=tuple(Grant(role, f"code{i}", path) for i, (role, path) in enumerate(grants)),
    )


# -- roles_over -----------------------------------------------------------------------------


def test_roles_over_own_unit_and_below_included():
    p = principal((Role.LEADER, SCHOOL), (Role.INSPECTOR, DISTRICT))
    assert p.roles_over(SCHOOL) == {Role.LEADER, Role.INSPECTOR}
    assert p.roles_over(SCHOOL + "3/") == {Role.LEADER, Role.INSPECTOR}  # a class below


def test_roles_over_sibling_school_only_higher_grant():
    p = principal((Role.LEADER, SCHOOL), (Role.INSPECTOR, DISTRICT))
    assert p.roles_over(OTHER_SCHOOL) == {Role.INSPECTOR}


def test_roles_over_prefix_twin_path_not_reached():
    p = principal((Role.LEADER, SCHOOL))
    assert p.roles_over(SCHOOL_PREFIX_TWIN) == frozenset()


def test_roles_over_parent_unit_not_reached_from_below():
    p = principal((Role.LEADER, SCHOOL))
    assert p.roles_over(DISTRICT) == frozenset()
    assert p.roles_over(BUREAU) == frozenset()


def test_roles_over_other_district_empty():
    p = principal((Role.INSPECTOR, DISTRICT), (Role.REGISTRAR, SCHOOL))
    assert p.roles_over(OTHER_DISTRICT_SCHOOL) == frozenset()


def test_roles_over_no_grants_empty():
    assert principal().roles_over(SCHOOL) == frozenset()


# -- actors_for -----------------------------------------------------------------------------


def test_actors_for_assignee_with_role_adds_assignee():
    p = principal((Role.HANDLER, SCHOOL), user_id=7)
    assert p.actors_for(SCHOOL, assignee_id=7) == {Role.HANDLER, Actor.ASSIGNEE}


def test_actors_for_other_assignee_no_assignee_actor():
    p = principal((Role.HANDLER, SCHOOL), user_id=7)
    assert p.actors_for(SCHOOL, assignee_id=8) == {Role.HANDLER}


def test_actors_for_unassigned_ticket_no_assignee_actor():
    p = principal((Role.LEADER, SCHOOL), user_id=7)
    assert p.actors_for(SCHOOL, assignee_id=None) == {Role.LEADER}


def test_actors_for_assignee_without_role_over_ticket_empty():
    # Assigned to this user, but filed under a school they hold no role at: nothing.
    p = principal((Role.HANDLER, SCHOOL), user_id=7)
    assert p.actors_for(OTHER_SCHOOL, assignee_id=7) == frozenset()


def test_actors_for_assignee_with_no_grants_empty():
    assert principal(user_id=7).actors_for(SCHOOL, assignee_id=7) == frozenset()


def test_actors_for_assignee_through_higher_grant_adds_assignee():
    p = principal((Role.INSPECTOR, DISTRICT), user_id=7)
    assert p.actors_for(SCHOOL, assignee_id=7) == {Role.INSPECTOR, Actor.ASSIGNEE}


def test_actors_for_returns_frozenset():
    p = principal((Role.HANDLER, SCHOOL), user_id=7)
    assert isinstance(p.actors_for(SCHOOL, assignee_id=7), frozenset)


# -- scope_paths ----------------------------------------------------------------------------


def test_scope_paths_descendant_grant_dropped():
    p = principal(
        (Role.INSPECTOR, DISTRICT),
        (Role.LEADER, SCHOOL),
        (Role.REGISTRAR, OTHER_DISTRICT_SCHOOL),
    )
    assert p.scope_paths() == [DISTRICT, OTHER_DISTRICT_SCHOOL]


def test_scope_paths_duplicate_paths_once():
    p = principal((Role.LEADER, SCHOOL), (Role.REGISTRAR, SCHOOL))
    assert p.scope_paths() == [SCHOOL]


def test_scope_paths_prefix_twin_both_kept():
    p = principal((Role.LEADER, SCHOOL), (Role.LEADER, SCHOOL_PREFIX_TWIN))
    assert p.scope_paths() == [SCHOOL, SCHOOL_PREFIX_TWIN]


def test_scope_paths_filtered_by_role_only_those_grants():
    p = principal((Role.INSPECTOR, DISTRICT), (Role.LEADER, SCHOOL), (Role.LEADER, "/1/6/2/"))
    assert p.scope_paths([Role.LEADER]) == [SCHOOL, "/1/6/2/"]
    assert p.scope_paths([Role.INSPECTOR]) == [DISTRICT]
    assert p.scope_paths([Role.LEADER, Role.INSPECTOR]) == [DISTRICT, "/1/6/2/"]


def test_scope_paths_empty_roles_empty():
    p = principal((Role.LEADER, SCHOOL))
    assert p.scope_paths([]) == []


def test_scope_paths_no_grants_empty():
    assert principal().scope_paths() == []


def test_scope_paths_bureau_grant_covers_everything():
    p = principal((Role.LEADER, SCHOOL), (Role.ADMIN, BUREAU), (Role.INSPECTOR, DISTRICT))
    assert p.scope_paths() == [BUREAU]


# A random forest of org paths, "/1/", "/1/4/", "/1/4/17/", ...
segments = st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=4)
org_paths = segments.map(lambda ids: "/" + "/".join(map(str, ids)) + "/")


@settings(max_examples=200, deadline=None, database=None)
@given(
    grants=st.lists(st.tuples(st.sampled_from(list(Role)), org_paths), max_size=10),
    wanted=st.none() | st.sets(st.sampled_from(list(Role))),
)
def test_scope_paths_random_grants_minimal_and_covering(grants, wanted):
    p = principal(*grants)
    got = p.scope_paths(wanted)
    considered = {path for role, path in grants if wanted is None or role in wanted}
    assert set(got) <= considered
    assert len(got) == len(set(got))
    # minimal: no kept path lies under another kept path
    for a in got:
        for b in got:
            if a != b:
                assert not a.startswith(b), (a, b)
    # covering: every considered path lies under some kept path
    for path in considered:
        assert any(path.startswith(kept) for kept in got), path
    # and the same reach: a ticket under a grant's unit is reached iff roles_over says so
    if wanted is None:
        for path in considered:
            assert p.roles_over(path)


# -- leaf_paths -----------------------------------------------------------------------------


def test_leaf_paths_only_leaf_grants():
    p = Principal(
        user_id=1,
        username="li",
        display_name="李校长",
        grants=(
            Grant(Role.LEADER, "s17", SCHOOL, leaf=True),
            Grant(Role.INSPECTOR, "d4", DISTRICT),
            Grant(Role.REGISTRAR, "s17", SCHOOL, leaf=True),
        ),
    )
    assert p.leaf_paths() == {SCHOOL}
    assert principal((Role.LEADER, SCHOOL)).leaf_paths() == frozenset()


# -- has_role -------------------------------------------------------------------------------


def test_has_role_held_true_other_false():
    p = principal((Role.LEADER, SCHOOL))
    assert p.has_role(Role.LEADER) is True
    assert p.has_role(Role.INSPECTOR) is False


# -- phones ---------------------------------------------------------------------------------


def test_mask_phone_mobile_masked_middle():
    assert mask_phone("13812341234") == "138****1234"


def test_mask_phone_surrounding_spaces_stripped():
    assert mask_phone("  13812341234 ") == "138****1234"


def test_mask_phone_long_number_keeps_first_three_last_four():
    assert mask_phone("+8613812341234") == "+86" + "*" * 7 + "1234"
    assert mask_phone("02112345678") == "021****5678"


def test_mask_phone_eight_chars_one_star():
    assert mask_phone("12345678") == "123*5678"


@pytest.mark.parametrize("phone", ["", "1", "110", "12345", "1234567"], ids=repr)
def test_mask_phone_short_string_fully_masked(phone):
    assert mask_phone(phone) == "*" * len(phone)


@settings(max_examples=200, deadline=None, database=None)
@given(phone=st.text(alphabet="0123456789+-", min_size=0, max_size=20))
def test_mask_phone_random_number_hides_middle(phone):
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    if len(phone) <= 7:
        assert set(masked) <= {"*"}
    else:
        assert masked[:3] == phone[:3]
        assert masked[-4:] == phone[-4:]
        assert set(masked[3:-4]) == {"*"}


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.LEADER], ids=str)
def test_may_see_identity_registrar_or_leader_true(role):
    assert may_see_identity(frozenset({role})) is True


@pytest.mark.parametrize("role", [Role.HANDLER, Role.GRID_MEMBER, Role.INSPECTOR, Role.ADMIN], ids=str)
def test_may_see_identity_other_role_false(role):
    assert may_see_identity(frozenset({role})) is False


def test_may_see_identity_no_roles_false():
    assert may_see_identity(frozenset()) is False


def test_may_see_identity_handler_who_is_also_leader_true():
    assert may_see_identity(frozenset({Role.HANDLER, Role.LEADER})) is True


def test_may_see_identity_assignee_actor_alone_false():
    assert may_see_identity(frozenset({Actor.ASSIGNEE})) is False


def test_full_phone_roles_exactly_registrar_and_leader():
    assert {Role.REGISTRAR, Role.LEADER} == FULL_IDENTITY_ROLES


# -- names, emails, a whole contact ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"), [("王女士", "王*"), ("欧阳娜娜", "欧*"), ("李", "李*"), (" 张三 ", "张*"), ("", "")]
)
def test_mask_name_keeps_first_character_and_one_star(name, shown):
    assert mask_name(name) == shown


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        ("wang.li@example.com", "w***@example.com"),
        ("a@qq.com", "a***@qq.com"),
        ("odd@name@example.cn", "o***@example.cn"),
        ("no-at-sign", "***"),
        ("@example.com", "***"),
    ],
)
def test_mask_email_keeps_first_letter_and_domain(email, shown):
    assert mask_email(email) == shown


def test_masked_contact_hides_name_phone_email_keeps_relation():
    contact = {"name": "王女士", "phone": "13812341234", "email": "wang@example.com", "relation": "母亲"}
    assert masked(contact, CONTACT_MASKS) == {
        "name": "王*",
        "phone": "138****1234",
        "email": "w***@example.com",
        "relation": "母亲",
    }
    assert contact["name"] == "王女士"  # a copy: the stored contact is untouched


def test_masked_student_hides_name_keeps_class():
    assert masked({"name": "李小明", "class_name": "三年级二班"}, STUDENT_MASKS) == {
        "name": "李*",
        "class_name": "三年级二班",
    }


@pytest.mark.parametrize("fields", [None, {}], ids=repr)
def test_masked_nothing_is_none(fields):
    assert masked(fields, CONTACT_MASKS) is None


# -- reveal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [Role.REGISTRAR, Role.LEADER, Actor.ASSIGNEE], ids=str)
def test_may_reveal_registrar_leader_or_assignee_true(actor):
    assert may_reveal(frozenset({actor})) is True


@pytest.mark.parametrize("actor", [Role.HANDLER, Role.GRID_MEMBER, Role.INSPECTOR, Role.ADMIN], ids=str)
def test_may_reveal_other_role_false(actor):
    assert may_reveal(frozenset({actor})) is False


def test_may_reveal_handler_assigned_through_actors_for():
    handler = principal((Role.HANDLER, SCHOOL), user_id=7)
    assert may_reveal(handler.actors_for(SCHOOL, assignee_id=7)) is True
    assert may_reveal(handler.actors_for(SCHOOL, assignee_id=8)) is False


# -- assignment -----------------------------------------------------------------------------


def grants(*held: tuple[Role, str]) -> list[Grant]:
    return list(principal(*held).grants)


def test_may_be_assigned_handler_of_the_school_true():
    assert may_be_assigned(grants((Role.HANDLER, SCHOOL)), SCHOOL) is True


@pytest.mark.parametrize(
    "role", [Role.REGISTRAR, Role.LEADER, Role.GRID_MEMBER, Role.INSPECTOR, Role.ADMIN], ids=str
)
def test_may_be_assigned_other_role_of_the_school_false(role):
    assert may_be_assigned(grants((role, SCHOOL)), SCHOOL) is False


@pytest.mark.parametrize("path", [OTHER_SCHOOL, SCHOOL_PREFIX_TWIN, DISTRICT, BUREAU, OTHER_DISTRICT_SCHOOL])
def test_may_be_assigned_handler_elsewhere_false(path):
    """A handler above the school (a district's) or beside it is no handler of the school."""
    assert may_be_assigned(grants((Role.HANDLER, path)), SCHOOL) is False


def test_may_be_assigned_handler_among_other_grants_true():
    held = grants((Role.INSPECTOR, DISTRICT), (Role.HANDLER, SCHOOL), (Role.LEADER, OTHER_SCHOOL))
    assert may_be_assigned(held, SCHOOL) is True
    assert may_be_assigned(held, OTHER_SCHOOL) is False


def test_may_be_assigned_district_handler_for_a_ticket_filed_at_the_district():
    """A ticket sent to the bureau is filed at the district: the district's handlers take it."""
    assert may_be_assigned(grants((Role.HANDLER, DISTRICT)), DISTRICT) is True
    assert may_be_assigned(grants((Role.HANDLER, SCHOOL)), DISTRICT) is False


def test_may_be_assigned_no_grants_false():
    assert may_be_assigned([], SCHOOL) is False


# -- 协办: helpers (issue 12) -----------------------------------------------------------------


def test_actors_for_named_helper_adds_helper():
    p = principal((Role.HANDLER, SCHOOL), user_id=7)
    assert p.actors_for(SCHOOL, assignee_id=8, helper_ids=[7, 9]) == {Role.HANDLER, Actor.HELPER}


def test_actors_for_helper_not_named_no_helper_actor():
    p = principal((Role.HANDLER, SCHOOL), user_id=7)
    assert p.actors_for(SCHOOL, assignee_id=8, helper_ids=[9]) == {Role.HANDLER}


def test_actors_for_assignee_listed_as_helper_is_assignee_only():
    p = principal((Role.HANDLER, SCHOOL), user_id=7)
    assert p.actors_for(SCHOOL, assignee_id=7, helper_ids=[7]) == {Role.HANDLER, Actor.ASSIGNEE}


def test_actors_for_helper_without_role_over_ticket_empty():
    p = principal((Role.HANDLER, SCHOOL), user_id=7)
    assert p.actors_for(OTHER_SCHOOL, assignee_id=8, helper_ids=[7]) == frozenset()


def test_may_help_handler_of_the_school_only():
    assert may_help(grants((Role.HANDLER, SCHOOL)), SCHOOL) is True
    assert may_help(grants((Role.LEADER, SCHOOL)), SCHOOL) is False
    assert may_help(grants((Role.HANDLER, OTHER_SCHOOL)), SCHOOL) is False
