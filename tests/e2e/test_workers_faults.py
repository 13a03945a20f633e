"""Reminders and their delivery under faults, with real processes: `huixiang scheduler` and
`huixiang worker` as children, a redis-server of the test's own that the test flushes, kills and
restarts, and PostgreSQL (a database per test; an embedded server that the test restarts).

What must hold (DESIGN.md, "Workers: reminders and escalation"): at most one notification per
ticket, rule, recipient and deadline, enforced by the database; no reminder is lost — what must
be sent is derived from the database, and the sweep sends again whatever is still due; intake
keeps working while Redis is down.

Deliveries are observed from outside: each org unit's WeCom robot points at a receiver in this
process that records every POST. Users with `sms` get SMS deliveries through the logging
provider, which are checked in the database (a `sent` delivery with exactly one `sent` attempt).
"""

from __future__ import annotations

import asyncio
import signal
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar.testing import AsyncTestClient

from huixiang import queue
from huixiang.app import create_app
from huixiang.domain.enums import Action, Kind
from huixiang.services import intake, reminders, tickets
from huixiang.services import schemas as s
from huixiang.services.context import Ctx
from huixiang.services.reference import clock_for
from huixiang.settings import Settings

from .faults import (
    TICKETS,
    Database,
    Receiver,
    RedisServer,
    World,
    expected_notices,
    in_ctx,
    processes,
    settings_for,
    wait_until,
)

pytestmark = pytest.mark.slow

# --- what the tests look at --------------------------------------------------------------------


async def ticket_deliveries_expected(database: Database, world: World) -> int:
    """Deliveries the overdue tickets must get: three robot posts each (school: register overdue
    and overdue; district: escalated) and an SMS per notified user who asked for SMS."""
    rows = await database.fetch(TICKETS)
    sms = {
        user_id
        for (user_id,) in await database.fetch("SELECT id FROM users WHERE 'sms' = ANY(notify_channels)")
    }
    notices = expected_notices(world, rows)
    return 3 * len(rows) + sum(n for (_, _, user), n in notices.items() if user in sms)


async def settled(database: Database, world: World) -> bool:
    """Every delivery the tickets need is decided, and nothing is pending any more."""
    row = (
        await database.fetch(
            "SELECT count(*) FILTER (WHERE ticket_id IS NOT NULL) AS decided, "
            "count(*) FILTER (WHERE status = 'pending') AS pending FROM deliveries"
        )
    )[0]
    return row["decided"] == await ticket_deliveries_expected(database, world) and row["pending"] == 0


async def assert_each_once(
    database: Database, world: World, receiver: Receiver, interrupted: Counter[tuple[str, str]] | None = None
) -> None:
    """Notices, deliveries and robot posts: each exactly once. `interrupted`: the posts that were
    in flight when a worker was killed; those alone may have reached the robot twice."""
    tickets_ = await database.fetch(TICKETS)
    assert tickets_, "no tickets seeded"

    notices = await database.fetch(
        "SELECT ticket_id, rule, user_id, deadline_at FROM notifications WHERE ticket_id IS NOT NULL"
    )
    assert Counter((n["ticket_id"], n["rule"], n["user_id"]) for n in notices) == expected_notices(
        world, tickets_
    )

    deliveries = await database.fetch(
        "SELECT d.id, d.ticket_id, d.rule, d.recipient, d.channel, d.target, d.subject, d.body, d.status, "
        "d.attempts, (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id "
        "             AND a.outcome = 'sent') AS sent_attempts FROM deliveries d"
    )
    assert {d["status"] for d in deliveries} == {"sent"}, [
        dict(d) for d in deliveries if d["status"] != "sent"
    ]
    assert all(d["sent_attempts"] == 1 for d in deliveries), [
        dict(d) for d in deliveries if d["sent_attempts"] != 1
    ]
    for_tickets = [d for d in deliveries if d["ticket_id"] is not None]
    assert len(for_tickets) == await ticket_deliveries_expected(database, world)

    robots = Counter(
        (urlsplit(d["target"]).path, f"{d['subject']}\n{d['body']}")
        for d in deliveries
        if d["channel"] == "wecom"
    )
    assert len(robots) == 3 * len(tickets_) and set(robots.values()) == {1}
    received = receiver.counts()
    assert set(received) == set(robots), "the robots got other posts than the deliveries decided"
    twice = {key: n for key, n in received.items() if n > 1}
    allowed = interrupted or Counter()
    assert all(n == 2 and key in allowed for key, n in twice.items()), (
        f"posts received more than once: {twice}; interrupted by the kill: {dict(allowed)}"
    )


async def wait_settled(database: Database, world: World, running: Any, within: float = 30) -> None:
    try:
        await wait_until(lambda: settled(database, world), "every delivery sent", within)
    except AssertionError as exc:
        rows = await database.fetch(
            "SELECT status, count(*) AS n, max(last_error) AS error FROM deliveries GROUP BY status"
        )
        raise AssertionError(f"{exc}\ndeliveries: {[dict(r) for r in rows]}\n{running.logs()}") from None


async def sweep_again(
    running: Any, redis_server: RedisServer, *schedulers: str, dead: frozenset[bytes] = frozenset()
) -> None:
    """Two more sweeps by each scheduler over the settled state (so at least one whole sweep
    started after it), then the queue drained: whatever they sent, the workers have run, and the
    checks that follow see it. `dead`: messages a killed worker held, which dramatiq hands out
    again only after a minute (each then finds its delivery done)."""
    done = {name: running.sweeps(name) for name in schedulers}

    async def swept() -> bool:
        return all(running.sweeps(name) >= done[name] + 2 for name in schedulers)

    async def drained() -> bool:
        return redis_server.message_ids() <= dead

    await wait_until(swept, f"two more sweeps by {', '.join(schedulers)}")
    await wait_until(drained, "the queue drained")


# --- 1. two schedulers and two workers at once --------------------------------------------------


async def test_two_schedulers_two_workers_notify_each_ticket_rule_recipient_once(
    database: Database,
    world: World,
    receiver: Receiver,
    redis_server: RedisServer,
    fault_settings: Settings,
    tmp_path: Path,
) -> None:
    await world.overdue_tickets(30)
    with processes(fault_settings, tmp_path) as running:
        running.scheduler("scheduler-a")
        running.scheduler("scheduler-b")
        running.worker("worker-a")
        running.worker("worker-b")
        await wait_settled(database, world, running)
        await sweep_again(running, redis_server, "scheduler-a", "scheduler-b")
    await assert_each_once(database, world, receiver)


# --- 2. the same message delivered again ---------------------------------------------------------


async def test_same_delivery_message_twice_posts_once(
    database: Database,
    world: World,
    receiver: Receiver,
    redis_server: RedisServer,
    fault_settings: Settings,
    tmp_path: Path,
) -> None:
    await world.overdue_tickets(2)
    report = await in_ctx(fault_settings, reminders.sweep)  # decided and committed, not yet sent
    ids = report.deliveries
    assert ids
    receiver.delay = 0.5  # so that a worker's two threads hold both copies of a message at once
    try:
        # each message twice, one right after the other: the copies run concurrently
        assert await queue.send_deliveries(redis_server.url, [i for i in ids for _ in range(2)])
        assert redis_server.queued() == 2 * len(ids)
        with processes(fault_settings, tmp_path) as running:
            running.worker()
            await wait_settled(database, world, running)
            await wait_until(lambda: _drained(redis_server), "the queue drained")
            # and once more after everything was sent: each copy finds nothing to do
            assert await queue.send_deliveries(redis_server.url, ids)
            await wait_until(lambda: _drained(redis_server), "the queue drained again")
    finally:
        queue.broker_for(redis_server.url).client.close()  # this process's own cached broker
        queue.broker_for.cache_clear()
    await assert_each_once(database, world, receiver)


async def _drained(redis_server: RedisServer) -> bool:
    return redis_server.queued() == 0


# --- 3. a worker killed in the middle of a message ----------------------------------------------


async def test_worker_killed_mid_message_every_delivery_still_sent(
    database: Database,
    world: World,
    receiver: Receiver,
    redis_server: RedisServer,
    fault_settings: Settings,
    tmp_path: Path,
) -> None:
    """SIGKILL to the worker (its whole process group) while it waits for a robot's answer. The
    delivery's transaction dies with the worker, so the row is still pending, and the scheduler's
    next sweep sends it again to the new worker. The robot may therefore see an interrupted post
    twice: it had received the request when the sender died, and no sender can know that. External
    delivery is at least once; in-app notices and the record of deliveries are exactly once."""
    await world.overdue_tickets(4)
    receiver.delay = 3.0
    with processes(fault_settings, tmp_path) as running:
        running.scheduler()
        first = running.worker("worker-1")
        await wait_until(_posted(receiver, 1), "a robot post in flight", within=30, every=0.05)
        # The worker's second thread usually holds a post too by now; the kill may cut one or two.
        with suppress(AssertionError):
            await wait_until(_posted(receiver, 2), "a second post in flight", within=2, every=0.05)
        running.kill(first, signal.SIGKILL)
        interrupted, held = receiver.counts(), frozenset(redis_server.message_ids())
        assert first.returncode == -signal.SIGKILL
        receiver.delay = 0.0
        pending = await database.value("SELECT count(*) FROM deliveries WHERE status = 'pending'")
        assert pending >= len(interrupted), "an interrupted delivery was marked sent"
        running.worker("worker-2")
        await wait_settled(database, world, running)
        await sweep_again(running, redis_server, "scheduler", dead=held)
    await assert_each_once(database, world, receiver, interrupted)


def _posted(receiver: Receiver, posts: int) -> Any:
    async def check() -> bool:
        return sum(receiver.counts().values()) >= posts

    return check


# --- 4. Redis flushed, then Redis killed and restarted ------------------------------------------


async def test_redis_flushed_and_restarted_every_delivery_sent_once(
    database: Database,
    world: World,
    receiver: Receiver,
    redis_server: RedisServer,
    fault_settings: Settings,
    tmp_path: Path,
) -> None:
    await world.overdue_tickets(3)
    with processes(fault_settings, tmp_path) as running:
        scheduler = running.scheduler()
        # no worker yet: the sweep decides the deliveries and queues them, and the queue is lost
        await wait_until(_queued(redis_server), "deliveries queued")
        redis_server.flushall()
        running.worker()
        await wait_settled(database, world, running)

        # Redis dies while new tickets come in and their reminders are decided
        redis_server.stop(signal.SIGKILL)
        await world.overdue_tickets(3)
        await wait_until(_decided(database, world), "the new deliveries decided while Redis is down")
        await wait_until(_logged(running, "scheduler", "could not enqueue"), "a failed enqueue logged")
        assert await database.value("SELECT count(*) FROM deliveries WHERE status = 'pending'") > 0
        redis_server.start()  # empty: every message queued before is gone
        await wait_settled(database, world, running)
        await sweep_again(running, redis_server, "scheduler")
        assert scheduler.poll() is None
    await assert_each_once(database, world, receiver)


def _queued(redis_server: RedisServer) -> Any:
    async def check() -> bool:
        return redis_server.queued() > 0

    return check


def _decided(database: Database, world: World) -> Any:
    async def check() -> bool:
        decided = await database.value("SELECT count(*) FROM deliveries WHERE ticket_id IS NOT NULL")
        return bool(decided == await ticket_deliveries_expected(database, world))

    return check


def _logged(running: Any, name: str, text: str) -> Any:
    async def check() -> bool:
        return text in running.log_of(name)

    return check


# --- 5. PostgreSQL restarted between sweeps ------------------------------------------------------


@pytest.fixture
def embedded_postgres(tmp_path: Path) -> Iterator[Any]:
    import pgserver

    server = pgserver.get_server(Path(tempfile.mkdtemp(prefix="hx-fault-pg-")), cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()


async def test_postgres_restarted_between_sweeps_every_delivery_sent_once(
    embedded_postgres: Any, redis_server: RedisServer, receiver: Receiver, tmp_path: Path
) -> None:
    from pgserver._commands import pg_ctl

    database = Database(str(embedded_postgres.get_uri()))
    await database.create()
    try:
        (tmp_path / "data").mkdir()
        settings = settings_for(database.url, redis_server.url, tmp_path / "data")
        world = await World(settings).seed(receiver)
        await world.overdue_tickets(3)
        with processes(settings, tmp_path) as running:
            scheduler = running.scheduler()
            worker = running.worker()
            await wait_settled(database, world, running)

            await asyncio.to_thread(
                pg_ctl,
                ["-w", "-m", "fast", "stop"],
                pgdata=embedded_postgres.pgdata,
                user=embedded_postgres.system_user,
            )
            await wait_until(_logged(running, "scheduler", "sweep failed"), "a sweep failing", within=15)
            await asyncio.to_thread(embedded_postgres.ensure_postgres_running)

            await world.overdue_tickets(3)
            await wait_settled(database, world, running)
            await sweep_again(running, redis_server, "scheduler")
            assert scheduler.poll() is None and worker.poll() is None
        await assert_each_once(database, world, receiver)
    finally:
        await database.drop()


# --- 6. intake while Redis is down --------------------------------------------------------------


async def test_intake_and_answer_while_redis_down_then_parent_sms_sent(
    database: Database,
    world: World,
    redis_server: RedisServer,
    fault_settings: Settings,
    tmp_path: Path,
) -> None:
    redis_server.stop(signal.SIGKILL)
    app = create_app(fault_settings)
    async with AsyncTestClient(app=app) as client:
        body = {
            "school_code": "s1",
            "kind": "complaint",
            "category": "教育教学",
            "content": "孩子说最近作业太多，睡得很晚。",
            "consent": True,
            "contact": {"name": "王女士", "phone": "13812341234", "relation": "母亲"},
        }
        receipts = []
        for _ in range(3):
            answer = await client.post("/api/v1/public/tickets", json=body)
            assert answer.status_code == 201, answer.text
            receipts.append(answer.json())
        number = receipts[0]["number"]

        async def act(username: str, action: str, **payload: Any) -> None:
            login = await client.post(
                "/api/v1/auth/login", json={"username": username, "password": "password-123"}
            )
            assert login.status_code == 200, login.text
            client.cookies.clear()
            answer = await client.post(
                f"/api/v1/tickets/{number}/{action}",
                json=payload,
                headers={"Authorization": f"Bearer {login.json()['token']}"},
            )
            assert answer.status_code == 200, answer.text

        await act("reg1", "register")
        await act("reg1", "submit")
        await act("lead1", "assign", assignee="hand1")
        await act("hand1", "respond", text="已与班主任沟通，调整作业量。")

    assert await database.value("SELECT count(*) FROM tickets") == 3
    [answered] = await database.fetch(
        "SELECT d.id, d.channel, d.target, d.status FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
        "WHERE t.number = $1 AND d.rule = 'answered'",
        number,
    )
    assert (answered["channel"], answered["target"], answered["status"]) == ("sms", "13812341234", "pending")

    redis_server.start()
    with processes(fault_settings, tmp_path) as running:
        running.worker()
        running.scheduler()

        async def sent() -> bool:
            status = await database.value("SELECT status FROM deliveries WHERE id = $1", answered["id"])
            return bool(status == "sent")

        try:
            await wait_until(sent, "the parent's SMS sent")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{running.logs()}") from None
    assert (
        await database.value(
            "SELECT count(*) FROM delivery_attempts WHERE delivery_id = $1 AND outcome = 'sent'",
            answered["id"],
        )
        == 1
    )


# --- 7. an extension re-arms the rules ----------------------------------------------------------


async def test_extension_rearms_due_soon_for_the_new_deadline(
    fault_settings: Settings, database: Database
) -> None:
    world = await World(fault_settings).seed(None)
    monday = datetime(2025, 3, 3, 9, 0, tzinfo=fault_settings.timezone)  # a working day

    async def submit(ctx: Ctx) -> s.IntakeReceipt:
        return await intake.intake(
            ctx,
            s.PublicTicketCreate(
                school_code="s1", kind=Kind.COMPLAINT, category="教育教学", content="作业太多", consent=True
            ),
        )

    receipt = await in_ctx(fault_settings, submit, monday)
    number, due = receipt.number, receipt.respond_due_at
    p = world.principals
    for username, action, request in (
        ("reg1", Action.REGISTER, s.RegisterRequest()),
        ("reg1", Action.SUBMIT, s.NoteRequest()),
        ("lead1", Action.ASSIGN, s.AssignRequest(assignee="hand1")),
    ):
        await in_ctx(
            fault_settings,
            lambda ctx, u=username, a=action, r=request: tickets.act(ctx, p[u], number, a, r),
            monday + timedelta(hours=1),
        )

    async def due_soon() -> list[tuple[int, datetime]]:
        rows = await database.fetch(
            "SELECT n.user_id, n.deadline_at FROM notifications n JOIN tickets t ON t.id = n.ticket_id "
            "WHERE t.number = $1 AND n.rule = 'due_soon' ORDER BY n.deadline_at",
            number,
        )
        return [(r["user_id"], r["deadline_at"]) for r in rows]

    async def fired() -> set[tuple[str, int, datetime]]:
        rows = await database.fetch(
            "SELECT n.rule, n.user_id, n.deadline_at, count(*) OVER (PARTITION BY n.rule, n.user_id, "
            "n.deadline_at) AS n FROM notifications n JOIN tickets t ON t.id = n.ticket_id "
            "WHERE t.number = $1 AND n.rule NOT IN ('new_ticket', 'assigned')",  # the sweep's only
            number,
        )
        assert all(r["n"] == 1 for r in rows)
        return {(r["rule"], r["user_id"], r["deadline_at"]) for r in rows}

    async def sweep(at: datetime) -> None:
        await in_ctx(fault_settings, reminders.sweep, at)

    hand1 = world.user_ids["hand1"]
    before = due - timedelta(hours=1)
    await sweep(before)
    await sweep(before)  # repeated: nothing more
    assert await due_soon() == [(hand1, due)]

    async def extend(ctx: Ctx) -> Any:
        org_path = (await database.fetch("SELECT path FROM orgs WHERE code = 's1'"))[0]["path"]
        new_due = (await clock_for(ctx, org_path)).after_workdays(due, 1)
        await tickets.act(
            ctx,
            p["lead1"],
            number,
            Action.EXTEND,
            s.ExtendRequest(respond_due_at=new_due, reason="需要家访核实"),
        )
        return new_due

    new_due = await in_ctx(fault_settings, extend, before)
    await sweep(before)  # the new deadline is not yet one working day away
    assert await due_soon() == [(hand1, due)]
    for at in (due + timedelta(hours=1), due + timedelta(hours=1), new_due - timedelta(hours=1)):
        await sweep(at)  # past the old deadline: not overdue; due soon again, for the new one
    assert await due_soon() == [(hand1, due), (hand1, new_due)]
    assert await fired() == {("due_soon", hand1, due), ("due_soon", hand1, new_due)}

    for _ in range(2):
        await sweep(new_due + timedelta(hours=1))  # now overdue, once, for the new deadline
    overdue = {("overdue", world.user_ids[u], new_due) for u in ("hand1", "lead1")}
    assert await fired() == {("due_soon", hand1, due), ("due_soon", hand1, new_due)} | overdue
    sms = await database.fetch(
        "SELECT d.deadline_at FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
        "WHERE t.number = $1 AND d.rule = 'due_soon' AND d.channel = 'sms' ORDER BY d.deadline_at",
        number,
    )
    assert [r["deadline_at"] for r in sms] == [due, new_due]
