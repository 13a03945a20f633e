"""The home visits' pure rules (domain/visits.py): the school year, rates, who sees a class, and
the roster import's row checks."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from huixiang.domain.enums import Role
from huixiang.domain.visits import (
    COLUMNS,
    GROUP_LABELS,
    Group,
    may_see_class,
    parse_grade,
    parse_groups,
    parse_roster,
    rate,
    school_year_bounds,
    school_year_of,
    sees_phones,
)


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)))
def test_a_day_lies_within_its_school_year(day: date) -> None:
    first, after = school_year_bounds(school_year_of(day))
    assert first <= day < after
    assert (after - first) in (timedelta(days=365), timedelta(days=366))


def test_school_year_turns_on_september_first() -> None:
    assert school_year_of(date(2026, 8, 31)) == 2025
    assert school_year_of(date(2026, 9, 1)) == 2026


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_rate_is_a_share(part: int, extra: int) -> None:
    whole = part + extra
    value = rate(part, whole)
    if whole == 0:
        assert value is None
    else:
        assert value is not None and 0 <= value <= 1
        assert abs(value - part / whole) <= 0.00005


def test_who_sees_a_class() -> None:
    leader, handler, inspector = (
        frozenset({Role.LEADER}),
        frozenset({Role.HANDLER}),
        frozenset({Role.INSPECTOR}),
    )
    assert may_see_class(leader, teaches=False)
    assert may_see_class(handler, teaches=True)
    assert not may_see_class(handler, teaches=False)
    assert not may_see_class(inspector, teaches=True)
    assert not may_see_class(frozenset({Role.REGISTRAR}), teaches=True)
    assert sees_phones(leader) and not sees_phones(handler)


def test_grades_and_groups() -> None:
    assert [parse_grade(w) for w in ("3", "三年级", "初一", "高三", "13", "幼儿园", "0")] == [
        3,
        3,
        7,
        12,
        None,
        None,
        None,
    ]
    assert parse_groups("留守/单亲、学习困难，随班就读残疾") == (
        [Group.LEFT_BEHIND, Group.LEARNING, Group.DISABILITY],
        [],
    )
    assert parse_groups("单亲 留守") == ([Group.LEFT_BEHIND], [])
    assert parse_groups("学困") == ([], ["学困"])
    for group, label in GROUP_LABELS.items():
        assert parse_groups(label) == ([group], [])


def row(**cells: object) -> list[object]:
    return [cells.get(c, "") for c in COLUMNS]


def test_a_good_row() -> None:
    parsed = parse_roster(
        COLUMNS,
        [
            row(
                年级=3,
                班级="三（2）班",
                学生姓名="张三",
                新生="是",
                监护人1姓名="张父",
                监护人1电话=13812345678.0,
            )
        ],
    )
    assert parsed.errors == []
    (one,) = parsed.rows
    assert (one.row, one.grade, one.new_intake, one.guardians[0].phone) == (2, 3, True, "13812345678")


def test_each_fault_names_row_and_column() -> None:
    parsed = parse_roster(
        COLUMNS,
        [
            row(年级=3, 班级="A班", 学生姓名="甲"),
            [],  # a blank line is skipped, and counts in the numbering
            row(年级=4, 班级="A班", 学生姓名="甲"),
            row(年级=3, 班级="B班", 学生姓名="乙", 监护人2电话="123", 班主任账号="ghost"),
        ],
        teachers={"t1": 1},
    )
    assert parsed.rows[0].name == "甲"
    assert [(e.row, e.column) for e in parsed.errors] == [
        (4, "年级"),
        (4, "学生姓名"),
        (5, "监护人2姓名"),
        (5, "监护人2电话"),
        (5, "班主任账号"),
    ]
    assert all(e.message for e in parsed.errors)


def test_a_file_with_no_header_or_no_rows() -> None:
    assert parse_roster(["姓名"], [["x"]]).errors[0].column == "年级"
    assert parse_roster(COLUMNS, [[]]).errors[0].row == 2


@given(
    st.lists(st.sampled_from(list(GROUP_LABELS.values())), max_size=8),
    st.sampled_from(["、", ",", "，", " ", ";"]),
)
def test_groups_written_any_way_parse_back(labels: list[str], sep: str) -> None:
    groups, unknown = parse_groups(sep.join(labels))
    assert unknown == []
    assert groups == list(
        dict.fromkeys(g for label in labels for g, l2 in GROUP_LABELS.items() if l2 == label)
    )
