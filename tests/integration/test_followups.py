"""Follow-ups of the six groups (services/followups.py): the sweep tells the responsible teacher
when one falls due and the head teacher when it is overdue, each once per due day (also with two
sweeps at once, on transactions that commit); coverage counts them; the list shows a teacher
their own and nobody else's; the statement agrees with the domain's rule."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from huixiang.db import fast, repo
from huixiang.db import followups as db
from huixiang.db.engine import make_sessionmaker
from huixiang.demo import load_demo
from huixiang.domain.access import Principal
from huixiang.domain.followups import DEFAULT_CADENCE, followup
from huixiang.domain.visits import Group
from huixiang.services import campaigns, followups, visits
from huixiang.services.context import Caches, Ctx
from huixiang.settings import Settings

from .conftest import World
from .test_reminders import Run
from .test_visits import make_class, make_student, visit_body

pytestmark = pytest.mark.asyncio
SH = ZoneInfo("Asia/Shanghai")


async def record(world: World, student_id: int, user: str, days_ago: float, **extra: Any) -> Any:
    at = world.now() - timedelta(days=days_ago)
    body = visit_body(world, student_id, visited_at=at.isoformat(), teachers=[], opinions=[], **extra)
    answer = await world.as_(user, "POST", "/api/v1/visits", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def told(run: Run) -> list[tuple[str, str, list[int]]]:
    rows = await run.rows(
        "SELECT n.rule, u.username, n.data FROM notifications n JOIN users u ON u.id = n.user_id "
        "WHERE n.rule LIKE 'followup%' ORDER BY n.id"
    )
    return [(r[0], r[1], r[2]["students"]) for r in rows]


@pytest.fixture
def run(settings: Settings, connection: AsyncConnection) -> Run:
    return Run(settings, connection)


async def test_the_sweep_tells_each_follow_up_once_per_due_day(world: World, run: Run) -> None:
    klass = await make_class(world)  # head teacher hand1, subject teacher lead1
    pupil = await make_student(world, klass["id"])  # 留守: every 30 days
    await record(world, pupil["id"], "lead1", days_ago=28)  # due in two days
    now = world.now()

    report = await run.sweep(now)
    assert report.fired["followup_due"] == 1 and "followup_overdue" not in report.fired
    # Whoever visited last (still a teacher of the class) is reminded.
    assert await told(run) == [("followup_due", "lead1", [pupil["id"]])]
    [(body,)] = await run.rows("SELECT data->>'body' FROM notifications WHERE rule = 'followup_due'")
    # A notice may go by email or SMS: it names no minor, only the count and where to look.
    assert "张小明" not in body and "1 名学生" in body and "跟踪回访" in body
    await run.sweep(now + timedelta(minutes=1))
    await run.sweep(now + timedelta(days=1))
    assert len(await told(run)) == 1

    # The due day passes: the head teacher is told, once.
    late = now + timedelta(days=3)
    report = await run.sweep(late)
    assert report.fired["followup_overdue"] == 1
    await run.sweep(late + timedelta(hours=5))
    assert await told(run) == [
        ("followup_due", "lead1", [pupil["id"]]),
        ("followup_overdue", "hand1", [pupil["id"]]),
    ]

    # A visit moves the due day; the new one is told when it comes, to the new visitor.
    await record(world, pupil["id"], "hand1", days_ago=0)
    await run.sweep(late + timedelta(days=1))
    assert len(await told(run)) == 2
    await run.sweep(now + timedelta(days=28))
    assert (await told(run))[2] == ("followup_due", "hand1", [pupil["id"]])
    assert len(await run.rows("SELECT 1 FROM followup_fires")) == 3


async def test_a_tree_is_looked_at_once_an_hour(world: World, run: Run) -> None:
    """Follow-ups move by the day: one that falls due after the hour's first sweep is told at
    the next hour's."""
    klass = await make_class(world)
    first = await make_student(world, klass["id"], "甲")
    await record(world, first["id"], "lead1", days_ago=28)
    now = world.now()
    await run.sweep(now)
    second = await make_student(world, klass["id"], "乙")
    await record(world, second["id"], "lead1", days_ago=27.9)
    await run.sweep(now + timedelta(days=0.1 / 24))  # the same hour or the next: 6 minutes on
    hour = now.replace(minute=0, second=0, microsecond=0)
    later = now + timedelta(days=0.1 / 24)
    expected = [[first["id"]]] if later < hour + timedelta(hours=1) else [[first["id"]], [second["id"]]]
    assert [students for _, _, students in await told(run)] == expected
    await run.sweep(hour + timedelta(hours=1, minutes=1))
    assert [students for _, _, students in await told(run)] == [[first["id"]], [second["id"]]]


async def test_coverage_and_the_teachers_list(world: World, run: Run) -> None:
    klass = await make_class(world)
    due = await make_student(world, klass["id"], "甲")
    overdue = await make_student(world, klass["id"], "乙", groups=["change"])  # every 14 days
    await make_student(world, klass["id"], "丙", groups=["migrant"])  # joined today: due in 60 days
    await make_student(world, klass["id"], "丁", groups=[])  # none of the six groups
    await record(world, due["id"], "hand1", days_ago=28)
    await record(world, overdue["id"], "hand1", days_ago=20)

    figures = (await world.as_("lead1", "GET", "/api/v1/visits/coverage?org_code=s1")).json()
    assert (figures["followups_due"], figures["followups_overdue"]) == (1, 1)
    assert (figures["followup_students"], figures["followups_on_time"]) == (3, 2)
    [row] = [u for u in figures["by_unit"] if u["class_id"] == klass["id"]]
    assert (row["followups_due"], row["followups_overdue"]) == (1, 1)
    district = (await world.as_("insp1", "GET", "/api/v1/visits/coverage?org_code=d1")).json()
    assert (district["followups_due"], district["followups_overdue"]) == (1, 1)

    listed = (await world.as_("hand1", "GET", "/api/v1/visits/followups")).json()
    assert [(i["name"], i["state"]) for i in listed["items"]] == [("乙", "overdue"), ("甲", "due")]
    assert (listed["due"], listed["overdue"]) == (1, 1)
    every = (await world.as_("hand1", "GET", "/api/v1/visits/followups?upcoming=true")).json()
    assert [i["name"] for i in every["items"]] == ["乙", "甲", "丙"]
    # Each student listed is a logged view of their group.
    logged = await run.rows("SELECT count(*) FROM roster_access WHERE action = 'followups'")
    assert logged[0][0] == 5

    # Another teacher of the school, the bureau, another school: nothing, and the class is a 404.
    for user in ("hand1b", "insp1", "lead2", "leadd1"):
        assert (await world.as_(user, "GET", "/api/v1/visits/followups")).json()["items"] == [], user
        answer = await world.as_(user, "GET", f"/api/v1/visits/followups?class_id={klass['id']}")
        assert answer.status_code == 404, user
    assert (await world.as_("lead1", "GET", "/api/v1/visits/followups")).json()["overdue"] == 1


async def test_cadences_per_unit_and_the_statement_agrees_with_the_domain(
    world: World, run: Run, connection: AsyncConnection
) -> None:
    refused = await world.as_("hand1", "PUT", "/api/v1/visits/cadences?org_code=s1", json={"cadences": {}})
    assert refused.status_code == 403
    bad = await world.as_(
        "lead1", "PUT", "/api/v1/visits/cadences?org_code=s1", json={"cadences": {"change": 3}}
    )
    assert bad.status_code == 400 and "change" in bad.text
    answer = await world.as_(
        "leadd1", "PUT", "/api/v1/visits/cadences?org_code=d1", json={"cadences": {"hardship": 20}}
    )
    assert answer.status_code == 200, answer.text
    answer = await world.as_(
        "lead1",
        "PUT",
        "/api/v1/visits/cadences?org_code=s1",
        json={"cadences": {"change": 10, "hardship": 25}},
    )
    answer = await world.as_(
        "lead1", "PUT", "/api/v1/visits/cadences?org_code=s1", json={"cadences": {"hardship": None}}
    )
    items = {i["group"]: (i["days"], i["source"]) for i in answer.json()["items"]}
    assert items["hardship"] == (20, "d1") and items["change"] == (10, "s1")
    assert items["migrant"] == (60, None)

    klass = await make_class(world)
    cases = [
        ("a", ["hardship"], 5),
        ("b", ["change", "migrant"], 9),
        ("c", ["learning", "disability"], None),
        ("d", ["migrant"], 70),
        ("e", ["left_behind", "hardship"], 18),
    ]
    ids = {}
    for name, groups, days_ago in cases:
        ids[name] = (await make_student(world, klass["id"], name, groups=groups))["id"]
        if days_ago is not None:
            await record(world, ids[name], "hand1", days_ago=days_ago)
    # One joined in the summer, before the school year: counted from 1 September.
    await connection.execute(
        text("UPDATE students SET created_at = :at WHERE id = :id"),
        {"at": datetime(2026, 7, 1, tzinfo=SH), "id": ids["c"]},
    )
    now = world.now()
    rows = await run(now, lambda ctx: _due(ctx, now))
    cadences = {Group.HARDSHIP: 20, Group.CHANGE: 10}
    today = now.astimezone(SH).date()
    assert len(rows) == len(cases)
    for row in rows:
        last = row.last_visit_at.astimezone(SH).date() if row.last_visit_at else None
        expected = followup(
            [Group(g) for g in row.groups],
            {**DEFAULT_CADENCE, **cadences},
            last,
            row.joined,
            date(2026, 9, 1),
            today,
        )
        assert expected is not None and (row.days, row.due_on) == (expected.days, expected.due_on), row.name
    assert {r.name: r.days for r in rows} == {"a": 20, "b": 10, "c": 30, "d": 60, "e": 20}
    [c] = [r for r in rows if r.name == "c"]
    assert c.due_on == date(2026, 10, 1)


async def _due(ctx: Ctx, now: datetime) -> list[db.DueRow]:
    path = (await ctx.session.execute(text("SELECT path FROM orgs WHERE code = 's1'"))).scalar_one()
    return await db.due_rows(await fast.driver(ctx), path, 2026, "Asia/Shanghai", now)


# ---- two schedulers at once, on transactions that really commit --------------------------------


async def test_two_concurrent_sweeps_tell_once(settings: Settings, engine: AsyncEngine) -> None:
    tag = uuid.uuid4().hex[:8]
    sessions = make_sessionmaker(engine)
    now = datetime(2026, 11, 18, 2, 0, tzinfo=SH)
    async with sessions() as session:

        async def one(sql: str, **params: Any) -> int:
            return int((await session.execute(text(sql), params)).scalar_one())

        root = await one(
            "INSERT INTO orgs (code, name, kind, path) VALUES (:c, '并发市', 'bureau', '/t') RETURNING id",
            c=f"fu-{tag}",
        )
        await session.execute(
            text("UPDATE orgs SET path = :p WHERE id = :id"), {"p": f"/{root}/", "id": root}
        )
        school = await one(
            "INSERT INTO orgs (code, name, kind, parent_id, path) "
            "VALUES (:c, '并发小学', 'school', :r, '/t2') RETURNING id",
            c=f"fu-s-{tag}",
            r=root,
        )
        await session.execute(
            text("UPDATE orgs SET path = :p WHERE id = :id"), {"p": f"/{root}/{school}/", "id": school}
        )
        teacher = await one(
            "INSERT INTO users (username, password_hash, display_name) "
            "VALUES (:u, 'x', '并发老师') RETURNING id",
            u=f"fu-{tag}",
        )
        klass = await one(
            "INSERT INTO visit_classes (school_id, school_year, grade, name, head_teacher_id) "
            "VALUES (:s, 2026, 3, '三年级（1）班', :t) RETURNING id",
            s=school,
            t=teacher,
        )
        student = await one(
            "INSERT INTO students (school_id, class_id, name, groups, created_at) "
            "VALUES (:s, :c, '并发', ARRAY['hardship']::varchar(16)[], :at) RETURNING id",
            s=school,
            c=klass,
            at=now - timedelta(days=40),
        )
        await session.commit()

    async def one_sweep() -> int:
        async with sessions() as session:
            ctx = Ctx(session, settings, Caches(), now)
            counts = await followups.sweep_root(ctx, await fast.driver(ctx), f"/{root}/")
            await asyncio.sleep(0.05)  # hold the transaction open while the other one runs
            await session.commit()
            return counts.due + counts.overdue

    try:
        fired = await asyncio.gather(one_sweep(), one_sweep())
        assert sorted(fired) == [0, 2]  # one sweep told both rules; the other found them told
        async with sessions() as session:
            notices = (
                (
                    await session.execute(
                        text("SELECT rule FROM notifications WHERE user_id = :u ORDER BY rule"),
                        {"u": teacher},
                    )
                )
                .scalars()
                .all()
            )
        assert notices == ["followup_due", "followup_overdue"]
    finally:
        async with sessions() as session:
            await session.execute(text("DELETE FROM notifications WHERE user_id = :u"), {"u": teacher})
            await session.execute(
                text("DELETE FROM followup_sweeps WHERE root_path = :p"), {"p": f"/{root}/"}
            )
            await session.execute(text("DELETE FROM students WHERE id = :s"), {"s": student})
            await session.execute(text("DELETE FROM visit_classes WHERE id = :c"), {"c": klass})
            await session.execute(text("DELETE FROM users WHERE id = :u"), {"u": teacher})
            await session.execute(text("DELETE FROM orgs WHERE id IN (:s, :r)"), {"s": school, "r": root})
            await session.commit()


async def test_the_demo_has_follow_ups_due_and_overdue_and_a_campaign_half_done(
    settings: Settings, connection: AsyncConnection, run: Run
) -> None:
    now = datetime(2026, 11, 18, 10, 0, tzinfo=SH)
    await run(now, load_demo)

    async def as_user(ctx: Ctx, username: str) -> Principal:
        user = await repo.user_by_username(ctx.session, username)
        assert user is not None
        grants = (await repo.grants_of(ctx.session, [user.id]))[user.id]
        return Principal(user.id, user.username, user.display_name, tuple(grants))

    async def look(ctx: Ctx) -> tuple[Any, ...]:
        head1 = await followups.list_followups(ctx, await as_user(ctx, "demo-shiyan-handler1"))
        head2 = await followups.list_followups(ctx, await as_user(ctx, "demo-shiyan-handler2"))
        leader = await as_user(ctx, "demo-shiyan-leader")
        figures = await visits.coverage(ctx, leader)
        [campaign] = await campaigns.list_campaigns(ctx, leader)
        progress = await campaigns.campaign(ctx, leader, campaign["id"])
        return head1, head2, figures, progress

    head1, head2, figures, progress = await run(now, look)
    # handler1 heads 一年级（1）班 and teaches 三年级（2）班 (语文): both classes' follow-ups.
    assert [(i["name"], i["state"], i["mine"]) for i in head1] == [
        ("吴俊杰", "overdue", False),
        ("郑雅琪", "overdue", False),
        ("孙梓轩", "due", True),
    ]
    assert [(i["name"], i["mine"]) for i in head2 if i["state"] == "overdue"] == [
        ("吴俊杰", True),
        ("郑雅琪", True),
    ]
    assert (figures["followups_due"], figures["followups_overdue"]) == (1, 2)
    assert 0 < progress["visited"] < progress["students"] == progress["planned"] == 12
    report = await run.sweep(now)
    # The reminder goes for every follow-up due by three days from now, past ones included (a
    # teacher never reminded of one is reminded once); the head teacher hears of the overdue.
    assert (report.fired["followup_due"], report.fired["followup_overdue"]) == (3, 2)
    assert sorted((rule, user) for rule, user, _ in await told(run)) == [
        ("followup_due", "demo-shiyan-handler1"),
        ("followup_due", "demo-shiyan-handler2"),
        ("followup_overdue", "demo-shiyan-handler2"),
    ]
    [(talks,)] = await run.rows("SELECT count(*) FROM talks")
    assert talks == 1
