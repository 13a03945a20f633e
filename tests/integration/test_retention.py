"""Retention: after the period, the sweep anonymises each closed ticket once — who wrote, what
they wrote, their files and every event's free text go; figures stay the same and the archive's
chain still verifies."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db import retention as retention_db
from huixiang.db.engine import make_sessionmaker
from huixiang.domain.chain import REDACTED
from huixiang.services import reminders, retention
from huixiang.services.context import Caches, Ctx
from huixiang.settings import Settings

from ..conftest import Clock
from .conftest import World
from .helpers import form_fields, png_bytes, walk

PUBLIC = "/api/v1/public/tickets"
SECRETS = ("李先生", "13900001111", "李小明", "操场的灯坏了", "李先生您好", "电话联系李先生", "灯很快修好")
PERIOD = timedelta(days=1095)


async def run_sweep(
    settings: Settings, connection: AsyncConnection, days_after: timedelta
) -> reminders.SweepReport:
    async with make_sessionmaker(connection)() as session:
        ctx = Ctx(session, settings, Caches(), Clock.START + days_after)
        report = await reminders.sweep(ctx)
        await session.commit()
        return report


async def closed_ticket(world: World) -> dict[str, Any]:
    """A named ticket with a photo, answered with the parent's name, revealed, rated with a
    comment and archived."""
    files = [("files", ("a.png", png_bytes(), "image/png"))]
    receipt = (await world.client.post(PUBLIC, data=form_fields(), files=files)).json()
    number = receipt["number"]
    await walk(world, number, "assigned")
    reveal = await world.as_(
        "hand1", "POST", f"/api/v1/tickets/{number}/reveal", json={"reason": "电话联系李先生"}
    )
    assert reveal.status_code == 200, reveal.text
    answer = await world.action(
        "hand1", number, "respond", text="李先生您好，灯已报修。", internal_note="电话联系李先生"
    )
    assert answer.status_code == 200, answer.text
    rated = await world.client.post(
        f"{PUBLIC}/{number}/rating",
        json={"code": receipt["access_code"], "value": "satisfied", "comment": "灯很快修好"},
    )
    assert rated.status_code == 200, rated.text
    assert (await world.action("lead1", number, "archive", note="李先生满意")).status_code == 200
    return dict(receipt)


async def everything_about(world: World, number: str) -> str:
    parts = [
        await world.as_("reg1", "GET", f"/api/v1/tickets/{number}"),
        await world.as_("reg1", "GET", f"/api/v1/tickets/{number}/events"),
        await world.as_("reg1", "GET", f"/api/v1/tickets/{number}/attachments"),
    ]
    return "".join(p.text for p in parts)


async def test_closed_ticket_past_the_period_is_anonymised_once_figures_and_chain_kept(
    world: World, settings: Settings, connection: AsyncConnection
) -> None:
    number = (await closed_ticket(world))["number"]
    open_number = (await world.submit(contact={"name": "赵女士", "phone": "13700001111"}))["number"]
    before = (await world.as_("insp1", "GET", "/api/v1/stats")).json()
    seen = await everything_about(world, number)
    assert all(secret in seen for secret in SECRETS[:3])

    early = await run_sweep(settings, connection, PERIOD - timedelta(days=1))
    assert early.anonymised == 0
    report = await run_sweep(settings, connection, PERIOD + timedelta(days=1))
    assert report.anonymised == 1 and "1 anonymised" in report.summary()

    seen = await everything_about(world, number)
    for secret in SECRETS:
        assert secret not in seen, secret
    ticket = (await world.as_("reg1", "GET", f"/api/v1/tickets/{number}")).json()
    assert (ticket["contact"], ticket["student"], ticket["content"]) == (None, None, REDACTED)
    assert ticket["response"]["text"] == REDACTED and ticket["rating"]["value"] == "satisfied"
    assert (ticket["status"], ticket["kind"], ticket["category"], ticket["channel"]) == (
        "archived",
        "suggestion",
        "设施环境",
        "online",
    )
    log = (await world.as_("insp1", "GET", f"/api/v1/tickets/{number}/events")).json()
    assert log["chain_ok"] is True
    assert log["items"][-1]["action"] == "anonymise"
    assert [e["action"] for e in log["items"]].count("reveal") == 1  # the reveal stays, its reason goes
    assert (await world.as_("reg1", "GET", f"/api/v1/tickets/{number}/attachments")).json()["items"] == []
    targets = await connection.execute(
        text(
            "SELECT d.target FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
            "WHERE t.number = :n AND d.recipient = 'parent'"
        ),
        {"n": number},
    )
    assert {row[0] for row in targets} <= {""}

    # The figures (rollups) are the same; the open ticket is untouched.
    assert (await world.as_("insp1", "GET", "/api/v1/stats")).json() == before
    untouched = (await world.as_("reg1", "GET", f"/api/v1/tickets/{open_number}")).json()
    assert untouched["contact"]["name"] == "赵女士"

    again = await run_sweep(settings, connection, PERIOD + timedelta(days=2))
    assert again.anonymised == 0
    assert [
        e["action"]
        for e in (await world.as_("insp1", "GET", f"/api/v1/tickets/{number}/events")).json()["items"]
    ].count("anonymise") == 1


async def test_retention_zero_keeps_everything(
    world: World, settings: Settings, connection: AsyncConnection
) -> None:
    number = (await closed_ticket(world))["number"]
    keep = dataclasses.replace(settings, retention_days=0)
    async with make_sessionmaker(connection)() as session:
        ctx = Ctx(session, keep, Caches(), Clock.START + timedelta(days=5000))
        assert await retention.anonymise_expired(ctx, "/") == 0
    assert "李先生" in await everything_about(world, number)


async def test_events_stay_append_only_outside_the_retention_sweep(
    world: World, connection: AsyncConnection
) -> None:
    number = (await closed_ticket(world))["number"]
    for statement in (
        "UPDATE ticket_events SET note = 'x' WHERE ticket_id = (SELECT id FROM tickets WHERE number = :n)",
        "DELETE FROM ticket_events WHERE ticket_id = (SELECT id FROM tickets WHERE number = :n)",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with connection.begin_nested():
                await connection.execute(text(statement), {"n": number})
    # With redaction allowed, still nothing but the free text may change.
    with pytest.raises(DBAPIError, match="append-only"):
        async with connection.begin_nested():
            await connection.execute(text("SET LOCAL huixiang.redact = 'on'"))
            await connection.execute(
                text(
                    "UPDATE ticket_events SET actor = 'x' "
                    "WHERE ticket_id = (SELECT id FROM tickets WHERE number = :n)"
                ),
                {"n": number},
            )


async def test_the_retention_query_is_served_by_its_partial_index(
    world: World, settings: Settings, connection: AsyncConnection
) -> None:
    """3,000 open tickets and a few closed ones: the sweep's read of the closed ones past the
    period reads ix_tickets_retention, not the table."""
    await connection.execute(
        text(
            """
            INSERT INTO tickets (number, access_code_hash, org_id, org_path, school_id, district_id,
                                 channel, kind, category, status, content, anonymous, collected_at,
                                 register_due_at, respond_due_at, archived_at)
            SELECT 'R-' || g, '\\x00'::bytea, o.id, o.path, o.id, o.parent_id, 'online', 'help', '其他',
                   CASE WHEN g % 500 = 0 THEN 'archived' ELSE 'assigned' END, '…', false,
                   now(), now(), now(), CASE WHEN g % 500 = 0 THEN now() - interval '2000 days' END
            FROM generate_series(1, 3000) g JOIN orgs o ON o.code = 's1'
            """
        )
    )
    await connection.execute(text("ANALYZE tickets"))
    async with make_sessionmaker(connection)() as session:
        query = retention_db.expired_query(Clock.START, "/", 500)
        compiled = query.compile(session.bind, compile_kwargs={"literal_binds": True})  # type: ignore[arg-type]
        plan = (await session.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}"))).scalar_one()
    assert "ix_tickets_retention" in str(plan), plan


async def test_an_escrowed_identity_goes_with_the_ticket_it_belongs_to(
    world: World, settings: Settings, connection: AsyncConnection
) -> None:
    """The district holds a sealed identity only as long as the ticket is kept."""
    number = (await world.submit(escrow=True, contact={"name": "王女士", "phone": "13812341234"}))["number"]
    await walk(world, number, "assigned")
    assert (await world.action("hand1", number, "respond", text="已处理")).status_code == 200
    assert (await world.action("lead1", number, "archive")).status_code == 200
    sealed = text(
        "SELECT count(*) FROM sealed_identities s JOIN tickets t ON t.id = s.ticket_id WHERE t.number = :n"
    )
    assert (await connection.execute(sealed, {"n": number})).scalar() == 1
    assert (await run_sweep(settings, connection, PERIOD + timedelta(days=1))).anonymised >= 1
    assert (await connection.execute(sealed, {"n": number})).scalar() == 0
