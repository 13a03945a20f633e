"""Benchmark: home visits — a 3,000-student roster imported through the service, and the coverage
figures (GET /api/v1/visits/coverage's service call) for a school, a district and the city.

Method (docs/visits.md, "Coverage: the formulas"):

1. a database of its own (hx_bench_visits), migrated; a city, 10 districts, 100 schools (the
   org tree of bench/run.py) and a leader of s0 and the city's inspector, made by the services;
2. the import: a 3,000-row XLSX (60 classes, one guardian each) through services.visits
   .import_roster, as s0's leader, timed end to end (parsing, checks, writes, ANALYZE);
3. `--students` students spread over the 100 schools (40 per class) and about three visits each
   for three in four of them, written by SQL; VACUUM ANALYZE;
4. each coverage call `--rounds` times, the median and the worst (with the follow-ups' figures,
   db/followups.FIGURES), the sweep's two follow-up rules over the city (db/followups.fire, in
   a transaction rolled back each round), and EXPLAIN (ANALYZE) of the city's statement.

    python bench/visits.py [--students 100000] [--rounds 5]

Target (issue 11): a city of ~1,000,000 students and ~3,000,000 visits a year under 500 ms;
a 3,000-student import under 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ADMIN_DSN, DISTRICTS, SCHOOLS, url_for  # noqa: E402

from huixiang.db import followups as followups_db  # noqa: E402
from huixiang.db import repo  # noqa: E402
from huixiang.db.engine import make_engine, make_sessionmaker  # noqa: E402
from huixiang.db.visits import COVERAGE  # noqa: E402
from huixiang.domain.access import Principal  # noqa: E402
from huixiang.domain.enums import OrgKind, Role  # noqa: E402
from huixiang.domain.visits import COLUMNS  # noqa: E402
from huixiang.migrate import upgrade  # noqa: E402
from huixiang.services import accounts, visits  # noqa: E402
from huixiang.services import schemas as s  # noqa: E402
from huixiang.services.context import Caches, Ctx  # noqa: E402
from huixiang.settings import load_settings  # noqa: E402

DB = "hx_bench_visits"
SEED = """
INSERT INTO visit_classes (school_id, school_year, grade, name)
SELECT o.id, :year, 1 + c % 6, format('%s年级（%s）班', 1 + c % 6, 1 + c / 6)
FROM orgs o, generate_series(0, :classes - 1) c
WHERE o.kind = 'school' AND o.code <> 's0';
INSERT INTO students (school_id, class_id, name, new_intake, groups)
SELECT c.school_id, c.id, format('学生%s', g), g % 6 = 0,
       CASE WHEN g % 9 = 0 THEN '{left_behind}' ELSE '{}' END::varchar(16)[]
FROM visit_classes c, generate_series(1, 40) g
WHERE c.school_year = :year;
INSERT INTO class_enrolments (student_id, class_id, new_intake)
SELECT id, class_id, new_intake FROM students ON CONFLICT DO NOTHING;
INSERT INTO visits (student_id, class_id, school_id, visited_at, form)
SELECT st.id, st.class_id, st.school_id, CAST(:start AS timestamptz) + random() * interval '80 days', 'home'
FROM students st, generate_series(1, 4) k
WHERE st.id % 4 <> 0 AND k <= 1 + st.id % 3;
"""


def roster() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    for i in range(3000):
        grade = 1 + i % 6
        sheet.append(
            [grade, f"{grade}年级（{1 + (i // 6) % 10}）班", f"学生{i:04d}", "是" if grade == 1 else "否",
             "留守/单亲" if i % 9 == 0 else "", f"家长{i}", "母亲", f"139{i:08d}", "", "", "", ""]
        )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def principal(ctx: Ctx, username: str) -> Principal:
    user = await repo.user_by_username(ctx.session, username)
    assert user is not None
    grants = (await repo.grants_of(ctx.session, [user.id]))[user.id]
    return Principal(user.id, user.username, user.display_name, tuple(grants))


async def main(students: int, rounds: int) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    await admin.execute(f"CREATE DATABASE {DB}")
    await admin.close()
    await asyncio.to_thread(upgrade, url_for(DB))
    settings = load_settings({})
    engine = make_engine(url_for(DB), pool_size=2)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    async with sessions() as session:
        ctx = Ctx(session, settings, Caches(), now)
        await accounts.create_org(ctx, None, s.OrgCreate(code="city", name="压测市", kind=OrgKind.BUREAU))
        for d in range(1, DISTRICTS + 1):
            await accounts.create_org(
                ctx, None, s.OrgCreate(code=f"d{d}", name=f"{d}区", kind=OrgKind.DISTRICT, parent_code="city")
            )
        for n in range(SCHOOLS):
            school = s.OrgCreate(
                code=f"s{n}", name=f"学校{n}", kind=OrgKind.SCHOOL, parent_code=f"d{1 + n % DISTRICTS}"
            )
            await accounts.create_org(ctx, None, school)
        for username, role, org in (
            ("lead", Role.LEADER, "s0"),
            ("insp", Role.INSPECTOR, "d1"),
            ("cityinsp", Role.INSPECTOR, "city"),
        ):
            grant = [s.GrantIn(role=role, org_code=org)]
            await accounts.create_user(
                ctx,
                None,
                s.UserCreate(username=username, password="bench-pass-1", display_name=username, roles=grant),
            )
        await session.commit()

        content = roster()
        leader = await principal(ctx, "lead")
        started = time.perf_counter()
        report = await visits.import_roster(ctx, leader, "s0", content)
        await session.commit()
        took = time.perf_counter() - started
        assert report.imported, report.errors[:3]
        print(f"import: 3,000 rows ({len(content) // 1024} KiB) in {took:.2f} s", flush=True)

    year = visits.current_school_year(Ctx(None, settings, Caches(), now))
    start = now - timedelta(days=85)
    classes = max(1, students // (40 * (SCHOOLS - 1)))
    connection = await asyncpg.connect(url_for(DB).replace("+asyncpg", ""))
    started = time.perf_counter()
    sql = SEED.replace(":year", str(year)).replace(":classes", str(classes)).replace(":start", "$1")
    for statement in filter(str.strip, sql.split(";")):
        if "$1" in statement:
            await connection.execute(statement, start)
        else:
            await connection.execute(statement)
    await connection.execute("VACUUM ANALYZE")
    counts = await connection.fetchrow(
        "SELECT (SELECT count(*) FROM students) s, (SELECT count(*) FROM visits) v"
    )
    print(f"seeded {counts['s']:,} students, {counts['v']:,} visits in {time.perf_counter() - started:.0f} s")

    async with sessions() as session:
        ctx = Ctx(session, settings, Caches(), now)
        for username, org in (("lead", None), ("insp", None), ("cityinsp", None)):
            who = await principal(ctx, username)
            times = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                figures = await visits.coverage(ctx, who, org_code=org)
                times.append(time.perf_counter() - t0)
            print(
                f"coverage {figures['org_code']:>5}: {figures['students']:>9,} students, "
                f"{figures['home_visits']:>9,} visits, median {statistics.median(times) * 1000:.0f} ms, "
                f"worst {max(times) * 1000:.0f} ms"
            )
    city = await connection.fetchval("SELECT path FROM orgs WHERE code = 'city'")
    # The sweep's two follow-up rules over the city, each in a transaction rolled back (so every
    # round fires the same rows); the first round fires them all, as the first sweep would.
    tz = settings.timezone
    today = now.astimezone(tz).date()
    for rule, last_due_on in (("due", today + timedelta(days=3)), ("overdue", today - timedelta(days=1))):
        times, fired = [], 0
        for _ in range(rounds):
            transaction = connection.transaction()
            await transaction.start()
            t0 = time.perf_counter()
            fired = len(await followups_db.fire(connection, city, year, tz.key, rule, last_due_on, now))
            times.append(time.perf_counter() - t0)
            await transaction.rollback()
        print(
            f"sweep followup_{rule}: {fired:,} fired, median {statistics.median(times) * 1000:.0f} ms, "
            f"worst {max(times) * 1000:.0f} ms"
        )
    plan = await connection.fetch(
        "EXPLAIN (ANALYZE, BUFFERS) "
        + COVERAGE.format(unit="split_part(trim(both '/' from o.path), '/', 2)::int")
        .replace(":prefix", "$1")
        .replace(":school_year", "$2")
        .replace(":start", "$3")
        .replace(":end", "$4")
        .replace("CAST(:campaign AS text)", "CAST($5 AS text)")
        .replace(":campaign", "$5"),
        city + "%",
        year,
        start - timedelta(days=30),
        now,
        None,
    )
    print("\n".join(row[0] for row in plan))
    await connection.close()
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.students, arguments.rounds))
