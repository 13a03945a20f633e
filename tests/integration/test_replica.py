"""Dashboards, the console's pages and exports on a real streaming replica (HUIXIANG_DATABASE_REPLICA_URL):
a primary and a hot standby of the test's own (tests/replica_cluster.py). A ticket written on the
primary appears in the replica's figures; the page says how fresh they are; a replica that is
down is a 503 naming it (services/replica.py: no fallback to the primary); back up, it answers."""

from __future__ import annotations

import asyncio
import io
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from openpyxl import load_workbook

from huixiang.app import create_app
from huixiang.db.engine import make_engine, make_sessionmaker
from huixiang.domain.enums import OrgKind, Role
from huixiang.migrate import upgrade
from huixiang.services import accounts
from huixiang.services import schemas as s
from huixiang.services.context import Caches, Ctx
from huixiang.settings import load_settings

from ..replica_cluster import Pair, missing_reason, streaming_pair
from .conftest import PASSWORD, World
from .helpers import sign_in

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif(missing_reason() is not None, reason=f"no streaming replica here: {missing_reason()}"),
]
DATABASE = "hx_replica"
TICKET = {
    "school_code": "s1",
    "kind": "suggestion",
    "category": "其他",
    "content": "希望学校增加课后服务的托管时段。",
    "consent": True,
    "anonymous": True,
}


def _in_thread(work: Any) -> None:
    """Alembic runs its own event loop: off the test's."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


async def _seed(url: str) -> None:
    """A bureau, a district, a school, its district's inspector and its leader, committed."""
    settings = load_settings({"HUIXIANG_DATABASE_URL": url, "HUIXIANG_SECRET_KEY": "seed"})
    engine = make_engine(url, pool_size=1)
    async with make_sessionmaker(engine)() as session:
        ctx = Ctx(session, settings, Caches(), datetime.now(UTC))
        for code, name, kind, parent in (
            ("city", "市教育局", OrgKind.BUREAU, None),
            ("d1", "一区教育局", OrgKind.DISTRICT, "city"),
            ("s1", "第一实验小学", OrgKind.SCHOOL, "d1"),
        ):
            await accounts.create_org(
                ctx, None, s.OrgCreate(code=code, name=name, kind=kind, parent_code=parent)
            )
        for username, role, org in (("insp1", Role.INSPECTOR, "d1"), ("lead1", Role.LEADER, "s1")):
            user = s.UserCreate(
                username=username,
                password=PASSWORD,
                display_name=username,
                roles=[s.GrantIn(role=role, org_code=org)],
            )
            await accounts.create_user(ctx, None, user)
        await session.commit()
    await engine.dispose()


def _url(pair: Pair, port: int) -> str:
    return pair.dsn(port, DATABASE).replace("postgresql://", "postgresql+asyncpg://")


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    with streaming_pair() as started:

        async def create() -> None:
            connection = await asyncpg.connect(started.dsn(started.primary_port))
            await connection.execute(f"CREATE DATABASE {DATABASE}")
            await connection.close()

        _in_thread(lambda: asyncio.run(create()))
        _in_thread(lambda: upgrade(_url(started, started.primary_port)))
        _in_thread(lambda: asyncio.run(_seed(_url(started, started.primary_port))))
        yield started


@pytest.fixture
async def on_pair(pair: Pair, redis_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose primary and replica are the pair's, its writes committed for real (the
    replica sees only what the primary commits)."""
    settings = load_settings(
        {
            "HUIXIANG_DATABASE_URL": _url(pair, pair.primary_port),
            "HUIXIANG_DATABASE_REPLICA_URL": _url(pair, pair.replica_port),
            "HUIXIANG_REDIS_URL": redis_url,
            "HUIXIANG_DATA_DIR": str(tmp_path),
            "HUIXIANG_SECRET_KEY": f"test-secret-key-{uuid.uuid4().hex}",
            "HUIXIANG_INTAKE_LIMIT": "1000",
        }
    )
    primary = make_engine(settings.database_url or "", pool_size=2)
    replica = make_engine(settings.database_replica_url or "", pool_size=2)
    app = create_app(settings, engine=primary, replica=replica)
    transport = httpx.ASGITransport(app=app, client=(f"10.9.{uuid.uuid4().bytes[0]}.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await app.state.redis.aclose()
    await primary.dispose()
    await replica.dispose()


async def _token(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    answer = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def _stats_until(client: httpx.AsyncClient, headers: dict[str, str], total: int) -> dict[str, Any]:
    """The stats once the replica has replayed up to `total` tickets (within 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        answer = await client.get("/api/v1/stats", headers=headers)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        if body["total"] == total or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.05)


async def _caught_up(pair: Pair) -> None:
    """Until the replica has replayed everything the primary had written when called (10 s)."""
    primary = await asyncpg.connect(pair.dsn(pair.primary_port, DATABASE))
    standby = await asyncpg.connect(pair.dsn(pair.replica_port, DATABASE))
    try:
        target = await primary.fetchval("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + 10
        while not await standby.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", target):
            assert time.monotonic() < deadline, "the replica did not catch up within 10 s"
            await asyncio.sleep(0.05)
    finally:
        await primary.close()
        await standby.close()


async def test_a_ticket_written_on_the_primary_appears_in_the_replicas_figures(
    on_pair: httpx.AsyncClient,
) -> None:
    headers = await _token(on_pair, "insp1")
    before = (await on_pair.get("/api/v1/stats", headers=headers)).json()
    assert before["freshness"]["source"] == "replica"
    assert isinstance(before["freshness"]["lag_seconds"], float)
    answer = await on_pair.post("/api/v1/public/tickets", json=TICKET)
    assert answer.status_code == 201, answer.text
    after = await _stats_until(on_pair, headers, before["total"] + 1)
    assert after["total"] == before["total"] + 1
    assert after["freshness"]["source"] == "replica"
    assert [row["school_code"] for row in after["by_school"]] == ["s1"]


async def test_the_figures_are_read_on_the_replica_not_the_primary(
    on_pair: httpx.AsyncClient, pair: Pair
) -> None:
    """A row only the primary has (written with replay paused on the replica) is not counted."""
    headers = await _token(on_pair, "insp1")
    await _caught_up(pair)
    total = (await on_pair.get("/api/v1/stats", headers=headers)).json()["total"]
    by_month = await _trend_total(on_pair, headers)
    by_channel = await _channel_total(on_pair, headers)
    standby = await asyncpg.connect(pair.dsn(pair.replica_port, DATABASE))
    await standby.execute("SELECT pg_wal_replay_pause()")
    try:
        assert (await on_pair.post("/api/v1/public/tickets", json=TICKET)).status_code == 201
        paused = (await on_pair.get("/api/v1/stats", headers=headers)).json()
        assert paused["total"] == total
        assert paused["freshness"]["lag_seconds"] > 0  # received but not replayed: behind
        assert await _trend_total(on_pair, headers) == by_month
        assert await _channel_total(on_pair, headers) == by_channel
    finally:
        await standby.execute("SELECT pg_wal_replay_resume()")
        await standby.close()
    assert (await _stats_until(on_pair, headers, total + 1))["total"] == total + 1


async def _trend_total(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    answer = (await client.get("/api/v1/stats/trends", headers=headers)).json()
    assert answer["freshness"]["source"] == "replica"
    return sum(item["total"] for item in answer["items"])


async def _channel_total(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    answer = (await client.get("/api/v1/stats/breakdowns", headers=headers)).json()
    assert answer["freshness"]["source"] == "replica"
    return sum(item["total"] for item in answer["by_channel"])


async def test_the_console_says_how_fresh_its_figures_are(on_pair: httpx.AsyncClient) -> None:
    await sign_in(on_pair, "insp1")
    page = await on_pair.get("/bureau")
    assert page.status_code == 200, page.text
    assert 'data-source="replica"' in page.text and "数据来自只读副本" in page.text


async def test_the_export_reads_the_replica(on_pair: httpx.AsyncClient, pair: Pair) -> None:
    """A ticket the replica has not replayed yet is not in the export; once replayed, it is."""
    headers = await _token(on_pair, "lead1")
    await _caught_up(pair)
    standby = await asyncpg.connect(pair.dsn(pair.replica_port, DATABASE))
    await standby.execute("SELECT pg_wal_replay_pause()")
    try:
        receipt = await on_pair.post("/api/v1/public/tickets", json=TICKET)
        assert receipt.status_code == 201, receipt.text
        answer = await on_pair.get("/api/v1/exports/tickets.xlsx", headers=headers)
        assert answer.status_code == 200, answer.text
        assert receipt.json()["number"] not in _numbers(answer.content)
    finally:
        await standby.execute("SELECT pg_wal_replay_resume()")
        await standby.close()
    await _caught_up(pair)
    again = await on_pair.get("/api/v1/exports/tickets.xlsx", headers=headers)
    assert receipt.json()["number"] in _numbers(again.content)


def _numbers(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content), read_only=True)["工单"]
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]


async def test_a_replica_that_is_down_is_a_503_naming_it_and_back_up_it_answers(
    on_pair: httpx.AsyncClient, pair: Pair
) -> None:
    headers = await _token(on_pair, "insp1")
    assert (await on_pair.get("/api/v1/stats", headers=headers)).status_code == 200
    pair.stop_replica()
    try:
        answer = await on_pair.get("/api/v1/stats", headers=headers)
        assert answer.status_code == 503, answer.text
        assert (
            "read replica" in answer.json()["detail"]
            and "HUIXIANG_DATABASE_REPLICA_URL" in answer.json()["detail"]
        )
        export = await on_pair.get("/api/v1/exports/tickets.xlsx", headers=await _token(on_pair, "lead1"))
        assert export.status_code == 503 and "read replica" in export.json()["detail"]
        # Intake and the staff's own queues do not need the replica.
        assert (await on_pair.post("/api/v1/public/tickets", json=TICKET)).status_code == 201
        assert (await on_pair.get("/api/v1/tickets", headers=headers)).status_code == 200
        await sign_in(on_pair, "insp1")
        page = await on_pair.get("/bureau")
        assert page.status_code == 503 and "只读副本暂时无法连接" in page.text
    finally:
        pair.start_replica()
    on_pair.cookies.clear()
    assert (await on_pair.get("/api/v1/stats", headers=headers)).status_code == 200


async def test_without_a_replica_the_console_says_its_figures_are_live(world: World) -> None:
    await world.submit("s1")
    stats = (await world.as_("insp1", "GET", "/api/v1/stats")).json()
    assert stats["freshness"] == {"source": "primary", "lag_seconds": 0.0}
    await sign_in(world.client, "insp1")
    page = await world.client.get("/bureau")
    assert 'data-source="primary"' in page.text and "数据实时" in page.text
