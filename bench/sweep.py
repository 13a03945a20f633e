"""Benchmark: the deadline sweep over 1,000,000 tickets (10% open), and delivery throughput.

Method (docs/benchmarks.md): a fresh database, migrated; one bureau, 10 districts, 100 schools,
a registrar and a leader per school, an inspector per district; 1,000,000 tickets seeded with SQL,
90% archived, 10% open with respond deadlines spread over ±30 days around now. Then:
1. the first sweep (the backlog: every open ticket already due soon, overdue or escalated);
2. 30 steady-state sweeps, each one minute later than the one before (what the scheduler does);
3. webhook delivery: N pending deliveries to a local robot receiver, sent by
   `huixiang worker --processes 2`, timed from the first enqueue to the last 'sent'.

    python bench/sweep.py [--tickets 1000000] [--deliveries 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from huixiang import queue  # noqa: E402
from huixiang.db.engine import make_engine, make_sessionmaker  # noqa: E402
from huixiang.migrate import upgrade  # noqa: E402
from huixiang.services import reminders  # noqa: E402
from huixiang.services.context import Caches, Ctx  # noqa: E402
from huixiang.settings import load_settings  # noqa: E402

ADMIN_DSN = os.environ.get("HUIXIANG_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/test")
DB = "hx_bench_sweep"
REDIS = os.environ.get("HUIXIANG_BENCH_REDIS", "redis://127.0.0.1:6379/13")

SEED = """
INSERT INTO orgs (id, code, name, kind, parent_id, path) VALUES (1, 'city', '压测市', 'bureau', NULL, '/1/');
INSERT INTO orgs (id, code, name, kind, parent_id, path)
SELECT 1 + d, 'd' || d, d || '区', 'district', 1, '/1/' || (1 + d) || '/' FROM generate_series(1, 10) d;
INSERT INTO orgs (id, code, name, kind, parent_id, path)
SELECT 100 + s, 's' || s, '学校' || s, 'school', 2 + s % 10, '/1/' || (2 + s % 10) || '/' || (100 + s) || '/'
FROM generate_series(0, 99) s;
SELECT setval(pg_get_serial_sequence('orgs', 'id'), 1000);
INSERT INTO categories (org_id, name) VALUES (1, '其他');
INSERT INTO users (username, password_hash, display_name)
SELECT r || o.id, 'x', r || o.id FROM orgs o, unnest(ARRAY['reg', 'lead']) r WHERE o.kind = 'school'
UNION ALL SELECT 'insp' || o.id, 'x', 'insp' || o.id FROM orgs o WHERE o.kind = 'district';
INSERT INTO role_grants (user_id, role, org_id)
SELECT u.id, CASE WHEN u.username LIKE 'reg%' THEN 'registrar' WHEN u.username LIKE 'lead%' THEN 'leader'
       ELSE 'inspector' END, substring(u.username FROM '[0-9]+$')::int
FROM users u;
INSERT INTO tickets (number, access_code_hash, org_id, org_path, school_id, district_id, channel, kind,
                     category, status, content, anonymous, collected_at, register_due_at,
                     respond_due_at, version)
SELECT 'W' || lpad(g::text, 8, '0'), decode(md5(g::text) || md5(g::text), 'hex'),
       100 + g % 100, '/1/' || (2 + (g % 100) % 10) || '/' || (100 + g % 100) || '/', 100 + g % 100,
       2 + (g % 100) % 10, 'online', 'suggestion', '其他',
       CASE WHEN g % 10 = 0 THEN (ARRAY['collected','registered','submitted','assigned'])[1 + (g / 10) % 4]
            ELSE 'archived' END,
       '压测', false, now() - interval '40 days', now() - interval '39 days',
       now() + make_interval(secs => ((g::bigint * 7919) % 5184000)::int - 2592000), 1
FROM generate_series(1, $count) g;
"""


async def prepare(count: int) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    await admin.execute(f"CREATE DATABASE {DB}")
    await admin.close()
    await asyncio.to_thread(upgrade, url())
    connection = await asyncpg.connect(url().replace("+asyncpg", ""))
    started = time.monotonic()
    await connection.execute(SEED.replace("$count", str(count)))
    await connection.execute("VACUUM ANALYZE")
    print(f"seeded {count:,} tickets in {time.monotonic() - started:.0f} s", flush=True)
    await connection.close()


def url() -> str:
    return ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + DB


async def sweeps(env: dict[str, str]) -> dict[str, object]:
    settings = load_settings(env)
    engine = make_engine(url(), pool_size=2)
    sessions = make_sessionmaker(engine)
    caches = Caches()

    async def one(now: datetime) -> tuple[float, reminders.SweepReport]:
        started = time.perf_counter()
        async with sessions() as session:
            report = await reminders.sweep(Ctx(session, settings, caches, now))
            await session.commit()
        return time.perf_counter() - started, report

    now = datetime.now(UTC)
    backlog_s, backlog = await one(now)
    print(f"backlog sweep: {backlog_s:.2f} s — {backlog.summary()}", flush=True)
    # The backlog updated ~15% of the rows; autovacuum (scale factor 0.02 on tickets, see
    # migration 0003) cleans their dead index entries before long. Do it now, as it would.
    connection = await asyncpg.connect(url().replace("+asyncpg", ""))
    await connection.execute("VACUUM ANALYZE tickets")
    await connection.close()
    steady = []
    fired = 0
    for minute in range(1, 31):
        seconds, report = await one(now + timedelta(minutes=minute))
        steady.append(seconds)
        fired += sum(report.fired.values())
    await engine.dispose()
    result = {
        "backlog_s": round(backlog_s, 2),
        "backlog_fired": dict(backlog.fired),
        "backlog_notices": backlog.notices,
        "steady_mean_ms": round(statistics.mean(steady) * 1000, 1),
        "steady_max_ms": round(max(steady) * 1000, 1),
        "steady_fired_per_minute": round(fired / 30, 1),
        "steady_ms": [round(x * 1000, 1) for x in steady],
    }
    print(
        f"steady sweeps: mean {result['steady_mean_ms']} ms, max {result['steady_max_ms']} ms, "
        f"{result['steady_fired_per_minute']} rules fired a minute",
        flush=True,
    )
    return result


class Receiver:
    def __init__(self) -> None:
        self.count = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                self.count += 1
                body = b'{"errcode":0,"errmsg":"ok"}'
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\n\r\n"
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def deliveries(env: dict[str, str], n: int) -> dict[str, object]:
    receiver = Receiver()
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    connection = await asyncpg.connect(url().replace("+asyncpg", ""))
    ids = [
        r["id"]
        for r in await connection.fetch(
            "INSERT INTO deliveries (rule, recipient, channel, target, subject, body, next_attempt_at) "
            "SELECT 'overdue', 'org:' || g, 'wecom', $1, '工单已逾期', '压测', now() - interval '1 second' "
            "FROM generate_series(1, $2) g RETURNING id",
            f"http://127.0.0.1:{port}/robot",
            n,
        )
    ]
    command = [sys.executable, "-m", "huixiang.cli", "worker", "--processes", "2", "--threads", "8"]
    # A benchmark script, not a server: starting the worker may block the loop for a moment.
    worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: ASYNC220
    try:
        await asyncio.sleep(3)  # let the workers start
        started = time.monotonic()
        for i in range(0, n, 1000):
            await queue.send_deliveries(REDIS, ids[i : i + 1000])
        while True:
            sent = await connection.fetchval("SELECT count(*) FROM deliveries WHERE status = 'sent'")
            if sent >= n or time.monotonic() - started > 300:
                break
            await asyncio.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        server.close()
        await server.wait_closed()
        await connection.close()
    result = {
        "deliveries": n,
        "sent": int(sent),
        "seconds": round(elapsed, 1),
        "per_second": round(sent / elapsed, 1),
        "posts_received": receiver.count,
    }
    print(
        f"webhook delivery: {sent}/{n} in {elapsed:.1f} s = {result['per_second']}/s "
        f"with 2 worker processes × 8 threads",
        flush=True,
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--deliveries", type=int, default=5000)
    args = parser.parse_args()
    env = {
        **os.environ,
        "HUIXIANG_DATABASE_URL": url(),
        "HUIXIANG_REDIS_URL": REDIS,
        "HUIXIANG_DATA_DIR": tempfile.mkdtemp(prefix="hx-sweep-"),
        "HUIXIANG_SECRET_KEY": "bench",
    }
    asyncio.run(prepare(args.tickets))
    record = {
        "at": datetime.now(UTC).isoformat(),
        "tickets": args.tickets,
        "cpus": os.cpu_count(),
        "sweep": asyncio.run(sweeps(env)),
        "delivery": asyncio.run(deliveries(env, args.deliveries)),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "sweep-latest.json").write_text(json.dumps(record, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
