"""Benchmark: the web process's own CPU per public intake, one request at a time, in process.

Under wrk on this 2-core machine the CPU a request costs varies by a third between rounds (the
server, wrk and PostgreSQL contend for the cores), more than a change of a few percent moves
it. Here the app is called as an ASGI application (no HTTP server, no wrk), one request at a
time, and the process's CPU time (user + system: the Python code and its socket calls, not
PostgreSQL's or Redis's) is divided by the requests. Source trees alternate in the same run,
each in a subprocess of its own:

    python bench/intake_cpu.py [--requests 2000] [--rounds 5] NAME=SRC [NAME=SRC ...]

The database is hx_bench (bench/run.py seeds it; bench/intake_ratio.py --skip-seed migrates it),
Redis db 14 as in bench/intake_ratio.py, the per-address limit raised but counted.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from intake_ratio import OURS_BODY  # noqa: E402
from run import DB, url_for  # noqa: E402

PATH = "/api/v1/public/tickets"


async def measure(requests: int) -> float:
    """In the child: µs of this process's CPU per intake, after a warm-up."""
    from huixiang.app import create_app

    app = create_app()
    body = json.dumps(OURS_BODY, ensure_ascii=False).encode()
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8300),
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def one() -> None:
        await app({**scope, "state": {}}, receive, send)  # type: ignore[arg-type]

    async with app.lifespan():
        for _ in range(200):
            await one()
        statuses.clear()
        start = time.process_time()
        for _ in range(requests):
            await one()
        spent = time.process_time() - start
    assert statuses == [201] * requests, sorted(set(statuses))
    return 1e6 * spent / requests


def child(src: str, requests: int) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": src,
        "HUIXIANG_DATABASE_URL": url_for(DB),
        "HUIXIANG_REDIS_URL": os.environ.get("HUIXIANG_BENCH_REDIS", "redis://127.0.0.1:6379/14"),
        "HUIXIANG_DATA_DIR": tempfile.mkdtemp(prefix="hx-cpu-"),
        "HUIXIANG_SECRET_KEY": secrets.token_hex(16),
        "HUIXIANG_INTAKE_LIMIT": "1000000000",
    }
    code = f"import asyncio, intake_cpu; print(asyncio.run(intake_cpu.measure({requests})))"
    answer = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=Path(__file__).parent, capture_output=True, text=True
    )
    if answer.returncode:
        raise RuntimeError(answer.stderr[-3000:])
    return float(answer.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("trees", nargs="+", metavar="NAME=SRC")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    trees = dict(tree.partition("=")[::2] for tree in args.trees)
    found: dict[str, list[float]] = {name: [] for name in trees}
    for round_ in range(1, args.rounds + 1):
        for name, src in trees.items():
            found[name].append(child(str(Path(src).resolve()), args.requests))
            print(f"round {round_} {name:8} {found[name][-1]:6.0f} µs CPU/intake", flush=True)
    print("\n| tree | web process CPU µs per intake, median (each round) |\n| --- | --- |")
    for name, values in found.items():
        print(f"| {name} | **{statistics.median(values):.0f}** ({', '.join(f'{v:.0f}' for v in values)}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
