"""Benchmark: the staff queue page (/staff, with its counts) and a ticket page for a school, a
district and a city user, beside a reference measured in the same run.

The machine is shared and its speed drifts, so each figure stands beside the shared ceiling
app's `GET /ping` (../shared/bench/ceiling_app.py: a bare Litestar GET), measured in the same run.
Method (docs/benchmarks.md, "Staff queue pages"):

1. a database of its own (hx_bench_queue), migrated; the bench org tree of bench/run.py (a city,
   10 districts, 100 schools) and three users made through the services: the leader of s0, the
   inspector of d1, the city's inspector; `--tickets` tickets seeded by bench/seed.sql, then a
   handler's assignments and one open ticket in 500 under supervision; VACUUM ANALYZE;
2. one server at a time on 127.0.0.1, each with `--workers` processes: the ceiling, then ours,
   then the ceiling again (`--rounds` pairs);
3. each user signs in through /staff/login (a session cookie, as a browser); on each page: a 2 s
   warm-up, then `wrk -t2 -c16 -d10s --latency` with the cookie;
4. each user's queue page is also measured as the page's 20 s poll asks for it (HX-Request: the
   live block, the views' counts and the list); the leader's figures of the month, which the
   page loads on its own (/staff/figures, reused for a minute), are measured as a fragment;
5. per page the req/s, p50, p99 and non-2xx; the ratio to the ceiling's /ping of the same pair;
   and EXPLAIN of each count of each user's queue page (each must name an index, none a
   sequential scan on tickets).

    python bench/queue_pages.py [--tickets 1000000 | --skip-seed] [--rounds 1] [--duration 10]

Target at 1,000,000 tickets: ≥ 500 queue pages/s with p99 < 100 ms at 16 connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from intake_ratio import CEILING as SHARED_CEILING  # noqa: E402
from intake_ratio import Server  # noqa: E402
from run import ADMIN_DSN, DISTRICTS, ROOT, SCHOOLS, run_wrk  # noqa: E402

from huixiang.db import queues as db  # noqa: E402
from huixiang.db.engine import make_engine, make_sessionmaker  # noqa: E402
from huixiang.domain.enums import OrgKind, Role  # noqa: E402
from huixiang.migrate import upgrade  # noqa: E402
from huixiang.services import accounts  # noqa: E402
from huixiang.services import schemas as s  # noqa: E402
from huixiang.services.context import Caches, Ctx  # noqa: E402
from huixiang.services.queues import ROLE_VIEWS  # noqa: E402
from huixiang.settings import load_settings  # noqa: E402

# ../shared/bench from the main checkout; from a worktree one level deeper, or as the env says.
CEILING = Path(
    os.environ.get("HUIXIANG_BENCH_CEILING")
    or next(
        (p for p in (SHARED_CEILING, SHARED_CEILING.parents[2] / "shared" / "bench") if p.exists()),
        SHARED_CEILING,
    )
)
DB = "hx_bench_queue"  # not bench/run.py's hx_bench: another benchmark may be using that one
CEILING_DB = "hx_ceiling_queue"
OURS_PORT, CEILING_PORT = 8320, 8321
PASSWORD = "bench-pass-1"
USERS = (("lead", Role.LEADER, "s0", "school"), ("insp", Role.INSPECTOR, "d1", "district"))
USERS += (("cityinsp", Role.INSPECTOR, "city", "city"), ("hand", Role.HANDLER, "s0", ""))


def dsn(name: str) -> str:
    return ADMIN_DSN.rsplit("/", 1)[0] + "/" + name


def url_for(name: str) -> str:
    return dsn(name).replace("postgresql://", "postgresql+asyncpg://")


async def prepare(count: int, env: dict[str, str]) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    for name in (DB, CEILING_DB):
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name}")
    await admin.close()
    ceiling = await asyncpg.connect(dsn(CEILING_DB))
    await ceiling.execute((CEILING / "ceiling_schema.sql").read_text())
    await ceiling.close()
    await asyncio.to_thread(upgrade, url_for(DB))

    settings = load_settings(env)
    engine = make_engine(url_for(DB), pool_size=2)
    async with make_sessionmaker(engine)() as session:
        ctx = Ctx(session, settings, Caches(), datetime.now(UTC))
        await accounts.create_org(ctx, None, s.OrgCreate(code="city", name="压测市", kind=OrgKind.BUREAU))
        for d in range(1, DISTRICTS + 1):
            await accounts.create_org(
                ctx, None, s.OrgCreate(code=f"d{d}", name=f"{d}区", kind=OrgKind.DISTRICT, parent_code="city")
            )
        for n in range(SCHOOLS):
            parent = f"d{1 + n % DISTRICTS}"
            await accounts.create_org(
                ctx, None, s.OrgCreate(code=f"s{n}", name=f"学校{n}", kind=OrgKind.SCHOOL, parent_code=parent)
            )
        for username, role, org, _ in USERS:
            await accounts.create_user(
                ctx,
                None,
                s.UserCreate(
                    username=username,
                    password=PASSWORD,
                    display_name=f"{username}老师",
                    roles=[s.GrantIn(role=role, org_code=org)],
                ),
            )
        await session.commit()
    await engine.dispose()

    connection = await asyncpg.connect(dsn(DB))
    await connection.execute(
        "CREATE TEMP TABLE bench_schools AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, "
        "id, path, parent_id FROM orgs WHERE kind = 'school'"
    )
    started = time.monotonic()
    await connection.execute((ROOT / "bench" / "seed.sql").read_text().replace(":count", str(count)))
    # What a working school has besides: its handler's tickets, and a few under supervision.
    await connection.execute(
        "UPDATE tickets t SET assignee_id = u.id FROM users u, orgs o "
        "WHERE u.username = 'hand' AND o.code = 's0' AND t.school_id = o.id "
        "AND t.status IN ('assigned', 'responded', 'archived', 'inspected')"
    )
    await connection.execute(
        "UPDATE tickets SET supervised = true, supervise_note = '请尽快办理' "
        "WHERE id % 500 = 0 AND status IN ('collected','registered','submitted','assigned','responded')"
    )
    await connection.execute("VACUUM ANALYZE tickets")
    print(f"seeded {count:,} tickets in {time.monotonic() - started:.0f} s", flush=True)
    await connection.close()


def sign_in(base: str, username: str) -> str:
    """The Cookie header of a page session for `username` (the login form, as a browser)."""
    with httpx.Client(base_url=base, timeout=10) as client:
        form = client.get("/staff/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token, form.text[:300]
        answer = client.post(
            "/staff/login", data={"csrf": token.group(1), "username": username, "password": PASSWORD}
        )
        assert answer.status_code == 303, (username, answer.status_code, answer.text[:300])
        check = client.get("/staff")
        assert check.status_code == 200 and "table" in check.text, (username, check.status_code)
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def cookie_script(folder: Path, name: str, cookie: str, *, htmx: bool = False) -> Path:
    """wrk's script: the session cookie; `htmx`: as the page's 20 s poll (the live block only)."""
    path = folder / f"{name}{'-htmx' if htmx else ''}.lua"
    poll = 'wrk.headers["HX-Request"] = "true"\n' if htmx else ""
    path.write_text(f'wrk.headers["Cookie"] = "{cookie}"\n{poll}')
    return path


async def ticket_of(scope_code: str) -> str:
    """A ticket in the user's scope (for the ticket page)."""
    connection = await asyncpg.connect(dsn(DB))
    try:
        org = await connection.fetchrow("SELECT id, kind, path FROM orgs WHERE code = $1", scope_code)
        assert org is not None
        number = await connection.fetchval(
            "SELECT number FROM tickets WHERE org_path LIKE $1 || '%' ORDER BY id LIMIT 1", org["path"]
        )
        return str(number)
    finally:
        await connection.close()


async def plans() -> dict[str, list[str]]:
    """EXPLAIN of each count of each user's page (the statement db/queues.py sends)."""
    connection = await asyncpg.connect(dsn(DB))
    found: dict[str, list[str]] = {}
    try:
        for username, role, code, _ in USERS:
            org = await connection.fetchrow("SELECT id, kind, path FROM orgs WHERE code = $1", code)
            user_id = await connection.fetchval("SELECT id FROM users WHERE username = $1", username)
            assert org is not None
            if org["kind"] == "school":
                scope = db.Scope([org["path"]], [])
            elif org["kind"] == "district":
                scope = db.Scope([], [org["id"]])
            else:
                ids = await connection.fetch(
                    "SELECT id FROM orgs WHERE kind = 'district' AND path LIKE $1 || '%' ORDER BY id",
                    org["path"],
                )
                scope = db.Scope([], [r["id"] for r in ids])
            now = datetime.now(UTC)
            lines = []
            for code_ in ROLE_VIEWS[role]:
                view = db.View(code_, now, now + timedelta(days=1), user_id, mine=role is Role.HANDLER)
                statement, args = db.counts_sql(scope, [view])
                rows = await connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *args)
                plan = "\n".join(r[0] for r in rows)
                used = sorted(set(re.findall(r"using (ix_tickets_\w+)|Index Scan on (ix_tickets_\w+)", plan)))
                seq = "Seq Scan on tickets" in plan
                took = re.search(r"Execution Time: ([\d.]+) ms", plan)
                lines.append(
                    f"{code_}: {'SEQ SCAN ' if seq else ''}"
                    f"{', '.join(sorted({a or b for a, b in used})) or 'no ix_tickets index'}"
                    f" ({took.group(1) if took else '?'} ms)"
                )
            found[username] = lines
    finally:
        await connection.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded hx_bench_queue database")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "queue-pages.json")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="hx-queue-")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "HUIXIANG_DATABASE_URL": url_for(DB),
        "HUIXIANG_REDIS_URL": os.environ.get("HUIXIANG_BENCH_REDIS", "redis://127.0.0.1:6379/13"),
        "HUIXIANG_DATA_DIR": data_dir,
        "HUIXIANG_SECRET_KEY": secrets.token_hex(16),
        "HUIXIANG_WEB_WORKERS": str(args.workers),
    }
    if args.skip_seed:
        upgrade(url_for(DB))
    else:
        asyncio.run(prepare(args.tickets, env))
    ours = Server(
        "ours",
        [sys.executable, "-m", "huixiang.cli", "web", "--port", str(OURS_PORT)],
        env,
        OURS_PORT,
        "/health",
    )
    ceiling_cmd = [sys.executable, "-m", "uvicorn", "ceiling_app:app", "--app-dir", str(CEILING)]
    ceiling_cmd += ["--workers", str(args.workers), "--host", "127.0.0.1", "--port", str(CEILING_PORT)]
    ceiling_cmd += ["--log-level", "warning", "--no-access-log"]
    ceiling = Server("ceiling", ceiling_cmd, {**os.environ, "PG_DSN": dsn(CEILING_DB)}, CEILING_PORT, "/ping")
    ping = Path(data_dir) / "ping.lua"
    ping.write_text("")
    folder = Path(data_dir)
    numbers = {u: asyncio.run(ticket_of(code)) for u, _, code, scope in USERS if scope}
    results: dict[str, list[dict[str, float]]] = {}

    def measure(name: str, server: Server, script: Path, path: str) -> None:
        run_wrk(script, path, 2, args.connections, port=server.port)
        r = run_wrk(script, path, args.duration, args.connections, port=server.port)
        r["load_1m"] = round(os.getloadavg()[0], 2)  # the machine is shared: its load, right after
        results.setdefault(name, []).append(r)
        print(
            f"  {name}: {r['rps']:.0f} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
            f"non-2xx {r['non_2xx']}, load {r['load_1m']}",
            flush=True,
        )

    for round_ in range(args.rounds):
        print(f"round {round_ + 1}", flush=True)
        with ceiling:
            measure("ceiling GET /ping", ceiling, ping, "/ping")
        with ours:
            base = f"http://127.0.0.1:{OURS_PORT}"
            for username, _, _, scope in USERS:
                if not scope:
                    continue
                cookie = sign_in(base, username)
                script = cookie_script(folder, username, cookie)
                measure(f"queue page, {scope} ({username})", ours, script, "/staff")
                poll = cookie_script(folder, username, cookie, htmx=True)
                measure(f"queue live block (htmx poll), {scope} ({username})", ours, poll, "/staff")
                measure(
                    f"ticket page, {scope} ({username})", ours, script, f"/staff/tickets/{numbers[username]}"
                )
                if username == "lead":  # the page loads a leader's figures on its own (a minute's reuse)
                    name = f"figures of the month (htmx), {scope} ({username})"
                    measure(name, ours, poll, "/staff/figures")
        with ceiling:
            measure("ceiling GET /ping", ceiling, ping, "/ping")
    explained = asyncio.run(plans())
    summary = {}
    reference = statistics.median(r["rps"] for r in results["ceiling GET /ping"])
    for name, runs in results.items():
        rps = statistics.median(r["rps"] for r in runs)
        summary[name] = {
            "rps": round(rps),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": max(r["p99_ms"] for r in runs),
            "non_2xx": sum(int(r["non_2xx"]) for r in runs),
            "ratio_to_ping": round(rps / reference, 3),
            "load_1m": [r.get("load_1m") for r in runs],
        }
    print(
        "\n| page | req/s | p50 ms | p99 ms | non-2xx | / ping |\n| --- | ---: | ---: | ---: | ---: | ---: |"
    )
    for name, r in summary.items():
        print(
            f"| {name} | {r['rps']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['non_2xx']} "
            f"| {r['ratio_to_ping']} |"
        )
    for username, lines in explained.items():
        print(f"\ncounts of {username}'s page:\n  " + "\n  ".join(lines))
    args.out.parent.mkdir(exist_ok=True)
    record = {
        "at": datetime.now(UTC).isoformat(),
        "tickets": args.tickets,
        "workers": args.workers,
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "results": summary,
        "count_plans": explained,
    }
    args.out.write_text(json.dumps(record, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
