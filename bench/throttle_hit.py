"""Benchmark: the CPU of one throttle hit (services/throttle.py), on redis-py's client and on
`HotCounter`, alternated in one process, one hit at a time (process time: the client's Python
and its socket calls, not Redis's):

    python bench/throttle_hit.py [--hits 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import timedelta

import redis.asyncio as aioredis

from huixiang.services import throttle

URL = os.environ.get("HUIXIANG_BENCH_REDIS", "redis://127.0.0.1:6379/14")
KEY = "hx:throttle:bench:hit"


async def main(hits: int, rounds: int) -> None:
    clients = {"redis-py": aioredis.from_url(URL, socket_timeout=1), "HotCounter": throttle.HotCounter(URL)}
    found: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(rounds):
        for name, client in clients.items():
            for _ in range(200):
                await throttle.hit(client, KEY, timedelta(seconds=60))
            start = time.process_time()
            for _ in range(hits):
                await throttle.hit(client, KEY, timedelta(seconds=60))
            found[name].append(1e6 * (time.process_time() - start) / hits)
    for name, values in found.items():
        each = ", ".join(f"{v:.0f}" for v in values)
        print(f"{name:10} {statistics.median(values):5.0f} µs CPU a hit ({each})")
    await clients["redis-py"].delete(KEY)
    await clients["redis-py"].aclose()
    await clients["HotCounter"].aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--hits", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.hits, args.rounds))
