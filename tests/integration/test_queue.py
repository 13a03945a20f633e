"""Jobs reach Redis through huixiang.queue, and the tests' Redis keeps none after a test: the API
queues delivery jobs that no worker consumes here (tests/redis_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from huixiang import queue

from ..redis_server import drop_queued_jobs, lasting_keys


@pytest.fixture
def broker_closed(redis_url: str) -> Iterator[None]:
    yield
    queue.broker_for(redis_url).client.close()
    queue.broker_for.cache_clear()


async def test_sent_jobs_wait_in_redis_until_the_test_ends(redis_url: str, broker_closed: None) -> None:
    assert await queue.send_deliveries(redis_url, [101, 102])
    with redis.Redis.from_url(redis_url) as client:
        assert client.hlen("dramatiq:default.msgs") == 2
    assert "dramatiq:default.msgs" in lasting_keys(redis_url)  # what the end-of-run check catches


async def test_no_job_is_left_from_the_previous_test(redis_url: str) -> None:
    """Runs after the test above (file order): the autouse fixture dropped its two jobs."""
    with redis.Redis.from_url(redis_url) as client:
        assert client.hlen("dramatiq:default.msgs") == 0
    assert lasting_keys(redis_url) == []
    assert drop_queued_jobs(redis_url) == 0
