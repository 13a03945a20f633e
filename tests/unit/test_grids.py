"""domain/grids.py: who runs and sees a grid (every role set), the terms (every day), the top
grade, a class's name a grade up (every grade and way of writing it), the promotion plan."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from huixiang.domain.enums import Role
from huixiang.domain.grids import (
    may_run_grids,
    may_see_grid,
    promoted_name,
    promotion_plan,
    term_bounds,
    top_grade,
    valid_grid_name,
)

ROLE_SETS = [frozenset(c) for n in range(len(Role) + 1) for c in itertools.combinations(Role, n)]


def test_who_runs_and_sees_a_grid_for_every_role_set() -> None:
    for roles, head, teaches, member in itertools.product(
        ROLE_SETS, (False, True), (False, True), (False, True)
    ):
        runs = may_run_grids(roles, head)
        assert runs == (Role.LEADER in roles or (Role.HANDLER in roles and head))
        sees = may_see_grid(roles, teaches, member)
        assert sees == (Role.LEADER in roles or (Role.HANDLER in roles and teaches) or member)
        # Neither an inspector nor a district's leader (roles above the school are not passed)
        # nor a grid member of another grid is let in by their role alone.
        if not (roles & {Role.LEADER, Role.HANDLER}) and not member:
            assert not sees and not runs


def test_every_day_of_three_years_is_in_one_term_that_contains_it() -> None:
    day = date(2025, 1, 1)
    while day < date(2028, 1, 1):
        first, after = term_bounds(day)
        assert first <= day < after
        assert (first.month, first.day) in {(9, 1), (2, 1)} and after.day == 1
        assert term_bounds(first) == (first, after) and term_bounds(after - timedelta(days=1)) == (
            first,
            after,
        )
        day += timedelta(days=1)
    assert term_bounds(date(2026, 12, 4)) == (date(2026, 9, 1), date(2027, 2, 1))
    assert term_bounds(date(2027, 1, 31)) == (date(2026, 9, 1), date(2027, 2, 1))
    assert term_bounds(date(2027, 8, 31)) == (date(2027, 2, 1), date(2027, 9, 1))


def test_top_grade_is_the_end_of_the_highest_class_stage() -> None:
    assert [top_grade([g]) for g in range(1, 13)] == [6] * 6 + [9] * 3 + [12] * 3
    assert top_grade([1, 2, 5]) == 6 and top_grade([1, 7]) == 9 and top_grade([]) == 6


@given(st.sampled_from(range(1, 12)), st.integers(1, 20))
def test_a_class_name_moves_up_one_grade(grade: int, number: int) -> None:
    numerals = "一二三四五六七八九十"
    word = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
    assert promoted_name(f"{word[grade - 1]}年级（{number}）班", grade, grade + 1) == (
        f"{word[grade]}年级（{number}）班"
    )
    assert promoted_name(f"{grade}年级{number}班", grade, grade + 1) == f"{grade + 1}年级{number}班"
    if 7 <= grade <= 8:
        assert promoted_name(f"初{numerals[grade - 7]}（{number}）班", grade, grade + 1) == (
            f"初{numerals[grade - 6]}（{number}）班"
        )
    if 10 <= grade <= 11:
        assert (
            promoted_name(f"高{numerals[grade - 10]}{number}班", grade, grade + 1)
            == f"高{numerals[grade - 9]}{number}班"
        )


def test_names_that_do_not_say_their_grade_stay() -> None:
    assert promoted_name("火箭班", 3, 4) == "火箭班"
    assert promoted_name("13年级", 3, 4) == "13年级"  # 3年级 inside 13年级 is not the grade
    assert promoted_name("十二年级（1）班", 2, 3) == "十二年级（1）班"  # not 二年级


def test_the_plan_moves_each_class_up_and_graduates_the_top() -> None:
    up, leaving = promotion_plan([(1, 3, "三年级（2）班"), (2, 6, "六年级（1）班"), (3, 5, "火箭班")], 6)
    assert up == [(1, 4, "四年级（2）班"), (3, 6, "火箭班")] and leaving == [2]
    assert promotion_plan([], 6) == ([], [])


def test_grid_names() -> None:
    assert valid_grid_name("第一网格") and valid_grid_name("A")
    assert not valid_grid_name("") and not valid_grid_name(" 前后空格 ") and not valid_grid_name("x" * 33)
