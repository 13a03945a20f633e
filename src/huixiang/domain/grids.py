"""Parent grids (网格连心, 嘉教〔2021〕86号 二(二)) and the yearly promotion: who runs and who sees a
grid, the terms its figures count, the grade a class moves up to and its new name, which classes
graduate. Pure: no database, no clock."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from .enums import Role, Status
from .visits import FORM_LABELS

MAX_GRIDS_PER_CLASS = 20
MAX_FAMILIES_PER_GRID = 60


class ContactForm(StrEnum):
    """How a grid member reached a family: the visit's forms, and a message (微信、短信)."""

    HOME = "home"
    PHONE = "phone"
    VIDEO = "video"
    AT_SCHOOL = "at_school"
    GROUP = "group"
    MESSAGE = "message"


# The visit forms' own words, and the message's.
CONTACT_LABELS: dict[ContactForm, str] = {
    **{ContactForm(form.value): label for form, label in FORM_LABELS.items()},
    ContactForm.MESSAGE: "微信/短信",
}

# A matter raised is answered once its ticket has an answer (and stays so when archived).
ANSWERED = frozenset({Status.RESPONDED, Status.ARCHIVED, Status.INSPECTED})


def may_run_grids(roles: frozenset[Role], is_head_teacher: bool) -> bool:
    """Set up a class's grids, name their members and families: the school's leaders and the
    class's head teacher."""
    return Role.LEADER in roles or (Role.HANDLER in roles and is_head_teacher)


def may_see_grid(roles: frozenset[Role], teaches: bool, is_member: bool) -> bool:
    """A grid's file: the school's leaders, the class's teachers, and the grid's own member (a
    parent volunteer sees their grid's families by name, never their groups or situation)."""
    return Role.LEADER in roles or (Role.HANDLER in roles and teaches) or is_member


def term_bounds(day: date) -> tuple[date, date]:
    """The term a day falls in: the autumn term 1 September – 31 January, the spring term
    1 February – 31 August (the summer belongs to the spring term's school year). The first day
    and the first day after."""
    if day.month >= 9:
        return date(day.year, 9, 1), date(day.year + 1, 2, 1)
    if day.month == 1:
        return date(day.year - 1, 9, 1), date(day.year, 2, 1)
    return date(day.year, 2, 1), date(day.year, 9, 1)


# ---- the yearly promotion ------------------------------------------------------------------------

STAGE_ENDS = (6, 9, 12)  # 小学, 初中, 高中


def top_grade(grades: Iterable[int]) -> int:
    """A school's last grade: the end of the stage its highest class is in (a 九年一贯制 school
    with a 七年级 goes to 9, a primary school whose top class is 五年级 still to 6)."""
    highest = max(grades, default=1)
    return next(end for end in STAGE_ENDS if highest <= end)


NUMERALS = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")


def _labels(grade: int) -> list[str]:
    """The ways a class's name says its grade, longest first (so 十二年级 is not read as 二年级)."""
    out = [f"{NUMERALS[grade]}年级", f"{grade}年级"]
    if 7 <= grade <= 9:
        out.append(f"初{NUMERALS[grade - 6]}")
    if 10 <= grade <= 12:
        out.append(f"高{NUMERALS[grade - 9]}")
    return sorted(out, key=len, reverse=True)


def promoted_name(name: str, grade: int, new_grade: int) -> str:
    """The class's name a grade up: 三年级（2）班 → 四年级（2）班, 初一（3）班 → 初二（3）班,
    3年级2班 → 4年级2班. A name that does not say its grade stays as it is."""
    old = _labels(grade)
    for label in old:
        at = name.find(label)
        before = name[at - 1] if at > 0 else ""
        # 3年级 inside 13年级, 二年级 inside 十二年级: another grade, not this one.
        if at < 0 or (label[0].isdigit() and before.isdigit()) or (label.endswith("年级") and before == "十"):
            continue
        if label.startswith("初"):
            new = f"初{NUMERALS[new_grade - 6]}" if new_grade <= 9 else f"高{NUMERALS[new_grade - 9]}"
        elif label.startswith("高"):
            new = f"高{NUMERALS[new_grade - 9]}"
        elif label[0].isdigit():
            new = f"{new_grade}年级"
        else:
            new = f"{NUMERALS[new_grade]}年级"
        return name[:at] + new + name[at + len(label) :]
    return name


def promotion_plan(
    classes: Iterable[tuple[int, int, str]], top: int
) -> tuple[list[tuple[int, int, str]], list[int]]:
    """Each class (id, grade, name) a grade up as (id, new grade, new name), and the ids of the
    graduating classes (at the school's top grade), which leave with their students."""
    up: list[tuple[int, int, str]] = []
    leaving: list[int] = []
    for class_id, grade, name in classes:
        if grade >= top:
            leaving.append(class_id)
        else:
            up.append((class_id, grade + 1, promoted_name(name, grade, grade + 1)))
    return up, leaving


NAME = re.compile(r"^\S(.{0,30}\S)?$")


def valid_grid_name(name: str) -> bool:
    return bool(NAME.match(name))
