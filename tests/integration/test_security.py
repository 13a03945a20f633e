"""Cross-site requests, body types, robots that point inward, and what the delivery log shows."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.engine import make_sessionmaker
from huixiang.services import delivery
from huixiang.services.channels import channels_from_env
from huixiang.services.context import Caches, Ctx

from .conftest import PASSWORD, World
from .helpers import assert_error, page_session

NEW_USER = {
    "username": "cityadmin2",
    "password": PASSWORD,
    "display_name": "市管理员",
    "roles": [{"role": "admin", "org_code": "city"}],
}


@pytest.fixture
async def admin_cookie(world: World, shared_app: Any, connection: AsyncConnection) -> httpx.AsyncClient:
    """The world's client, signed in as the city admin by a page session cookie."""
    world.client.cookies.set("hx_session", await page_session(shared_app, connection, "admin"))
    return world.client


async def _users_named(connection: AsyncConnection, username: str) -> int:
    query = text("SELECT count(*) FROM users WHERE username = :u")
    return int((await connection.execute(query, {"u": username})).scalar_one())


# ---- cross-site requests signed in by the cookie ---------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    ],
)
async def test_cookie_write_from_another_site_returns_403_and_changes_nothing(
    admin_cookie: httpx.AsyncClient, connection: AsyncConnection, headers: dict[str, str]
) -> None:
    answer = await admin_cookie.post("/api/v1/users", json=NEW_USER, headers=headers)
    assert_error(answer, 403, "cross-site", "Bearer")
    assert await _users_named(connection, "cityadmin2") == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
        {"Origin": "http://testserver"},
        {"Sec-Fetch-Site": "none"},
        {},  # not a browser: curl and scripts send neither header
    ],
)
async def test_cookie_write_from_this_site_is_accepted(
    admin_cookie: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    answer = await admin_cookie.post("/api/v1/users", json=NEW_USER, headers=headers)
    assert answer.status_code == 201, answer.text


async def test_bearer_write_with_a_cross_site_origin_is_accepted(world: World) -> None:
    answer = await world.as_(
        "admin", "POST", "/api/v1/users", json=NEW_USER, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert answer.status_code == 201, answer.text


async def test_cookie_write_with_a_non_bearer_authorization_is_still_checked(
    admin_cookie: httpx.AsyncClient, connection: AsyncConnection
) -> None:
    """Only a Bearer token replaces the cookie; any other Authorization header leaves the cookie
    in charge, and so the origin check."""
    headers = {"Authorization": "Basic YWRtaW46eA==", "Sec-Fetch-Site": "cross-site"}
    answer = await admin_cookie.post("/api/v1/users", json=NEW_USER, headers=headers)
    assert_error(answer, 403, "cross-site")
    assert await _users_named(connection, "cityadmin2") == 0


async def test_cookie_read_from_another_site_is_not_refused(admin_cookie: httpx.AsyncClient) -> None:
    answer = await admin_cookie.get("/api/v1/orgs", headers={"Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 200, answer.text


async def test_leader_register_by_cookie_from_another_site_returns_403(
    world: World, shared_app: Any, connection: AsyncConnection
) -> None:
    receipt = await world.submit()
    world.client.cookies.set("hx_session", await page_session(shared_app, connection, "reg1"))
    answer = await world.client.post(
        f"/api/v1/tickets/{receipt['number']}/register",
        content=b'{"note": "x"}',
        headers={"content-type": "text/plain", "Origin": "https://evil.example"},
    )
    assert_error(answer, 403, "cross-site")
    world.client.cookies.clear()
    view = await world.as_("reg1", "GET", f"/api/v1/tickets/{receipt['number']}")
    assert view.json()["status"] == "collected"


# ---- body types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"username": "admin", "password": "password-123"}'),
        ("application/x-www-form-urlencoded", b"username=admin&password=password-123"),
        ("multipart/form-data; boundary=x", b"--x--\r\n"),
    ],
)
async def test_login_body_not_json_returns_415_naming_json(
    world: World, content_type: str, body: bytes
) -> None:
    answer = await world.client.post(
        "/api/v1/auth/login", content=body, headers={"content-type": content_type}
    )
    detail = assert_error(answer, 415, "application/json")["detail"]
    media = content_type.split(";")[0]
    assert detail == f"Unsupported `Content-Type` `{media}`: this endpoint accepts `application/json`."


async def test_body_without_content_type_returns_415(world: World) -> None:
    answer = await world.client.post(
        "/api/v1/auth/login",
        content=b'{"username": "admin", "password": "password-123"}',
        headers={"content-type": ""},
    )
    assert_error(answer, 415, "Content-Type", "application/json")


async def test_cookie_write_same_site_text_plain_returns_415(admin_cookie: httpx.AsyncClient) -> None:
    answer = await admin_cookie.post(
        "/api/v1/users",
        content=b'{"username": "cityadmin2"}',
        headers={"content-type": "text/plain", "Origin": "http://testserver"},
    )
    assert_error(answer, 415, "text/plain", "application/json")


async def test_ticket_action_text_plain_with_token_returns_415(world: World) -> None:
    receipt = await world.submit()
    answer = await world.as_(
        "reg1",
        "POST",
        f"/api/v1/tickets/{receipt['number']}/register",
        content=b'{"note": "x"}',
        headers={"content-type": "text/plain"},
    )
    assert_error(answer, 415, "application/json")


async def test_public_intake_text_plain_returns_415_naming_both_types(world: World) -> None:
    answer = await world.client.post(
        "/api/v1/public/tickets", content=b"hello", headers={"content-type": "text/plain"}
    )
    assert_error(answer, 415, "application/json", "multipart/form-data")


async def test_post_without_body_needs_no_content_type(world: World) -> None:
    headers = await world.login("lead1")
    answer = await world.client.post("/api/v1/auth/logout", headers=headers)
    assert answer.status_code == 204, answer.text


async def test_json_with_charset_is_accepted(world: World) -> None:
    answer = await world.client.post(
        "/api/v1/auth/login",
        content=b'{"username": "lead1", "password": "password-123"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert answer.status_code == 200, answer.text


# ---- group robots pointing inward (SSRF) ------------------------------------------------------

INSIDE = [
    "http://127.0.0.1:8000/robot?key=K",
    "http://localhost/robot?key=K",
    "http://10.1.2.3/robot?key=K",
    "http://172.16.0.9/robot?key=K",
    "http://192.168.0.1/robot?key=K",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/robot",
    "http://[::ffff:10.0.0.1]/robot",
    "http://2130706433/robot",
    "http://0.0.0.0/robot",
    "http://100.64.0.1/robot",
]


async def _robots_of(connection: AsyncConnection, code: str) -> list[str]:
    query = text("SELECT w.url FROM org_webhooks w JOIN orgs o ON o.id = w.org_id WHERE o.code = :c")
    return list((await connection.execute(query, {"c": code})).scalars())


@pytest.mark.parametrize("url", INSIDE)
async def test_set_webhook_to_inside_address_returns_400_naming_the_field(
    world: World, connection: AsyncConnection, url: str
) -> None:
    hooks = [{"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"}]
    answer = await world.as_(
        "admin",
        "PUT",
        "/api/v1/orgs/s1/webhooks",
        json={"webhooks": [*hooks, {"kind": "dingtalk", "url": url}]},
    )
    assert_error(answer, 400, "`webhooks.1.url`", "not on the public internet")
    assert await _robots_of(connection, "s1") == []


async def test_set_webhook_with_credentials_in_url_returns_400(world: World) -> None:
    answer = await world.as_(
        "admin",
        "PUT",
        "/api/v1/orgs/s1/webhooks",
        json={"webhooks": [{"kind": "wecom", "url": "https://user:pw@qyapi.weixin.qq.com/send"}]},
    )
    assert_error(answer, 400, "`webhooks.0.url`", "user name or password")


async def test_school_admin_sets_public_robot_and_the_answer_hides_its_key(
    world: World, connection: AsyncConnection
) -> None:
    created = await world.as_(
        "admin",
        "POST",
        "/api/v1/users",
        json={**NEW_USER, "username": "admins1", "roles": [{"role": "admin", "org_code": "s1"}]},
    )
    assert created.status_code == 201, created.text
    url = "https://oapi.dingtalk.com/robot/send?access_token=SECRET-ROBOT-KEY"
    answer = await world.as_(
        "admins1", "PUT", "/api/v1/orgs/s1/webhooks", json={"webhooks": [{"kind": "dingtalk", "url": url}]}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "org_code": "s1",
        "webhooks": [{"kind": "dingtalk", "url": "https://oapi.dingtalk.com/…"}],
    }
    assert await _robots_of(connection, "s1") == [url]
    inside = await world.as_(
        "admins1",
        "PUT",
        "/api/v1/orgs/s1/webhooks",
        json={"webhooks": [{"kind": "dingtalk", "url": "http://127.0.0.1:5432/"}]},
    )
    assert_error(inside, 400, "`webhooks.0.url`", "loopback")


ROBOT_INSIDE = "http://10.0.0.7/cgi-bin/webhook/send?key=SECRET-ROBOT-KEY"


async def test_deliveries_log_masks_targets_and_logs_no_key(
    world: World, connection: AsyncConnection, shared_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A robot stored before the check (or by SQL) is refused at send time, before connecting;
    the log shows an email masked, a robot by host, and errors in our own words."""
    now = shared_app.state.clock()
    ids = (
        (
            await connection.execute(
                text(
                    "INSERT INTO deliveries (rule, recipient, channel, target, subject, body, "
                    "next_attempt_at) VALUES "
                    "('daily_digest', 'parent', 'email', 'wang.li@example.com', 's', 'b', :due), "
                    "('daily_digest', 'org:1', 'wecom', :robot, 's', 'b', :due) RETURNING id"
                ),
                {"due": now - timedelta(minutes=1), "robot": ROBOT_INSIDE},
            )
        )
        .scalars()
        .all()
    )
    with caplog.at_level(logging.DEBUG):
        async with make_sessionmaker(connection)() as session:
            ctx = Ctx(session, shared_app.state.settings, Caches(), now, redis=shared_app.state.redis)
            outcomes = [await delivery.deliver(ctx, i, channels_from_env({})) for i in ids]
            await session.commit()
    assert outcomes == ["failed", "failed"]
    answer = await world.as_("admin", "GET", "/api/v1/deliveries")
    assert answer.status_code == 200, answer.text
    items = {i["id"]: i for i in answer.json()["items"]}
    email, robot = items[ids[0]], items[ids[1]]
    assert (email["target"], robot["target"]) == ("w***@example.com", "http://10.0.0.7/…")
    assert (
        robot["last_error"]
        == "wecom robot URL is refused: its address 10.0.0.7 is private, not on the public internet"
    )
    assert "SECRET-ROBOT-KEY" not in answer.text and "wang.li" not in answer.text
    assert not [r for r in caplog.records if "SECRET-ROBOT-KEY" in r.getMessage()]


async def test_deliveries_log_refused_to_non_admin_by_guard(world: World) -> None:
    assert_error(await world.as_("lead1", "GET", "/api/v1/deliveries"), 403, "Only an admin")
    assert_error(await world.client.get("/api/v1/deliveries"), 401)
