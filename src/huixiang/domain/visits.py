"""Home visits (家访): the roster's words, the visit record's forms, who sees a minor's data, the
school year, the coverage rates and the roster import's row rules. Pure: no database, no clock.

The six groups are 潜江's 六回访; the forms are the ways a visit is made (入户, 电话, 视频 — 渠县's
云家访 —, 到校, 团体). The import's sentences are Chinese: they are read by the school's staff
beside the row and column they concern."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from .enums import Role


class Group(StrEnum):
    """The six groups that get repeated visits (六回访)."""

    HARDSHIP = "hardship"
    LEARNING = "learning"
    LEFT_BEHIND = "left_behind"
    CHANGE = "change"
    MIGRANT = "migrant"
    DISABILITY = "disability"


GROUP_LABELS: dict[Group, str] = {
    Group.HARDSHIP: "生活特殊困难",
    Group.LEARNING: "学习困难",
    Group.LEFT_BEHIND: "留守/单亲",
    Group.CHANGE: "思想学业重大变化",
    Group.MIGRANT: "进城务工子女",
    Group.DISABILITY: "随班就读残疾",
}


class VisitForm(StrEnum):
    HOME = "home"
    PHONE = "phone"
    VIDEO = "video"
    AT_SCHOOL = "at_school"
    GROUP = "group"


FORM_LABELS: dict[VisitForm, str] = {
    VisitForm.HOME: "入户",
    VisitForm.PHONE: "电话",
    VisitForm.VIDEO: "视频",
    VisitForm.AT_SCHOOL: "到校",
    VisitForm.GROUP: "团体",
}

# Who sees home visits at all: a school's leaders and teachers (handlers), and the bureau's
# inspectors, who see them in aggregate only (coverage), never a student.
COVERAGE_ROLES = frozenset({Role.LEADER, Role.HANDLER, Role.INSPECTOR})


def may_see_class(roles: frozenset[Role], teaches: bool) -> bool:
    """A class's students (names, groups, family situation, visits): the school's leaders and the
    class's own teachers (head or subject). Another teacher of the school is told nothing (404).
    `roles` are those held at the school itself, never those of a district or city above it."""
    return Role.LEADER in roles or (Role.HANDLER in roles and teaches)


def sees_phones(roles: frozenset[Role]) -> bool:
    """Leaders see guardians' phones in full; teachers see them masked and reveal one (audited)."""
    return Role.LEADER in roles


def school_year_of(day: date) -> int:
    """The school year a day belongs to, by the year it starts in: 2026-09-01 … 2027-08-31 is 2026."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_bounds(year: int) -> tuple[date, date]:
    """The first day of a school year and the first day of the next (excluded)."""
    return date(year, 9, 1), date(year + 1, 9, 1)


def rate(part: int, whole: int) -> float | None:
    """A share in [0, 1] to four places; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


# ---- the roster import -------------------------------------------------------------------------

COLUMNS = (
    "年级",
    "班级",
    "学生姓名",
    "新生",
    "特殊群体",
    "监护人1姓名",
    "监护人1关系",
    "监护人1电话",
    "监护人2姓名",
    "监护人2关系",
    "监护人2电话",
    "班主任账号",
)
GUARDIAN_SLOTS = 2
MAX_ROWS = 5000
GRADE_WORDS = {
    **{w: i for i, w in enumerate("一二三四五六", start=1)},
    **{f"初{w}": 6 + i for i, w in enumerate("一二三", start=1)},
    **{f"高{w}": 9 + i for i, w in enumerate("一二三", start=1)},
    "七": 7,
    "八": 8,
    "九": 9,
}
YES = {"是", "y", "yes", "1", "true", "新生"}
NO = {"否", "n", "no", "0", "false", ""}
SEPARATORS = re.compile(r"[、,，;；/\s]+")
PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")
LABEL_TO_GROUP = {label: group for group, label in GROUP_LABELS.items()}
# 留守/单亲 is one group, written either way (or whole).
LABEL_TO_GROUP.update({"留守": Group.LEFT_BEHIND, "单亲": Group.LEFT_BEHIND})


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # the sheet's row number, as the spreadsheet shows it (the header is row 1)
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class GuardianRow:
    name: str
    relation: str
    phone: str


@dataclass(frozen=True, slots=True)
class StudentRow:
    row: int
    grade: int
    class_name: str
    name: str
    new_intake: bool
    groups: tuple[Group, ...]
    guardians: tuple[GuardianRow, ...]
    head_teacher: str | None


@dataclass
class Parsed:
    rows: list[StudentRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed as a number: 13812341234.0
    return str(value).strip()


def parse_grade(value: str) -> int | None:
    word = value.removesuffix("年级").strip()
    if word.isdigit():
        grade = int(word)
        return grade if 1 <= grade <= 12 else None
    return GRADE_WORDS.get(word)


def parse_groups(value: str) -> tuple[list[Group], list[str]]:
    """The groups named in a cell, and the words that name none. "留守/单亲" is one group."""
    value = value.replace("留守/单亲", "留守")
    groups: list[Group] = []
    unknown: list[str] = []
    for word in SEPARATORS.split(value):
        if not word:
            continue
        group = LABEL_TO_GROUP.get(word)
        if group is None:
            unknown.append(word)
        elif group not in groups:
            groups.append(group)
    return groups, unknown


def parse_roster(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], teachers: Mapping[str, int] | None = None
) -> Parsed:
    """The template's rows, each checked; every fault is reported (row, column, sentence), and
    the caller imports nothing when there is one. `teachers`: the usernames a 班主任账号 may name."""
    out = Parsed()
    names = [_text(h) for h in header]
    missing = [c for c in COLUMNS[:3] if c not in names]
    if missing:
        out.errors.append(RowError(1, missing[0], f"表头缺少“{missing[0]}”列：请使用下载的模板。"))
        return out
    at = {c: names.index(c) for c in COLUMNS if c in names}
    seen: dict[tuple[str, str], int] = {}
    grades: dict[str, tuple[int, int]] = {}
    count = 0
    for number, raw in enumerate(rows, start=2):
        cells = {c: _text(raw[i]) if i < len(raw) else "" for c, i in at.items()}
        if not any(cells.values()):
            continue  # a blank line
        count += 1
        if count > MAX_ROWS:
            out.errors.append(RowError(number, "学生姓名", f"一个文件最多{MAX_ROWS}名学生：请分成几个文件。"))
            break
        errors: list[RowError] = []

        def fault(column: str, message: str, row: int = number, sink: list[RowError] = errors) -> None:
            sink.append(RowError(row, column, message))

        grade = parse_grade(cells["年级"])
        if not cells["年级"]:
            fault("年级", "请填写年级，例如 3 或 三年级。")
        elif grade is None:
            fault("年级", f"“{cells['年级']}”不是年级：请填写 1 到 12，或 一年级、初一、高一 等。")
        class_name = cells["班级"]
        if not class_name:
            fault("班级", "请填写班级，例如 三年级（2）班。")
        elif len(class_name) > 32:
            fault("班级", "班级名称不能超过32个字。")
        elif grade is not None:
            first = grades.setdefault(class_name, (grade, number))
            if first[0] != grade:
                fault("年级", f"同一班级“{class_name}”在第{first[1]}行是{first[0]}年级，这里是{grade}年级。")
        name = cells["学生姓名"]
        if not name:
            fault("学生姓名", "请填写学生姓名。")
        elif len(name) > 50:
            fault("学生姓名", "学生姓名不能超过50个字。")
        elif class_name:
            earlier = seen.setdefault((class_name, name), number)
            if earlier != number:
                fault("学生姓名", f"“{name}”在第{earlier}行已填写过同一班级：同名学生请加以区分。")
        flag = cells.get("新生", "").lower()
        if flag not in YES and flag not in NO:
            fault("新生", f"“{cells['新生']}”请填写“是”或“否”（不填即为否）。")
        groups, unknown = parse_groups(cells.get("特殊群体", ""))
        if unknown:
            fault(
                "特殊群体",
                f"“{unknown[0]}”不是六类群体之一：" + "、".join(GROUP_LABELS.values()) + "。",
            )
        guardians: list[GuardianRow] = []
        for slot in range(1, GUARDIAN_SLOTS + 1):
            g_name = cells.get(f"监护人{slot}姓名", "")
            relation = cells.get(f"监护人{slot}关系", "")
            phone = cells.get(f"监护人{slot}电话", "").replace(" ", "")
            if not (g_name or relation or phone):
                continue
            if not g_name:
                fault(f"监护人{slot}姓名", "填写了关系或电话，请同时填写监护人姓名。")
            elif len(g_name) > 50:
                fault(f"监护人{slot}姓名", "监护人姓名不能超过50个字。")
            if len(relation) > 16:
                fault(f"监护人{slot}关系", "关系不能超过16个字，例如 母亲、祖父。")
            if phone and not PHONE.match(phone):
                fault(f"监护人{slot}电话", f"“{phone}”不是手机号或座机号：手机号为11位数字。")
            guardians.append(GuardianRow(g_name, relation, phone))
        head = cells.get("班主任账号", "") or None
        if head is not None and teachers is not None and head not in teachers:
            fault("班主任账号", f"“{head}”不是本校教师的账号。")
        if errors:
            out.errors.extend(errors)
            continue
        assert grade is not None
        out.rows.append(
            StudentRow(number, grade, class_name, name, flag in YES, tuple(groups), tuple(guardians), head)
        )
    if count == 0 and not out.errors:
        out.errors.append(RowError(2, "学生姓名", "文件中没有学生：请从第2行起每行填写一名学生。"))
    return out
