"""Notices that go out at once, not at the next sweep: a new ticket to whoever registers it, an
assignment to its assignee; in-app at once, on the user's channels through the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import World
from .helpers import walk

NOTIFICATIONS = "/api/v1/notifications"


async def notices_of(world: World, user: str) -> list[tuple[str, str]]:
    answer = await world.as_(user, "GET", NOTIFICATIONS)
    assert answer.status_code == 200, answer.text
    return [(n["rule"], n["ticket_number"]) for n in answer.json()["items"]]


async def outbox(connection: AsyncConnection, number: str) -> list[tuple[Any, ...]]:
    rows = await connection.execute(
        text(
            "SELECT d.rule, d.recipient, d.channel, d.target, d.status "
            "FROM deliveries d JOIN tickets t ON t.id = d.ticket_id WHERE t.number = :n ORDER BY d.id"
        ),
        {"n": number},
    )
    return [tuple(row) for row in rows.all()]


async def test_new_online_ticket_reaches_the_schools_registrars_without_a_sweep(world: World) -> None:
    receipt = await world.submit("s1")
    assert await notices_of(world, "reg1") == [("new_ticket", receipt["number"])]
    for other in ("reg2", "lead1", "hand1", "insp1"):
        assert await notices_of(world, other) == [], other


async def test_new_offline_ticket_reaches_the_registrars_too(world: World) -> None:
    body = {
        "school_code": "s2",
        "kind": "suggestion",
        "category": "校车与交通",
        "content": "家长会上提出：校车站点能否增加一个。",
        "consent": True,
        "channel": "parent_meeting",
    }
    answer = await world.as_("lead2", "POST", "/api/v1/tickets", json=body)
    assert answer.status_code == 201, answer.text
    assert await notices_of(world, "reg2") == [("new_ticket", answer.json()["number"])]


async def test_ticket_sent_to_the_bureau_reaches_the_district_not_the_school(world: World) -> None:
    receipt = await world.submit("s1", to_bureau=True)
    assert await notices_of(world, "leadd1") == [("new_ticket", receipt["number"])]
    assert await notices_of(world, "reg1") == []


async def test_new_ticket_goes_to_a_registrars_chosen_channels_through_the_outbox(
    world: World, connection: AsyncConnection
) -> None:
    await connection.execute(
        text(
            "UPDATE users SET email = 'reg1@example.cn', phone = '13700001111', "
            "notify_channels = '{email,sms}' WHERE username = 'reg1'"
        )
    )
    receipt = await world.submit("s1")
    rows = await outbox(connection, receipt["number"])
    reg1 = (await connection.execute(text("SELECT id FROM users WHERE username = 'reg1'"))).scalar()
    recipient = f"user:{reg1}"
    assert rows == [
        ("new_ticket", recipient, "email", "reg1@example.cn", "pending"),
        ("new_ticket", recipient, "sms", "13700001111", "pending"),
    ]


async def test_a_replayed_intake_notifies_once(world: World) -> None:
    body = {
        "school_code": "s1",
        "kind": "complaint",
        "category": "食堂膳食",
        "content": "孩子说最近食堂的菜太咸了。",
        "consent": True,
    }
    headers = {"Idempotency-Key": "notice-once-1"}
    first = await world.client.post("/api/v1/public/tickets", json=body, headers=headers)
    again = await world.client.post("/api/v1/public/tickets", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert await notices_of(world, "reg1") == [("new_ticket", first.json()["number"])]


async def test_assignment_reaches_the_assignee_without_a_sweep(world: World) -> None:
    receipt = await world.submit("s1")
    await walk(world, receipt["number"], "assigned")
    assert await notices_of(world, "hand1") == [("assigned", receipt["number"])]
    assert await notices_of(world, "hand1b") == []


async def test_reassignment_after_rework_reaches_the_new_assignee(world: World) -> None:
    receipt = await world.submit("s1")
    number = receipt["number"]
    for user, action, body in (
        ("reg1", "register", {}),
        ("reg1", "submit", {}),
        ("lead1", "assign", {"assignee": "hand1b"}),
    ):
        answer = await world.action(user, number, action, **body)
        assert answer.status_code == 200, answer.text
    assert await notices_of(world, "hand1b") == [("assigned", number)]
    assert await notices_of(world, "hand1") == []
