"""The whole loop through the API, as CONTRACT.md describes it."""

from __future__ import annotations

from .conftest import World


async def test_ticket_walks_the_whole_loop_with_a_valid_chain(world: World) -> None:
    receipt = await world.submit()
    number, code = receipt["number"], receipt["access_code"]
    assert receipt["status"] == "collected"

    assert (
        await world.action("reg1", number, "register", priority="normal", note="已受理")
    ).status_code == 200
    assert (await world.action("reg1", number, "submit")).status_code == 200
    assigned = await world.action("lead1", number, "assign", assignee="hand1", note="请尽快核实")
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["assignee"] == "hand1"
    responded = await world.action(
        "hand1", number, "respond", text="已与食堂沟通，减少用盐。", internal_note="食堂负责人已签字"
    )
    assert responded.json()["status"] == "responded"

    public = await world.client.get(f"/api/v1/public/tickets/{number}", params={"code": code})
    assert public.status_code == 200
    assert public.json()["response"]["text"] == "已与食堂沟通，减少用盐。"
    assert "食堂负责人已签字" not in public.text

    rated = await world.client.post(
        f"/api/v1/public/tickets/{number}/rating",
        json={"code": code, "value": "satisfied", "comment": "谢谢"},
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["rating"]["value"] == "satisfied"

    assert (await world.action("lead1", number, "archive")).json()["status"] == "archived"
    inspected = await world.action("insp1", number, "inspect", verdict="pass", note="抽查合格")
    assert inspected.json()["status"] == "inspected"

    events = await world.as_("insp1", "GET", f"/api/v1/tickets/{number}/events")
    body = events.json()
    assert body["chain_ok"] is True
    assert [e["action"] for e in body["items"]] == [
        "intake",
        "register",
        "submit",
        "assign",
        "respond",
        "rate",
        "archive",
        "inspect",
    ]
