"""Notifications on the staff pages: the bell, the list, marking read, one's channels
(web/staff/notices.py)."""

from __future__ import annotations

import re

import pytest

from huixiang.web.staff import notices as notices_page

from .conftest import World
from .helpers import csrf_of, sign_in

pytestmark = pytest.mark.asyncio


async def bell(world: World) -> str:
    answer = await world.client.get("/staff/notifications/count", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert 'id="bell-count"' in answer.text and 'hx-trigger="every 30s"' in answer.text
    found = re.search(r">([^<]*)</span>", answer.text)
    assert found
    return found.group(1)


async def test_bell_in_header_loads_the_count_by_htmx(world: World) -> None:
    await sign_in(world.client, "hand1")
    page = await world.client.get("/staff/notifications")
    assert 'hx-get="/staff/notifications/count"' in page.text
    assert 'hx-trigger="load, every 30s"' in page.text and 'hx-swap="outerHTML"' in page.text


async def test_bell_count_is_empty_at_zero_and_counts_new_tickets(world: World) -> None:
    await sign_in(world.client, "reg1")
    assert await bell(world) == ""
    await world.submit()
    await world.submit()
    assert await bell(world) == "2"


async def test_notices_list_shows_what_happened_and_links_the_ticket(world: World) -> None:
    receipt = await world.submit()
    await sign_in(world.client, "reg1")
    page = await world.client.get("/staff/notifications")
    assert page.status_code == 200
    assert "新工单待登记" in page.text and f"新工单 {receipt['number']} 待登记" in page.text
    assert f'href="/staff/tickets/{receipt["number"]}"' in page.text
    assert "未读" in page.text and "您有 1 条未读通知" in page.text


async def test_mark_one_read_then_bell_is_empty(world: World) -> None:
    await world.submit()
    await sign_in(world.client, "reg1")
    page = await world.client.get("/staff/notifications")
    found = re.search(r'action="/staff/notifications/(\d+)/read"', page.text)
    assert found
    answer = await world.client.post(
        f"/staff/notifications/{found.group(1)}/read", data={"csrf": csrf_of(page.text)}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/notifications"
    assert await bell(world) == ""
    assert "没有未读通知" in (await world.client.get("/staff/notifications")).text


async def test_mark_all_read_clears_every_unread(world: World) -> None:
    await world.submit()
    await world.submit()
    await sign_in(world.client, "reg1")
    page = await world.client.get("/staff/notifications")
    answer = await world.client.post("/staff/notifications/read-all", data={"csrf": csrf_of(page.text)})
    assert answer.status_code == 303
    assert await bell(world) == ""


async def test_mark_read_without_csrf_is_403_and_keeps_it_unread(world: World) -> None:
    await world.submit()
    await sign_in(world.client, "reg1")
    page = await world.client.get("/staff/notifications")
    found = re.search(r'action="/staff/notifications/(\d+)/read"', page.text)
    assert found
    answer = await world.client.post(f"/staff/notifications/{found.group(1)}/read", data={})
    assert answer.status_code == 403
    assert await bell(world) == "1"


async def test_mark_read_of_another_users_notice_is_404(world: World) -> None:
    await world.submit()
    await sign_in(world.client, "reg1")
    page = await world.client.get("/staff/notifications")
    found = re.search(r'action="/staff/notifications/(\d+)/read"', page.text)
    assert found
    world.client.cookies.clear()
    await sign_in(world.client, "hand1")
    token = csrf_of((await world.client.get("/staff/notifications")).text)
    answer = await world.client.post(f"/staff/notifications/{found.group(1)}/read", data={"csrf": token})
    assert answer.status_code == 404


async def test_settings_sms_without_phone_is_400_with_input_kept(world: World) -> None:
    await sign_in(world.client, "hand1")
    page = await world.client.get("/staff/notifications/settings")
    assert page.status_code == 200 and "企业微信" in page.text and "站内通知" in page.text
    answer = await world.client.post(
        "/staff/notifications/settings",
        data={
            "csrf": csrf_of(page.text),
            "channels": ["email", "sms"],
            "email": "zhang@school.cn",
            "phone": "",
        },
    )
    assert answer.status_code == 400
    assert "选择了短信，请填写手机号码" in answer.text and 'href="#phone"' in answer.text
    assert 'value="zhang@school.cn"' in answer.text
    assert re.search(r'value="sms"[^>]*checked', answer.text)


async def test_settings_bad_email_is_400(world: World) -> None:
    await sign_in(world.client, "hand1")
    page = await world.client.get("/staff/notifications/settings")
    answer = await world.client.post(
        "/staff/notifications/settings",
        data={"csrf": csrf_of(page.text), "channels": ["email"], "email": "not-an-address"},
    )
    assert answer.status_code == 400 and "请填写正确的电子邮箱" in answer.text
    assert 'value="not-an-address"' in answer.text


async def test_settings_saved_are_shown_again(world: World) -> None:
    await sign_in(world.client, "hand1")
    page = await world.client.get("/staff/notifications/settings")
    answer = await world.client.post(
        "/staff/notifications/settings",
        data={"csrf": csrf_of(page.text), "channels": ["sms"], "phone": "13600001111"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff/notifications/settings?saved=1"
    again = await world.client.get(answer.headers["location"])
    assert "已保存" in again.text and 'value="13600001111"' in again.text
    assert re.search(r'value="sms"[^>]*checked', again.text)
    assert not re.search(r'value="email"[^>]*checked', again.text)


async def test_settings_without_csrf_is_403(world: World) -> None:
    await sign_in(world.client, "hand1")
    answer = await world.client.post(
        "/staff/notifications/settings", data={"channels": ["sms"], "phone": "13600001111"}
    )
    assert answer.status_code == 403


async def test_bell_signed_out_stops_polling_instead_of_redirecting(world: World) -> None:
    answer = await world.client.get("/staff/notifications/count", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "HX-Redirect" not in answer.headers
    assert 'id="bell-count"' in answer.text and "hx-get" not in answer.text


async def test_mark_read_of_an_id_beyond_int64_is_404(world: World) -> None:
    await sign_in(world.client, "reg1")
    token = csrf_of((await world.client.get("/staff/notifications")).text)
    answer = await world.client.post(f"/staff/notifications/{2**63}/read", data={"csrf": token})
    assert answer.status_code == 404


async def test_older_notices_are_a_page_away_and_the_unread_count_is_all_of_them(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = [(await world.submit())["number"] for _ in range(3)]
    monkeypatch.setattr(notices_page, "LIMIT", 2)
    await sign_in(world.client, "reg1")
    first = (await world.client.get("/staff/notifications")).text
    assert "您有 3 条未读通知" in first  # all unread, not only this page's
    assert numbers[2] in first and numbers[1] in first and numbers[0] not in first
    link = re.search(r'href="(/staff/notifications\?cursor=[^"]+)">更早的通知', first)
    assert link
    older = (await world.client.get(link.group(1).replace("&amp;", "&"))).text
    assert numbers[0] in older and numbers[1] not in older and "更早的通知" not in older
    assert "回到最新通知" in older
    api = await world.as_("reg1", "GET", "/api/v1/notifications", params={"limit": 2})
    page = api.json()
    assert [n["ticket_number"] for n in page["items"]] == [numbers[2], numbers[1]]
    rest = await world.as_("reg1", "GET", "/api/v1/notifications", params={"cursor": page["next_cursor"]})
    assert [n["ticket_number"] for n in rest.json()["items"]] == [numbers[0]]
    assert rest.json()["next_cursor"] is None
    bad = await world.as_("reg1", "GET", "/api/v1/notifications", params={"cursor": "nope"})
    assert bad.status_code == 400 and "cursor" in bad.text
