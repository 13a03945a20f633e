"""Canned answers' variables (domain/replies.py) and the extension's days (domain/extension.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from huixiang.domain.deadlines import Clock, DeadlinePolicy, WorkCalendar
from huixiang.domain.extension import due_on, extension_window
from huixiang.domain.replies import fill, salutation

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        ({"name": "王女士"}, "王女士"),
        ({"name": "李先生", "relation": "父亲"}, "李先生"),
        ({"name": "张芳", "relation": "母亲"}, "张女士"),
        ({"name": "赵强", "relation": "爸爸"}, "赵先生"),
        ({"name": "陈明"}, "家长"),  # no title known: never the full name
        ({"name": "女士"}, "家长"),
        ({"phone": "13800001111"}, "家长"),
        (None, "家长"),
    ],
)
def test_salutation_from_contact(contact: dict[str, str] | None, expected: str) -> None:
    assert salutation(contact) == expected


def test_fill_replaces_each_variable_and_keeps_the_rest() -> None:
    due = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
    body = "{称呼}您好，编号{编号}，{期限}前答复。{其他}"
    assert fill(body, contact={"name": "王女士"}, number="2026-000001", due=due, tz=TZ) == (
        "王女士您好，编号2026-000001，11月25日18:00前答复。{其他}"
    )


def test_extension_window_lists_working_days_up_to_the_maximum() -> None:
    clock = Clock(WorkCalendar(), TZ, DeadlinePolicy(max_extension_days=3))
    due = datetime(2026, 11, 25, 18, 0, tzinfo=TZ)  # a Wednesday
    window = extension_window(clock, due, now=datetime(2026, 11, 20, 10, 0, tzinfo=TZ))
    assert window.earliest == date(2026, 11, 26)
    assert window.latest == date(2026, 11, 30)  # Thu, Fri, (weekend), Mon
    assert window.workdays == (date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 30))
    assert due_on(clock, window.latest) == datetime(2026, 11, 30, 18, 0, tzinfo=TZ)


def test_extension_window_after_the_deadline_starts_today_if_the_day_is_not_over() -> None:
    clock = Clock(WorkCalendar(), TZ, DeadlinePolicy())
    due = datetime(2026, 11, 25, 18, 0, tzinfo=TZ)
    window = extension_window(clock, due, now=datetime(2026, 11, 27, 9, 0, tzinfo=TZ))
    assert window.earliest == date(2026, 11, 27)
