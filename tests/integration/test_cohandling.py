"""主办/协办 and 审核签发 (issue 12) through the API: helpers named with 交办, their notes and
drafts, an answer held for a leader's sign-off, 签发 and 退回修改, the parent's view, the
figures and the queues."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import World
from .helpers import assert_error, ticket_at

PUBLIC = "/api/v1/public/tickets"


async def staff(world: World, user: str, number: str) -> dict[str, Any]:
    answer = await world.as_(user, "GET", f"/api/v1/tickets/{number}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def submitted(world: World) -> str:
    return str((await ticket_at(world, "submitted"))["number"])


async def review_complaints(world: World, school: str = "s1") -> None:
    """The school's policy: complaints are signed off by a leader before the parent sees them."""
    answer = await world.as_(
        "admin", "PUT", f"/api/v1/policies/{school}", json={"review_required_by_kind": {"complaint": True}}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["policy"]["review_required_by_kind"] == {"complaint": True}


async def under_review(world: World) -> dict[str, Any]:
    await review_complaints(world)
    receipt = await ticket_at(world, "assigned")
    answer = await world.action("hand1", receipt["number"], "respond", text="已与食堂沟通，下周起减盐。")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "reviewing"
    return receipt


# ---- 主办 / 协办 ------------------------------------------------------------------------------


async def test_assign_with_helpers_names_them_and_the_event_records_them(world: World) -> None:
    number = await submitted(world)
    answer = await world.action("lead1", number, "assign", assignee="hand1", helpers=["hand1b"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["helpers"] == ["hand1b"]
    events = (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}/events")).json()["items"]
    assert events[-1]["action"] == "assign"
    assert events[-1]["data"]["helpers"] == ["hand1b"]
    assert events[-1]["data"]["helpers_added"] == ["hand1b"]
    notices = (await world.as_("hand1b", "GET", "/api/v1/notifications")).json()["items"]
    assert [n["rule"] for n in notices if n["ticket_number"] == number] == ["helping"]


async def test_assign_without_helpers_keeps_them_and_empty_list_removes_them(world: World) -> None:
    number = await submitted(world)
    await world.action("lead1", number, "assign", assignee="hand1", helpers=["hand1b"])
    kept = (await world.action("lead1", number, "assign", assignee="hand1", note="再催一下")).json()
    assert kept["helpers"] == ["hand1b"]
    removed = (await world.action("lead1", number, "assign", assignee="hand1", helpers=[])).json()
    assert removed["helpers"] == []


async def test_assign_to_the_helper_makes_them_lead_and_no_longer_helper(world: World) -> None:
    number = await submitted(world)
    await world.action("lead1", number, "assign", assignee="hand1", helpers=["hand1b"])
    ticket = (await world.action("lead1", number, "assign", assignee="hand1b")).json()
    assert (ticket["assignee"], ticket["helpers"]) == ("hand1b", [])


async def test_assign_helper_of_another_school_returns_400_naming_helpers(world: World) -> None:
    number = await submitted(world)
    answer = await world.action("lead1", number, "assign", assignee="hand1", helpers=["hand2"])
    assert_error(answer, 400, "helpers")
    assert (await staff(world, "lead1", number))["status"] == "submitted"  # nothing kept


async def test_assign_assignee_among_helpers_returns_400_naming_helpers(world: World) -> None:
    number = await submitted(world)
    assert_error(
        await world.action("lead1", number, "assign", assignee="hand1", helpers=["hand1"]), 400, "helpers"
    )


async def test_helper_notes_but_may_not_respond(world: World) -> None:
    number = await submitted(world)
    await world.action("lead1", number, "assign", assignee="hand1", helpers=["hand1b"])
    noted = await world.action("hand1b", number, "note", note="已核实：周三菜单偏咸。")
    assert noted.status_code == 200, noted.text
    assert noted.json()["status"] == "assigned"
    events = (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}/events")).json()
    assert (events["items"][-1]["action"], events["items"][-1]["actor"]) == ("note", "hand1b老师")
    assert events["items"][-1]["internal_note"] == "已核实：周三菜单偏咸。"
    assert events["chain_ok"] is True
    assert_error(await world.action("hand1b", number, "respond", text="我来答复"), 403, "respond")


async def test_handler_not_named_may_not_note_and_note_refuses_a_public_note(world: World) -> None:
    number = await submitted(world)
    await world.action("lead1", number, "assign", assignee="hand1")
    assert_error(await world.action("hand1b", number, "note", note="路过"), 403, "note")
    assert_error(
        await world.action("hand1", number, "note", note="内部", public_note="给家长"), 400, "public_note"
    )


async def test_note_is_not_on_the_parents_timeline(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await world.action("hand1", receipt["number"], "note", note="内部备注")
    public = (
        await world.client.get(f"{PUBLIC}/{receipt['number']}", params={"code": receipt["access_code"]})
    ).json()
    assert "note" not in [item["action"] for item in public["timeline"]]


async def test_helper_saves_a_draft_the_lead_reads_it_and_the_answer_clears_it(world: World) -> None:
    number = await submitted(world)
    await world.action("lead1", number, "assign", assignee="hand1", helpers=["hand1b"])
    saved = await world.as_(
        "hand1b", "PUT", f"/api/v1/tickets/{number}/draft", json={"text": "草稿：已调整菜谱。"}
    )
    assert saved.status_code == 200, saved.text
    listed = (await world.as_("hand1", "GET", f"/api/v1/tickets/{number}/drafts")).json()["items"]
    assert [(d["author"], d["text"]) for d in listed] == [("hand1b", "草稿：已调整菜谱。")]
    events = (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}/events")).json()["items"]
    assert events[-1]["action"] == "assign"  # a draft is no event
    await world.action("hand1", number, "respond", text="已调整菜谱。")
    assert (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}/drafts")).json()["items"] == []


async def test_draft_blank_deletes_and_a_stranger_may_not_draft(world: World) -> None:
    number = await submitted(world)
    await world.action("lead1", number, "assign", assignee="hand1")
    await world.as_("hand1", "PUT", f"/api/v1/tickets/{number}/draft", json={"text": "先写一半"})
    emptied = await world.as_("hand1", "PUT", f"/api/v1/tickets/{number}/draft", json={"text": "  "})
    assert emptied.json()["items"] == []
    assert_error(
        await world.as_("hand1b", "PUT", f"/api/v1/tickets/{number}/draft", json={"text": "x"}), 403, "note"
    )
    assert_error(await world.as_("hand1b", "GET", f"/api/v1/tickets/{number}/drafts"), 403, "drafts")
    assert_error(
        await world.as_("hand1", "PUT", f"/api/v1/tickets/{number}/draft", json={"txt": "x"}), 400, "txt"
    )
    assert_error(await world.as_("hand2", "GET", f"/api/v1/tickets/{number}/drafts"), 404)


# ---- 审核签发 ---------------------------------------------------------------------------------


async def test_respond_under_review_waits_and_the_parent_sees_nothing(world: World) -> None:
    receipt = await under_review(world)
    number, code = receipt["number"], receipt["access_code"]
    ticket = await staff(world, "lead1", number)
    assert ticket["response"] is None
    assert ticket["pending"]["text"] == "已与食堂沟通，下周起减盐。"
    assert ticket["pending"]["by"] == "hand1"
    public = (await world.client.get(f"{PUBLIC}/{number}", params={"code": code})).json()
    assert public["response"] is None
    assert public["status"] == "assigned"  # still being handled, as far as the parent knows
    assert "respond" not in [item["action"] for item in public["timeline"]]
    notices = (await world.as_("lead1", "GET", "/api/v1/notifications")).json()["items"]
    assert "to_sign" in [n["rule"] for n in notices if n["ticket_number"] == number]


async def test_approve_publishes_the_answer_counts_on_time_at_sign_off_and_tells_the_parent(
    world: World, connection: AsyncConnection
) -> None:
    receipt = await under_review(world)
    number, code = receipt["number"], receipt["access_code"]
    answer = await world.action("lead1", number, "approve", public_note="学校已督促食堂整改。")
    assert answer.status_code == 200, answer.text
    ticket = answer.json()
    assert ticket["status"] == "responded"
    assert ticket["response"]["text"] == "已与食堂沟通，下周起减盐。"
    assert ticket["pending"] is None
    public = (await world.client.get(f"{PUBLIC}/{number}", params={"code": code})).json()
    assert public["response"]["text"] == "已与食堂沟通，下周起减盐。"
    assert ("approve", "学校已督促食堂整改。") in [(i["action"], i["note"]) for i in public["timeline"]]
    row = (
        await connection.execute(
            text("SELECT first_responded_at, responded_on_time FROM tickets WHERE number = :n"), {"n": number}
        )
    ).one()
    assert row.first_responded_at is not None and row.responded_on_time is True
    outbox = await connection.execute(
        text(
            "SELECT count(*) FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
            "WHERE t.number = :n AND d.rule = 'answered'"
        ),
        {"n": number},
    )
    assert outbox.scalar_one() >= 1


async def test_respond_under_review_is_not_yet_an_answer_in_the_figures(
    world: World, connection: AsyncConnection
) -> None:
    receipt = await under_review(world)
    row = (
        await connection.execute(
            text("SELECT first_responded_at, responded_on_time FROM tickets WHERE number = :n"),
            {"n": receipt["number"]},
        )
    ).one()
    assert (row.first_responded_at, row.responded_on_time) == (None, None)


async def test_send_back_returns_to_the_lead_with_the_answer_kept(world: World) -> None:
    receipt = await under_review(world)
    number = receipt["number"]
    before = await staff(world, "lead1", number)
    answer = await world.action("lead1", number, "send_back", note="请写明整改时间。")
    assert answer.status_code == 200, answer.text
    ticket = answer.json()
    assert ticket["status"] == "assigned"
    assert ticket["respond_due_at"] == before["respond_due_at"]  # one deadline, unchanged
    assert ticket["pending"]["text"] == "已与食堂沟通，下周起减盐。"
    notices = (await world.as_("hand1", "GET", "/api/v1/notifications")).json()["items"]
    assert "sent_back" in [n["rule"] for n in notices if n["ticket_number"] == number]
    again = await world.action("hand1", number, "respond", text="下周一起减盐，月底复查。")
    assert again.json()["status"] == "reviewing"
    assert again.json()["pending"]["text"] == "下周一起减盐，月底复查。"
    notices = (await world.as_("lead1", "GET", "/api/v1/notifications")).json()["items"]
    assert [n["rule"] for n in notices if n["ticket_number"] == number].count("to_sign") == 2


async def test_send_back_without_note_returns_400_naming_note(world: World) -> None:
    receipt = await under_review(world)
    assert_error(await world.action("lead1", receipt["number"], "send_back"), 400, "note")


async def test_sign_off_by_handler_returns_403(world: World) -> None:
    receipt = await under_review(world)
    assert_error(await world.action("hand1", receipt["number"], "approve"), 403, "approve")
    assert_error(await world.action("hand1", receipt["number"], "send_back", note="x"), 403, "send_back")


async def test_approve_when_not_reviewing_returns_409_naming_state(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    assert_error(await world.action("lead1", receipt["number"], "approve"), 409, "approve", "assigned")


async def test_leader_answer_under_review_policy_is_signed_at_once(world: World) -> None:
    await review_complaints(world)
    receipt = await ticket_at(world, "assigned")
    answer = await world.action("lead1", receipt["number"], "respond", text="校长亲自答复。")
    assert answer.json()["status"] == "responded"


async def test_kind_without_review_answers_at_once(world: World) -> None:
    await review_complaints(world)
    receipt = await ticket_at(world, "assigned", kind="suggestion")
    answer = await world.action("hand1", receipt["number"], "respond", text="感谢建议。")
    assert answer.json()["status"] == "responded"


async def test_reviewing_is_listed_by_status_and_overdue_after_the_deadline(
    world: World, connection: AsyncConnection
) -> None:
    receipt = await under_review(world)
    listed = (await world.as_("lead1", "GET", "/api/v1/tickets", params={"status": "reviewing"})).json()
    assert receipt["number"] in [t["number"] for t in listed["items"]]
    await connection.execute(
        text("UPDATE tickets SET respond_due_at = :due WHERE number = :n"),
        {"n": receipt["number"], "due": world.now() - timedelta(hours=1)},
    )
    assert (await staff(world, "lead1", receipt["number"]))["overdue"] is True


async def test_policy_review_flag_bad_value_returns_400_naming_field(world: World) -> None:
    answer = await world.as_(
        "admin", "PUT", "/api/v1/policies/s1", json={"review_required_by_kind": {"complaint": "yes"}}
    )
    assert_error(answer, 400, "review_required_by_kind")
    answer = await world.as_(
        "admin", "PUT", "/api/v1/policies/s1", json={"review_required_by_kind": {"gossip": True}}
    )
    assert_error(answer, 400, "review_required_by_kind")


async def test_each_co_handling_and_review_action_counts_one_version(world: World) -> None:
    await review_complaints(world)
    number = await submitted(world)
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("lead1", "assign", {"assignee": "hand1", "helpers": ["hand1b"]}),
        ("hand1", "respond", {"text": "答复一"}),
        ("lead1", "send_back", {"note": "再改改"}),
        ("hand1", "respond", {"text": "答复二"}),
        ("lead1", "approve", {}),
    ]
    await world.as_("hand1b", "PUT", f"/api/v1/tickets/{number}/draft", json={"text": "草稿"})
    version = (await staff(world, "lead1", number))["version"]
    for user, action, body in steps:
        answer = await world.action(user, number, action, version=version, **body)
        assert answer.status_code == 200, (action, answer.text)
        assert answer.json()["version"] == version + 1, action
        version += 1
    noted = await world.action("hand1b", number, "note", note="x", version=version)
    assert noted.status_code == 409  # responded now: no more notes
