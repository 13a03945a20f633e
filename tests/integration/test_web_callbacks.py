"""The 回访 pages: the callers' queue with its form (CSRF, a missing choice 400 beside it with
the input kept, 未解决 back to the handler), the inspector's audited reveal, the console's
callback figures, the overdue board's retaliation flag, and 查看记录 with its XLSX."""

from __future__ import annotations

import io

import httpx
from openpyxl import load_workbook

from .conftest import World
from .helpers import csrf_of, sign_in, ticket_at


async def signed_in(world: World, user: str) -> httpx.AsyncClient:
    world.client.cookies.clear()
    answer = await sign_in(world.client, user)
    assert answer.status_code in (302, 303), answer.text[:300]
    return world.client


async def test_queue_page_records_a_callback_and_unresolved_goes_back(world: World) -> None:
    number = (await ticket_at(world, "responded"))["number"]
    client = await signed_in(world, "reg1")
    page = await client.get("/staff/callbacks")
    assert page.status_code == 200 and number in page.text and "13812341234" in page.text
    assert "回访待办" in page.text and 'href="/staff/callbacks" aria-current="page"' in page.text
    form = {"resolved": "no", "treated_differently": "no", "note": "家长说灯还是坏的"}
    refused = await client.post(f"/staff/callbacks/{number}", data=form)
    assert refused.status_code == 403
    bad = await client.post(f"/staff/callbacks/{number}", data={**form, "csrf": csrf_of(page.text)})
    assert bad.status_code == 400
    assert "请选择家长满意度。" in bad.text and "家长说灯还是坏的" in bad.text
    assert f'id="cb-{number}-satisfaction" aria-invalid="true"' in bad.text
    good = {**form, "satisfaction": "unsatisfied", "csrf": csrf_of(page.text)}
    done = await client.post(f"/staff/callbacks/{number}", data=good, follow_redirects=True)
    assert done.status_code == 200 and "工单已退回承办人重办" in done.text
    ticket = (await world.as_("reg1", "GET", f"/api/v1/tickets/{number}")).json()
    assert ticket["status"] == "assigned"


async def test_handler_may_not_open_the_queue(world: World) -> None:
    client = await signed_in(world, "hand1")
    assert (await client.get("/staff/callbacks")).status_code == 403
    assert (await client.get("/bureau/reveals")).status_code == 403


async def test_inspector_reveals_the_phone_for_a_bureau_callback(world: World) -> None:
    put = await world.as_("admin", "PUT", "/api/v1/callbacks/policies/d1", json={"caller": "bureau"})
    assert put.status_code == 200
    number = (await ticket_at(world, "responded"))["number"]
    client = await signed_in(world, "insp1")
    page = await client.get("/staff/callbacks")
    assert "138****1234" in page.text and "13812341234" not in page.text
    shown = await client.post(f"/staff/callbacks/{number}/reveal", data={"csrf": csrf_of(page.text)})
    assert shown.status_code == 200 and "13812341234" in shown.text and "本次查看已记入档案" in shown.text


async def test_console_figures_board_flag_and_reveal_report(world: World) -> None:
    number = (await ticket_at(world, "responded"))["number"]
    body = {"resolved": True, "satisfaction": "satisfied", "treated_differently": True}
    assert (await world.action("reg1", number, "callback", **body)).status_code == 200
    revealed = await world.as_("hand1", "POST", f"/api/v1/tickets/{number}/reveal", json={"reason": "=回电"})
    assert revealed.status_code == 200
    client = await signed_in(world, "insp1")
    figures = await client.get("/bureau/callbacks")
    assert figures.status_code == 200 and "回访情况" in figures.text and number in figures.text
    assert "100.0%" in figures.text or "100%" in figures.text
    assert (await client.get("/bureau/callbacks", params={"from": "soon"})).status_code == 400
    board = await client.get("/bureau/overdue")
    assert "回访反映报复迹象" in board.text and number in board.text
    report = await client.get("/bureau/reveals")
    assert report.status_code == 200 and "hand1老师" in report.text and "=回电" in report.text
    assert (await client.get("/bureau/reveals", params={"school_code": "s3"})).status_code == 400
    export = await client.get("/bureau/reveals/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None and sheet.cell(row=2, column=8).value == "=回电"
    assert sheet.cell(row=2, column=8).data_type == "s"


async def test_admin_sets_the_callback_policy_on_the_policies_page(world: World) -> None:
    client = await signed_in(world, "admin")
    page = await client.get("/admin/policies?org=d1")
    assert (
        page.status_code == 200
        and "回访政策" in page.text
        and "本单位沿用上级（或默认）的回访政策。" in page.text
    )
    csrf = csrf_of(page.text)
    bad = await client.post(
        "/admin/policies/d1/callbacks", data={"csrf": csrf, "caller": "bureau", "percent": "150"}
    )
    assert bad.status_code == 400 and "请填写 0 到 100 的整数。" in bad.text and 'value="150"' in bad.text
    assert 'id="cb-percent" name="percent"' in bad.text and 'aria-invalid="true"' in bad.text
    saved = await client.post(
        "/admin/policies/d1/callbacks", data={"csrf": csrf, "caller": "bureau", "percent": "40"}
    )
    assert (
        saved.status_code == 303 and saved.headers["location"] == "/admin/policies?org=d1&done=callback_saved"
    )
    school_page = await client.get("/admin/policies?org=s1")
    assert school_page.status_code == 200, (school_page.status_code, school_page.headers)
    school = school_page.text
    assert "学校执行所属区县或市局的回访政策：由区教育局督查员回访，比例 40%。" in school
    got = (await world.as_("admin", "GET", "/api/v1/callbacks/policies/s1")).json()
    assert (got["policy"]["caller"], got["policy"]["percent"], got["inherited"]) == ("bureau", 40, True)
