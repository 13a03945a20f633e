"""The answers' one timestamp form: in_zone walks a view and shows every time in the bureau's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from huixiang.services import schemas as s

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def test_in_zone_converts_nested_structs_lists_and_dicts():
    page = s.EventLog(
        items=[
            s.EventView(1, AT, "extend", "x", "leader", "assigned", "assigned", None, None, {"at": AT}),
        ],
        chain_ok=True,
    )
    shown = s.in_zone({"page": page, "times": [AT]}, SHANGHAI)
    event = shown["page"].items[0]
    assert event.at == AT and event.at.utcoffset() == timedelta(hours=8)
    assert event.at.isoformat() == "2026-11-18T10:00:00+08:00"
    assert event.data["at"].isoformat() == "2026-11-18T10:00:00+08:00"
    assert shown["times"][0].isoformat() == "2026-11-18T10:00:00+08:00"
    assert shown["page"] is page  # changed in place: an answer about to be encoded


def test_in_zone_converts_optional_struct_fields_and_leaves_none():
    receipt = s.IntakeReceipt("2026-000001", "code", "collected", AT, AT + timedelta(days=5))
    shown = s.in_zone(receipt, SHANGHAI)
    assert [shown.register_due_at.isoformat(), shown.respond_due_at.isoformat()] == [
        "2026-11-18T10:00:00+08:00",
        "2026-11-23T10:00:00+08:00",
    ]
    supervision = s.in_zone(s.Supervision("督办", None), SHANGHAI)
    assert supervision == s.Supervision("督办", None)


def test_in_zone_other_offsets_become_the_zone_and_naive_times_stay():
    utc_minus = datetime(2026, 11, 17, 21, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert s.in_zone(utc_minus, SHANGHAI).isoformat() == "2026-11-18T10:00:00+08:00"
    naive = datetime(2026, 11, 18, 10, 0)
    assert s.in_zone(naive, SHANGHAI) is naive


def test_in_zone_struct_without_times_is_returned_as_is():
    user = s.UserRead("wang", "王老师", [s.GrantRead("leader", "s1")])
    assert s.in_zone(user, SHANGHAI) is user
    assert s.in_zone(b"bytes", SHANGHAI) == b"bytes"
