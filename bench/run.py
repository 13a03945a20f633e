"""Benchmark: public intake (POST), tracking (GET) and the staff list (GET) at 1,000,000 tickets.

Method (docs/benchmarks.md): a fresh database on the local PostgreSQL, migrated; an org tree and
users made through the services; 1,000,000 tickets seeded with SQL; `huixiang web` with
HUIXIANG_WEB_WORKERS processes on loopback; wrk (-t2 -c64 -d10s by default) as the load
generator on the same machine. Prints a table and writes bench/results/latest.json.

    python bench/run.py [--tickets 1000000] [--duration 10] [--connections 64] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from huixiang.db.engine import make_engine, make_sessionmaker  # noqa: E402
from huixiang.db.fast import list_sql  # noqa: E402
from huixiang.domain.enums import OrgKind, Role  # noqa: E402
from huixiang.migrate import upgrade  # noqa: E402
from huixiang.services import accounts  # noqa: E402
from huixiang.services import schemas as s  # noqa: E402
from huixiang.services.context import Caches, Ctx  # noqa: E402
from huixiang.settings import load_settings  # noqa: E402

ADMIN_DSN = os.environ.get("HUIXIANG_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/test")
DB = "hx_bench"
PORT = 8300
SCHOOLS = 100
DISTRICTS = 10  # each district ~10% of the tickets, as in a province with many districts


def url_for(db: str) -> str:
    return ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + db


async def prepare(count: int, env: dict[str, str]) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    await admin.execute(f"CREATE DATABASE {DB}")
    await admin.close()
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
            await accounts.create_org(
                ctx,
                None,
                s.OrgCreate(
                    code=f"s{n}", name=f"学校{n}", kind=OrgKind.SCHOOL, parent_code=f"d{1 + n % DISTRICTS}"
                ),
            )
        for username, role, org in (
            ("lead", Role.LEADER, "s0"),
            ("insp", Role.INSPECTOR, "d1"),
            ("cityinsp", Role.INSPECTOR, "city"),
        ):
            await accounts.create_user(
                ctx,
                None,
                s.UserCreate(
                    username=username,
                    password="bench-pass-1",
                    display_name=username,
                    roles=[s.GrantIn(role=role, org_code=org)],
                ),
            )
        await session.commit()
    await engine.dispose()

    connection = await asyncpg.connect(url_for(DB).replace("+asyncpg", ""))
    await connection.execute(
        "CREATE TEMP TABLE bench_schools AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, "
        "id, path, parent_id FROM orgs WHERE kind = 'school'"
    )
    started = time.monotonic()
    sql = (ROOT / "bench" / "seed.sql").read_text().replace(":count", str(count))
    await connection.execute(sql)
    await connection.execute("VACUUM ANALYZE tickets")
    print(f"seeded {count:,} tickets in {time.monotonic() - started:.0f} s", flush=True)
    await connection.close()


def request(method: str, path: str, body: dict[str, object] | None = None, token: str | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as answer:
        return json.loads(answer.read())


INTAKE_BODY = {
    "school_code": "s1",
    "kind": "suggestion",
    "category": "食堂膳食",
    "content": "建议学校食堂增加一些时令蔬菜，孩子们都说最近的菜品有些单调。",
    "consent": True,
    "contact": {"phone": "13800001111"},
}


def lua_scripts(folder: Path, tracked: list[tuple[str, str]], tokens: dict[str, str]) -> dict[str, Path]:
    body = json.dumps(INTAKE_BODY, ensure_ascii=False).replace("\\", "\\\\").replace('"', '\\"')
    pairs = ",".join(f'{{"{n}","{c}"}}' for n, c in tracked)
    scripts = {
        "intake": f'wrk.method = "POST"\nwrk.body = "{body}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n',
        "track": f"local t = {{{pairs}}}\nrequest = function()\n"
        "  local p = t[math.random(#t)]\n"
        '  return wrk.format("GET", "/api/v1/public/tickets/" .. p[1] .. "?code=" .. p[2])\nend\n',
        "list_school": f'wrk.headers["Authorization"] = "Bearer {tokens["lead"]}"\n',
        "list_district": f'wrk.headers["Authorization"] = "Bearer {tokens["insp"]}"\n',
        "list_city": f'wrk.headers["Authorization"] = "Bearer {tokens["cityinsp"]}"\n',
    }
    paths = {}
    for name, text in scripts.items():
        path = folder / f"{name}.lua"
        path.write_text(text)
        paths[name] = path
    return paths


def run_wrk(script: Path, path: str, duration: int, connections: int, port: int = PORT) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)

    def ms(match: re.Match[str] | None) -> float:
        assert match is not None
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "rps": rps,
        "p50_ms": ms(p50),
        "p99_ms": ms(p99),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


async def explain(query_user: str) -> str:
    """The plan of the staff list's statement for this user's scope, as db/fast.list_sql
    writes it (a school's path, a district's id, a bureau's districts merged)."""
    connection = await asyncpg.connect(url_for(DB).replace("+asyncpg", ""))
    org = await connection.fetchrow(
        "SELECT o.id, o.path, o.kind FROM orgs o JOIN role_grants g ON g.org_id = o.id "
        "JOIN users u ON u.id = g.user_id WHERE u.username = $1",
        query_user,
    )
    if org["kind"] == "school":
        branches, args = ["t.org_path = $1"], [org["path"]]
    elif org["kind"] == "district":
        branches, args = ["t.district_id = $1"], [org["id"]]
    else:
        args = [
            r["id"]
            for r in await connection.fetch(
                "SELECT id FROM orgs WHERE kind = 'district' AND path LIKE $1 || '%' ORDER BY id", org["path"]
            )
        ]
        branches = [f"t.district_id = ${i + 1}" for i in range(len(args))]
    rows = await connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + list_sql(branches, [], 21), *args)
    await connection.close()
    return "\n".join(row[0] for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-seed", action="store_true")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="hx-bench-")
    env = {
        **os.environ,
        "HUIXIANG_DATABASE_URL": url_for(DB),
        "HUIXIANG_REDIS_URL": os.environ.get("HUIXIANG_BENCH_REDIS", "redis://127.0.0.1:6379/14"),
        "HUIXIANG_DATA_DIR": data_dir,
        "HUIXIANG_SECRET_KEY": secrets.token_hex(16),
        "HUIXIANG_WEB_WORKERS": str(args.workers),
        # wrk comes from one address: raise the public intake's per-address limit (not off: its
        # Redis counter is paid as in production).
        "HUIXIANG_INTAKE_LIMIT": "1000000000",
    }
    if not args.skip_seed:
        asyncio.run(prepare(args.tickets, env))
    web = subprocess.Popen(
        [sys.executable, "-m", "huixiang.cli", "web", "--port", str(PORT)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                request("GET", "/health")
                break
            except OSError:
                time.sleep(0.3)
        tokens = {
            u: request("POST", "/api/v1/auth/login", {"username": u, "password": "bench-pass-1"})["token"]
            for u in ("lead", "insp", "cityinsp")
        }
        tracked = []
        for i in range(500):
            body = {**INTAKE_BODY, "school_code": f"s{i % SCHOOLS}", "content": f"跟踪测试 {i}"}
            receipt = request("POST", "/api/v1/public/tickets", body)
            tracked.append((receipt["number"], receipt["access_code"]))
        scripts = lua_scripts(Path(data_dir), tracked, tokens)
        cases = [
            ("public intake (POST)", "intake", "/api/v1/public/tickets"),
            ("tracking (GET)", "track", "/"),
            ("staff list, school leader (GET)", "list_school", "/api/v1/tickets?limit=20"),
            ("staff list, district inspector (GET)", "list_district", "/api/v1/tickets?limit=20"),
            ("staff list, city inspector (GET)", "list_city", "/api/v1/tickets?limit=20"),
        ]
        results = {}
        for title, script, path in cases:
            results[title] = run_wrk(scripts[script], path, args.duration, args.connections)
            r = results[title]
            print(
                f"| {title} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['non_2xx']} |",
                flush=True,
            )
        plans = {user: asyncio.run(explain(user)) for user in ("lead", "insp", "cityinsp")}
    finally:
        web.terminate()
        web.wait(timeout=20)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    record = {
        "at": datetime.now(UTC).isoformat(),
        "tickets": args.tickets,
        "workers": args.workers,
        "connections": args.connections,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "results": results,
        "plans": plans,
    }
    (out / "latest.json").write_text(json.dumps(record, ensure_ascii=False, indent=2))
    for user, plan in plans.items():
        print(f"\nEXPLAIN for {user}:\n{plan}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
