"""回访: an answer to a parent who left a phone falls due for a callback by the policy; its
caller (never the handler) records it; 未解决 sends the ticket back for rework, a sign of
retaliation reaches the district's inspectors and the overdue board; the console's figures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.domain.callbacks import CallbackPolicy, Caller

from .conftest import World
from .helpers import assert_error, parse_time, ticket_at

CALLBACKS = "/api/v1/callbacks"
DONE = {"resolved": True, "satisfaction": "satisfied", "treated_differently": False}


async def queue(world: World, user: str) -> list[str]:
    answer = await world.as_(user, "GET", CALLBACKS)
    assert answer.status_code == 200, answer.text
    return [item["number"] for item in answer.json()["items"]]


async def events_of(world: World, number: str) -> list[dict[str, Any]]:
    answer = await world.as_("insp1", "GET", f"/api/v1/tickets/{number}/events")
    assert answer.json()["chain_ok"] is True
    return list(answer.json()["items"])


async def set_policy(world: World, org: str, **policy: Any) -> None:
    answer = await world.as_("admin", "PUT", f"{CALLBACKS}/policies/{org}", json=policy)
    assert answer.status_code == 200, answer.text


async def test_answer_with_a_phone_falls_due_for_the_school_office(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    number = receipt["number"]
    assert await queue(world, "reg1") == [number]
    assert await queue(world, "lead1") == [number]
    assert await queue(world, "reg2") == []  # another school
    assert await queue(world, "insp1") == []  # the school office calls, not the bureau
    assert_error(await world.as_("hand1", "GET", CALLBACKS), 403, "callbacks")
    item = (await world.as_("reg1", "GET", CALLBACKS)).json()["items"][0]
    assert item["contact"]["phone"] == "13812341234"  # the office sees who wrote, as always


async def test_anonymous_or_no_phone_falls_due_for_nobody(world: World) -> None:
    await ticket_at(world, "responded", anonymous=True, contact=None)
    await ticket_at(world, "responded", contact={"name": "李先生", "email": "li@example.com"})
    assert await queue(world, "reg1") == []


async def test_resolved_callback_keeps_the_status_and_is_in_the_archive(world: World) -> None:
    number = (await ticket_at(world, "archived"))["number"]
    answer = await world.action("reg1", number, "callback", **DONE, note="家长表示满意")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "archived"
    last = (await events_of(world, number))[-1]
    assert (last["action"], last["actor"], last["internal_note"]) == ("callback", "reg1老师", "家长表示满意")
    assert await queue(world, "reg1") == []
    assert_error(await world.action("lead1", number, "callback", **DONE), 409, number, "no callback due")


async def test_unresolved_sends_the_ticket_back_for_rework_and_a_new_answer_falls_due_again(
    world: World,
) -> None:
    number = (await ticket_at(world, "archived"))["number"]
    answer = await world.action(
        "lead1", number, "callback", resolved=False, satisfaction="unsatisfied", treated_differently=False
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["assignee"]) == ("assigned", "hand1")
    # The rework deadline: 3 working days from Wednesday 2026-11-18 → Monday 23rd, 18:00.
    assert parse_time(body["respond_due_at"]).isoformat() == "2026-11-23T18:00:00+08:00"
    assert await queue(world, "reg1") == []
    again = await world.action("hand1", number, "respond", text="已重新核实并整改。")
    assert again.status_code == 200, again.text
    assert await queue(world, "reg1") == [number]


async def test_the_assignee_may_never_record_the_callback(world: World, connection: AsyncConnection) -> None:
    # lead1 also holds the handler role at s1 and is made the ticket's assignee.
    await connection.execute(
        text(
            "INSERT INTO role_grants (user_id, role, org_id) SELECT u.id, 'handler', o.id "
            "FROM users u, orgs o WHERE u.username = 'lead1' AND o.code = 's1'"
        )
    )
    receipt = await world.submit()
    number = receipt["number"]
    for user, action, body in (
        ("reg1", "register", {}),
        ("reg1", "submit", {}),
        ("lead1", "assign", {"assignee": "lead1"}),
        ("lead1", "respond", {"text": "已处理。"}),
    ):
        assert (await world.action(user, number, action, **body)).status_code == 200
    assert await queue(world, "lead1") == []  # never in the handler's own queue
    assert await queue(world, "reg1") == [number]
    assert_error(await world.action("lead1", number, "callback", **DONE), 403, "handler", "callback")
    assert (await world.action("reg1", number, "callback", **DONE)).status_code == 200


async def test_bureau_policy_sends_callbacks_to_the_districts_inspectors(world: World) -> None:
    await set_policy(world, "d1", caller="bureau", percent=100)
    number = (await ticket_at(world, "responded"))["number"]
    assert await queue(world, "reg1") == []
    assert await queue(world, "insp1") == [number]
    assert await queue(world, "insp2") == []
    item = (await world.as_("insp1", "GET", CALLBACKS)).json()["items"][0]
    assert item["contact"]["phone"] == "138****1234"  # masked until the audited reveal
    assert_error(await world.action("reg1", number, "callback", **DONE), 403, "inspectors")
    revealed = await world.as_("insp1", "POST", f"{CALLBACKS}/{number}/reveal")
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["contact"]["phone"] == "13812341234"
    reveal = (await events_of(world, number))[-1]
    assert (reveal["action"], reveal["actor"], reveal["internal_note"]) == ("reveal", "insp1老师", "回访")
    assert (await world.action("insp1", number, "callback", **DONE)).status_code == 200
    assert_error(await world.as_("insp1", "POST", f"{CALLBACKS}/{number}/reveal"), 409, "no callback due")


async def test_a_sample_policy_draws_exactly_the_reproducible_sample(world: World) -> None:
    await set_policy(world, "city", caller="school", percent=50, seed="autumn")
    numbers = [(await ticket_at(world, "responded"))["number"] for _ in range(8)]
    policy = CallbackPolicy(Caller.SCHOOL, 50, "autumn")
    expected = [n for n in numbers if policy.draws(n)]
    assert sorted(await queue(world, "reg1")) == sorted(expected)
    # A district's own policy wins over its bureau's.
    await set_policy(world, "d1", caller="school", percent=100)
    later = (await ticket_at(world, "responded"))["number"]
    assert later in await queue(world, "reg1")


async def test_retaliation_sign_tells_the_districts_inspectors_and_flags_the_board(world: World) -> None:
    number = (await ticket_at(world, "responded"))["number"]
    answer = await world.action(
        "reg1",
        number,
        "callback",
        resolved=True,
        satisfaction="basically_satisfied",
        treated_differently=True,
    )
    assert answer.status_code == 200, answer.text
    for user, told in (("insp1", True), ("insp2", False), ("lead1", False)):
        rules = [
            (n["rule"], n["ticket_number"])
            for n in (await world.as_(user, "GET", "/api/v1/notifications")).json()["items"]
        ]
        assert (("retaliation", number) in rules) is told, user
    board = await world.as_("insp1", "GET", "/api/v1/supervision/overdue")
    assert board.status_code == 200, board.text
    assert [sign["number"] for sign in board.json()["retaliation"]] == [number]
    other = await world.as_("insp2", "GET", "/api/v1/supervision/overdue")
    assert other.json()["retaliation"] == []
    # A 督办 order issued after the sign takes it up: off the board's flags.
    order = await world.action("insp1", number, "supervise", note="请核查是否存在打击报复")
    assert order.status_code == 200, order.text
    board = await world.as_("insp1", "GET", "/api/v1/supervision/overdue")
    assert board.json()["retaliation"] == []


async def test_figures_count_callbacks_made_resolved_satisfied_and_signs(world: World) -> None:
    outcomes = [
        (True, "satisfied", False),
        (True, "basically_satisfied", False),
        (False, "unsatisfied", True),
    ]
    for resolved, satisfaction, treated in outcomes:
        number = (await ticket_at(world, "responded"))["number"]
        body = {"resolved": resolved, "satisfaction": satisfaction, "treated_differently": treated}
        assert (await world.action("reg1", number, "callback", **body)).status_code == 200
    await ticket_at(world, "responded")  # pending
    await ticket_at(world, "responded", school="s2")  # pending, another school
    figures = (await world.as_("insp1", "GET", f"{CALLBACKS}/figures")).json()
    assert {k: figures[k] for k in ("pending", "made", "resolved", "treated_differently")} == {
        "pending": 2,
        "made": 3,
        "resolved": 2,
        "treated_differently": 1,
    }
    assert (figures["resolved_rate"], figures["satisfaction_rate"]) == (0.6667, 0.6667)
    by_school = {b["school_code"]: (b["pending"], b["made"]) for b in figures["by_school"]}
    assert by_school == {"s1": (1, 3), "s2": (1, 0)}
    assert len(figures["retaliation"]) == 1
    school = (await world.as_("lead2", "GET", f"{CALLBACKS}/figures")).json()
    assert (school["pending"], school["made"]) == (1, 0)  # a leader sees their school's
    none = (await world.as_("insp2", "GET", f"{CALLBACKS}/figures")).json()
    assert (none["pending"], none["made"], none["by_school"]) == (0, 0, [])


async def test_policy_bad_input_names_the_field_and_only_admins_set_it(world: World) -> None:
    put = f"{CALLBACKS}/policies"
    assert_error(await world.as_("admin", "PUT", f"{put}/d1", json={"percent": 101}), 400, "`percent`")
    assert_error(
        await world.as_("admin", "PUT", f"{put}/d1", json={"caller": "teacher"}),
        400,
        "`caller`",
        "school, bureau",
    )
    assert_error(await world.as_("admin", "PUT", f"{put}/s1", json={}), 400, "`org_code`")
    assert_error(await world.as_("admin", "PUT", f"{put}/nowhere", json={}), 404, "nowhere")
    assert_error(await world.as_("insp1", "PUT", f"{put}/d1", json={}), 403, "admin")
    await set_policy(world, "d1", caller="bureau", percent=30)
    got = (await world.as_("admin", "GET", f"{put}/s1")).json()
    assert (got["policy"]["caller"], got["policy"]["percent"], got["inherited"]) == ("bureau", 30, True)


async def test_callback_bad_input_is_400_naming_the_field(world: World) -> None:
    number = (await ticket_at(world, "responded"))["number"]
    bad = {**DONE, "satisfaction": "happy"}
    assert_error(await world.action("reg1", number, "callback", **bad), 400, "satisfaction")
    assert_error(await world.action("reg1", number, "callback", resolved=True), 400, "satisfaction")
    assert await queue(world, "reg1") == [number]  # nothing lost
