"""Fixtures the end-to-end tests share."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from huixiang.settings import Settings

from ..conftest import LOCAL_ADMIN_DSN
from ..net import reachable
from .faults import Database, Receiver, RedisServer, World, settings_for


@pytest.fixture(scope="module", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Seeding hashes a password per user; production argon2 costs would only slow the tests
    (servers verify with each hash's own costs)."""
    from argon2 import PasswordHasher

    from huixiang.services import secrets as hx_secrets

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hx_secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


@pytest.fixture(scope="module")
def admin_dsn() -> Iterator[str]:
    """The local PostgreSQL when there is one (as tests/conftest.py), else an embedded one."""
    if reachable("127.0.0.1", 5432):
        yield LOCAL_ADMIN_DSN
        return
    import pgserver

    server = pgserver.get_server(Path(tempfile.mkdtemp(prefix="hx-e2e-pg-")), cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


# --- the fault tests' parts (faults.py) -------------------------------------------------------------


@pytest.fixture
async def database(admin_dsn: str) -> AsyncIterator[Database]:
    database = Database(admin_dsn)
    await database.create()
    try:
        yield database
    finally:
        await database.drop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def fault_settings(database: Database, redis_server: RedisServer, tmp_path: Path) -> Settings:
    (tmp_path / "data").mkdir()
    return settings_for(database.url, redis_server.url, tmp_path / "data")


@pytest.fixture
async def world(fault_settings: Settings, receiver: Receiver) -> World:
    return await World(fault_settings).seed(receiver)
