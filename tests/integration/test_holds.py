"""退单 and 挂起 over the API and the sweep (issue 12): a return goes back to whoever routed the
ticket (the assignee's to the leader who assigned it, the school's up to its district), counts,
and the third alerts the district's inspectors once; a hold stops the clock (no overdue, no
reminders), ends by a leader, the assignee or the sweep on its day, and moves the deadline by
the working days it took; the parent's timeline says both; 409 in a wrong state, 403 for a role
that may not, 400 naming the field."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.settings import Settings

from .conftest import World
from .helpers import assert_error, parse_time, ticket_at
from .test_supervision import Sweep, notices

pytestmark = pytest.mark.asyncio
SH = ZoneInfo("Asia/Shanghai")
# Collected Wednesday 2026-11-18 10:00 (the test clock): due Wednesday 2026-11-25 18:00.
DUE = datetime(2026, 11, 25, 18, 0, tzinfo=SH)
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


@pytest.fixture
def sweep(settings: Settings, connection: AsyncConnection) -> Sweep:
    return Sweep(settings, connection)


async def get(world: World, number: str, user: str = "lead1") -> Any:
    return await world.as_(user, "GET", f"/api/v1/tickets/{number}")


async def events(world: World, number: str, user: str = "lead1") -> list[dict[str, Any]]:
    answer = await world.as_(user, "GET", f"/api/v1/tickets/{number}/events")
    assert answer.status_code == 200 and answer.json()["chain_ok"] is True
    return list(answer.json()["items"])


async def public(world: World, receipt: dict[str, Any]) -> list[tuple[str, str | None]]:
    answer = await world.client.get(
        f"/api/v1/public/tickets/{receipt['number']}", params={"code": receipt["access_code"]}
    )
    assert answer.status_code == 200, answer.text
    return [(item["action"], item["note"]) for item in answer.json()["timeline"]]


async def ok(world: World, user: str, number: str, action: str, **body: Any) -> dict[str, Any]:
    answer = await world.action(user, number, action, **body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


# ---- 退单 --------------------------------------------------------------------------------------


async def test_return_by_assignee_goes_back_to_the_leader_who_assigned_it(world: World, sweep: Sweep) -> None:
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    body = await ok(world, "hand1", number, "return", reason_code="not_mine", note="属后勤处职责")
    assert (body["status"], body["assignee"], body["return_count"]) == ("submitted", None, 1)
    last = (await events(world, number))[-1]
    assert (last["action"], last["from_status"], last["to_status"], last["internal_note"]) == (
        "return",
        "assigned",
        "submitted",
        "属后勤处职责",
    )
    assert last["data"] == {"reason_code": "not_mine", "to": "leader", "previous": "hand1", "count": 1}
    assert await notices(sweep, number, "returned") == ["lead1"]
    # The leader routes it again; the handler no longer holds it.
    assert (await world.action("hand1", number, "respond", text="x")).status_code == 403
    assert (await ok(world, "lead1", number, "assign", assignee="hand1b"))["assignee"] == "hand1b"
    # An internal move: the parent's timeline shows no return.
    assert "return" not in [action for action, _ in await public(world, receipt)]


async def test_return_by_the_school_sends_it_up_to_the_district(world: World, sweep: Sweep) -> None:
    receipt = await ticket_at(world, "registered")
    number = receipt["number"]
    body = await ok(world, "reg1", number, "return", reason_code="not_ours")
    assert (body["status"], body["return_count"], body["school_code"]) == ("submitted", 1, "s1")
    # It left the school: its staff no longer reach it; the district's leader does, and is told.
    assert (await get(world, number, "reg1")).status_code == 404
    assert (await get(world, number, "leadd1")).json()["status"] == "submitted"
    assert await notices(sweep, number, "returned") == ["leadd1"]
    assert (await events(world, number, "leadd1"))[-1]["data"]["to"] == "district"
    assert ("return", "学校已将您的留言转交一区教育局重新分派办理。") in await public(world, receipt)
    # From the district there is no unit above to return it to.
    answer = await world.action("leadd1", number, "return", reason_code="not_ours")
    assert_error(answer, 409, "district")
    assert (await ok(world, "leadd1", number, "respond", text="已转交相关部门办理。"))[
        "status"
    ] == "responded"


async def test_third_return_alerts_the_district_inspectors_once(world: World, sweep: Sweep) -> None:
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    for n in (1, 2, 3):
        body = await ok(world, "hand1", number, "return", reason_code="not_mine")
        assert body["return_count"] == n
        if n < 3:
            await ok(world, "lead1", number, "assign", assignee="hand1")
            assert (await sweep(world.now())).fired.get("bounced", 0) == 0
    report = await sweep(world.now())
    assert report.fired["bounced"] == 1
    assert await notices(sweep, number, "bounced") == ["insp1"]
    assert (await sweep(world.now() + timedelta(minutes=5))).fired.get("bounced", 0) == 0
    # A fourth return does not alert again.
    await ok(world, "lead1", number, "assign", assignee="hand1")
    await ok(world, "hand1", number, "return", reason_code="other")
    assert (await sweep(world.now())).fired.get("bounced", 0) == 0
    assert await notices(sweep, number, "bounced") == ["insp1"]


async def test_return_refused_in_a_wrong_state_by_a_wrong_role_and_for_a_bad_reason(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    assert_error(
        await world.action("lead1", receipt["number"], "return", reason_code="not_ours"), 409, "return"
    )
    assigned = (await ticket_at(world, "assigned"))["number"]
    assert (await world.action("hand1b", assigned, "return", reason_code="not_mine")).status_code == 403
    assert (await world.action("insp1", assigned, "return", reason_code="not_mine")).status_code == 403
    answer = await world.action("hand1", assigned, "return", reason_code="wrong_school")
    assert_error(answer, 400, "reason_code")
    assert_error(await world.action("hand1", assigned, "return"), 400, "reason_code")
    assert (await get(world, assigned)).json()["return_count"] == 0


# ---- 挂起 --------------------------------------------------------------------------------------


async def test_hold_asked_approved_stops_the_clock_and_resume_moves_the_deadline(
    world: World, sweep: Sweep, app_clock: Any
) -> None:
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    asked = await ok(
        world, "hand1", number, "request_hold", reason="等待区卫健部门检测结果", until="2026-12-10"
    )
    assert asked["status"] == "assigned"
    assert asked["hold_request"]["reason"] == "等待区卫健部门检测结果"
    assert (asked["hold_request"]["until"], asked["hold_request"]["by"]) == ("2026-12-10", "hand1老师")
    assert await notices(sweep, number, "hold_requested") == ["lead1"]
    assert_error(await world.action("hand1", number, "request_hold", reason="again"), 409, "hold")
    held = await ok(world, "lead1", number, "hold")  # approves the request as it was asked
    assert (held["status"], held["hold_request"], held["overdue"]) == ("held", None, False)
    assert held["hold"]["reason"] == "等待区卫健部门检测结果"
    assert parse_time(held["hold"]["until"]) == datetime(2026, 12, 10, tzinfo=SH)
    assert await notices(sweep, number, "held") == ["hand1"]
    # Held past the deadline: not overdue, and the sweep's reminders leave it alone.
    app_clock.set(DUE + timedelta(days=3))
    assert (await get(world, number)).json()["overdue"] is False
    report = await sweep(DUE + timedelta(days=3))
    assert not {"due_soon", "overdue", "escalated"} & set(report.fired)
    overdue = await world.as_("lead1", "GET", "/api/v1/tickets", params={"overdue": "true"})
    assert number not in [t["number"] for t in overdue.json()["items"]]
    # Nothing moves it on but 恢复办理.
    assert_error(await world.action("hand1", number, "respond", text="x"), 409, "held")
    app_clock.set(MONDAY)
    body = await ok(world, "hand1", number, "resume", note="检测结果已出")
    # Held Wednesday 10:00 – Monday 10:00: Wednesday, Thursday, Friday: 3 working days later.
    assert body["status"] == "assigned" and body["hold"] is None
    assert parse_time(body["respond_due_at"]) == datetime(2026, 11, 30, 18, 0, tzinfo=SH)
    last = (await events(world, number))[-1]
    assert (last["action"], last["actor_role"], last["data"]["held_days"]) == ("resume", "assignee", 3)
    timeline = await public(world, receipt)
    assert ("hold", "预计 2026-12-10 恢复办理，暂停期间不计答复期限，恢复后相应顺延。") in timeline
    assert ("resume", "答复期限顺延至 2026-11-30 18:00。") in timeline
    # …and by SMS to the phone the parent left, at both ends.
    sent = await sweep.rows(
        "SELECT d.rule, d.channel FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
        "WHERE t.number = :number AND d.recipient = 'parent' ORDER BY d.id",
        number=number,
    )
    assert [tuple(r) for r in sent] == [("paused", "sms"), ("resumed", "sms")]


async def test_hold_ends_by_itself_on_its_day_through_the_sweep(world: World, sweep: Sweep) -> None:
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    held = await ok(world, "lead1", number, "hold", reason="当事教师病假", until="2026-11-23")
    assert held["status"] == "held"
    assert (await sweep(datetime(2026, 11, 22, 23, 59, tzinfo=SH))).fired.get("hold_ended", 0) == 0
    report = await sweep(datetime(2026, 11, 23, 0, 1, tzinfo=SH))
    assert report.fired["hold_ended"] == 1
    body = (await get(world, number)).json()
    # Held Wednesday – Monday 00:01: Wednesday, Thursday, Friday.
    assert body["status"] == "assigned"
    assert parse_time(body["respond_due_at"]) == datetime(2026, 11, 30, 18, 0, tzinfo=SH)
    last = (await events(world, number))[-1]
    assert (last["action"], last["actor"], last["from_status"]) == ("resume", "system", "held")
    assert (await sweep(datetime(2026, 11, 23, 0, 5, tzinfo=SH))).fired.get("hold_ended", 0) == 0


async def test_deny_hold_clears_the_request_and_tells_who_asked(world: World, sweep: Sweep) -> None:
    number = (await ticket_at(world, "assigned"))["number"]
    assert_error(await world.action("lead1", number, "deny_hold", reason="不同意"), 409, "hold")
    await ok(world, "hand1", number, "request_hold", reason="等待家长补充材料")
    assert_error(await world.action("lead1", number, "deny_hold"), 400, "reason")
    body = await ok(world, "lead1", number, "deny_hold", reason="可先电话联系家长")
    assert (body["status"], body["hold_request"]) == ("assigned", None)
    assert await notices(sweep, number, "hold_denied") == ["hand1"]


async def test_hold_refused_without_reason_bad_day_wrong_role_or_state(world: World, app_clock: Any) -> None:
    number = (await ticket_at(world, "assigned"))["number"]
    assert_error(await world.action("lead1", number, "hold"), 400, "reason")
    for bad in ("2026-11-18", "2026-11-01", "2027-06-01"):
        assert_error(await world.action("lead1", number, "hold", reason="x", until=bad), 400, "until")
    assert_error(await world.action("lead1", number, "hold", reason="x", until="next week"), 400, "until")
    assert (await world.action("hand1", number, "hold", reason="x")).status_code == 403
    assert_error(await world.action("hand1", number, "request_hold"), 400, "reason")
    assert_error(await world.action("lead1", number, "resume"), 409, "resume")
    app_clock.set(DUE + timedelta(minutes=1))  # overdue: the lateness stays
    assert_error(await world.action("lead1", number, "hold", reason="x"), 409, "overdue")
    assert_error(await world.action("hand1", number, "request_hold", reason="x"), 409, "overdue")
    app_clock.set(world.now() - timedelta(days=8))
    submitted = (await ticket_at(world, "submitted"))["number"]
    assert_error(await world.action("lead1", submitted, "hold", reason="x"), 409, "hold")
    assert (await get(world, number)).json()["status"] == "assigned"


# ---- figures -----------------------------------------------------------------------------------


async def test_stats_count_returns_and_leave_held_time_out_of_on_time(world: World, app_clock: Any) -> None:
    returned = (await ticket_at(world, "assigned"))["number"]
    await ok(world, "hand1", returned, "return", reason_code="not_mine")
    held = (await ticket_at(world, "assigned"))["number"]
    await ok(world, "lead1", held, "hold", reason="等待检测结果")
    app_clock.set(DUE + timedelta(days=1))  # both past the deadline they had
    stats = (await world.as_("lead1", "GET", "/api/v1/stats", params={"from": "2026-11-01"})).json()
    assert (stats["total"], stats["returned"], stats["return_rate"]) == (2, 1, 0.5)
    assert stats["overdue_open"] == 1  # the returned one; the held one's clock stopped
    # Resumed: answered within the deadline moved by the days held, it is on time.
    await ok(world, "lead1", held, "resume")
    assert (await ok(world, "hand1", held, "respond", text="已处理。"))["status"] == "responded"
    stats = (await world.as_("lead1", "GET", "/api/v1/stats", params={"from": "2026-11-01"})).json()
    assert (stats["responded"], stats["responded_on_time"], stats["on_time_rate"]) == (1, 1, 0.5)
