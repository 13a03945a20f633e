"""The async engine and session factory. The caller (request, command) owns the transaction."""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def async_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+asyncpg:// and answer the asyncpg form."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"HUIXIANG_DATABASE_URL must be a PostgreSQL URL, not {url.split(':')[0]}://")


def make_engine(url: str, *, pool_size: int = 20, command_timeout: float | None = 30) -> AsyncEngine:
    """A pool sized for one web process; connections are kept, not churned, under load.
    `command_timeout` None: statements may take as long as they need (migrations, which fill
    new tables from every ticket)."""
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size // 2,
        pool_pre_ping=False,
        pool_timeout=5,
        # A dead server answers within seconds, so the API can say 503 instead of hanging.
        connect_args={
            "timeout": 5,
            "command_timeout": command_timeout,
            "server_settings": {"timezone": "UTC"},
        },
    )
    event.listen(engine.sync_engine, "checkout", _discard_closed)
    return engine


def _discard_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Replace, at checkout, a pooled connection the server has closed (a restart, a failover).
    db/fast.py runs statements on the asyncpg connection itself, so SQLAlchemy never sees their
    errors and would otherwise hand the dead connection out again, forever. No round trip:
    asyncpg marks a connection closed as soon as the server drops it."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the database server closed this pooled connection")


def make_sessionmaker(bind: AsyncEngine | AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions on the engine; on a connection (tests), each commit only releases a savepoint."""
    if isinstance(bind, AsyncConnection):
        return async_sessionmaker(bind, expire_on_commit=False, join_transaction_mode="create_savepoint")
    return async_sessionmaker(bind, expire_on_commit=False)


async def raw_pool(url: str, *, size: int = 20) -> asyncpg.Pool:
    """Plain asyncpg connections for the hot endpoints (db/fast.py). A failed connect here is
    not fatal: the pool reconnects on use, and the endpoint then answers 503."""
    dsn = async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)
    return await asyncpg.create_pool(
        dsn,
        min_size=0,
        max_size=size,
        timeout=5,
        command_timeout=30,
        server_settings={"timezone": "UTC"},
        reset=_keep,
    )


async def _keep(connection: asyncpg.Connection) -> None:
    """No reset query on release (a round trip per request): the hot statements change no
    session state, and a failed transaction is rolled back by asyncpg itself."""
