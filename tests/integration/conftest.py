"""A small world for API tests: a bureau, two districts, three schools, a user for each role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.models import Category, Org, RoleGrant, User
from huixiang.domain.enums import DEFAULT_CATEGORIES, OrgKind, Role
from huixiang.settings import Settings

PASSWORD = "password-123"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2id with production costs takes ~0.15 s per hash; the world hashes 14 passwords per
    test. A cheap argon2id keeps the same code paths and the suite fast."""
    from argon2 import PasswordHasher

    from huixiang.services import secrets as hx_secrets

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hx_secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


ORGS = [
    ("city", "市教育局", OrgKind.BUREAU, None),
    ("d1", "一区教育局", OrgKind.DISTRICT, "city"),
    ("d2", "二区教育局", OrgKind.DISTRICT, "city"),
    ("s1", "第一实验小学", OrgKind.SCHOOL, "d1"),
    ("s2", "第二中学", OrgKind.SCHOOL, "d1"),
    ("s3", "三区小学", OrgKind.SCHOOL, "d2"),
]

USERS = [
    ("admin", "admin", "city"),
    ("reg1", "registrar", "s1"),
    ("lead1", "leader", "s1"),
    ("hand1", "handler", "s1"),
    ("hand1b", "handler", "s1"),
    ("grid1", "grid_member", "s1"),
    ("reg2", "registrar", "s2"),
    ("lead2", "leader", "s2"),
    ("hand2", "handler", "s2"),
    ("reg3", "registrar", "s3"),
    ("insp1", "inspector", "d1"),
    ("insp2", "inspector", "d2"),
    ("leadd1", "leader", "d1"),
    ("cityinsp", "inspector", "city"),
]


@dataclass
class World:
    client: httpx.AsyncClient
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    tokens: dict[str, str] = field(default_factory=dict)

    def now(self) -> datetime:
        """The app's clock (tests/conftest.py's Clock): compare and build times with it."""
        return self.clock()

    async def login(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            answer = await self.client.post(
                "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
            )
            assert answer.status_code == 200, answer.text
            self.tokens[username] = answer.json()["token"]
            self.client.cookies.clear()  # API calls authenticate by token only
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    async def as_(self, username: str, method: str, url: str, **kwargs: Any) -> Any:
        headers = {**kwargs.pop("headers", {}), **await self.login(username)}
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def submit(self, school: str = "s1", **overrides: Any) -> dict[str, Any]:
        body = {
            "school_code": school,
            "kind": "complaint",
            "category": "食堂膳食",
            "content": "孩子说最近食堂的菜太咸了，希望学校关注一下。",
            "consent": True,
            "contact": {"name": "王女士", "phone": "13812341234", "relation": "母亲"},
        }
        body.update(overrides)
        answer = await self.client.post("/api/v1/public/tickets", json=body)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    async def action(self, username: str, number: str, action: str, **body: Any) -> Any:
        return await self.as_(username, "POST", f"/api/v1/tickets/{number}/{action}", json=body)


@pytest.fixture(scope="session")
def password_hash(cheap_password_hashing: None) -> str:
    from huixiang.services.secrets import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
async def world(
    settings: Settings,
    connection: AsyncConnection,
    client: httpx.AsyncClient,
    password_hash: str,
    app_clock: Callable[[], datetime],
) -> World:
    """The orgs, categories, users and grants that `accounts.create_org` / `create_user` would
    make, written in a few statements (the per-call path costs ~0.1 s per test)."""
    del settings
    org_ids = (
        (
            await connection.execute(
                text("SELECT nextval(pg_get_serial_sequence('orgs', 'id')) FROM generate_series(1, :n)"),
                {"n": len(ORGS)},
            )
        )
        .scalars()
        .all()
    )
    ids: dict[str, int] = {}
    paths: dict[str | None, str] = {None: "/"}
    rows = []
    for (code, name, kind, parent), org_id in zip(ORGS, org_ids, strict=True):
        ids[code] = org_id
        paths[code] = f"{paths[parent]}{org_id}/"
        rows.append(
            {
                "id": org_id,
                "code": code,
                "name": name,
                "kind": kind.value,
                "parent_id": ids[parent] if parent else None,
                "path": paths[code],
            }
        )
    await connection.execute(insert(Org), rows)
    await connection.execute(
        insert(Category),
        [{"org_id": ids["city"], "name": name, "position": i} for i, name in enumerate(DEFAULT_CATEGORIES)],
    )
    user_ids = (
        (
            await connection.execute(
                text("SELECT nextval(pg_get_serial_sequence('users', 'id')) FROM generate_series(1, :n)"),
                {"n": len(USERS)},
            )
        )
        .scalars()
        .all()
    )
    await connection.execute(
        insert(User),
        [
            {
                "id": user_id,
                "username": username,
                "password_hash": password_hash,
                "display_name": f"{username}老师",
            }
            for (username, _, _), user_id in zip(USERS, user_ids, strict=True)
        ],
    )
    await connection.execute(
        insert(RoleGrant),
        [
            {"user_id": user_id, "role": Role(role).value, "org_id": ids[org]}
            for (_, role, org), user_id in zip(USERS, user_ids, strict=True)
        ],
    )
    return World(client, app_clock)
