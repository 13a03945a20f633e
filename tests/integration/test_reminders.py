"""The deadline sweep in process, on the test's rolled-back transaction: each rule fires once per
ticket, recipient and deadline; extensions re-arm; the outbox is filled and delivered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.engine import make_sessionmaker
from huixiang.services import delivery, reminders
from huixiang.services.channels import MAX_ATTEMPTS, DeliveryFailed, LoggingSmsProvider, Message, SmsChannel
from huixiang.services.context import Caches, Ctx
from huixiang.services.reminders import REQUEUE_AFTER
from huixiang.settings import Settings

from .conftest import World

T = TypeVar("T")
SH = ZoneInfo("Asia/Shanghai")


class Run:
    """Service calls as of a chosen instant, on the test's connection."""

    def __init__(self, settings: Settings, connection: AsyncConnection) -> None:
        self.settings, self.connection, self.caches = settings, connection, Caches()

    async def __call__(self, now: datetime, work: Callable[[Ctx], Awaitable[T]]) -> T:
        async with make_sessionmaker(self.connection)() as session:
            result = await work(Ctx(session, self.settings, self.caches, now))
            await session.commit()
            return result

    async def sweep(self, now: datetime) -> reminders.SweepReport:
        return await self(now, reminders.sweep)

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        return list((await self.connection.execute(text(sql), params)).all())


@pytest.fixture
def run(settings: Settings, connection: AsyncConnection) -> Run:
    return Run(settings, connection)


async def notices_for(run: Run, number: str) -> list[tuple[str, str, datetime]]:
    """The sweep's notices about a ticket (not the ones intake and assign send at once)."""
    rows = await run.rows(
        "SELECT n.rule, u.username, n.deadline_at FROM notifications n JOIN users u ON u.id = n.user_id "
        "JOIN tickets t ON t.id = n.ticket_id WHERE t.number = :number "
        "AND n.rule NOT IN ('new_ticket', 'assigned') ORDER BY n.id",
        number=number,
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def assigned_ticket(world: World) -> dict[str, Any]:
    receipt = await world.submit()
    number = receipt["number"]
    for user, action, body in (
        ("reg1", "register", {}),
        ("reg1", "submit", {}),
        ("lead1", "assign", {"assignee": "hand1"}),
    ):
        answer = await world.action(user, number, action, **body)
        assert answer.status_code == 200, answer.text
    return receipt


async def responded(world: World, run: Run) -> tuple[dict[str, Any], int]:
    """An assigned ticket its handler responded to, and the one delivery that response queued."""
    receipt = await assigned_ticket(world)
    assert (await world.action("hand1", receipt["number"], "respond", text="已处理")).status_code == 200
    [(delivery_id,)] = await run.rows(
        "SELECT d.id FROM deliveries d JOIN tickets t ON t.id = d.ticket_id WHERE t.number = :n",
        n=receipt["number"],
    )
    return receipt, delivery_id


def due(receipt: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(receipt["respond_due_at"])


async def test_sweep_due_soon_overdue_escalated_each_fire_once_for_the_right_people(
    world: World, run: Run
) -> None:
    receipt = await assigned_ticket(world)
    number, deadline = receipt["number"], due(receipt)

    await run.sweep(deadline - timedelta(days=4))  # Thursday before a Monday deadline: not yet
    assert await notices_for(run, number) == []
    await run.sweep(deadline - timedelta(days=3, minutes=1))  # Friday 17:59: still 2 working days out
    assert await notices_for(run, number) == []

    await run.sweep(deadline - timedelta(hours=2))
    await run.sweep(deadline - timedelta(hours=1))  # repeated: nothing new
    assert await notices_for(run, number) == [("due_soon", "hand1", deadline)]

    after = deadline + timedelta(minutes=1)
    await run.sweep(after)
    await run.sweep(after + timedelta(minutes=1))
    overdue = sorted(n[1] for n in await notices_for(run, number) if n[0] == "overdue")
    assert overdue == ["hand1", "lead1"]
    assert not [n for n in await notices_for(run, number) if n[0] == "escalated"]

    await run.sweep(deadline + timedelta(days=5))  # well past 2 working days
    escalated = [n for n in await notices_for(run, number) if n[0] == "escalated"]
    assert [n[1] for n in escalated] == ["insp1"]  # the district's inspector, nobody else
    assert len(await notices_for(run, number)) == 4
    board = await world.as_("cityinsp", "GET", "/api/v1/tickets", params={"escalated": "true"})
    assert [t["number"] for t in board.json()["items"]] == [number]


async def test_sweep_escalates_only_after_two_working_days(world: World, run: Run) -> None:
    receipt = await assigned_ticket(world)
    number, deadline = receipt["number"], due(receipt)
    # The respond deadline is 18:00 on a working day; two working days later at 18:00 is the line.
    local = deadline.astimezone(SH)
    assert local.hour == 18
    from huixiang.domain.deadlines import WorkCalendar

    line_day = WorkCalendar().shift(local.date(), 2)
    line = datetime.combine(line_day, local.timetz().replace(tzinfo=None), tzinfo=SH)
    await run.sweep(line - timedelta(minutes=1))
    assert not [n for n in await notices_for(run, number) if n[0] == "escalated"]
    await run.sweep(line + timedelta(minutes=1))
    assert [n for n in await notices_for(run, number) if n[0] == "escalated"]


async def test_sweep_register_overdue_goes_to_registrar_and_leader(world: World, run: Run) -> None:
    receipt = await world.submit()
    register_due = datetime.fromisoformat(receipt["register_due_at"])
    await run.sweep(register_due + timedelta(minutes=5))
    got = sorted(n[1] for n in await notices_for(run, receipt["number"]) if n[0] == "register_overdue")
    assert got == ["lead1", "reg1"]


async def test_sweep_after_extension_rearms_due_soon_for_the_new_deadline(world: World, run: Run) -> None:
    receipt = await assigned_ticket(world)
    number, deadline = receipt["number"], due(receipt)
    await run.sweep(deadline - timedelta(hours=1))
    later = deadline + timedelta(days=7)
    extended = await world.action(
        "lead1", number, "extend", respond_due_at=later.isoformat(), reason="需调查"
    )
    assert extended.status_code == 200, extended.text
    await run.sweep(deadline - timedelta(minutes=30))  # old deadline: nothing again
    await run.sweep(later - timedelta(hours=1))
    due_soon = [n for n in await notices_for(run, number) if n[0] == "due_soon"]
    assert [(n[1], n[2]) for n in due_soon] == [("hand1", deadline), ("hand1", later)]


async def test_sweep_archives_after_rating_window_by_system_with_valid_chain(world: World, run: Run) -> None:
    receipt = await assigned_ticket(world)
    number = receipt["number"]
    assert (await world.action("hand1", number, "respond", text="已处理")).status_code == 200
    responded_at = (await run.rows("SELECT responded_at FROM tickets WHERE number = :n", n=number))[0][0]
    report = await run.sweep(responded_at + timedelta(days=6))
    assert (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}")).json()["status"] == "responded"
    report = await run.sweep(responded_at + timedelta(days=7, minutes=1))
    assert report.archived >= 1
    events = (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}/events")).json()
    assert events["chain_ok"] is True
    assert (events["items"][-1]["action"], events["items"][-1]["actor_role"]) == ("archive", "system")
    assert (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}")).json()["status"] == "archived"


async def test_sweep_digest_once_per_working_morning_for_each_leader(world: World, run: Run) -> None:
    await assigned_ticket(world)
    monday = datetime(2026, 11, 23, 8, 30, tzinfo=SH)  # a working day
    await run.sweep(monday.replace(hour=7))  # before 08:00: no digest
    # Only the world's leaders: tests on committing connections leave bureaus of their own.
    digests = (
        "SELECT u.username, n.data FROM notifications n JOIN users u ON u.id = n.user_id "
        "WHERE n.rule = 'digest' AND u.username IN ('lead1', 'lead2', 'leadd1', 'reg1', 'hand1')"
    )
    assert await run.rows(digests) == []
    await run.sweep(monday)
    await run.sweep(monday + timedelta(hours=2))
    first = await run.rows(digests)
    leaders = sorted(r[0] for r in first)
    assert leaders == ["lead1", "lead2", "leadd1"]
    lead1 = next(r[1] for r in first if r[0] == "lead1")
    assert lead1["open"] >= 1 and "待办" in lead1["body"]
    await run.sweep(datetime(2026, 11, 28, 9, 0, tzinfo=SH))  # Saturday: none
    assert len(await run.rows(digests)) == len(first)
    await run.sweep(monday + timedelta(days=1))
    assert len(await run.rows(digests)) == 2 * len(first)


async def test_respond_with_parent_phone_puts_an_answered_sms_in_the_outbox(world: World, run: Run) -> None:
    receipt = await assigned_ticket(world)
    assert (await world.action("hand1", receipt["number"], "respond", text="已处理")).status_code == 200
    rows = await run.rows(
        "SELECT d.rule, d.recipient, d.channel, d.target, d.status, d.body FROM deliveries d "
        "JOIN tickets t ON t.id = d.ticket_id WHERE t.number = :n",
        n=receipt["number"],
    )
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        ("answered", "parent", "sms", "13812341234", "pending")
    ]
    assert receipt["number"] in rows[0][5]


async def test_respond_on_anonymous_ticket_notifies_nobody(world: World, run: Run) -> None:
    receipt = await world.submit(anonymous=True, contact=None)
    number = receipt["number"]
    assert (await world.action("reg1", number, "register")).status_code == 200
    assert (await world.action("reg1", number, "respond", text="已答复")).status_code == 200
    assert (
        await run.rows(
            "SELECT 1 FROM deliveries d JOIN tickets t ON t.id = d.ticket_id WHERE t.number = :n", n=number
        )
        == []
    )


async def test_deliver_sends_once_and_records_the_attempt(world: World, run: Run) -> None:
    _, delivery_id = await responded(world, run)
    provider = LoggingSmsProvider()
    channels = {"sms": SmsChannel(provider)}
    now = world.now() + timedelta(seconds=1)
    assert await run(now, lambda ctx: delivery.deliver(ctx, delivery_id, channels)) == "sent"
    assert await run(now, lambda ctx: delivery.deliver(ctx, delivery_id, channels)) == "skipped"
    assert [sms.phone for sms in provider.sent] == ["13812341234"]
    attempts = await run.rows("SELECT outcome FROM delivery_attempts WHERE delivery_id = :i", i=delivery_id)
    assert attempts == [("sent",)]


class Flaky:
    name = "sms"

    def __init__(self, retryable: bool) -> None:
        self.retryable, self.calls = retryable, 0

    async def send(self, target: str, message: Message) -> None:
        self.calls += 1
        raise DeliveryFailed("gateway busy", retryable=self.retryable)


async def test_deliver_failing_retries_with_backoff_then_fails_visibly(world: World, run: Run) -> None:
    _, delivery_id = await responded(world, run)
    flaky = Flaky(retryable=True)
    now = world.now() + timedelta(seconds=1)
    assert await run(now, lambda ctx: delivery.deliver(ctx, delivery_id, {"sms": flaky})) == "retry"
    [(status, attempts, next_at)] = await run.rows(
        "SELECT status, attempts, next_attempt_at FROM deliveries WHERE id = :i", i=delivery_id
    )
    assert (status, attempts) == ("pending", 1) and next_at == now + timedelta(seconds=30)
    # not due again yet: a redelivered message does nothing
    assert await run(now, lambda ctx: delivery.deliver(ctx, delivery_id, {"sms": flaky})) == "skipped"
    # the sweep finds it again once due
    report = await run.sweep(next_at)
    assert delivery_id in report.deliveries
    outcomes = []
    for _ in range(MAX_ATTEMPTS - 1):
        [(next_at,)] = await run.rows("SELECT next_attempt_at FROM deliveries WHERE id = :i", i=delivery_id)
        outcomes.append(await run(next_at, lambda ctx: delivery.deliver(ctx, delivery_id, {"sms": flaky})))
    assert outcomes[-1] == "failed" and set(outcomes[:-1]) == {"retry"}
    assert flaky.calls == MAX_ATTEMPTS
    health = await world.client.get("/health")
    assert health.json()["deliveries"]["failed"] >= 1


async def test_deliver_permanent_failure_fails_at_once(world: World, run: Run) -> None:
    _, delivery_id = await responded(world, run)
    now = world.now() + timedelta(seconds=1)
    outcome = await run(now, lambda ctx: delivery.deliver(ctx, delivery_id, {"sms": Flaky(retryable=False)}))
    assert outcome == "failed"
    [(status, error)] = await run.rows(
        "SELECT status, last_error FROM deliveries WHERE id = :i", i=delivery_id
    )
    assert (status, error) == ("failed", "gateway busy")


async def test_sweep_user_channels_and_school_robot_get_outbox_rows(world: World, run: Run) -> None:
    receipt = await assigned_ticket(world)
    await run.rows(
        "UPDATE users SET email = 'hand1@example.cn', notify_channels = '{email}' WHERE username = 'hand1' "
        "RETURNING id"
    )
    await run.rows(
        "INSERT INTO org_webhooks (org_id, kind, url) SELECT id, 'wecom', 'http://127.0.0.1:9/hook' "
        "FROM orgs WHERE code = 's1' RETURNING id"
    )
    await run.sweep(due(receipt) - timedelta(hours=1))
    rows = await run.rows(
        "SELECT d.channel, d.target, d.rule FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
        "WHERE t.number = :n ORDER BY d.channel",
        n=receipt["number"],
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("email", "hand1@example.cn", "due_soon"),
        ("wecom", "http://127.0.0.1:9/hook", "due_soon"),
    ]
    await run.sweep(due(receipt) - timedelta(minutes=30))
    assert (
        len(
            await run.rows(
                "SELECT 1 FROM deliveries d JOIN tickets t ON t.id = d.ticket_id WHERE t.number = :n",
                n=receipt["number"],
            )
        )
        == 2
    )


async def test_deliveries_log_admin_sees_failed_with_masked_phone_handler_refused(
    world: World, run: Run
) -> None:
    receipt, delivery_id = await responded(world, run)
    now = world.now() + timedelta(seconds=1)
    await run(now, lambda ctx: delivery.deliver(ctx, delivery_id, {"sms": Flaky(retryable=False)}))
    answer = await world.as_("admin", "GET", "/api/v1/deliveries", params={"status": "failed"})
    assert answer.status_code == 200, answer.text
    [item] = [i for i in answer.json()["items"] if i["ticket_number"] == receipt["number"]]
    assert (item["status"], item["target"], item["last_error"]) == ("failed", "138****1234", "gateway busy")
    refused = await world.as_("hand1", "GET", "/api/v1/deliveries")
    assert refused.status_code == 403
    bad = await world.as_("admin", "GET", "/api/v1/deliveries", params={"status": "lost"})
    assert bad.status_code == 400 and "status" in bad.json()["detail"]


# Set through the API, a robot must be on the public internet (services/targets.py); nothing is sent.
FEISHU_ROBOT = "https://open.feishu.cn/open-apis/bot/v2/hook/robot-key-1"


async def test_me_notifications_and_org_webhooks_route_notices_to_channels(world: World, run: Run) -> None:
    missing = await world.as_("hand1", "PUT", "/api/v1/me/notifications", json={"channels": ["email"]})
    assert missing.status_code == 400 and "email" in missing.json()["detail"]
    chosen = await world.as_(
        "hand1",
        "PUT",
        "/api/v1/me/notifications",
        json={"channels": ["email", "sms"], "email": "h1@example.cn", "phone": "13900001111"},
    )
    assert chosen.status_code == 200, chosen.text
    refused = await world.as_(
        "lead1",
        "PUT",
        "/api/v1/orgs/s1/webhooks",
        json={"webhooks": [{"kind": "wecom", "url": "http://93.184.216.34/h"}]},
    )
    assert refused.status_code == 403
    bad = await world.as_(
        "admin",
        "PUT",
        "/api/v1/orgs/s1/webhooks",
        json={"webhooks": [{"kind": "slack", "url": "http://93.184.216.34/h"}]},
    )
    assert bad.status_code == 400 and "kind" in bad.json()["detail"]
    hooks = await world.as_(
        "admin",
        "PUT",
        "/api/v1/orgs/s1/webhooks",
        json={"webhooks": [{"kind": "feishu", "url": FEISHU_ROBOT}]},
    )
    assert hooks.status_code == 200, hooks.text
    assert hooks.json()["webhooks"] == [{"kind": "feishu", "url": "https://open.feishu.cn/…"}]  # no key
    receipt = await assigned_ticket(world)
    await run.sweep(due(receipt) - timedelta(hours=1))
    rows = await run.rows(
        "SELECT d.channel, d.target FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
        "WHERE t.number = :n AND d.rule = 'due_soon' ORDER BY d.channel",
        n=receipt["number"],
    )
    assert [(r[0], r[1]) for r in rows] == [
        ("email", "h1@example.cn"),
        ("feishu", FEISHU_ROBOT),
        ("sms", "13900001111"),
    ]


async def test_sweeps_with_no_worker_queue_a_pending_delivery_once_per_window(world: World, run: Run) -> None:
    _, delivery_id = await responded(world, run)
    # Queued by the respond (after its commit), then the message was lost; no worker runs.
    start = world.now() + timedelta(minutes=10)  # the first sweep queues it once more
    assert delivery_id in (await run.sweep(start)).deliveries
    # The scheduler's next sweeps, a minute apart: not queued again within the window.
    assert delivery_id not in (await run.sweep(start + timedelta(minutes=1))).deliveries
    assert delivery_id not in (await run.sweep(start + REQUEUE_AFTER - timedelta(seconds=1))).deliveries
    assert delivery_id in (await run.sweep(start + REQUEUE_AFTER)).deliveries
    assert delivery_id not in (await run.sweep(start + REQUEUE_AFTER + timedelta(minutes=1))).deliveries


async def test_sweep_queues_a_retry_when_it_falls_due_within_the_window(world: World, run: Run) -> None:
    _, delivery_id = await responded(world, run)
    now = world.now() + timedelta(seconds=1)
    assert delivery_id in (await run.sweep(now)).deliveries  # once more by the first sweep
    assert (
        await run(now, lambda ctx: delivery.deliver(ctx, delivery_id, {"sms": Flaky(retryable=True)}))
        == "retry"
    )
    [(next_at,)] = await run.rows("SELECT next_attempt_at FROM deliveries WHERE id = :i", i=delivery_id)
    assert delivery_id not in (await run.sweep(next_at - timedelta(seconds=1))).deliveries
    assert delivery_id in (await run.sweep(next_at)).deliveries
    assert delivery_id not in (await run.sweep(next_at + timedelta(seconds=60))).deliveries
