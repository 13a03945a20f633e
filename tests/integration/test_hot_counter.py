"""services/throttle.HotCounter: public intake's limit counter on its own lean Redis client
(docs/benchmarks.md) counts as `throttle.hit` on redis-py does, on the real Redis."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis

from huixiang.services import throttle
from huixiang.services.throttle import HotCounter

WINDOW = timedelta(seconds=60)


@pytest.fixture
async def client(redis_url: str) -> Any:
    redis = aioredis.from_url(redis_url)
    yield redis
    await redis.aclose()


async def test_counts_hits_in_a_window_that_expires(redis_url: str, client: Any) -> None:
    counter, key = HotCounter(redis_url), f"hx:throttle:test:{uuid.uuid4().hex}"
    try:
        assert [await throttle.hit(counter, key, WINDOW) for _ in range(3)] == [1, 2, 3]
        assert len(counter.idle) == 1  # one connection, kept for the next hit
        assert await client.get(key) == b"3"
        assert 0 < await client.ttl(key) <= 60
    finally:
        await counter.aclose()


async def test_counts_on_after_redis_forgets_the_script(redis_url: str, client: Any) -> None:
    counter, key = HotCounter(redis_url), f"hx:throttle:test:{uuid.uuid4().hex}"
    try:
        assert await throttle.hit(counter, key, WINDOW) == 1
        await client.script_flush()  # as after a restart: EVALSHA answers NOSCRIPT
        assert await throttle.hit(counter, key, WINDOW) == 2
        assert await client.ttl(key) > 0
    finally:
        await counter.aclose()


async def test_counts_in_the_database_the_url_names(redis_url: str) -> None:
    other = aioredis.from_url(f"{redis_url}?db=5")
    counter, key = HotCounter(f"{redis_url}?db=5"), f"hx:throttle:test:{uuid.uuid4().hex}"
    try:
        assert await throttle.hit(counter, key, WINDOW) == 1
        assert await other.get(key) == b"1"
    finally:
        await counter.aclose()
        await other.delete(key)
        await other.aclose()


async def test_redis_unreachable_fails_open(caplog: pytest.LogCaptureFixture) -> None:
    counter = HotCounter("redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert await throttle.hit(counter, "hx:throttle:intake:abc", WINDOW) == 0
    assert "limit intake not applied" in caplog.text


def test_tls_urls_stay_with_redis_py() -> None:
    assert HotCounter.for_url("rediss://cache.example:6380/0") is None
    assert isinstance(HotCounter.for_url("redis://127.0.0.1:6379/3"), HotCounter)
