"""The archive: every action appends a chained event; the database refuses edits; forgery shows."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.models import AWAITING_SQL
from huixiang.domain.enums import AWAITING_RESPONSE

from .conftest import World
from .helpers import assert_error, parse_time, ticket_at


async def events_of(world: World, number: str, user: str = "lead1") -> dict:
    answer = await world.as_(user, "GET", f"/api/v1/tickets/{number}/events")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_events_record_each_action_with_actor_and_states(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    log = await events_of(world, receipt["number"])
    assert log["chain_ok"] is True
    items = log["items"]
    assert [e["seq"] for e in items] == [1, 2, 3, 4]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in items] == [
        ("intake", None, "collected"),
        ("register", "collected", "registered"),
        ("submit", "registered", "submitted"),
        ("assign", "submitted", "assigned"),
    ]
    assert [e["actor"] for e in items] == ["parent", "reg1老师", "reg1老师", "lead1老师"]
    assert [e["actor_role"] for e in items] == ["parent", "registrar", "registrar", "leader"]
    times = [e["at"] for e in items]
    assert times == sorted(times)
    assert {"seq", "at", "action", "actor", "from_status", "to_status", "note", "internal_note"} <= set(
        items[0]
    )


async def test_events_keep_internal_note_for_staff(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await world.action("hand1", receipt["number"], "respond", text="答复", internal_note="内部核查记录")
    log = await events_of(world, receipt["number"], "hand1")
    assert log["items"][-1]["internal_note"] == "内部核查记录"
    assert log["chain_ok"] is True


async def test_update_of_event_is_refused_by_the_database(world: World, connection: AsyncConnection) -> None:
    receipt = await ticket_at(world, "registered")
    for statement in (
        "UPDATE ticket_events SET note = 'forged' WHERE seq = 1",
        "DELETE FROM ticket_events WHERE seq = 2",
        "TRUNCATE ticket_events CASCADE",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with connection.begin_nested():
                await connection.execute(text(statement))
    log = await events_of(world, receipt["number"])
    assert [e["note"] for e in log["items"]] == [None, None]
    assert len(log["items"]) == 2 and log["chain_ok"] is True


async def test_events_forged_extra_row_makes_chain_not_ok(world: World, connection: AsyncConnection) -> None:
    receipt = await ticket_at(world, "registered")
    await connection.execute(
        text(
            "INSERT INTO ticket_events (ticket_id, seq, at, action, actor, actor_role, from_status, "
            "to_status, note, prev_hash, hash) "
            "SELECT t.id, 3, now(), 'respond', 'reg1老师', 'registrar', 'registered', 'responded', "
            "'forged', e.hash, decode(repeat('ab', 32), 'hex') "
            "FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id AND e.seq = 2 "
            "WHERE t.number = :number"
        ),
        {"number": receipt["number"]},
    )
    log = await events_of(world, receipt["number"])
    assert len(log["items"]) == 3
    assert log["chain_ok"] is False


async def test_events_forged_row_with_wrong_link_makes_chain_not_ok(
    world: World, connection: AsyncConnection
) -> None:
    """A well-formed hash over the wrong previous hash (an event slipped in) also shows."""
    receipt = await ticket_at(world, "registered")
    await connection.execute(
        text(
            "INSERT INTO ticket_events (ticket_id, seq, at, action, actor, actor_role, from_status, "
            "to_status, prev_hash, hash) "
            "SELECT t.id, 3, now(), 'archive', 'x', 'leader', 'registered', 'archived', "
            "decode(repeat('00', 32), 'hex'), e.hash "
            "FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id AND e.seq = 2 "
            "WHERE t.number = :number"
        ),
        {"number": receipt["number"]},
    )
    assert (await events_of(world, receipt["number"]))["chain_ok"] is False


async def test_events_of_other_school_return_404(world: World) -> None:
    receipt = await world.submit("s2")
    assert_error(await world.as_("lead1", "GET", f"/api/v1/tickets/{receipt['number']}/events"), 404)


async def test_events_chain_stays_ok_through_rework_and_merge(world: World) -> None:
    primary = await ticket_at(world, "archived")
    await world.action("insp1", primary["number"], "inspect", verdict="fail", note="整改")
    await world.action("hand1", primary["number"], "respond", text="再答复")
    duplicate = await world.submit()
    open_primary = await world.submit()
    await world.action("reg1", duplicate["number"], "merge", into=open_primary["number"])
    for number in (primary["number"], duplicate["number"], open_primary["number"]):
        assert (await events_of(world, number))["chain_ok"] is True


# ---- what each change keeps ---------------------------------------------------------------------


async def test_assign_events_name_each_assignee_and_the_one_before(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await world.action("lead1", receipt["number"], "assign", assignee="hand1b")
    assigns = [e for e in (await events_of(world, receipt["number"]))["items"] if e["action"] == "assign"]
    assert [e["data"] for e in assigns] == [
        {"assignee": "hand1", "assignee_name": "hand1老师", "previous": None},
        {"assignee": "hand1b", "assignee_name": "hand1b老师", "previous": "hand1"},
    ]


async def test_respond_unsatisfied_respond_again_keeps_both_answers(world: World) -> None:
    receipt = await ticket_at(world, "responded")  # answered "已处理，感谢您的反馈。"
    rated = await world.client.post(
        f"/api/v1/public/tickets/{receipt['number']}/rating",
        json={"code": receipt["access_code"], "value": "unsatisfied", "comment": "没解决"},
    )
    assert rated.status_code == 200 and rated.json()["status"] == "assigned"
    again = await world.action("hand1", receipt["number"], "respond", text="已更换厨师，菜品减盐。")
    assert again.status_code == 200, again.text
    log = await events_of(world, receipt["number"])
    assert log["chain_ok"] is True
    answers = [e["data"]["text"] for e in log["items"] if e["action"] == "respond"]
    assert answers == ["已处理，感谢您的反馈。", "已更换厨师，菜品减盐。"]
    rating = [e for e in log["items"] if e["action"] == "rate"]
    assert [(e["data"], e["to_status"]) for e in rating] == [({"value": "unsatisfied"}, "assigned")]


async def test_respond_reopen_respond_keeps_both_answers(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    await world.action("lead1", receipt["number"], "reopen", reason="答复不完整")
    await world.action("hand1", receipt["number"], "respond", text="补充答复")
    answers = [
        e["data"]["text"]
        for e in (await events_of(world, receipt["number"]))["items"]
        if e["action"] == "respond"
    ]
    assert answers == ["已处理，感谢您的反馈。", "补充答复"]


async def test_extend_event_keeps_old_and_new_deadline(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    old = parse_time(receipt["respond_due_at"])
    new = old + timedelta(days=1)
    await world.action("lead1", receipt["number"], "extend", respond_due_at=new.isoformat(), reason="取证")
    extend = (await events_of(world, receipt["number"]))["items"][-1]
    assert extend["action"] == "extend" and extend["internal_note"] == "取证"
    assert [parse_time(extend["data"]["from"]), parse_time(extend["data"]["to"])] == [old, new]
    assert extend["data"]["from"].endswith("+08:00") and extend["data"]["to"].endswith("+08:00")


async def test_every_supervision_order_is_kept(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    first = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    await world.action("insp1", receipt["number"], "supervise", note="三日内办结", due_at=first.isoformat())
    await world.action("cityinsp", receipt["number"], "supervise", note="市局督办：加快办理")
    orders = [
        (e["actor"], e["internal_note"], e["data"])
        for e in (await events_of(world, receipt["number"]))["items"]
        if e["action"] == "supervise"
    ]
    # Each event names its order (a record of its own since issue 10: test_supervision.py).
    order_ids = [data.pop("order_id") for _, _, data in orders]
    assert orders == [
        ("insp1老师", "三日内办结", {"due_at": "2026-11-21T02:00:00+08:00"}),
        ("cityinsp老师", "市局督办：加快办理", {"due_at": None}),
    ]
    listed = (await world.as_("insp1", "GET", f"/api/v1/tickets/{receipt['number']}/orders")).json()
    assert [o["id"] for o in listed["items"]] == order_ids[::-1]  # newest first
    ticket = (await world.as_("lead1", "GET", f"/api/v1/tickets/{receipt['number']}")).json()
    assert ticket["supervision"] == {"note": "市局督办：加快办理", "due_at": None}  # the order in force


async def test_awaiting_indexes_on_the_database_cover_exactly_the_awaiting_statuses(
    connection: AsyncConnection,
) -> None:
    """The partial indexes the migrations wrote (by hand) and AWAITING_RESPONSE agree."""
    rows = (
        await connection.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets' AND indexname IN "
                "('ix_tickets_open_due', 'ix_tickets_sweep_due_soon', 'ix_tickets_sweep_overdue', "
                "'ix_tickets_sweep_escalated')"
            )
        )
    ).all()
    assert len(rows) == 4
    for name, definition in rows:
        assert set(re.findall(r"'(\w+)'::", definition)) == {s.value for s in AWAITING_RESPONSE}, name
    assert set(re.findall(r"'(\w+)'", AWAITING_SQL)) == {s.value for s in AWAITING_RESPONSE}
