"""Fixtures the end-to-end tests share."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import LOCAL_ADMIN_DSN
from .faults import reachable


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
