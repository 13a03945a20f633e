"""Health, and what the API does when a part is down: Redis down does not stop intake or staff
actions; the database down is 503 with a JSON detail, never 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.app import create_app
from huixiang.settings import Settings, load_settings

from .conftest import World
from .helpers import assert_error

CLOSED_REDIS = "redis://127.0.0.1:1/0"
CLOSED_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:1/x"
INTAKE = {"school_code": "s1", "kind": "inquiry", "category": "其他", "content": "你好", "consent": True}


def settings_with(settings: Settings, tmp_path: Path, **env: str) -> Settings:
    base = {
        "HUIXIANG_DATABASE_URL": settings.database_url or "",
        "HUIXIANG_REDIS_URL": settings.redis_url or "",
        "HUIXIANG_DATA_DIR": str(tmp_path),
        "HUIXIANG_SECRET_KEY": settings.secret_key.decode(),
        "HUIXIANG_INTAKE_LIMIT": str(settings.intake_limit),
    }
    return load_settings({**base, **env})


async def test_health_all_parts_up_returns_200(client: httpx.AsyncClient) -> None:
    answer = await client.get("/health")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {k: body[k] for k in ("status", "database", "broker")} == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
    }
    assert body["deliveries"] == {"failed": 0, "late": 0}


@pytest.fixture
async def no_redis_world(
    settings: Settings, connection: AsyncConnection, world: World, tmp_path: Path
) -> AsyncIterator[World]:
    """The world, seen through an app whose Redis URL points at a closed port."""
    app = create_app(settings_with(settings, tmp_path, HUIXIANG_REDIS_URL=CLOSED_REDIS), engine=connection)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield World(c)
    await app.state.redis.aclose()


async def test_health_redis_down_returns_503_naming_broker(no_redis_world: World) -> None:
    answer = await no_redis_world.client.get("/health")
    assert answer.status_code == 503
    body = answer.json()
    assert (body["status"], body["database"], body["broker"]) == ("down", "ok", "down")
    assert "broker" in body["detail"] and "database" not in body["detail"]


async def test_intake_redis_down_still_returns_201(no_redis_world: World) -> None:
    receipt = await no_redis_world.submit()
    assert receipt["status"] == "collected"
    view = await no_redis_world.client.get(
        f"/api/v1/public/tickets/{receipt['number']}", params={"code": receipt["access_code"]}
    )
    assert view.status_code == 200


async def test_staff_actions_redis_down_still_work(no_redis_world: World) -> None:
    receipt = await no_redis_world.submit()
    for user, action, body in (
        ("reg1", "register", {}),
        ("reg1", "submit", {}),
        ("lead1", "assign", {"assignee": "hand1"}),
        ("hand1", "respond", {"text": "答复"}),
    ):
        answer = await no_redis_world.action(user, receipt["number"], action, **body)
        assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "responded"


@pytest.fixture
async def no_database(settings: Settings, tmp_path: Path) -> AsyncIterator[Any]:
    """An app built from settings whose database URL points at a closed port, in its lifespan."""
    app = create_app(settings_with(settings, tmp_path, HUIXIANG_DATABASE_URL=CLOSED_DATABASE))
    async with AsyncTestClient(app=app) as client:
        yield client


async def test_intake_database_down_returns_503_json(no_database: Any) -> None:
    answer = await no_database.post("/api/v1/public/tickets", json=INTAKE)
    assert_error(answer, 503, "database")


async def test_multipart_intake_database_down_returns_503_json(no_database: Any) -> None:
    data = {k: str(v).lower() if isinstance(v, bool) else v for k, v in INTAKE.items()}
    answer = await no_database.post(
        "/api/v1/public/tickets", data=data, files=[("files", ("", b"", "application/octet-stream"))]
    )
    assert_error(answer, 503, "database")


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/api/v1/public/tickets/2026-000001?code=ABCDEFGH", None),
        ("POST", "/api/v1/public/tickets/2026-000001/rating", {"code": "ABCDEFGH", "value": "satisfied"}),
        ("POST", "/api/v1/auth/login", {"username": "reg1", "password": "password-123"}),
    ],
)
async def test_public_and_login_database_down_return_503(
    no_database: Any, method: str, url: str, body: dict[str, Any] | None
) -> None:
    assert_error(await no_database.request(method, url, json=body), 503, "database")


async def test_staff_request_database_down_returns_503_not_401(no_database: Any) -> None:
    answer = await no_database.get("/api/v1/tickets", headers={"Authorization": "Bearer some-token"})
    assert_error(answer, 503, "database")


async def test_health_database_down_returns_503_naming_database(no_database: Any) -> None:
    answer = await no_database.get("/health")
    assert answer.status_code == 503
    body = answer.json()
    assert (body["database"], body["broker"]) == ("down", "ok")
    assert "database" in body["detail"]
