"""A small world for API tests: a bureau, two districts, three schools, a user for each role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.engine import make_sessionmaker
from huixiang.domain.enums import OrgKind, Role
from huixiang.services import accounts
from huixiang.services import schemas as s
from huixiang.services.context import Caches, Ctx
from huixiang.settings import Settings

PASSWORD = "password-123"

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
    tokens: dict[str, str] = field(default_factory=dict)

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


@pytest.fixture
async def world(settings: Settings, connection: AsyncConnection, client: httpx.AsyncClient) -> World:
    async with make_sessionmaker(connection)() as session:
        ctx = Ctx(session, settings, Caches(), datetime.now(UTC))
        for code, name, kind, parent in ORGS:
            await accounts.create_org(ctx, None, s.OrgCreate(code=code, name=name, kind=kind,
                                                            parent_code=parent))
        for username, role, org in USERS:
            await accounts.create_user(
                ctx, None,
                s.UserCreate(username=username, password=PASSWORD, display_name=f"{username}老师",
                             roles=[s.GrantIn(role=Role(role), org_code=org)]),
            )
        await session.commit()
    return World(client)
