"""Test infrastructure: a fresh, migrated PostgreSQL database per run (the local server on
localhost:5432 when reachable, else an embedded one), a real Redis, and one rolled-back
transaction per test."""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from huixiang.app import create_app
from huixiang.db.engine import make_engine, make_sessionmaker
from huixiang.migrate import upgrade
from huixiang.services.context import Caches, TtlCache
from huixiang.settings import Settings, load_settings

from .net import reachable
from .redis_server import drop_queued_jobs, private_redis

LOCAL_ADMIN_DSN = os.environ.get("HUIXIANG_TEST_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def _run(coro: Any) -> Any:
    """Run a coroutine on a private loop in a thread, outside pytest-asyncio's loop."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A new database for this run, migrated with Alembic (never create_all), dropped after."""
    name = f"hx_test_{uuid.uuid4().hex[:10]}"
    embedded = None
    if reachable("127.0.0.1", 5432):
        admin_dsn = LOCAL_ADMIN_DSN
        base = admin_dsn.rsplit("/", 1)[0]
        url = f"{base}/{name}"
    else:
        import pgserver

        embedded = pgserver.get_server(Path(tempfile.mkdtemp(prefix="hx-pg-")), cleanup_mode="delete")
        admin_dsn = str(embedded.get_uri())
        host = admin_dsn.split("host=", 1)[1]
        url = f"postgresql://postgres@/{name}?host={host}"

    async def create() -> None:
        connection = await asyncpg.connect(admin_dsn)
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    async def drop() -> None:
        connection = await asyncpg.connect(admin_dsn)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()

    _run(create())
    async_url = url.replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        _run_sync_in_thread(lambda: upgrade(async_url))
        yield async_url
    finally:
        _run(drop())
        if embedded is not None:
            embedded.cleanup()


def _run_sync_in_thread(work: Any) -> None:
    error: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001
            error.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if error:
        raise error[0]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A redis-server of this run's own, checked at the end for leftovers (tests/redis_server.py)."""
    with private_redis() as url:
        yield url


@pytest.fixture(autouse=True)
def _no_queued_jobs(redis_url: str) -> Iterator[None]:
    """No worker consumes the jobs the API queues in these tests: drop them after each test."""
    yield
    drop_queued_jobs(redis_url)


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(
        {
            "HUIXIANG_DATABASE_URL": database_url,
            "HUIXIANG_REDIS_URL": redis_url,
            "HUIXIANG_DATA_DIR": str(tmp_path_factory.mktemp("data")),
            # One per run: the Redis counters (keyed by HMACs under it) of parallel runs never meet.
            "HUIXIANG_SECRET_KEY": f"test-secret-key-{uuid.uuid4().hex}",
            # Tests send many tickets from one client; the limit's own tests set theirs.
            "HUIXIANG_INTAKE_LIMIT": "1000",
        }
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(settings.database_url or "", pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One transaction per test, rolled back at the end: every test starts from clean data."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


def _client(app: Any) -> httpx.AsyncClient:
    """On the test's own event loop, so the app can share the test's connection. Each client
    comes from an address of its own: the rate limits' counters live in Redis (they outlive a
    test's rolled-back transaction), so no test, and no parallel run, counts another's hits."""
    a, b, c = uuid.uuid4().bytes[:3]
    transport = httpx.ASGITransport(app=app, client=(f"10.{a}.{b}.{c}", 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


class Clock:
    """The app's clock in tests: it starts on a working day's morning (or where a test sets it)
    and runs at real speed from there, so no test depends on the weekday or the hour it runs at
    and events keep their order."""

    START = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Asia/Shanghai

    def __init__(self) -> None:
        self.set(self.START)

    def set(self, at: datetime) -> None:
        self._at, self._since = at, time.monotonic()

    def __call__(self) -> datetime:
        return self._at + timedelta(seconds=time.monotonic() - self._since)


@pytest.fixture(scope="session")
def app_clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
async def shared_app(settings: Settings, app_clock: Clock) -> AsyncIterator[Any]:
    """One app for the run (building one takes ~0.04 s); `client` points it at each test's
    connection and gives it fresh caches, so no test sees another's state."""
    app = create_app(settings, clock=app_clock)
    yield app
    await app.state.redis.aclose()  # the lifespan, which would close it, does not run here


@pytest.fixture
async def client(
    shared_app: Any, connection: AsyncConnection, app_clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    app_clock.set(Clock.START)
    # Tests read a queue right after changing it: its counts are not reused here (their reuse
    # has its own test, tests/integration/test_web_queue.py).
    caches = Caches(counts=TtlCache(0))
    shared_app.state.update(
        {"engine": connection, "sessionmaker": make_sessionmaker(connection), "caches": caches}
    )
    async with _client(shared_app) as client:
        yield client


@pytest.fixture
async def committing_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests really commit, for concurrency tests (use unique codes)."""
    app = create_app(settings, engine=engine)
    async with _client(app) as client:
        yield client
    await app.state.redis.aclose()
