"""The raw statements run inside the session's transaction: committed together, rolled back
together."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from huixiang.db import fast
from huixiang.db.engine import make_sessionmaker
from huixiang.services.context import Caches, Ctx
from huixiang.settings import Settings

from .conftest import World
from .helpers import raw


async def test_driver_on_a_fresh_session_is_inside_its_transaction(
    settings: Settings, engine: AsyncEngine
) -> None:
    async with make_sessionmaker(engine)() as session:
        ctx = Ctx(session, settings, Caches(), datetime.now(UTC))
        connection = await fast.driver(ctx)
        assert connection.is_in_transaction()
        await connection.execute("CREATE TEMP TABLE probe (x int) ON COMMIT DROP")
        await connection.execute("INSERT INTO probe VALUES (1)")
        await session.rollback()
    async with make_sessionmaker(engine)() as session:
        ctx = Ctx(session, settings, Caches(), datetime.now(UTC))
        connection = await fast.driver(ctx)
        exists = await connection.fetchval("SELECT to_regclass('pg_temp.probe') IS NOT NULL")
        assert exists is False  # rolled back with the session, not autocommitted
        await session.rollback()


async def test_an_intake_that_loses_its_key_to_a_twin_writes_no_notice(
    world: World, connection: AsyncConnection
) -> None:
    """The ticket, its event and its staff notices are one statement (db/fast.INTAKE): when a
    concurrent twin took the Idempotency-Key first, it writes nothing, no notice without a ticket."""
    first = await world.client.post(
        "/api/v1/public/tickets",
        json={
            "school_code": "s1",
            "kind": "complaint",
            "category": "食堂膳食",
            "content": "菜太咸了。",
            "consent": True,
        },
        headers={"Idempotency-Key": "twin-1"},
    )
    assert first.status_code == 201, first.text
    driver = await raw(connection)
    ticket = dict(
        await driver.fetchrow(
            f"SELECT {', '.join(fast.TICKET_COLUMNS)} FROM tickets WHERE number = $1", first.json()["number"]
        )
    )
    event = dict(
        await driver.fetchrow(
            f"SELECT {', '.join(fast.EVENT_COLUMNS)} FROM ticket_events "
            "WHERE ticket_id = (SELECT id FROM tickets WHERE number = $1)",
            first.json()["number"],
        )
    )
    school = await driver.fetchval("SELECT id FROM orgs WHERE code = 's1'")
    notices = "SELECT count(*) FROM notifications WHERE rule = 'new_ticket'"
    before = await driver.fetchval(notices)
    mine = "SELECT count(*) FROM notifications n JOIN tickets t ON t.id = n.ticket_id WHERE t.number = $1"
    assert await driver.fetchval(mine, ticket["number"]) == 1  # the first intake notified the registrar

    twin = {**ticket, "number": ticket["number"] + "-twin"}
    event["data"] = json.dumps(event["data"]) if not isinstance(event["data"], str) else event["data"]
    now = world.now()
    notice = ["new_ticket", now, now, "{}", "新工单", "新工单待登记", school, ["registrar"]]
    assert await fast.insert_intake(driver, twin, event, notice) == (None, [])
    assert await driver.fetchval(notices) == before
    assert await driver.fetchval("SELECT count(*) FROM tickets WHERE number = $1", twin["number"]) == 0
