"""The raw statements run inside the session's transaction: committed together, rolled back
together."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from huixiang.db import fast
from huixiang.db.engine import make_sessionmaker
from huixiang.services.context import Caches, Ctx
from huixiang.settings import Settings


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
