"""Parents' trust on the pages: the parents' form names staff and escrows the identity; the
ticket page shows the escrowed parent, marks named staff and lets the district reviewer unseal."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import World
from .helpers import csrf_of, sign_in
from .test_site import token

FORM = {
    "kind": "complaint",
    "category": "食堂膳食",
    "content": "食堂打饭的老师态度恶劣",
    "consent": "on",
    "contact.phone": "13912345678",
}


async def uid(connection: AsyncConnection, username: str) -> int:
    return int(
        (
            await connection.execute(text("SELECT id FROM users WHERE username = :u"), {"u": username})
        ).scalar_one()
    )


async def send(client: httpx.AsyncClient, fields: list[tuple[str, str]]) -> httpx.Response:
    page = await client.get("/s/s1/new")
    assert page.status_code == 200
    data: dict[str, list[str]] = {"csrf": [token(page.text)]}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return await client.post("/s/s1/new", data=data, files={"files": ("", b"", "application/octet-stream")})


async def test_parents_form_lists_staff_names_and_the_escrow_choice(
    world: World, connection: AsyncConnection
) -> None:
    page = await world.client.get("/s/s1/new")
    assert "hand1b老师" in page.text and "lead1老师" in page.text
    assert "lead2老师" not in page.text  # another school's staff
    assert 'name="escrow"' in page.text and "身份仅教育局可见" in page.text
    assert "hand1b</" not in page.text and ">hand1b<" not in page.text  # names, never usernames
    assert f'value="{await uid(connection, "hand1b")}"' in page.text


async def test_parents_form_names_two_teachers_and_escrows(world: World, connection: AsyncConnection) -> None:
    a, b = await uid(connection, "hand1b"), await uid(connection, "grid1")
    answer = await send(
        world.client, [*FORM.items(), ("named_staff", str(a)), ("named_staff", str(b)), ("escrow", "on")]
    )
    assert answer.status_code == 200, answer.text
    assert "您的身份由教育局保管" in answer.text
    number = re.search(r'id="number">(\d{4}-\d{6})<', answer.text)
    assert number
    row = (
        await connection.execute(
            text(
                "SELECT t.escrowed, t.contact, array_agg(n.user_id ORDER BY n.user_id) FROM tickets t "
                "JOIN ticket_named_staff n ON n.ticket_id = t.id WHERE t.number = :n GROUP BY t.id"
            ),
            {"n": number.group(1)},
        )
    ).one()
    assert (row[0], row[1], list(row[2])) == (True, None, sorted([a, b]))


async def test_parents_form_refuses_naming_on_a_suggestion_with_input_kept(
    world: World, connection: AsyncConnection
) -> None:
    a = await uid(connection, "hand1b")
    fields = {**FORM, "kind": "suggestion"}
    answer = await send(world.client, [*fields.items(), ("named_staff", str(a))])
    assert answer.status_code == 400
    assert "只有投诉或举报可以选择涉及的老师" in answer.text
    assert re.search(rf'value="{a}"\s+aria-describedby="named-hint" checked', answer.text)


async def test_parents_form_escrow_without_phone_is_refused(world: World) -> None:
    fields = {k: v for k, v in FORM.items() if k != "contact.phone"}
    answer = await send(world.client, [*fields.items(), ("escrow", "on")])
    assert answer.status_code == 400
    assert "请留下电话或邮箱" in answer.text


async def test_ticket_page_shows_escrowed_parent_and_registrar_marks_a_teacher(
    world: World, connection: AsyncConnection
) -> None:
    receipt = await world.submit(escrow=True)
    number = receipt["number"]
    await sign_in(world.client, "reg1")
    page = await world.client.get(f"/staff/tickets/{number}")
    assert page.status_code == 200
    assert (
        "家长（身份由教育局保管）" in page.text and "13812341234" not in page.text and "王" not in page.text
    )
    assert 'id="named-form"' in page.text and 'id="unseal-form"' not in page.text
    hand1b = await uid(connection, "hand1b")
    answer = await world.client.post(
        f"/staff/tickets/{number}/named-staff",
        data={"csrf": csrf_of(page.text), "named_staff": str(hand1b), "note": "电话中点名"},
    )
    assert answer.status_code == 303, answer.text
    after = await world.client.get(answer.headers["location"])
    assert "已标记涉及人员" in after.text and "已标记：hand1b老师" in after.text
    assert "涉及：hand1b老师" in after.text  # the archive entry
    world.client.cookies.clear()
    await sign_in(world.client, "hand1b")
    assert (await world.client.get(f"/staff/tickets/{number}")).status_code == 404


async def test_registrar_naming_the_leader_lands_on_the_queue(
    world: World, connection: AsyncConnection
) -> None:
    number = (await world.submit())["number"]
    await sign_in(world.client, "reg1")
    page = await world.client.get(f"/staff/tickets/{number}")
    answer = await world.client.post(
        f"/staff/tickets/{number}/named-staff",
        data={"csrf": csrf_of(page.text), "named_staff": str(await uid(connection, "lead1"))},
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/staff")
    assert (await world.client.get(f"/staff/tickets/{number}")).status_code == 404


async def test_reviewer_unseals_on_the_page_with_a_reason(world: World) -> None:
    number = (await world.submit(escrow=True))["number"]
    made = await world.as_(
        "admin", "PUT", "/api/v1/users/insp1/identity-reviewer", json={"identity_reviewer": True}
    )
    assert made.status_code == 200, made.text
    await sign_in(world.client, "insp1")
    page = await world.client.get(f"/staff/tickets/{number}")
    assert 'id="unseal-form"' in page.text and "13812341234" not in page.text
    blank = await world.client.post(
        f"/staff/tickets/{number}/unseal", data={"csrf": csrf_of(page.text), "reason": " "}
    )
    assert blank.status_code == 400 and "请填写查看托管身份的原因" in blank.text
    answer = await world.client.post(
        f"/staff/tickets/{number}/unseal", data={"csrf": csrf_of(page.text), "reason": "核查打击报复"}
    )
    assert answer.status_code == 200, answer.text
    assert "13812341234" in answer.text and "已查看托管身份" in answer.text
    assert "查看托管身份" in answer.text and "核查打击报复" in answer.text  # the archive entry


async def test_offline_intake_names_a_teacher_and_escrows(world: World, connection: AsyncConnection) -> None:
    from .test_web_intake import local, number_of, open_form, post, shared

    hidden = await open_form(world, "reg1", "hotline")
    page = await world.client.get("/staff/intake/hotline")
    assert "hand1b老师" in page.text and 'name="escrow"' in page.text
    hand1b = await uid(connection, "hand1b")
    fields: dict[str, Any] = {
        **hidden,
        **shared(contact_phone="13912345678", received_by="李老师"),
        "named_staff": [str(hand1b)],
        "escrow": "on",
        "collected_at": (local(world) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    number = number_of(await post(world, "hotline", fields))
    got = await world.as_("lead1", "GET", f"/api/v1/tickets/{number}")
    assert (got.json()["escrowed"], got.json()["contact"], got.json()["named_staff"]) == (
        True,
        None,
        [hand1b],
    )
    assert (await world.as_("hand1b", "GET", f"/api/v1/tickets/{number}")).status_code == 404


async def test_offline_intake_refuses_naming_on_an_inquiry(world: World, connection: AsyncConnection) -> None:
    from .test_web_intake import local, open_form, post, shared

    hidden = await open_form(world, "reg1", "hotline")
    fields: dict[str, Any] = {
        **hidden,
        **shared(kind="inquiry", received_by="李老师"),
        "named_staff": [str(await uid(connection, "hand1b"))],
        "collected_at": (local(world) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    answer = await post(world, "hotline", fields)
    assert answer.status_code == 400
    assert "只有投诉或举报可以选择涉及的老师" in answer.text
