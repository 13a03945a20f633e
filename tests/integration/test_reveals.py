"""查看记录: inspectors (and a school's leaders) read who revealed which ticket's or student's
personal data, when and why, filtered by period, school and user, as JSON and XLSX."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from .conftest import World
from .helpers import assert_error, ticket_at
from .test_visits import make_class, make_student

REVEALS = "/api/v1/reveals"


async def revealed_ticket(world: World, user: str = "hand1", reason: str = "需要回电核实") -> str:
    number = str((await ticket_at(world, "assigned"))["number"])
    answer = await world.as_(user, "POST", f"/api/v1/tickets/{number}/reveal", json={"reason": reason})
    assert answer.status_code == 200, answer.text
    return number


async def items(world: World, reader: str, **params: Any) -> list[dict[str, Any]]:
    answer = await world.as_(reader, "GET", REVEALS, params=params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


async def test_inspector_reads_every_reveal_in_scope_newest_first(world: World) -> None:
    first = await revealed_ticket(world, "hand1", "需要回电核实")
    second = await revealed_ticket(world, "reg1", "登记时核对电话")
    pupil = await make_student(world, (await make_class(world))["id"])
    assert (
        await world.as_("hand1", "POST", f"/api/v1/visits/students/{pupil['id']}/reveal")
    ).status_code == 200
    found = await items(world, "insp1")
    assert [(i["user"], i["subject"]) for i in found] == [
        ("hand1", f"学生 #{pupil['id']}（三年级（2）班）"),
        ("reg1", f"工单 {second}"),
        ("hand1", f"工单 {first}"),
    ]
    ticket_row = found[2]
    assert (ticket_row["name"], ticket_row["role"], ticket_row["school"], ticket_row["reason"]) == (
        "hand1老师",
        "承办人",
        "第一实验小学",
        "需要回电核实",
    )
    assert ticket_row["what"] == "家长联系方式"
    assert "13812341234" not in str(found)  # the report says who saw, never what they saw


async def test_filters_by_user_school_and_period_and_scope(world: World) -> None:
    number = await revealed_ticket(world)
    assert [i["subject"] for i in await items(world, "insp1", user="hand1")] == [f"工单 {number}"]
    assert await items(world, "insp1", user="reg1") == []
    assert await items(world, "insp1", school_code="s2") == []
    assert len(await items(world, "insp1", school_code="s1")) == 1
    assert await items(world, "insp1", **{"from": "2026-11-01", "to": "2026-11-17"}) == []
    assert len(await items(world, "insp1", **{"from": "2026-11-18", "to": "2026-11-18"})) == 1
    assert await items(world, "insp2") == []  # another district
    assert len(await items(world, "cityinsp")) == 1
    assert len(await items(world, "lead1")) == 1  # the school's leader, over the school
    assert await items(world, "lead2") == []


async def test_bad_filters_and_roles_are_refused(world: World) -> None:
    assert_error(await world.as_("hand1", "GET", REVEALS), 403, "inspectors")
    assert_error(await world.as_("reg1", "GET", REVEALS), 403, "inspectors")
    assert_error(await world.as_("insp1", "GET", REVEALS, params={"school_code": "s3"}), 400, "`school_code`")
    assert_error(await world.as_("insp1", "GET", REVEALS, params={"user": "nobody"}), 404, "nobody")
    bad = {"from": "2026-11-20", "to": "2026-11-01"}
    assert_error(await world.as_("insp1", "GET", REVEALS, params=bad), 400, "`from`")
    assert_error(await world.as_("insp1", "GET", REVEALS, params={"from": "soon"}), 400, "from")


async def test_export_is_a_workbook_with_typed_text_as_text(world: World) -> None:
    await revealed_ticket(world, "hand1", '=HYPERLINK("http://x")')
    answer = await world.as_("insp1", "GET", f"{REVEALS}/export.xlsx")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("时间", "查看人")
    assert rows[1][1:4] == ("hand1老师", "hand1", "承办人")
    reason = sheet.cell(row=2, column=8)
    assert (reason.value, reason.data_type) == ('=HYPERLINK("http://x")', "s")
