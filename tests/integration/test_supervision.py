"""督办 orders and 催办 over the API and the sweep (issue 10): orders are records of their own,
answered by the school's answer, made overdue by the sweep exactly once per order with notices
to the school's leader and the issuing inspector; a chase notifies the school again and is
logged without changing the ticket; the overdue board groups the late tickets by school with
their working days overdue; scope and roles as everywhere (404 outside, 403 for a handler)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.engine import make_sessionmaker
from huixiang.db.supervision import FIRE_OVERDUE
from huixiang.services import reminders, supervision
from huixiang.services.context import Caches, Ctx
from huixiang.settings import Settings

from .conftest import PASSWORD, World
from .helpers import assert_error, parse_time, raw, ticket_at

# The committing world of the concurrency tests, as a fixture here too (its parameters below
# are that fixture, which ruff reads as a redefinition: F811).
from .test_concurrency import Committed, committed  # noqa: F401

pytestmark = pytest.mark.asyncio
SH = ZoneInfo("Asia/Shanghai")
# Tickets of the test world are collected on Wednesday 2026-11-18 10:00 (tests/conftest.py's
# Clock): due 5 working days later, Wednesday 2026-11-25 18:00.
DUE = datetime(2026, 11, 25, 18, 0, tzinfo=SH)
FRIDAY_EVENING = datetime(2026, 11, 20, 18, 0, tzinfo=SH)


class Sweep:
    """The deadline sweep as of a chosen instant, on the test's connection."""

    def __init__(self, settings: Settings, connection: AsyncConnection) -> None:
        self.settings, self.connection, self.caches = settings, connection, Caches()

    async def __call__(self, now: datetime) -> reminders.SweepReport:
        async with make_sessionmaker(self.connection)() as session:
            report = await reminders.sweep(Ctx(session, self.settings, self.caches, now))
            await session.commit()
            return report

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        return list((await self.connection.execute(text(sql), params)).all())


@pytest.fixture
def sweep(settings: Settings, connection: AsyncConnection) -> Sweep:
    return Sweep(settings, connection)


async def notices(sweep: Sweep, number: str, rule: str) -> list[str]:
    rows = await sweep.rows(
        "SELECT u.username FROM notifications n JOIN users u ON u.id = n.user_id "
        "JOIN tickets t ON t.id = n.ticket_id WHERE t.number = :number AND n.rule = :rule "
        "ORDER BY n.id",
        number=number,
        rule=rule,
    )
    return [r[0] for r in rows]


async def orders_of(world: World, number: str, user: str = "insp1") -> list[dict[str, Any]]:
    answer = await world.as_(user, "GET", f"/api/v1/tickets/{number}/orders")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


async def supervise(world: World, number: str, user: str = "insp1", **body: Any) -> None:
    answer = await world.action(user, number, "supervise", **{"note": "请三日内办结", **body})
    assert answer.status_code == 200, answer.text


# ---- orders ----------------------------------------------------------------------------------


async def test_supervise_makes_one_order_each_time_with_its_issuer_and_unit(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    await supervise(world, number, note="三日内办结", due_at=FRIDAY_EVENING.isoformat())
    await supervise(world, number, user="cityinsp", note="市局督办")
    newest, first = await orders_of(world, number)
    assert (first["note"], first["state"], first["issued_by"], first["issuer_org"]) == (
        "三日内办结",
        "open",
        "insp1老师",
        "一区教育局",
    )
    assert parse_time(first["due_at"]) == FRIDAY_EVENING and first["due_at"].endswith("+08:00")
    assert (newest["note"], newest["issuer_org"], newest["due_at"]) == ("市局督办", "市教育局", None)
    assert first["ticket_number"] == number and first["school_name"] == "第一实验小学"
    # The school sees the same orders; the ticket keeps the contract's order in force.
    assert [o["id"] for o in await orders_of(world, number, "hand1")] == [newest["id"], first["id"]]
    ticket = (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}")).json()
    assert ticket["supervised"] is True and ticket["supervision"] == {"note": "市局督办", "due_at": None}
    # A new order tells the school's leader and the assignee at once.
    listed = (await world.as_("lead1", "GET", "/api/v1/notifications")).json()["items"]
    assert [n["rule"] for n in listed if n["ticket_number"] == number].count("supervised") == 2


async def test_respond_answers_the_open_orders_and_archive_answers_a_later_one(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    await supervise(world, number)
    await supervise(world, number, user="cityinsp")
    assert (await world.action("hand1", number, "respond", text="已整改")).status_code == 200
    answered = await orders_of(world, number)
    assert [o["state"] for o in answered] == ["answered", "answered"]
    assert all(o["answered_at"] for o in answered)
    await supervise(world, number, note="答复后请归档前核实")  # on a responded ticket
    assert [o["state"] for o in await orders_of(world, number)] == ["open", "answered", "answered"]
    assert (await world.action("lead1", number, "archive")).status_code == 200
    assert [o["state"] for o in await orders_of(world, number)] == ["answered"] * 3


async def test_a_merge_moves_the_duplicates_open_orders_to_the_ticket_it_joins(world: World) -> None:
    """Merging never closes a 督办: the order follows the matter and the primary's answer
    answers it."""
    duplicate = (await ticket_at(world, "registered"))["number"]
    primary = (await ticket_at(world, "assigned"))["number"]
    await supervise(world, duplicate, note="重复投诉，请核实")
    merged = await world.action("lead1", duplicate, "merge", into=primary)
    assert merged.status_code == 200, merged.text
    assert await orders_of(world, duplicate) == []
    moved = await orders_of(world, primary)
    assert [(o["note"], o["state"]) for o in moved] == [("重复投诉，请核实", "open")]
    shown = (await world.as_("lead1", "GET", f"/api/v1/tickets/{primary}")).json()
    assert shown["supervised"] is True
    events = (await world.as_("lead1", "GET", f"/api/v1/tickets/{primary}/events")).json()["items"]
    assert "其 1 件督办转到本件办理" in events[-1]["internal_note"]
    assert (await world.action("hand1", primary, "respond", text="已核实处理")).status_code == 200
    assert [o["state"] for o in await orders_of(world, primary)] == ["answered"]


async def test_supervise_with_a_deadline_that_is_not_a_time_is_400_naming_due_at(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    for bad in ("next friday", "2026-11-20T18:00:00", (world.now() - timedelta(hours=1)).isoformat()):
        answer = await world.action("insp1", receipt["number"], "supervise", note="x", due_at=bad)
        assert_error(answer, 400, "due_at")
    assert await orders_of(world, receipt["number"]) == []


# ---- the sweep -------------------------------------------------------------------------------


async def test_sweep_marks_an_order_overdue_once_and_tells_the_leader_and_the_issuer(
    world: World, sweep: Sweep
) -> None:
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    await supervise(world, number, due_at=FRIDAY_EVENING.isoformat())
    before = await sweep(FRIDAY_EVENING - timedelta(minutes=1))
    assert before.fired.get("order_overdue", 0) == 0
    assert [o["state"] for o in await orders_of(world, number)] == ["open"]

    first = await sweep(FRIDAY_EVENING + timedelta(minutes=1))
    again = await sweep(FRIDAY_EVENING + timedelta(minutes=2))
    later = await sweep(FRIDAY_EVENING + timedelta(days=3))
    assert (first.fired["order_overdue"], again.fired.get("order_overdue", 0)) == (1, 0)
    assert later.fired.get("order_overdue", 0) == 0
    [order] = await orders_of(world, number)
    assert order["state"] == "overdue"
    assert parse_time(order["overdue_at"]) == FRIDAY_EVENING + timedelta(minutes=1)
    # The school's leader and the inspector who issued it; not the handler, not other inspectors.
    assert sorted(await notices(sweep, number, "order_overdue")) == ["insp1", "lead1"]

    # The late answer still answers it; the archive keeps that it was overdue.
    assert (await world.action("hand1", number, "respond", text="已办结")).status_code == 200
    [order] = await orders_of(world, number)
    assert order["state"] == "answered" and order["overdue_at"] is not None


async def test_each_order_of_a_ticket_is_watched_on_its_own_deadline(world: World, sweep: Sweep) -> None:
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    monday = datetime(2026, 11, 23, 18, 0, tzinfo=SH)
    await supervise(world, number, due_at=FRIDAY_EVENING.isoformat())
    await supervise(world, number, user="cityinsp", due_at=monday.isoformat())
    await supervise(world, number, note="无期限")  # no deadline: never overdue
    await sweep(FRIDAY_EVENING + timedelta(hours=1))
    assert [o["state"] for o in await orders_of(world, number)] == ["open", "open", "overdue"]
    await sweep(monday + timedelta(hours=1))
    await sweep(monday + timedelta(days=30))
    assert [o["state"] for o in await orders_of(world, number)] == ["open", "overdue", "overdue"]
    told = await notices(sweep, number, "order_overdue")
    assert sorted(told) == ["cityinsp", "insp1", "lead1", "lead1"]  # one per order and person


async def test_an_answered_order_is_never_made_overdue(world: World, sweep: Sweep) -> None:
    receipt = await ticket_at(world, "assigned")
    await supervise(world, receipt["number"], due_at=FRIDAY_EVENING.isoformat())
    assert (await world.action("hand1", receipt["number"], "respond", text="已办")).status_code == 200
    report = await sweep(FRIDAY_EVENING + timedelta(hours=1))
    assert report.fired.get("order_overdue", 0) == 0
    assert await notices(sweep, receipt["number"], "order_overdue") == []


# ---- chase -----------------------------------------------------------------------------------


async def test_chase_tells_the_leader_and_the_assignee_again_and_is_logged(
    world: World, sweep: Sweep
) -> None:
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    before = (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}")).json()
    answer = await world.action("insp1", number, "chase", note="请今日内答复")
    assert answer.status_code == 200, answer.text
    after = answer.json()
    # Nothing on the ticket changes: status and version stay (a page open before still acts).
    assert (after["status"], after["version"]) == (before["status"], before["version"])
    assert sorted(await notices(sweep, number, "chased")) == ["hand1", "lead1"]
    await world.action("insp1", number, "chase")
    assert sorted(await notices(sweep, number, "chased")) == ["hand1", "hand1", "lead1", "lead1"]
    events = (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}/events")).json()
    chases = [e for e in events["items"] if e["action"] == "chase"]
    assert [(e["internal_note"], e["from_status"], e["to_status"]) for e in chases] == [
        ("请今日内答复", "assigned", "assigned"),
        (None, "assigned", "assigned"),
    ]
    assert events["chain_ok"] is True
    respond = await world.action("hand1", number, "respond", text="已答复", version=before["version"])
    assert respond.status_code == 200, respond.text
    # A chase is internal: the parent's timeline does not show it.
    public = await world.client.get(
        f"/api/v1/public/tickets/{number}", params={"code": receipt["access_code"]}
    )
    assert "chase" not in [item["action"] for item in public.json()["timeline"]]


async def test_chase_of_an_order_counts_on_the_order_and_names_it_in_the_archive(world: World) -> None:
    receipt = await ticket_at(world, "submitted")
    number = receipt["number"]
    await supervise(world, number)
    [order] = await orders_of(world, number)
    answer = await world.as_(
        "insp1", "POST", f"/api/v1/supervision/orders/{order['id']}/chase", json={"note": "再次催办"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["chases"] == 1 and answer.json()["chased_at"].endswith("+08:00")
    events = (await world.as_("insp1", "GET", f"/api/v1/tickets/{number}/events")).json()["items"]
    assert (events[-1]["action"], events[-1]["data"]) == ("chase", {"order_id": order["id"]})
    # No assignee yet: the leaders hear of it.
    listed = (await world.as_("lead1", "GET", "/api/v1/notifications")).json()["items"]
    assert "chased" in [n["rule"] for n in listed if n["ticket_number"] == number]


async def test_chase_of_an_answered_or_foreign_order_is_400_naming_order_id(world: World) -> None:
    one = await ticket_at(world, "assigned")
    other = await ticket_at(world, "assigned")
    await supervise(world, one["number"])
    await supervise(world, other["number"])
    [order] = await orders_of(world, one["number"])
    [foreign] = await orders_of(world, other["number"])
    answer = await world.action("insp1", one["number"], "chase", order_id=foreign["id"])
    assert_error(answer, 400, "order_id")
    await world.action("hand1", one["number"], "respond", text="已办")
    answer = await world.as_("insp1", "POST", f"/api/v1/supervision/orders/{order['id']}/chase", json={})
    assert_error(answer, 400, "order_id")
    answer = await world.action("insp1", one["number"], "chase", order_id="seven")
    assert_error(answer, 400, "order_id")


@pytest.mark.parametrize("status", ["archived", "inspected"])
async def test_chase_of_a_closed_ticket_is_409(world: World, status: str) -> None:
    receipt = await ticket_at(world, status)
    assert_error(await world.action("insp1", receipt["number"], "chase"), 409, "chase", status)


# ---- scope and roles -------------------------------------------------------------------------


async def test_another_districts_inspector_gets_404_everywhere(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    await supervise(world, number)
    [order] = await orders_of(world, number)
    for method, url, body in (
        ("GET", f"/api/v1/tickets/{number}/orders", None),
        ("GET", f"/api/v1/supervision/orders/{order['id']}", None),
        ("POST", f"/api/v1/supervision/orders/{order['id']}/chase", {}),
        ("POST", f"/api/v1/tickets/{number}/chase", {}),
        ("POST", f"/api/v1/tickets/{number}/supervise", {"note": "x"}),
    ):
        answer = await world.as_("insp2", method, url, json=body)
        assert answer.status_code == 404, (url, answer.text)
    listed = (await world.as_("insp2", "GET", "/api/v1/supervision/orders")).json()
    assert listed["items"] == [] and listed["counts"] == {"open": 0, "answered": 0, "overdue": 0}
    assert (await world.as_("insp2", "GET", "/api/v1/supervision/overdue")).json()["schools"] == []
    # The city reaches it.
    assert (
        await world.as_("cityinsp", "GET", f"/api/v1/supervision/orders/{order['id']}")
    ).status_code == 200


async def test_a_handler_is_refused_403_and_a_leader_may_not_chase(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await supervise(world, receipt["number"])
    [order] = await orders_of(world, receipt["number"])
    for url in (
        "/api/v1/supervision/orders",
        f"/api/v1/supervision/orders/{order['id']}",
        "/api/v1/supervision/overdue",
    ):
        assert_error(await world.as_("hand1", "GET", url), 403)
    assert_error(
        await world.as_("hand1", "POST", f"/api/v1/supervision/orders/{order['id']}/chase", json={}), 403
    )
    assert_error(await world.action("hand1", receipt["number"], "chase"), 403, "chase")
    assert_error(await world.action("lead1", receipt["number"], "chase"), 403, "chase")
    assert_error(
        await world.as_("lead1", "POST", f"/api/v1/supervision/orders/{order['id']}/chase", json={}), 403
    )


async def test_orders_in_scope_by_state_and_a_leader_sees_the_school_only(world: World, sweep: Sweep) -> None:
    s1 = await ticket_at(world, "assigned")
    s2 = await ticket_at(world, "assigned", school="s2")
    await supervise(world, s1["number"], due_at=FRIDAY_EVENING.isoformat())
    await supervise(world, s2["number"])
    await sweep(FRIDAY_EVENING + timedelta(minutes=1))
    everything = (await world.as_("insp1", "GET", "/api/v1/supervision/orders")).json()
    assert everything["counts"] == {"open": 1, "answered": 0, "overdue": 1}
    late = (await world.as_("insp1", "GET", "/api/v1/supervision/orders", params={"state": "overdue"})).json()
    assert [o["ticket_number"] for o in late["items"]] == [s1["number"]]
    mine = (await world.as_("lead1", "GET", "/api/v1/supervision/orders")).json()
    assert [o["ticket_number"] for o in mine["items"]] == [s1["number"]]
    assert_error(
        await world.as_("insp1", "GET", "/api/v1/supervision/orders", params={"state": "late"}), 400, "state"
    )
    assert (await world.as_("insp1", "GET", "/api/v1/supervision/orders/99999999999")).status_code == 404


# ---- the overdue board -----------------------------------------------------------------------


async def test_board_groups_the_late_tickets_by_school_with_working_days_and_holder(
    world: World, sweep: Sweep
) -> None:
    held = await ticket_at(world, "assigned")
    waiting = await ticket_at(world, "submitted")
    other = await ticket_at(world, "registered", school="s2")
    await world.submit("s3")  # another district
    monday = datetime(2026, 11, 30, 10, 0, tzinfo=SH)  # Thu 26, Fri 27, Mon 30: 3 working days
    world.clock.set(monday.astimezone(UTC))  # type: ignore[attr-defined]
    fresh = await world.submit("s1")  # not due yet: not on the board
    await supervise(world, held["number"], due_at=(monday + timedelta(days=1)).isoformat())
    await sweep(monday)  # the escalation rule fires for everything 2 working days past due
    board = (await world.as_("insp1", "GET", "/api/v1/supervision/overdue")).json()
    assert (board["total"], board["escalated"], board["truncated"]) == (3, 3, False)
    by_school = {g["school_code"]: g for g in board["schools"]}
    assert set(by_school) == {"s1", "s2"}
    lines = {i["number"]: i for g in board["schools"] for i in g["items"]}
    assert fresh["number"] not in lines
    assert {n: i["days_overdue"] for n, i in lines.items()} == {
        held["number"]: 3,
        waiting["number"]: 3,
        other["number"]: 3,
    }
    assert (lines[held["number"]]["holder"], lines[held["number"]]["pending_orders"]) == ("hand1老师", 1)
    assert (lines[waiting["number"]]["holder"], lines[waiting["number"]]["holder_role"]) == (None, "leader")
    assert lines[other["number"]]["holder_role"] == "registrar"
    assert parse_time(lines[held["number"]]["respond_due_at"]) == DUE
    # The board's tickets are the list's overdue tickets in the same scope.
    listed = await world.as_("insp1", "GET", "/api/v1/tickets", params={"overdue": "true", "limit": 100})
    assert {t["number"] for t in listed.json()["items"]} == set(lines)
    mine = (await world.as_("lead1", "GET", "/api/v1/supervision/overdue")).json()
    assert [g["school_code"] for g in mine["schools"]] == ["s1"]


async def test_the_order_rule_is_served_by_its_partial_index(
    world: World, connection: AsyncConnection
) -> None:
    """db/supervision.FIRE_OVERDUE repeats ix_supervision_orders_sweep's predicate: on a table of
    mostly answered orders, EXPLAIN reads the open ones through that index."""
    receipt = await ticket_at(world, "assigned")
    await connection.execute(
        text(
            """
            INSERT INTO supervision_orders (ticket_id, issued_by_name, issuer_org_id, note, due_at,
                                            state, created_at)
            SELECT t.id, '督查员', t.district_id, '督办', now() + (g - 2500) * interval '1 minute',
                   CASE WHEN g > 10 THEN 'answered' ELSE 'open' END, now()
            FROM generate_series(1, 5000) g JOIN tickets t ON t.number = :n
            """
        ),
        {"n": receipt["number"]},
    )
    await connection.execute(text("ANALYZE supervision_orders"))
    driver = await raw(connection)
    await driver.execute("SET LOCAL enable_seqscan = off")
    answer = await driver.fetchval(f"EXPLAIN (FORMAT JSON) {FIRE_OVERDUE}", datetime.now(UTC))
    plan = json.loads(answer) if isinstance(answer, str) else answer  # the session may decode json
    found: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        found.update([node["Index Name"]] if "Index Name" in node else [])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    assert "ix_supervision_orders_sweep" in found, plan


# ---- concurrency (requests and sweeps that really commit) --------------------------------------


async def _with_inspector(committed: Committed) -> None:  # noqa: F811
    answer = await committed.as_(
        "admin",
        "POST",
        "/api/v1/users",
        json={
            "username": committed.user("insp"),
            "password": PASSWORD,
            "display_name": "督查员",
            "roles": [{"role": "inspector", "org_code": f"d-{committed.tag}"}],
        },
    )
    assert answer.status_code == 201, answer.text


async def test_chases_racing_each_other_and_an_answer_all_land_in_one_chain(
    committed: Committed,  # noqa: F811
) -> None:
    """A chase writes no field of the ticket: it locks the row, so neither another chase nor the
    answer running at once takes the same seq, and the answer's version is not stale."""
    await _with_inspector(committed)
    receipt = await committed.ticket("assigned")
    number = receipt["number"]
    version = (await committed.as_("lead", "GET", f"/api/v1/tickets/{number}")).json()["version"]
    answers = await asyncio.gather(
        *(committed.action("insp", number, "chase", note=f"催办{i}") for i in range(4)),
        committed.action("hand", number, "respond", text="答复", version=version),
    )
    assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers if a.status_code != 200]
    log = (await committed.as_("lead", "GET", f"/api/v1/tickets/{number}/events")).json()
    assert log["chain_ok"] is True
    assert [e["seq"] for e in log["items"]] == list(range(1, len(log["items"]) + 1))
    assert [e["action"] for e in log["items"]].count("chase") == 4


async def test_two_sweeps_at_once_make_an_order_overdue_once(
    committed: Committed,  # noqa: F811
    settings: Settings,
) -> None:
    await _with_inspector(committed)
    receipt = await committed.ticket("assigned")
    number = receipt["number"]
    due = datetime.now(UTC) + timedelta(seconds=2)
    answer = await committed.action("insp", number, "supervise", note="限时办结", due_at=due.isoformat())
    assert answer.status_code == 200, answer.text
    later = due + timedelta(hours=1)

    async def one_sweep() -> reminders.SweepReport:
        async with make_sessionmaker(committed.engine)() as session:
            report = await reminders.sweep(Ctx(session, settings, Caches(), later))
            await session.commit()
            return report

    await asyncio.gather(one_sweep(), one_sweep(), one_sweep())
    await one_sweep()
    state = await committed.scalar(
        "SELECT o.state FROM supervision_orders o JOIN tickets t ON t.id = o.ticket_id WHERE t.number = :n",
        n=number,
    )
    told = await committed.scalar(
        "SELECT count(*) FROM notifications n JOIN tickets t ON t.id = n.ticket_id "
        "WHERE t.number = :n AND n.rule = 'order_overdue'",
        n=number,
    )
    assert (state, told) == ("overdue", 2)  # the leader and the issuer, once each


async def test_the_board_pages_through_every_late_ticket_and_filters_one_school(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = {(await ticket_at(world, "assigned", school=code))["number"] for code in ("s1", "s1", "s2")}
    world.clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=SH).astimezone(UTC))  # type: ignore[attr-defined]
    monkeypatch.setattr(supervision, "BOARD_LIMIT", 2)
    seen: list[str] = []
    params: dict[str, str] = {}
    for _ in range(3):
        board = (await world.as_("insp1", "GET", "/api/v1/supervision/overdue", params=params)).json()
        seen += [i["number"] for g in board["schools"] for i in g["items"]]
        if not board["truncated"]:
            break
        params = {"cursor": board["next_cursor"]}
    assert board["next_cursor"] is None
    assert sorted(seen) == sorted(late)  # each once, over two pages
    one = (
        await world.as_("insp1", "GET", "/api/v1/supervision/overdue", params={"school_code": "s2"})
    ).json()
    assert [g["school_code"] for g in one["schools"]] == ["s2"]
    assert_error(
        await world.as_("insp1", "GET", "/api/v1/supervision/overdue", params={"cursor": "nonsense"}),
        400,
        "cursor",
    )
