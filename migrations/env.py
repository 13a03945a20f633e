"""Alembic, async: migrations run over asyncpg on the URL the caller passes in the config."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from huixiang.db.engine import make_engine
from huixiang.db.models import Base

# One migrator at a time across hosts: web replicas may all start at once.
MIGRATION_LOCK = 72_410_001


def run_with(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("No database URL: set HUIXIANG_DATABASE_URL or use `huixiang migrate`.")
    # No client timeout: a migration that fills a new table from every ticket (0011's rollups,
    # 0012's orders) takes minutes on a million tickets (docs/operations.md).
    engine = make_engine(url, pool_size=1, command_timeout=None)
    async with engine.connect() as connection:
        await connection.execute(text(f"SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        await connection.commit()
        try:
            await connection.run_sync(run_with)
        finally:
            await connection.execute(text(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_online())
