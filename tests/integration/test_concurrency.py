"""Concurrent requests on an app whose requests really commit: one winner, never a lost update,
never a 500. Every test makes its own org units and users with unique codes."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from huixiang.app import create_app
from huixiang.db.engine import make_sessionmaker
from huixiang.domain.enums import OrgKind, Role
from huixiang.services import accounts
from huixiang.services import schemas as s
from huixiang.services.context import Caches, Ctx
from huixiang.services.login_limits import PAIR_LIMIT
from huixiang.settings import Settings

from .conftest import PASSWORD
from .helpers import pdf_bytes, png_bytes

PUBLIC = "/api/v1/public/tickets"


@dataclass
class Committed:
    client: httpx.AsyncClient
    engine: AsyncEngine
    tag: str
    school: str
    tokens: dict[str, str]

    def user(self, name: str) -> str:
        return f"{name}-{self.tag}"

    async def as_(self, name: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        username = self.user(name)
        if username not in self.tokens:
            answer = await self.client.post(
                "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
            )
            assert answer.status_code == 200, answer.text
            self.tokens[username] = answer.json()["token"]
            self.client.cookies.clear()
        headers = {"Authorization": f"Bearer {self.tokens[username]}"}
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def action(self, name: str, number: str, action: str, **body: Any) -> httpx.Response:
        return await self.as_(name, "POST", f"/api/v1/tickets/{number}/{action}", json=body)

    def intake(self, **overrides: Any) -> dict[str, Any]:
        return {
            "school_code": self.school,
            "kind": "complaint",
            "category": "食堂膳食",
            "content": f"并发测试 {self.tag}",
            "consent": True,
            **overrides,
        }

    async def ticket(self, to: str = "collected") -> dict[str, Any]:
        answer = await self.client.post(PUBLIC, json=self.intake(content=f"{uuid.uuid4()}"))
        assert answer.status_code == 201, answer.text
        receipt = dict(answer.json())
        steps = [
            ("reg", "register", {}),
            ("reg", "submit", {}),
            ("lead", "assign", {"assignee": self.user("hand")}),
            ("hand", "respond", {"text": "答复"}),
        ]
        order = ["collected", "registered", "submitted", "assigned", "responded"]
        for user, action, body in steps[: order.index(to)]:
            answer = await self.action(user, receipt["number"], action, **body)
            assert answer.status_code == 200, answer.text
        return receipt

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as connection:
            return (await connection.execute(text(sql), params)).scalar_one()


@pytest.fixture
async def committed(
    settings: Settings, engine: AsyncEngine, committing_client: httpx.AsyncClient
) -> Committed:
    """A bureau, a district and users (committed), then a school made through the API as admin."""
    tag = uuid.uuid4().hex[:10]
    async with make_sessionmaker(engine)() as session:
        ctx = Ctx(session, settings, Caches(), datetime.now(UTC))
        await accounts.create_org(ctx, None, s.OrgCreate(code=f"b-{tag}", name="局", kind=OrgKind.BUREAU))
        await accounts.create_org(
            ctx, None, s.OrgCreate(code=f"d-{tag}", name="区", kind=OrgKind.DISTRICT, parent_code=f"b-{tag}")
        )
        await accounts.create_user(
            ctx,
            None,
            s.UserCreate(
                username=f"admin-{tag}",
                password=PASSWORD,
                display_name="管理员",
                roles=[s.GrantIn(role=Role.ADMIN, org_code=f"b-{tag}")],
            ),
        )
        await session.commit()
    world = Committed(committing_client, engine, tag, f"s-{tag}", {})
    answer = await world.as_(
        "admin",
        "POST",
        "/api/v1/orgs",
        json={"code": world.school, "name": "并发小学", "kind": "school", "parent_code": f"d-{tag}"},
    )
    assert answer.status_code == 201, answer.text
    for name, role in (("reg", "registrar"), ("lead", "leader"), ("hand", "handler"), ("hand2", "handler")):
        answer = await world.as_(
            "admin",
            "POST",
            "/api/v1/users",
            json={
                "username": world.user(name),
                "password": PASSWORD,
                "display_name": f"{name}老师",
                "roles": [{"role": role, "org_code": world.school}],
            },
        )
        assert answer.status_code == 201, answer.text
    return world


async def test_intake_concurrent_same_idempotency_key_creates_exactly_one_ticket(
    committed: Committed,
) -> None:
    headers = {"Idempotency-Key": f"burst-{committed.tag}"}
    answers = await asyncio.gather(
        *(committed.client.post(PUBLIC, json=committed.intake(), headers=headers) for _ in range(10))
    )
    assert [a.status_code for a in answers] == [201] * 10, [a.text for a in answers if a.status_code != 201]
    bodies = [a.json() for a in answers]
    assert all(body == bodies[0] for body in bodies)
    count = await committed.scalar(
        "SELECT count(*) FROM tickets t JOIN orgs o ON o.id = t.school_id WHERE o.code = :code",
        code=committed.school,
    )
    assert count == 1
    view = await committed.client.get(
        f"{PUBLIC}/{bodies[0]['number']}", params={"code": bodies[0]["access_code"]}
    )
    assert view.status_code == 200


async def test_intake_concurrent_without_key_creates_distinct_tickets(committed: Committed) -> None:
    answers = await asyncio.gather(
        *(committed.client.post(PUBLIC, json=committed.intake(content=f"第{i}件")) for i in range(8))
    )
    assert [a.status_code for a in answers] == [201] * 8
    assert len({a.json()["number"] for a in answers}) == 8
    count = await committed.scalar(
        "SELECT count(*) FROM tickets t JOIN orgs o ON o.id = t.school_id WHERE o.code = :code",
        code=committed.school,
    )
    assert count == 8


async def test_intake_concurrent_same_key_different_bodies_one_wins_rest_422(committed: Committed) -> None:
    headers = {"Idempotency-Key": f"race-{committed.tag}"}
    answers = await asyncio.gather(
        *(
            committed.client.post(PUBLIC, json=committed.intake(content=f"正文{i}"), headers=headers)
            for i in range(5)
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 422, 422, 422, 422], [a.text for a in answers]


async def test_assign_concurrent_same_version_one_200_one_409(committed: Committed) -> None:
    receipt = await committed.ticket("submitted")
    number = receipt["number"]
    version = (await committed.as_("lead", "GET", f"/api/v1/tickets/{number}")).json()["version"]
    answers = await asyncio.gather(
        committed.action("lead", number, "assign", assignee=committed.user("hand"), version=version),
        committed.action("lead", number, "assign", assignee=committed.user("hand2"), version=version),
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json()
    loser = next(a for a in answers if a.status_code == 409).json()
    assert loser["status_code"] == 409 and loser["detail"]
    ticket = (await committed.as_("lead", "GET", f"/api/v1/tickets/{number}")).json()
    assert ticket["assignee"] == winner["assignee"]
    assert ticket["version"] == version + 1
    log = (await committed.as_("lead", "GET", f"/api/v1/tickets/{number}/events")).json()
    assert [e["action"] for e in log["items"]].count("assign") == 1
    assert log["chain_ok"] is True


async def test_respond_and_reassign_concurrently_never_lose_an_update(committed: Committed) -> None:
    receipt = await committed.ticket("assigned")
    number = receipt["number"]
    answers = await asyncio.gather(
        committed.action("hand", number, "respond", text="同时答复"),
        committed.action("lead", number, "assign", assignee=committed.user("hand2")),
    )
    responded, assigned = (a.status_code for a in answers)
    # One wins. An answer that lost to the reassignment is refused as no longer the assignee's
    # (403) or as a stale version (409); a reassignment that lost to the answer finds it
    # responded (409).
    if responded == 200:
        assert assigned == 409, answers[1].text
    else:
        assert (assigned, responded in (403, 409)) == (200, True), [a.text for a in answers]
    ticket = (await committed.as_("lead", "GET", f"/api/v1/tickets/{number}")).json()
    log = (await committed.as_("lead", "GET", f"/api/v1/tickets/{number}/events")).json()
    assert log["chain_ok"] is True
    assert log["items"][-1]["to_status"] == ticket["status"]
    assert len(log["items"]) == 4 + 1
    assert ticket["version"] == 4 + 1


async def test_merge_two_duplicates_into_one_primary_concurrently_keeps_chain(committed: Committed) -> None:
    primary = await committed.ticket()
    first, second = await committed.ticket(), await committed.ticket()
    answers = await asyncio.gather(
        committed.action("reg", first["number"], "merge", into=primary["number"]),
        committed.action("reg", second["number"], "merge", into=primary["number"]),
    )
    codes = [a.status_code for a in answers]
    assert 500 not in codes and 503 not in codes, [a.text for a in answers]
    assert codes == [200, 200]
    log = (await committed.as_("reg", "GET", f"/api/v1/tickets/{primary['number']}/events")).json()
    assert [e["seq"] for e in log["items"]] == [1, 2, 3]
    assert log["chain_ok"] is True


async def test_rate_concurrently_twice_one_200_one_409(committed: Committed) -> None:
    receipt = await committed.ticket("responded")
    body = {"code": receipt["access_code"], "value": "satisfied"}
    answers = await asyncio.gather(
        *(committed.client.post(f"{PUBLIC}/{receipt['number']}/rating", json=body) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    log = (await committed.as_("lead", "GET", f"/api/v1/tickets/{receipt['number']}/events")).json()
    assert [e["action"] for e in log["items"]].count("rate") == 1


async def test_login_concurrent_guesses_each_count_towards_the_limit(committed: Committed) -> None:
    username = committed.user("hand2")
    answers = await asyncio.gather(
        *(
            committed.client.post("/api/v1/auth/login", json={"username": username, "password": "wrong"})
            for _ in range(PAIR_LIMIT + 5)
        )
    )
    assert sorted(a.status_code for a in answers) == [401] * PAIR_LIMIT + [429] * 5
    right = await committed.client.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert right.status_code == 429, right.text


# ---- the production wiring: the app's own engine and its asyncpg pool for the hot paths -------


@pytest.fixture
async def live(committed: Committed, settings: Settings) -> Any:
    """The same committed world, through an app built as in production (in its lifespan)."""
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield Committed(client, committed.engine, committed.tag, committed.school, {})


async def test_hot_intake_track_and_list_work_on_own_pool(live: Committed) -> None:
    answer = await live.client.post(PUBLIC, json=live.intake(contact={"phone": "13812341234"}))
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    view = await live.client.get(f"{PUBLIC}/{receipt['number']}", params={"code": receipt["access_code"]})
    assert view.status_code == 200 and view.json()["status"] == "collected"
    wrong = await live.client.get(f"{PUBLIC}/{receipt['number']}", params={"code": "ZZZZZZZZ"})
    assert wrong.status_code == 404
    listed = await live.as_("hand", "GET", "/api/v1/tickets")
    assert listed.status_code == 200
    assert [(t["number"], t["contact"]["phone"]) for t in listed.json()["items"]] == [
        (receipt["number"], "138****1234")
    ]
    assert (await live.action("reg", receipt["number"], "register")).status_code == 200


async def test_hot_intake_multipart_with_files_on_own_pool(live: Committed) -> None:
    data = {k: str(v).lower() if isinstance(v, bool) else v for k, v in live.intake().items()}
    files = [
        ("files", ("a.png", png_bytes(), "image/png")),
        ("files", ("b.pdf", pdf_bytes(), "application/pdf")),
    ]
    answer = await live.client.post(PUBLIC, data=data, files=files)
    assert answer.status_code == 201, answer.text
    number = answer.json()["number"]
    listed = (await live.as_("reg", "GET", f"/api/v1/tickets/{number}/attachments")).json()["items"]
    assert [a["content_type"] for a in listed] == ["image/png", "application/pdf"]


async def test_hot_intake_concurrent_same_key_creates_one_ticket_on_own_pool(live: Committed) -> None:
    headers = {"Idempotency-Key": f"live-{live.tag}"}
    answers = await asyncio.gather(
        *(live.client.post(PUBLIC, json=live.intake(), headers=headers) for _ in range(10))
    )
    assert [a.status_code for a in answers] == [201] * 10, [a.text for a in answers if a.status_code != 201]
    assert len({a.text for a in answers}) == 1
    count = await live.scalar(
        "SELECT count(*) FROM tickets t JOIN orgs o ON o.id = t.school_id WHERE o.code = :code",
        code=live.school,
    )
    assert count == 1


async def test_hot_intake_nul_character_returns_400_on_own_pool(live: Committed) -> None:
    answer = await live.client.post(PUBLIC, json=live.intake(content="a\u0000b"))
    assert answer.status_code == 400, answer.text
    assert answer.json()["status_code"] == 400


async def test_reveals_racing_each_other_and_an_answer_all_land_in_one_chain(committed: Committed) -> None:
    """A reveal appends an event without changing the ticket: it locks the row, so neither another
    reveal nor an action running at once takes the same seq."""
    receipt = await committed.ticket("assigned")
    number = receipt["number"]
    reveal = {"reason": "回访"}
    answers = await asyncio.gather(
        *(committed.as_("hand", "POST", f"/api/v1/tickets/{number}/reveal", json=reveal) for _ in range(5)),
        committed.action("hand", number, "respond", text="答复"),
        *(committed.as_("lead", "POST", f"/api/v1/tickets/{number}/reveal", json=reveal) for _ in range(3)),
    )
    assert [a.status_code for a in answers] == [200] * 9, [a.text for a in answers if a.status_code != 200]
    log = (await committed.as_("lead", "GET", f"/api/v1/tickets/{number}/events")).json()
    assert log["chain_ok"] is True
    assert [e["seq"] for e in log["items"]] == list(range(1, len(log["items"]) + 1))
    assert [e["action"] for e in log["items"]].count("reveal") == 8
