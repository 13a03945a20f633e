"""常用回复 (/staff/replies): kept by a school's leaders, offered on the answer form with the
variables filled in (GET ?reply=<id>, no script needed)."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import World
from .helpers import csrf_of, sign_in, ticket_at

pytestmark = pytest.mark.asyncio

BODY = "{称呼}您好！您反映的问题（编号{编号}）学校已在核实，将于{期限}前答复。"


async def add(client: httpx.AsyncClient, title: str, body: str) -> httpx.Response:
    page = await client.get("/staff/replies")
    assert page.status_code == 200, page.text[:300]
    return await client.post(
        "/staff/replies", data={"csrf": csrf_of(page.text), "title": title, "body": body}
    )


def reply_ids(html: str) -> list[str]:
    return re.findall(r'href="/staff/replies/(\d+)"', html)


async def test_leader_adds_edits_and_deletes_a_canned_answer(world: World) -> None:
    await sign_in(world.client, "lead1")
    answer = await add(world.client, "正在核实", BODY)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/replies?done=saved"
    listed = (await world.client.get("/staff/replies?done=saved")).text
    assert "已保存。" in listed and "正在核实" in listed and "{称呼}您好" in listed
    (reply_id,) = reply_ids(listed)
    edit = await world.client.get(f"/staff/replies/{reply_id}")
    assert edit.status_code == 200 and 'value="正在核实"' in edit.text
    changed = await world.client.post(
        f"/staff/replies/{reply_id}",
        data={"csrf": csrf_of(edit.text), "title": "已在核实", "body": BODY + "感谢支持。"},
    )
    assert changed.status_code == 303
    listed = (await world.client.get("/staff/replies")).text
    assert "已在核实" in listed and "感谢支持。" in listed
    deleted = await world.client.post(f"/staff/replies/{reply_id}/delete", data={"csrf": csrf_of(listed)})
    assert deleted.status_code == 303
    assert reply_ids((await world.client.get("/staff/replies")).text) == []


async def test_add_blank_title_is_400_with_body_kept(world: World) -> None:
    await sign_in(world.client, "lead1")
    answer = await add(world.client, "  ", BODY)
    assert answer.status_code == 400
    assert 'href="#reply-title"' in answer.text and 'id="reply-title-error"' in answer.text
    assert f">{BODY}</textarea>" in answer.text


async def test_add_same_title_twice_is_400(world: World) -> None:
    await sign_in(world.client, "lead1")
    assert (await add(world.client, "正在核实", BODY)).status_code == 303
    answer = await add(world.client, "正在核实", "另一段")
    assert (
        answer.status_code == 400
        and 'href="#reply-title"' in answer.text
        and ">另一段</textarea>" in answer.text
    )


async def test_handler_may_not_keep_canned_answers(world: World) -> None:
    await sign_in(world.client, "hand1")
    assert (await world.client.get("/staff/replies")).status_code == 403


async def test_another_schools_leader_gets_404_on_the_answer(world: World) -> None:
    await sign_in(world.client, "lead1")
    await add(world.client, "正在核实", BODY)
    (reply_id,) = reply_ids((await world.client.get("/staff/replies")).text)
    world.client.cookies.clear()
    await sign_in(world.client, "lead2")
    assert (await world.client.get(f"/staff/replies/{reply_id}")).status_code == 404
    page = await world.client.get("/staff/replies")
    refused = await world.client.post(f"/staff/replies/{reply_id}/delete", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 404


async def test_delete_without_csrf_is_403(world: World) -> None:
    await sign_in(world.client, "lead1")
    await add(world.client, "正在核实", BODY)
    (reply_id,) = reply_ids((await world.client.get("/staff/replies")).text)
    assert (await world.client.post(f"/staff/replies/{reply_id}/delete", data={})).status_code == 403
    assert reply_ids((await world.client.get("/staff/replies")).text) == [reply_id]


async def test_answer_form_fills_a_canned_answer_for_the_ticket(world: World) -> None:
    receipt = await ticket_at(world, "assigned")  # 王女士; due 2026-11-25 18:00
    await sign_in(world.client, "lead1")
    await add(world.client, "正在核实", BODY)
    world.client.cookies.clear()
    await sign_in(world.client, "hand1")
    page = (await world.client.get(f"/staff/tickets/{receipt['number']}")).text
    found = re.search(r'href="\?reply=(\d+)#act-respond"[^>]*>正在核实<', page)
    assert found, page
    filled = await world.client.get(f"/staff/tickets/{receipt['number']}?reply={found.group(1)}")
    assert filled.status_code == 200
    text = filled.text.split('id="respond-text"', 1)[1].split("</textarea>", 1)[0]
    assert (
        f"王女士您好！您反映的问题（编号{receipt['number']}）学校已在核实，将于11月25日18:00前答复。" in text
    )
