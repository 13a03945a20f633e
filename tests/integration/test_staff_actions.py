"""Staff actions through the API, following the lifecycle table of DESIGN.md."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from huixiang.domain.deadlines import Clock, DeadlinePolicy, WorkCalendar

from .conftest import World
from .helpers import assert_error, parse_time, ticket_at, walk

PUBLIC = "/api/v1/public/tickets"


async def staff(world: World, user: str, number: str) -> dict[str, Any]:
    answer = await world.as_(user, "GET", f"/api/v1/tickets/{number}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


# ---- register ---------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["reg1", "lead1"])
async def test_register_by_registrar_or_leader_classifies_ticket(world: World, user: str) -> None:
    receipt = await world.submit()
    answer = await world.action(
        user, receipt["number"], "register", kind="suggestion", category="教育教学", note="已受理"
    )
    assert answer.status_code == 200, answer.text
    ticket = answer.json()
    assert (ticket["status"], ticket["kind"], ticket["category"]) == ("registered", "suggestion", "教育教学")
    assert ticket["version"] == 2


async def test_register_urgent_sets_respond_deadline_24_hours_after_collection(world: World) -> None:
    receipt = await world.submit()
    ticket = (await world.action("reg1", receipt["number"], "register", priority="urgent")).json()
    assert ticket["priority"] == "urgent"
    collected = parse_time(ticket["collected_at"])
    assert parse_time(ticket["respond_due_at"]) == collected + timedelta(hours=24)


@pytest.mark.parametrize("user", ["hand1", "grid1", "insp1", "admin"])
async def test_register_by_role_not_allowed_returns_403(world: World, user: str) -> None:
    receipt = await world.submit()
    assert_error(await world.action(user, receipt["number"], "register"), 403, "register")


async def test_register_twice_returns_409_naming_state_and_action(world: World) -> None:
    receipt = await ticket_at(world, "registered")
    assert_error(await world.action("reg1", receipt["number"], "register"), 409, "register", "registered")


async def test_register_unknown_category_returns_400(world: World) -> None:
    receipt = await world.submit()
    answer = await world.action("reg1", receipt["number"], "register", category="不存在")
    assert_error(answer, 400, "category")
    assert (await staff(world, "reg1", receipt["number"]))["status"] == "collected"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"priority": "high"}, "priority"),
        ({"kind": "rumour"}, "kind"),
        ({"colour": "red"}, "colour"),
        ({"note": 5}, "note"),
    ],
)
async def test_register_bad_body_returns_400_naming_field(
    world: World, payload: dict[str, Any], field: str
) -> None:
    receipt = await world.submit()
    assert_error(await world.action("reg1", receipt["number"], "register", **payload), 400, field)


async def test_action_unknown_name_returns_404(world: World) -> None:
    receipt = await world.submit()
    assert_error(await world.action("reg1", receipt["number"], "teleport"), 404, "teleport")


async def test_action_on_unknown_ticket_returns_404(world: World) -> None:
    assert_error(await world.action("reg1", "2026-999999", "register"), 404)


async def test_action_rate_or_intake_through_staff_route_returns_404(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    assert_error(await world.action("lead1", receipt["number"], "rate"), 404)
    assert_error(await world.action("lead1", receipt["number"], "intake"), 404)


# ---- submit / assign --------------------------------------------------------------------------


async def test_submit_by_leader_returns_403(world: World) -> None:
    receipt = await ticket_at(world, "registered")
    assert_error(await world.action("lead1", receipt["number"], "submit"), 403, "submit")


async def test_submit_collected_ticket_returns_409(world: World) -> None:
    receipt = await world.submit()
    assert_error(await world.action("reg1", receipt["number"], "submit"), 409, "submit", "collected")


async def test_assign_reassign_changes_assignee(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    answer = await world.action("lead1", receipt["number"], "assign", assignee="hand1b", note="改派")
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["assignee"]) == ("assigned", "hand1b")
    mine = (await world.as_("hand1b", "GET", "/api/v1/tickets", params={"assignee": "me"})).json()
    assert [t["number"] for t in mine["items"]] == [receipt["number"]]


@pytest.mark.parametrize("user", ["reg1", "hand1", "insp1"])
async def test_assign_by_role_not_allowed_returns_403(world: World, user: str) -> None:
    receipt = await ticket_at(world, "submitted")
    assert_error(await world.action(user, receipt["number"], "assign", assignee="hand1"), 403, "assign")


async def test_assign_registered_ticket_returns_409(world: World) -> None:
    receipt = await ticket_at(world, "registered")
    answer = await world.action("lead1", receipt["number"], "assign", assignee="hand1")
    assert_error(answer, 409, "assign", "registered")


@pytest.mark.parametrize("assignee", ["hand2", "nobody", "reg3"])
async def test_assign_to_staff_outside_school_returns_400(world: World, assignee: str) -> None:
    receipt = await ticket_at(world, "submitted")
    answer = await world.action("lead1", receipt["number"], "assign", assignee=assignee)
    assert_error(answer, 400, "assignee")


@pytest.mark.parametrize("assignee", ["reg1", "lead1", "grid1", "insp1", "leadd1", "cityinsp", "admin"])
async def test_assign_to_non_handler_who_reaches_school_returns_400(world: World, assignee: str) -> None:
    """Everyone here can see the ticket; only a handler of its school may be its assignee."""
    receipt = await ticket_at(world, "submitted")
    answer = await world.action("lead1", receipt["number"], "assign", assignee=assignee)
    assert_error(answer, 400, "`assignee`", "handler", assignee)
    ticket = await staff(world, "lead1", receipt["number"])
    assert (ticket["status"], ticket["assignee"]) == ("submitted", None)


async def test_assign_to_deactivated_handler_returns_400(world: World, connection: Any) -> None:
    from sqlalchemy import text

    await connection.execute(text("UPDATE users SET is_active = false WHERE username = 'hand1b'"))
    receipt = await ticket_at(world, "submitted")
    assert_error(await world.action("lead1", receipt["number"], "assign", assignee="hand1b"), 400, "assignee")


async def test_assign_without_assignee_returns_400(world: World) -> None:
    receipt = await ticket_at(world, "submitted")
    assert_error(await world.action("lead1", receipt["number"], "assign"), 400, "assignee")


# ---- respond ----------------------------------------------------------------------------------


async def test_respond_by_assignee_records_answer(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    answer = await world.action("hand1", receipt["number"], "respond", text="已经核实并处理。")
    ticket = answer.json()
    assert ticket["status"] == "responded"
    assert ticket["response"]["text"] == "已经核实并处理。"
    assert parse_time(ticket["response"]["at"]) <= world.now()


async def test_respond_by_other_handler_returns_403(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    assert_error(await world.action("hand1b", receipt["number"], "respond", text="x"), 403, "respond")


async def test_respond_by_leader_without_assignment_is_allowed(world: World) -> None:
    receipt = await ticket_at(world, "submitted")
    answer = await world.action("lead1", receipt["number"], "respond", text="校长直接答复")
    assert answer.status_code == 200 and answer.json()["status"] == "responded"


async def test_respond_by_registrar_from_registered_is_allowed(world: World) -> None:
    receipt = await ticket_at(world, "registered")
    answer = await world.action("reg1", receipt["number"], "respond", text="电话中已当场答复")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "responded"


@pytest.mark.parametrize("status", ["submitted", "assigned"])
async def test_respond_by_registrar_after_registered_is_refused(world: World, status: str) -> None:
    receipt = await ticket_at(world, status)
    answer = await world.action("reg1", receipt["number"], "respond", text="x")
    assert_error(answer, 403, "respond")
    assert (await staff(world, "reg1", receipt["number"]))["status"] == status


async def test_respond_collected_ticket_returns_409(world: World) -> None:
    receipt = await world.submit()
    assert_error(
        await world.action("lead1", receipt["number"], "respond", text="x"), 409, "respond", "collected"
    )


async def test_respond_twice_returns_409(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    assert_error(await world.action("hand1", receipt["number"], "respond", text="again"), 409, "responded")


async def test_respond_without_text_returns_400(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    assert_error(await world.action("hand1", receipt["number"], "respond"), 400, "text")
    assert_error(await world.action("hand1", receipt["number"], "respond", text=""), 400, "text")


# ---- merge ------------------------------------------------------------------------------------


async def test_merge_duplicate_follows_primary_in_public_view(world: World) -> None:
    primary = await world.submit()
    duplicate = await world.submit(content="同一件事：食堂太咸")
    answer = await world.action("reg1", duplicate["number"], "merge", into=primary["number"])
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["merged_into"]) == ("merged", primary["number"])

    await walk(world, primary["number"], "responded")
    view = (
        await world.client.get(f"{PUBLIC}/{duplicate['number']}", params={"code": duplicate["access_code"]})
    ).json()
    assert view["status"] == "merged"
    assert view["merged_into"] == primary["number"]
    assert view["response"]["text"] == "已处理，感谢您的反馈。"
    events = (await world.as_("reg1", "GET", f"/api/v1/tickets/{primary['number']}/events")).json()
    assert events["chain_ok"] is True
    assert "merge" in [e["action"] for e in events["items"]]


async def test_merge_into_other_school_ticket_returns_400(world: World) -> None:
    primary = await world.submit("s2")
    duplicate = await world.submit("s1")
    answer = await world.action("leadd1", duplicate["number"], "merge", into=primary["number"])
    assert_error(answer, 400, "same school")


async def test_merge_into_out_of_scope_ticket_returns_400_without_leaking(world: World) -> None:
    primary = await world.submit("s2")
    duplicate = await world.submit("s1")
    answer = await world.action("reg1", duplicate["number"], "merge", into=primary["number"])
    assert_error(answer, 400, "into")


async def test_merge_into_closed_ticket_returns_400(world: World) -> None:
    primary = await ticket_at(world, "archived")
    duplicate = await world.submit()
    answer = await world.action("reg1", duplicate["number"], "merge", into=primary["number"])
    assert_error(answer, 400, "open")


async def test_merge_into_merged_ticket_returns_400(world: World) -> None:
    primary, middle, duplicate = await world.submit(), await world.submit(), await world.submit()
    assert (await world.action("reg1", middle["number"], "merge", into=primary["number"])).status_code == 200
    answer = await world.action("reg1", duplicate["number"], "merge", into=middle["number"])
    assert_error(answer, 400, "into")


async def test_merge_into_itself_returns_400(world: World) -> None:
    receipt = await world.submit()
    assert_error(await world.action("reg1", receipt["number"], "merge", into=receipt["number"]), 400, "into")


async def test_merge_assigned_ticket_returns_409(world: World) -> None:
    primary = await world.submit()
    duplicate = await ticket_at(world, "assigned")
    answer = await world.action("lead1", duplicate["number"], "merge", into=primary["number"])
    assert_error(answer, 409, "merge", "assigned")


async def test_merge_by_handler_returns_403(world: World) -> None:
    primary, duplicate = await world.submit(), await world.submit()
    assert_error(await world.action("hand1", duplicate["number"], "merge", into=primary["number"]), 403)


async def test_merged_ticket_refuses_further_actions_with_409(world: World) -> None:
    primary, duplicate = await world.submit(), await world.submit()
    await world.action("reg1", duplicate["number"], "merge", into=primary["number"])
    assert_error(await world.action("reg1", duplicate["number"], "register"), 409, "merged")


# ---- extend -----------------------------------------------------------------------------------


def _clock(settings: Any) -> Clock:
    return Clock(WorkCalendar(), settings.timezone, DeadlinePolicy())


async def test_extend_once_moves_deadline_and_second_returns_409(world: World, settings: Any) -> None:
    receipt = await ticket_at(world, "assigned")
    due = parse_time(receipt["respond_due_at"])
    new_due = _clock(settings).after_workdays(due, 3)
    answer = await world.action(
        "lead1", receipt["number"], "extend", respond_due_at=new_due.isoformat(), reason="需要调查取证"
    )
    assert answer.status_code == 200, answer.text
    ticket = answer.json()
    assert ticket["extended"] is True and ticket["status"] == "assigned"
    assert parse_time(ticket["respond_due_at"]) == new_due
    again = await world.action(
        "lead1",
        receipt["number"],
        "extend",
        respond_due_at=(new_due + timedelta(days=1)).isoformat(),
        reason="再延",
    )
    assert_error(again, 409, "extended")
    assert parse_time((await staff(world, "lead1", receipt["number"]))["respond_due_at"]) == new_due


async def test_extend_beyond_policy_maximum_returns_400(world: World, settings: Any) -> None:
    receipt = await ticket_at(world, "assigned")
    due = parse_time(receipt["respond_due_at"])
    too_far = _clock(settings).after_workdays(due, 11)
    answer = await world.action(
        "lead1", receipt["number"], "extend", respond_due_at=too_far.isoformat(), reason="太久"
    )
    assert_error(answer, 400, "respond_due_at", "10 working days")


async def test_extend_at_policy_maximum_is_allowed(world: World, settings: Any) -> None:
    receipt = await ticket_at(world, "assigned")
    limit = _clock(settings).after_workdays(parse_time(receipt["respond_due_at"]), 10)
    answer = await world.action(
        "lead1", receipt["number"], "extend", respond_due_at=limit.isoformat(), reason="最长延期"
    )
    assert answer.status_code == 200, answer.text


async def test_extend_without_offset_returns_400(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    naive = (parse_time(receipt["respond_due_at"]) + timedelta(days=2)).replace(tzinfo=None)
    answer = await world.action(
        "lead1", receipt["number"], "extend", respond_due_at=naive.isoformat(), reason="x"
    )
    assert_error(answer, 400, "respond_due_at", "offset")


async def test_extend_earlier_than_deadline_returns_400(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    earlier = parse_time(receipt["respond_due_at"]) - timedelta(hours=1)
    answer = await world.action(
        "lead1", receipt["number"], "extend", respond_due_at=earlier.isoformat(), reason="x"
    )
    assert_error(answer, 400, "respond_due_at")


async def test_extend_without_reason_returns_400(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    later = parse_time(receipt["respond_due_at"]) + timedelta(days=1)
    answer = await world.action("lead1", receipt["number"], "extend", respond_due_at=later.isoformat())
    assert_error(answer, 400, "reason")


async def test_extend_by_handler_returns_403(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    later = parse_time(receipt["respond_due_at"]) + timedelta(days=1)
    answer = await world.action(
        "hand1", receipt["number"], "extend", respond_due_at=later.isoformat(), reason="x"
    )
    assert_error(answer, 403, "extend")


async def test_extend_submitted_ticket_returns_409(world: World) -> None:
    receipt = await ticket_at(world, "submitted")
    later = parse_time(receipt["respond_due_at"]) + timedelta(days=1)
    answer = await world.action(
        "lead1", receipt["number"], "extend", respond_due_at=later.isoformat(), reason="x"
    )
    assert_error(answer, 409, "extend", "submitted")


# ---- archive / reopen -------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["lead1", "reg1"])
async def test_archive_responded_by_leader_or_registrar_closes_loop(world: World, user: str) -> None:
    receipt = await ticket_at(world, "responded")
    answer = await world.action(user, receipt["number"], "archive", note="已办结")
    assert answer.status_code == 200 and answer.json()["status"] == "archived"


async def test_archive_by_handler_returns_403(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    assert_error(await world.action("hand1", receipt["number"], "archive"), 403, "archive")


async def test_archive_assigned_ticket_returns_409(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    assert_error(await world.action("lead1", receipt["number"], "archive"), 409, "archive", "assigned")


@pytest.mark.parametrize(
    ("status", "user"),
    [("responded", "lead1"), ("archived", "lead1"), ("archived", "insp1"), ("responded", "insp1")],
)
async def test_reopen_sends_back_to_same_assignee(world: World, status: str, user: str) -> None:
    receipt = await ticket_at(world, status)
    answer = await world.action(user, receipt["number"], "reopen", reason="答复不完整")
    assert answer.status_code == 200, answer.text
    ticket = answer.json()
    assert (ticket["status"], ticket["assignee"]) == ("assigned", "hand1")
    assert parse_time(ticket["respond_due_at"]) > world.now()


async def test_reopen_by_handler_returns_403(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    assert_error(await world.action("hand1", receipt["number"], "reopen", reason="x"), 403, "reopen")


async def test_reopen_assigned_ticket_returns_409(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    assert_error(
        await world.action("lead1", receipt["number"], "reopen", reason="x"), 409, "reopen", "assigned"
    )


async def test_reopen_without_reason_returns_400(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    assert_error(await world.action("lead1", receipt["number"], "reopen"), 400, "reason")


async def test_reopen_after_extension_allows_new_extension(world: World, settings: Any) -> None:
    receipt = await ticket_at(world, "assigned")
    new_due = _clock(settings).after_workdays(parse_time(receipt["respond_due_at"]), 1)
    await world.action("lead1", receipt["number"], "extend", respond_due_at=new_due.isoformat(), reason="a")
    await world.action("hand1", receipt["number"], "respond", text="答复")
    reopened = (await world.action("lead1", receipt["number"], "reopen", reason="再查")).json()
    assert reopened["extended"] is False


# ---- supervise --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["collected", "registered", "submitted", "assigned", "responded"])
async def test_supervise_open_ticket_keeps_status_and_marks_it(world: World, status: str) -> None:
    receipt = await ticket_at(world, status)
    due = (world.now() + timedelta(days=3)).isoformat()
    answer = await world.action("insp1", receipt["number"], "supervise", note="请三日内办结", due_at=due)
    assert answer.status_code == 200, answer.text
    ticket = answer.json()
    assert ticket["status"] == status and ticket["supervised"] is True
    assert ticket["supervision"]["note"] == "请三日内办结"
    assert parse_time(ticket["supervision"]["due_at"]) == parse_time(due)
    seen_by_school = await staff(world, "lead1", receipt["number"])
    assert seen_by_school["supervised"] is True


@pytest.mark.parametrize("status", ["archived", "inspected"])
async def test_supervise_closed_ticket_returns_409(world: World, status: str) -> None:
    receipt = await ticket_at(world, status)
    assert_error(
        await world.action("insp1", receipt["number"], "supervise", note="x"), 409, "supervise", status
    )


@pytest.mark.parametrize("user", ["lead1", "leadd1"])
async def test_supervise_by_non_inspector_returns_403(world: World, user: str) -> None:
    receipt = await world.submit()
    assert_error(await world.action(user, receipt["number"], "supervise", note="x"), 403, "supervise")


async def test_supervise_with_past_due_returns_400(world: World) -> None:
    receipt = await world.submit()
    past = (world.now() - timedelta(hours=1)).isoformat()
    assert_error(
        await world.action("insp1", receipt["number"], "supervise", note="x", due_at=past), 400, "due_at"
    )


async def test_supervise_without_note_returns_400(world: World) -> None:
    receipt = await world.submit()
    assert_error(await world.action("insp1", receipt["number"], "supervise"), 400, "note")


# ---- inspect ----------------------------------------------------------------------------------


async def test_inspect_fail_sends_back_to_assignee_with_rework_deadline(world: World, settings: Any) -> None:
    receipt = await ticket_at(world, "archived")
    answer = await world.action("insp1", receipt["number"], "inspect", verdict="fail", note="整改不到位")
    assert answer.status_code == 200, answer.text
    ticket = answer.json()
    assert (ticket["status"], ticket["assignee"]) == ("assigned", "hand1")
    events = (await world.as_("insp1", "GET", f"/api/v1/tickets/{receipt['number']}/events")).json()
    last = events["items"][-1]
    assert (last["action"], last["from_status"], last["to_status"]) == ("inspect", "archived", "assigned")
    assert parse_time(ticket["respond_due_at"]) == _clock(settings).rework_due(parse_time(last["at"]))
    again = await world.action("hand1", receipt["number"], "respond", text="已整改")
    assert again.json()["status"] == "responded"


async def test_inspect_by_city_inspector_passes(world: World) -> None:
    receipt = await ticket_at(world, "archived")
    answer = await world.action("cityinsp", receipt["number"], "inspect", verdict="pass", note="合格")
    assert answer.json()["status"] == "inspected"


async def test_inspect_responded_ticket_returns_409(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    answer = await world.action("insp1", receipt["number"], "inspect", verdict="pass", note="x")
    assert_error(answer, 409, "inspect", "responded")


async def test_inspect_inspected_ticket_returns_409(world: World) -> None:
    receipt = await ticket_at(world, "inspected")
    answer = await world.action("insp1", receipt["number"], "inspect", verdict="fail", note="x")
    assert_error(answer, 409, "inspect", "inspected")


async def test_inspect_by_leader_returns_403(world: World) -> None:
    receipt = await ticket_at(world, "archived")
    assert_error(await world.action("lead1", receipt["number"], "inspect", verdict="pass", note="x"), 403)


async def test_inspect_bad_verdict_returns_400(world: World) -> None:
    receipt = await ticket_at(world, "archived")
    assert_error(
        await world.action("insp1", receipt["number"], "inspect", verdict="ok", note="x"), 400, "verdict"
    )


# ---- version ----------------------------------------------------------------------------------


async def test_action_with_stale_version_returns_409_and_changes_nothing(world: World) -> None:
    receipt = await ticket_at(world, "submitted")
    seen = (await staff(world, "lead1", receipt["number"]))["version"]
    assert (
        await world.action("lead1", receipt["number"], "assign", assignee="hand1", version=seen)
    ).status_code == 200
    stale = await world.action("lead1", receipt["number"], "assign", assignee="hand1b", version=seen)
    assert_error(stale, 409, "version")
    assert (await staff(world, "lead1", receipt["number"]))["assignee"] == "hand1"


async def test_action_with_current_version_succeeds_and_bumps_version(world: World) -> None:
    receipt = await world.submit()
    ticket = await staff(world, "reg1", receipt["number"])
    answer = await world.action("reg1", receipt["number"], "register", version=ticket["version"])
    assert answer.status_code == 200
    assert answer.json()["version"] == ticket["version"] + 1


async def test_action_malformed_json_returns_400(world: World) -> None:
    receipt = await world.submit()
    answer = await world.as_(
        "reg1",
        "POST",
        f"/api/v1/tickets/{receipt['number']}/register",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert_error(answer, 400, "JSON")


async def test_action_empty_body_uses_defaults(world: World) -> None:
    receipt = await world.submit()
    answer = await world.as_("reg1", "POST", f"/api/v1/tickets/{receipt['number']}/register")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "registered"


# ---- guards: who may call at all, before the body is read ------------------------------------


@pytest.mark.parametrize("user", ["insp1", "cityinsp", "admin"])
async def test_staff_intake_by_role_that_never_records_returns_403_before_reading_body(
    world: World, user: str
) -> None:
    answer = await world.as_(
        user,
        "POST",
        "/api/v1/tickets",
        content=b'{"school_code": ',
        headers={"content-type": "application/json"},
    )
    assert_error(answer, 403, "record")


@pytest.mark.parametrize("user", ["insp1", "grid1", "admin"])
async def test_reveal_by_role_that_never_reveals_returns_403_before_reading_body(
    world: World, user: str
) -> None:
    receipt = await ticket_at(world, "assigned")
    answer = await world.as_(
        user,
        "POST",
        f"/api/v1/tickets/{receipt['number']}/reveal",
        content=b'{"reason": ',
        headers={"content-type": "application/json"},
    )
    assert_error(answer, 403, "reveal")
