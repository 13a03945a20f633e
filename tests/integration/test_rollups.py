"""Rollup parity: after any sequence of intake and lifecycle actions (through the API, on the
real database), the rollups the trigger keeps equal the counts of the raw tickets by the
domain's definition, `huixiang rollups rebuild` writes the same rows, and the stats served
from the rollups equal the figures of the raw tickets for any period."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db import figures as db
from huixiang.db.engine import make_sessionmaker
from huixiang.domain import figures as f

from .conftest import World

SH = ZoneInfo("Asia/Shanghai")
CHANNELS = ("hotline", "mailbox", "reception")
KINDS = ("complaint", "inquiry", "suggestion")
CATEGORIES = ("食堂膳食", "校园安全", "其他")
STAFF = {
    False: {"s1": ("reg1", "lead1", "hand1"), "s2": ("reg2", "lead2", "hand2")},
    True: {"s1": ("leadd1", "leadd1", "hand1"), "s2": ("leadd1", "leadd1", "hand2")},
}
# (who, action, body); "R"/"L"/"H" are the ticket's registrar, leader and handler.
MENU: list[tuple[str, str, dict[str, Any]]] = [
    ("R", "register", {}),
    ("R", "register", {"kind": "inquiry", "category": "校园安全"}),
    ("L", "register", {"kind": "suggestion", "category": "其他", "priority": "urgent"}),
    ("R", "submit", {}),
    ("L", "assign", {"assignee": "H"}),
    ("H", "respond", {"text": "已处理"}),
    ("R", "respond", {"text": "已当场答复"}),
    ("L", "archive", {}),
    ("insp1", "reopen", {"reason": "答复不具体"}),
    ("insp1", "supervise", {"note": "请加快办理"}),
    ("insp1", "inspect", {"verdict": "fail", "note": "整改"}),
    ("insp1", "inspect", {"verdict": "pass", "note": "合格"}),
    ("R", "merge", {"into": "OTHER"}),
    ("H", "return", {"reason_code": "not_mine"}),  # 退单 to the leader
    ("R", "return", {"reason_code": "not_ours"}),  # 退单 up to the district: another filed path
    ("L", "hold", {"reason": "等待检测结果"}),
    ("H", "resume", {}),  # the deadline moves by the days held
    ("parent", "satisfied", {}),
    ("parent", "basically_satisfied", {}),
    ("parent", "unsatisfied", {}),
]

step = st.one_of(
    st.tuples(
        st.just("new"),
        st.sampled_from(["s1", "s2"]),
        st.booleans(),  # to the bureau
        st.integers(0, 40),  # days before now it was collected (0: online, now)
        st.integers(0, 23),  # hour
        st.integers(0, 26),  # channel, kind, category
    ),
    st.tuples(st.just("act"), st.integers(0, 1000), st.integers(0, len(MENU) - 1), st.integers(0, 1000)),
    st.tuples(st.just("later"), st.integers(1, 200)),  # hours pass
)


class Book:
    def __init__(self) -> None:
        self.tickets: list[tuple[str, str, str, bool]] = []  # number, code, school, to_bureau


async def _apply(world: World, book: Book, move: tuple[Any, ...]) -> None:
    if move[0] == "later":
        world.clock.set(world.now() + timedelta(hours=move[1]))  # type: ignore[attr-defined]
        world.tokens.clear()  # tokens expire: sign in again at the new time
        return
    if move[0] == "new":
        _, school, to_bureau, days, hour, facet = move
        extra = {
            "kind": KINDS[facet % 3],
            "category": CATEGORIES[facet // 3 % 3],
            "to_bureau": to_bureau and days == 0,  # the parent's path only
        }
        if days == 0:
            receipt = await world.submit(school, **extra)
            book.tickets.append((receipt["number"], receipt["access_code"], school, extra["to_bureau"]))
            return
        at = (world.now() - timedelta(days=days)).astimezone(SH).replace(hour=hour, minute=30)
        user = STAFF[False][school][0]
        body = {
            "school_code": school,
            "content": "家长来电反映情况。",
            "consent": True,
            "channel": CHANNELS[facet // 9],
            "collected_at": at.isoformat(),
            **extra,
        }
        answer = await world.as_(user, "POST", "/api/v1/tickets", json=body)
        assert answer.status_code == 201, answer.text
        book.tickets.append((answer.json()["number"], "", school, False))
        return
    if not book.tickets:
        return
    _, pick, item, other = move
    number, code, school, to_bureau = book.tickets[pick % len(book.tickets)]
    who, action, body = MENU[item]
    if who == "parent":
        if code:
            answer = await world.client.post(
                f"/api/v1/public/tickets/{number}/rating", json={"code": code, "value": action}
            )
            assert answer.status_code in (200, 404, 409), answer.text
        return
    registrar, leader, handler = STAFF[to_bureau][school]
    user = {"R": registrar, "L": leader, "H": handler}.get(who, who)
    payload = dict(body)
    if payload.get("assignee") == "H":
        payload["assignee"] = handler
    if payload.get("into") == "OTHER":
        payload["into"] = book.tickets[other % len(book.tickets)][0]
    answer = await world.action(user, number, action, **payload)
    assert answer.status_code in (200, 400, 403, 404, 409), answer.text


RAW = """
SELECT t.school_id, t.to_bureau, t.org_path, t.channel, t.kind, t.category, t.status,
       t.collected_at, t.first_responded_at, t.responded_on_time, t.rating, t.reopen_count,
       t.supervised, t.respond_due_at, t.return_count
FROM tickets t
"""


def _facts(row: Any) -> f.TicketFacts:
    return f.TicketFacts(
        status=row.status,
        collected_at=row.collected_at,
        first_responded_at=row.first_responded_at,
        responded_on_time=row.responded_on_time,
        rating=row.rating,
        reopen_count=row.reopen_count,
        to_bureau=row.to_bureau,
        return_count=row.return_count,
        supervised=row.supervised,
        respond_due_at=row.respond_due_at,
    )


async def expected_rollups(connection: AsyncConnection) -> tuple[dict[Any, Any], dict[Any, Any]]:
    days: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(db.COUNTS, 0))
    months: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(db.COUNTS, 0))
    for row in (await connection.execute(text(RAW))).all():
        counts = f.contribution(_facts(row))
        day = row.collected_at.astimezone(SH).date()
        head = (row.school_id, row.to_bureau, row.org_path)
        for key, into in (
            ((*head, day, row.channel, row.kind, row.category), days),
            ((*head, f.month_of(day)), months),
        ):
            for name, value in counts.items():
                into[key][name] += value
    keep = lambda table: {k: v for k, v in table.items() if any(v.values())}  # noqa: E731
    return keep(days), keep(months)


def _as_dict(rows: list[Any], width: int) -> dict[Any, dict[str, int]]:
    return {tuple(row[:width]): {c: int(row._mapping[c]) for c in db.COUNTS} for row in rows}


async def kept(connection: AsyncConnection) -> tuple[dict[Any, Any], dict[Any, Any]]:
    async with make_sessionmaker(connection)() as session:
        return _as_dict(await db.kept(session, "days"), 7), _as_dict(await db.kept(session, "months"), 4)


async def kept_in_world(connection: AsyncConnection) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """The rollup rows of the world's schools only: tests on committing connections (the
    concurrency tests) leave schools and tickets of their own in the run's database."""
    ids = set(
        (await connection.execute(text("SELECT id FROM orgs WHERE code IN ('s1', 's2', 's3')"))).scalars()
    )
    days, months = await kept(connection)
    return {k: v for k, v in days.items() if k[0] in ids}, {k: v for k, v in months.items() if k[0] in ids}


async def test_rollups_follow_a_known_ticket_through_its_life(
    world: World, connection: AsyncConnection
) -> None:
    receipt = await world.submit(kind="inquiry", category="其他")
    days, _ = await kept_in_world(connection)
    assert [v["total"] for v in days.values()] == [1]
    [key] = days
    assert key[4:] == ("online", "inquiry", "其他")
    await world.action("reg1", receipt["number"], "register", kind="complaint", category="食堂膳食")
    days, months = await kept_in_world(connection)
    [(key, counts)] = days.items()
    assert key[4:] == ("online", "complaint", "食堂膳食") and counts["total"] == 1
    await world.action("reg1", receipt["number"], "respond", text="已当场答复")
    days, months = await kept_in_world(connection)
    [counts] = days.values()
    assert (counts["responded"], counts["responded_on_time"], counts["h00"]) == (1, 1, 1)
    assert list(months.values()) == list(days.values())
    assert await kept(connection) == await expected_rollups(connection)  # every school's


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(step, min_size=1, max_size=30))
async def test_rollups_equal_the_raw_counts_after_any_sequence_of_actions(
    world: World, connection: AsyncConnection, moves: list[tuple[Any, ...]]
) -> None:
    # The world (and its tickets) lives across examples: each one continues the sequence.
    book = Book()
    for move in moves:
        await _apply(world, book, move)
    expected = await expected_rollups(connection)
    assert await kept(connection) == expected
    async with make_sessionmaker(connection)() as session:
        await connection.execute(text("UPDATE figure_days SET total = total + 1"))
        await db.rebuild(session, "Asia/Shanghai")
        await session.commit()  # the test's savepoint: rolled back with the test
    assert await kept(connection) == expected


async def raw_figures(connection: AsyncConnection, now: Any, start: Any, end: Any, school: str | None) -> Any:
    """The figures of the raw tickets of d1 collected in [start, end), by the domain."""
    rows = (
        await connection.execute(
            text(
                RAW + " JOIN orgs d ON d.code = 'd1' JOIN orgs s ON s.id = t.school_id "
                "WHERE t.org_path LIKE d.path || '%' "
                "AND (CAST(:school AS text) IS NULL OR s.code = CAST(:school AS text))"
            ),
            {"school": school},
        )
    ).all()
    total: dict[str, int] = {}
    for row in rows:
        if (start is None or row.collected_at >= start) and (end is None or row.collected_at < end):
            facts = _facts(row)
            f.add(total, f.contribution(facts))
            if facts.status != "merged":
                f.add(total, f.now_contribution(facts, now))
    return f.shape(total)


periods = st.tuples(
    st.integers(-45, 2),  # first day, from now
    st.integers(0, 50),  # length in days
    st.sampled_from(["date", "time"]),
    st.integers(0, 23),
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(step, min_size=1, max_size=20), period=periods, school=st.sampled_from([None, "s1"]))
async def test_stats_from_rollups_equal_the_figures_of_the_raw_tickets(
    world: World,
    connection: AsyncConnection,
    moves: list[tuple[Any, ...]],
    period: tuple[int, int, str, int],
    school: str | None,
) -> None:
    book = Book()
    for move in moves:
        await _apply(world, book, move)
    first, length, form, hour = period
    today = world.now().astimezone(SH)
    start = (today + timedelta(days=first)).replace(hour=hour, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=length, hours=hour % 7)
    if form == "date":
        params = {"from": start.date().isoformat(), "to": end.date().isoformat()}
        lo = start.replace(hour=0)
        hi = end.replace(hour=0) + timedelta(days=1)
    else:
        assume(end > start)  # an empty period of instants is a 400 (tests/integration/test_reports.py)
        params = {"from": start.isoformat(), "to": end.isoformat()}
        lo, hi = start, end
    if school:
        params["org_code"] = school
    answer = await world.as_("insp1", "GET", "/api/v1/stats", params=params)
    assert answer.status_code == 200, answer.text
    got = answer.json()
    want = await raw_figures(connection, world.now(), lo, hi, school)
    assert {k: v for k, v in got.items() if k not in ("by_school", "freshness")} == want
    for name in f.COUNTERS + ("overdue_open", "supervised_open", "due"):
        assert sum(row[name] for row in got["by_school"]) == got[name], name
