# ruff: noqa: E501 - the seed's SQL and the table of calls read best one clause a line
"""The figures at a province's scale, from the rollups (docs/benchmarks.md, "Figures").

Method: a fresh database on the local PostgreSQL, migrated; an org tree of one province bureau,
100 districts and 10,000 schools; `figure_months` seeded directly with SQL (generate_series) for
36 months of every school (~167 tickets per school and month, i.e. 20M a year, with 5% of the
school-months also holding tickets sent to the bureau); `figure_days` for the last `--days`
days with `--facets` rows (channel × kind × category) per school and day; `--open` open tickets
(the set the "now" figures count); VACUUM ANALYZE. Then the services themselves (stats,
trends, breakdowns) as a province inspector, a district inspector and a school leader, each
`--repeat` times (median), with EXPLAIN (ANALYZE, BUFFERS) of every statement they send, beside
a ruler measured in the same run (docs: /work/shared/bench/README.md — quote ratios). Finally the
trigger's cost per intake: 20,000 ticket INSERTs with and without it.

    nice -n 10 .venv/bin/python bench/figures.py [--days 183 --facets 4 --open 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from huixiang.db.engine import make_engine, make_sessionmaker  # noqa: E402
from huixiang.domain.access import Grant, Principal  # noqa: E402
from huixiang.domain.enums import Role  # noqa: E402
from huixiang.migrate import upgrade  # noqa: E402
from huixiang.services import stats  # noqa: E402
from huixiang.services.context import Caches, Ctx  # noqa: E402
from huixiang.settings import load_settings  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "hx_bench_figures"
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # months 2023-12 … 2026-11 are the seeded three years
COUNTS = (
    "total, responded, responded_on_time, rated, satisfied, basically_satisfied, unsatisfied, "
    "reopened, to_bureau, h00, h01, h02, h03, h04, h05, h06, h07, h08, h09, h10, h11, h12, h13, h14, h15"
)
# What a school-month (or a facet row of a day) adds: total n, and shares of it.
VALUES = """
    n, (n * 0.92)::int, (n * 0.85)::int, (n * 0.6)::int, (n * 0.45)::int, (n * 0.1)::int,
    (n * 0.05)::int, (n * 0.04)::int, 0,
    (n * 0.05)::int, (n * 0.05)::int, (n * 0.08)::int, (n * 0.1)::int, (n * 0.1)::int,
    (n * 0.15)::int, (n * 0.12)::int, (n * 0.08)::int, (n * 0.06)::int, (n * 0.04)::int,
    (n * 0.03)::int, (n * 0.02)::int, (n * 0.02)::int, (n * 0.01)::int, (n * 0.005)::int, 0
"""


def url(db: str) -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}"


async def timed(connection: asyncpg.Connection, sql: str, *args: Any) -> float:
    started = time.perf_counter()
    await connection.execute(sql, *args)
    return time.perf_counter() - started


async def seed(days: int, facets: int, open_tickets: int) -> dict[str, float]:
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{DB}"')
    await admin.close()
    thread = threading.Thread(target=upgrade, args=(url(DB),))
    thread.start()
    thread.join()
    c = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{DB}")
    took: dict[str, float] = {}
    took["orgs"] = await timed(
        c,
        """
        INSERT INTO orgs (id, code, name, kind, parent_id, path) VALUES (1, 'prov', '省教育厅', 'bureau', NULL, '/1/');
        INSERT INTO orgs (id, code, name, kind, parent_id, path)
        SELECT d, 'd' || d, '区县' || d, 'district', 1, '/1/' || d || '/' FROM generate_series(2, 101) d;
        INSERT INTO orgs (id, code, name, kind, parent_id, path)
        SELECT s, 's' || s, '学校' || s, 'school', 2 + (s - 102) / 100, '/1/' || (2 + (s - 102) / 100) || '/' || s || '/'
        FROM generate_series(102, 10101) s;
        SELECT setval(pg_get_serial_sequence('orgs', 'id'), 10101);
        """,
    )
    took["figure_months"] = await timed(
        c,
        f"""
        INSERT INTO figure_months (school_id, to_bureau_key, org_path, month, {COUNTS})
        SELECT s.id, false, s.path, m::date, {VALUES}
        FROM orgs s CROSS JOIN generate_series(date '2023-12-01', date '2026-11-01', interval '1 month') m
        CROSS JOIN LATERAL (SELECT (120 + (hashint4(s.id * 37 + extract(month FROM m)::int) % 95 + 95) % 95)::int AS n) k
        WHERE s.kind = 'school';
        INSERT INTO figure_months (school_id, to_bureau_key, org_path, month, {COUNTS})
        SELECT s.id, true, p.path, m::date, 2, 2, 1, 1, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0
        FROM orgs s JOIN orgs p ON p.id = s.parent_id
        CROSS JOIN generate_series(date '2023-12-01', date '2026-11-01', interval '1 month') m
        WHERE s.kind = 'school' AND (s.id + extract(month FROM m)::int) % 20 = 0;
        """,
    )
    took["figure_days"] = await timed(
        c,
        f"""
        INSERT INTO figure_days (school_id, to_bureau_key, org_path, day, channel, kind, category, {COUNTS})
        SELECT s.id, false, s.path, d::date,
               (ARRAY['online','mailbox','hotline','reception','home_visit','grid','parent_meeting'])[1 + (s.id + f) % 7],
               (ARRAY['inquiry','suggestion','complaint','report','help','praise'])[1 + (s.id * 3 + f) % 6],
               (ARRAY['教育教学','师德师风','校园安全','食堂膳食','收费管理','课后服务与双减','作业与考试',
                      '校车与交通','设施环境','招生入学','心理健康','家庭教育指导','其他'])[1 + (s.id * 7 + f * 5) % 13],
               {VALUES}
        FROM orgs s
        CROSS JOIN generate_series(date '2026-11-20' - {days - 1}, date '2026-11-20', interval '1 day') d
        CROSS JOIN generate_series(1, {facets}) f
        CROSS JOIN LATERAL (SELECT 1 + (s.id + f + extract(doy FROM d)::int) % 2 AS n) k
        WHERE s.kind = 'school';
        """,
    )
    # The open set: tickets awaiting an answer, a third of them overdue, 2% supervised; without
    # the trigger (their rollup rows do not matter here).
    took["open_tickets"] = await timed(
        c,
        f"""
        ALTER TABLE tickets DISABLE TRIGGER tickets_figures;
        INSERT INTO tickets (number, access_code_hash, org_id, org_path, school_id, district_id, to_bureau,
            channel, kind, category, priority, status, content, anonymous, collected_at, register_due_at,
            respond_due_at, supervised, version)
        SELECT 'O' || lpad(g::text, 9, '0'), decode(md5(g::text) || md5(g::text), 'hex'), s.id, s.path, s.id,
               s.parent_id, false, 'online', 'inquiry', '其他', 'normal',
               (ARRAY['collected','registered','submitted','assigned'])[1 + g % 4], '压测：未办结工单', false,
               timestamptz '2026-11-20 02:00+00' - make_interval(hours => g % 720),
               timestamptz '2026-11-20 02:00+00' - make_interval(hours => g % 720) + interval '1 day',
               timestamptz '2026-11-20 02:00+00' - make_interval(hours => g % 720) + interval '7 days',
               g % 50 = 0, 1
        FROM generate_series(1, {open_tickets}) g JOIN orgs s ON s.id = 102 + g % 10000;
        ALTER TABLE tickets ENABLE TRIGGER tickets_figures;
        """,
    )
    took["vacuum"] = await timed(c, "VACUUM ANALYZE")
    sizes = await c.fetch(
        "SELECT relname, n_live_tup, pg_total_relation_size(relid) AS bytes FROM pg_stat_user_tables "
        "WHERE relname IN ('figure_days','figure_months','tickets')"
    )
    await c.close()
    took["sizes"] = {r["relname"]: {"rows": r["n_live_tup"], "mb": round(r["bytes"] / 2**20)} for r in sizes}  # type: ignore[assignment]
    return took


def principal(role: Role, path: str, code: str, *, leaf: bool = False, district: bool = False) -> Principal:
    return Principal(1, "bench", "bench", (Grant(role, code, path, leaf=leaf, district=district),))


CALLERS = {
    "province inspector": principal(Role.INSPECTOR, "/1/", "prov"),
    "district inspector": principal(Role.INSPECTOR, "/1/2/", "d2", district=True),
    "school leader": principal(Role.LEADER, "/1/2/102/", "s102", leaf=True),
}
PERIODS = {
    "3 years, whole months": ("2023-12-01", "2026-11-30"),
    "3 years, ragged edges": ("2023-12-15", "2026-11-20"),
    "this month": ("2026-11-01", "2026-11-20"),
}


async def ruler(connection: asyncpg.Connection) -> float:
    """CPU ruler of this run: summing 2M integers in PostgreSQL, median of 3."""
    runs = [await timed(connection, "SELECT sum(g) FROM generate_series(1, 2000000) g") for _ in range(3)]
    return statistics.median(runs)


async def measure(repeat: int) -> dict[str, Any]:
    data = Path("/tmp") / "hx-bench-figures"
    data.mkdir(exist_ok=True)
    settings = load_settings({"HUIXIANG_DATABASE_URL": url(DB), "HUIXIANG_DATA_DIR": str(data)})
    engine = make_engine(url(DB), pool_size=2)
    sessions = make_sessionmaker(engine)
    statements: list[tuple[str, Any]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        statements.append((statement, parameters))

    raw = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{DB}")
    results: dict[str, Any] = {"ruler_s": await ruler(raw), "runs": []}
    plans: dict[str, list[str]] = {}
    for who, caller in CALLERS.items():
        for period, (start, end) in PERIODS.items():
            for name, call in (
                (
                    "stats (headline + by_school)",
                    lambda ctx, c=caller, s=start, e=end: stats.stats(ctx, c, org_code=None, start=s, end=e),
                ),
                (
                    "trend by month",
                    lambda ctx, c=caller, s=start, e=end: stats.trends(
                        ctx, c, org_code=None, start=s, end=e, every="month"
                    ),
                ),
                (
                    "trend by week (26 weeks)",
                    lambda ctx, c=caller, e=end: stats.trends(
                        ctx, c, org_code=None, start=None, end=e, every="week"
                    ),
                ),
                (
                    "breakdowns",
                    lambda ctx, c=caller, s=start, e=end: stats.breakdowns(
                        ctx, c, org_code=None, start=s, end=e
                    ),
                ),
            ):
                if name.startswith("trend by week") and period != "this month":
                    continue
                times = []
                for i in range(repeat):
                    statements.clear()
                    async with sessions() as session:
                        ctx = Ctx(session, settings, Caches(), NOW)
                        started = time.perf_counter()
                        answer = await call(ctx)
                        times.append(time.perf_counter() - started)
                    if i == 0:
                        sent = list(statements)
                ms = statistics.median(times) * 1000
                key = f"{who} · {period} · {name}"
                results["runs"].append(
                    {
                        "caller": who,
                        "period": period,
                        "query": name,
                        "median_ms": round(ms, 1),
                        "ratio_to_ruler": round(ms / 1000 / results["ruler_s"], 2),
                        "total": answer.get("total") if isinstance(answer, dict) else None,
                    }
                )
                print(f"{key}: {ms:.1f} ms", flush=True)
                plans[key] = []
                for statement, parameters in sent:
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    args = list(parameters) if parameters else []
                    rows = await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *args)
                    plans[key].append("\n".join(r[0] for r in rows))
    results["ruler_after_s"] = await ruler(raw)
    await raw.close()
    await engine.dispose()
    results["plans"] = plans
    return results


async def trigger_cost(n: int) -> dict[str, float]:
    """n single-row INSERTs of tickets, in one transaction each way, rolled back: with the
    figures' trigger and without it."""
    c = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{DB}")
    insert = """
        INSERT INTO tickets (number, access_code_hash, org_id, org_path, school_id, district_id, to_bureau,
            channel, kind, category, priority, status, content, anonymous, collected_at, register_due_at,
            respond_due_at, version)
        VALUES ($1, '\\x00'::bytea, $2, $3, $2, 2, false, 'online', 'inquiry', '其他', 'normal', 'collected',
            '压测', false, now(), now() + interval '1 day', now() + interval '7 days', 1)
    """
    out: dict[str, float] = {}
    # Server side only: n rows in one INSERT … SELECT, alternately without and with the trigger.
    bulk = insert.replace("VALUES ($1, ", "SELECT 'S' || $4 || g, ").replace(
        "now() + interval '7 days', 1)", "now() + interval '7 days', 1 FROM generate_series(1, $5) g"
    )
    bulk = bulk.replace(
        "$2, $3, $2,",
        "102 + g % 10000, '/1/' || (2 + (g % 10000) / 100) || '/' || (102 + g % 10000) || '/', 102 + g % 10000,",
    )
    for round_ in range(2):
        for label, disable in (("without", True), ("with", False)):
            tx = c.transaction()
            await tx.start()
            if disable:
                await c.execute("ALTER TABLE tickets DISABLE TRIGGER tickets_figures")
            started = time.perf_counter()
            await c.execute(bulk.replace("$4", f"'{label}{round_}'").replace("$5", str(n)))
            out[f"bulk {label} trigger, round {round_ + 1}"] = round(
                (time.perf_counter() - started) / n * 1e6, 1
            )
            await tx.rollback()
    for label, disable in (("with trigger", False), ("without trigger", True), ("with trigger again", False)):
        tx = c.transaction()
        await tx.start()
        if disable:
            await c.execute("ALTER TABLE tickets DISABLE TRIGGER tickets_figures")
        started = time.perf_counter()
        for i in range(n):
            school = 102 + i % 10000
            await c.execute(
                insert, f"T{label[:2]}{i:08d}", school, f"/1/{2 + (school - 102) // 100}/{school}/"
            )
        out[label] = round((time.perf_counter() - started) / n * 1e6, 1)  # µs per insert
        await tx.rollback()
    await c.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=183)
    parser.add_argument("--facets", type=int, default=4)
    parser.add_argument("--open", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--trigger-only", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / f"{date.today()}-figures.json"))
    args = parser.parse_args()
    result: dict[str, Any] = {"args": vars(args), "started": datetime.now(UTC).isoformat()}
    if not args.skip_seed:
        result["seed_s"] = asyncio.run(seed(args.days, args.facets, args.open))
        print("seeded", json.dumps(result["seed_s"], ensure_ascii=False), flush=True)
    if not args.trigger_only:
        result["measure"] = asyncio.run(measure(args.repeat))
    result["trigger_us_per_insert"] = asyncio.run(trigger_cost(20_000))
    print("trigger", result["trigger_us_per_insert"], flush=True)
    result["finished"] = datetime.now(UTC).isoformat()
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print("written", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
