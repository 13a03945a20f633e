"""The staff pages' sign-in, role choice, password and CSRF (web/staff/auth.py, session.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import PASSWORD, World
from .helpers import csrf_of, sign_in

pytestmark = pytest.mark.asyncio


async def test_staff_page_signed_out_redirects_to_login_and_back(world: World) -> None:
    answer = await world.client.get("/staff/tickets/2026-000001")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff/login?next=%2Fstaff%2Ftickets%2F2026-000001"


async def test_login_sets_session_and_opens_queue(world: World) -> None:
    answer = await sign_in(world.client, "reg1", next="/staff")
    assert answer.status_code == 303 and answer.headers["location"] == "/staff"
    cookie = answer.headers["set-cookie"]
    assert "hx_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    queue = await world.client.get("/staff")
    assert queue.status_code == 200
    assert queue.headers["content-type"].startswith("text/html")
    assert "登记员" in queue.text and "退出" in queue.text


async def test_login_wrong_password_keeps_username_and_says_so(world: World) -> None:
    answer = await sign_in(world.client, "reg1", password="wrong-password")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("text/html")
    assert "用户名或密码不正确" in answer.text and 'value="reg1"' in answer.text
    assert "hx_session" not in answer.headers.get("set-cookie", "")


async def test_login_next_never_leaves_the_site(world: World) -> None:
    answer = await sign_in(world.client, "reg1", next="//evil.example/x")
    assert answer.headers["location"] == "/staff"


async def test_login_without_csrf_is_refused(world: World) -> None:
    answer = await world.client.post("/staff/login", data={"username": "reg1", "password": PASSWORD})
    assert answer.status_code == 403
    assert "页面已过期" in answer.text


async def test_logout_without_token_is_refused_with_it_ends_session(world: World) -> None:
    await sign_in(world.client, "reg1")
    refused = await world.client.post("/staff/logout", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert (await world.client.get("/staff")).status_code == 200
    page = await world.client.get("/staff")
    answer = await world.client.post("/staff/logout", data={"csrf": csrf_of(page.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/login"
    world.client.cookies.clear()
    assert (await world.client.get("/staff")).status_code == 303


async def test_cross_site_post_with_session_cookie_is_refused(world: World) -> None:
    await sign_in(world.client, "reg1")
    page = await world.client.get("/staff/password")
    answer = await world.client.post(
        "/staff/password",
        data={
            "csrf": csrf_of(page.text),
            "current": PASSWORD,
            "new": "another-pass-1",
            "repeat": "another-pass-1",
        },
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403


async def test_change_password_checks_current_and_repeat(world: World) -> None:
    await sign_in(world.client, "hand1")
    token = csrf_of((await world.client.get("/staff/password")).text)
    wrong = await world.client.post(
        "/staff/password",
        data={"csrf": token, "current": "nope-nope", "new": "new-pass-123", "repeat": "new-pass-123"},
    )
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.text
    mismatch = await world.client.post(
        "/staff/password",
        data={"csrf": token, "current": PASSWORD, "new": "new-pass-123", "repeat": "other-pass"},
    )
    assert mismatch.status_code == 400 and "两次输入的新密码不一致" in mismatch.text
    done = await world.client.post(
        "/staff/password",
        data={"csrf": token, "current": PASSWORD, "new": "new-pass-123", "repeat": "new-pass-123"},
    )
    assert done.status_code == 200 and "密码已修改" in done.text
    world.client.cookies.clear()
    assert (await sign_in(world.client, "hand1", password="new-pass-123")).status_code == 303


async def _also_handler(connection: AsyncConnection, username: str) -> None:
    await connection.execute(
        text(
            "INSERT INTO role_grants (user_id, role, org_id) SELECT u.id, 'handler', o.id "
            "FROM users u, orgs o WHERE u.username = :u AND o.code = 's1'"
        ),
        {"u": username},
    )


async def test_user_with_two_roles_picks_one_and_the_choice_is_remembered(
    world: World, connection: AsyncConnection
) -> None:
    await _also_handler(connection, "reg1")
    await sign_in(world.client, "reg1")
    answer = await world.client.get("/staff")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff/act?next=%2Fstaff"
    picker = await world.client.get(answer.headers["location"])
    assert picker.status_code == 200
    assert "登记员" in picker.text and "承办人" in picker.text
    chosen = await world.client.post(
        "/staff/act", data={"csrf": csrf_of(picker.text), "grant": "handler@s1", "next": "/staff"}
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/staff"
    assert 'hx_act="handler@s1"' in chosen.headers["set-cookie"]
    queue = await world.client.get("/staff")
    assert queue.status_code == 200
    assert "承办人 · " in queue.text and "我的待办" in queue.text


async def test_role_picker_refuses_a_grant_the_user_does_not_hold(
    world: World, connection: AsyncConnection
) -> None:
    await _also_handler(connection, "reg1")
    await sign_in(world.client, "reg1")
    picker = await world.client.get("/staff/act")
    forged = await world.client.post(
        "/staff/act", data={"csrf": csrf_of(picker.text), "grant": "admin@city", "next": "/staff"}
    )
    assert forged.status_code == 400
    assert "hx_act" not in forged.headers.get("set-cookie", "")
    assert (await world.client.get("/staff")).status_code == 303  # still to choose


async def test_staff_form_posted_as_json_or_text_is_415_and_changes_nothing(world: World) -> None:
    await sign_in(world.client, "hand1")
    token = csrf_of((await world.client.get("/staff/password")).text)
    body = f"csrf={token}&current={PASSWORD}&new=new-pass-123&repeat=new-pass-123"
    for media in ("text/plain", "application/json"):
        answer = await world.client.post("/staff/password", content=body, headers={"content-type": media})
        assert answer.status_code == 415, answer.text
        assert "提交的不是表单" in answer.text
    world.client.cookies.clear()
    assert (await sign_in(world.client, "hand1")).status_code == 303  # the password is unchanged
