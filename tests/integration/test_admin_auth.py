"""Logins, sessions and guessing limits; the admin's org tree, users, deadline policies and calendar."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.engine import make_sessionmaker
from huixiang.domain.deadlines import Clock, DeadlinePolicy, WorkCalendar
from huixiang.services import accounts, login_limits, throttle
from huixiang.services.context import Caches, Ctx
from huixiang.settings import Settings

from .conftest import PASSWORD, USERS, World
from .helpers import assert_error, page_session, parse_time

LOGIN = "/api/v1/auth/login"
HOME = "127.0.0.1"  # the test client's address


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(LOGIN, json={"username": username, "password": password})


@pytest.fixture(autouse=True)
async def fresh_login_counters(shared_app: Any, settings: Settings) -> AsyncIterator[None]:
    """The guessing counters live in Redis, outside the test's rolled-back transaction: start
    and end each test with none for the world's users (and a ghost) at the client's address."""

    async def clear() -> None:
        for username in [u for u, _, _ in USERS] + ["ghost"]:
            c = login_limits.counters(settings.secret_key, username, HOME)
            for key in (c.pair, c.address, c.account, c.slow, c.known):
                await throttle.clear(shared_app.state.redis, key)

    await clear()
    yield
    await clear()


@pytest.fixture
async def from_address(client: httpx.AsyncClient, shared_app: Any) -> AsyncIterator[Any]:
    """Clients of the same app (and the test's transaction) whose requests come from elsewhere."""
    clients: list[httpx.AsyncClient] = []

    def make(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=shared_app, client=(address, 40000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        return clients[-1]

    yield make
    await asyncio.gather(*(c.aclose() for c in clients))


def _statuses(answers: list[httpx.Response]) -> list[int]:
    return [a.status_code for a in answers]


# ---- auth -------------------------------------------------------------------------------------


async def test_login_valid_returns_token_and_roles(world: World) -> None:
    answer = await login(world.client, "insp1")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    assert body["user"] == {
        "username": "insp1",
        "display_name": "insp1老师",
        "roles": [{"role": "inspector", "org_code": "d1"}],
    }
    assert "password" not in answer.text


async def test_login_json_sets_no_cookie(world: World) -> None:
    answer = await login(world.client, "reg1")
    assert answer.status_code == 200
    assert "set-cookie" not in answer.headers
    assert not world.client.cookies


async def test_login_json_with_another_users_cookie_keeps_that_session(
    world: World, shared_app: Any, connection: AsyncConnection
) -> None:
    session = await page_session(shared_app, connection, "lead1")
    world.client.cookies.set("hx_session", session)
    answer = await login(world.client, "reg3")  # a second person on the same browser
    assert answer.status_code == 200, answer.text
    assert "set-cookie" not in answer.headers
    orgs = await world.client.get("/api/v1/orgs")  # the cookie still authenticates lead1
    assert orgs.status_code == 200, orgs.text
    assert [o["code"] for o in orgs.json()["items"]] == ["s1"]
    token = answer.json()["token"]
    mine = await world.client.get("/api/v1/orgs", headers={"Authorization": f"Bearer {token}"})
    assert [o["code"] for o in mine.json()["items"]] == ["s3"]


async def test_page_session_lives_12_hours_api_token_30_days(
    world: World, shared_app: Any, connection: AsyncConnection
) -> None:
    await page_session(shared_app, connection, "lead1")
    assert (await login(world.client, "lead1")).status_code == 200
    now = shared_app.state.clock()  # the app's (pinned) clock
    rows = (
        await connection.execute(
            text(
                "SELECT a.kind, a.expires_at FROM auth_tokens a JOIN users u ON u.id = a.user_id "
                "WHERE u.username = 'lead1'"
            )
        )
    ).all()
    lifetimes = {kind: expires_at - now for kind, expires_at in rows}
    assert set(lifetimes) == {"api", "session"}
    assert timedelta(hours=11, minutes=59) < lifetimes["session"] <= timedelta(hours=12)
    assert timedelta(days=29, hours=23) < lifetimes["api"] <= timedelta(days=30)


async def test_page_session_cookie_authenticates_get(
    world: World, shared_app: Any, connection: AsyncConnection
) -> None:
    receipt = await world.submit()
    world.client.cookies.set("hx_session", await page_session(shared_app, connection, "reg1"))
    answer = await world.client.get("/api/v1/tickets")  # no Authorization header: the cookie
    assert answer.status_code == 200, answer.text
    assert [t["number"] for t in answer.json()["items"]] == [receipt["number"]]
    world.client.cookies.clear()
    assert_error(await world.client.get("/api/v1/tickets"), 401)


@pytest.mark.parametrize(("username", "password"), [("reg1", "wrong-password"), ("ghost", PASSWORD)])
async def test_login_wrong_credentials_returns_401(world: World, username: str, password: str) -> None:
    answer = await login(world.client, username, password)
    assert_error(answer, 401, "wrong username or password")
    assert "set-cookie" not in answer.headers


async def test_login_unknown_user_and_wrong_password_answer_alike(world: World) -> None:
    one = await login(world.client, "reg1", "nope-nope")
    two = await login(world.client, "ghost", "nope-nope")
    assert one.json() == two.json()


async def test_login_pair_limit_refuses_that_address_only_and_unknown_user_alike(
    world: World, from_address: Any
) -> None:
    limit = login_limits.PAIR_LIMIT
    real = [await login(world.client, "hand1", "wrong") for _ in range(limit + 2)]
    ghost = [await login(world.client, "ghost", "wrong") for _ in range(limit + 2)]
    assert _statuses(real) == [401] * limit + [429] * 2
    assert [(a.status_code, a.json()) for a in real] == [(a.status_code, a.json()) for a in ghost]
    assert_error(real[-1], 429, "try again in 15 minutes")
    # The right password from this address waits too; the owner elsewhere, and others here, do not.
    assert_error(await login(world.client, "hand1"), 429)
    assert (await login(from_address("198.51.100.7"), "hand1")).status_code == 200
    assert (await login(world.client, "hand1b")).status_code == 200


async def test_login_right_password_resets_the_pair_count(world: World) -> None:
    for _ in range(2):
        for _ in range(login_limits.PAIR_LIMIT - 1):
            assert (await login(world.client, "hand1", "wrong")).status_code == 401
        assert (await login(world.client, "hand1")).status_code == 200


async def test_login_address_limit_spans_usernames(world: World, from_address: Any) -> None:
    guesser = from_address("198.51.100.20")
    answers = [await login(guesser, f"user{n}", "wrong") for n in range(login_limits.ADDRESS_LIMIT + 1)]
    assert _statuses(answers) == [401] * login_limits.ADDRESS_LIMIT + [429]
    assert_error(await login(guesser, "hand1"), 429, "your address")
    assert (await login(world.client, "hand1")).status_code == 200


async def test_login_successes_do_not_use_up_the_address_limit(world: World) -> None:
    answers = [await login(world.client, "reg1") for _ in range(login_limits.ADDRESS_LIMIT + 5)]
    assert set(_statuses(answers)) == {200}


async def test_login_distributed_guessing_slows_new_addresses_never_the_known_one(
    world: World, from_address: Any, shared_app: Any, settings: Settings
) -> None:
    assert (await login(world.client, "hand2")).status_code == 200  # the owner's usual address
    for n in range(login_limits.ACCOUNT_CEILING):  # one guess from each of many addresses
        assert (await login(from_address(f"203.0.113.{n + 1}"), "hand2", "wrong")).status_code == 401
        assert (await login(from_address(f"203.0.113.{n + 1}"), "ghost", "wrong")).status_code == 401
    # From new addresses: one attempt a minute, for the real user and the ghost alike.
    first, second = from_address("192.0.2.1"), from_address("192.0.2.2")
    assert (await login(first, "hand2", "wrong")).status_code == 401
    assert (await login(first, "ghost", "wrong")).status_code == 401
    slowed = await login(second, "hand2")
    assert_error(slowed, 429, "once a minute")
    assert slowed.json() == (await login(second, "ghost")).json()
    slow = login_limits.counters(settings.secret_key, "hand2", "192.0.2.2").slow
    assert 0 < await shared_app.state.redis.ttl(slow) <= 60  # a delay, over within the minute
    # The owner at an address they logged in from is not slowed at all.
    assert (await login(world.client, "hand2")).status_code == 200
    assert (await login(world.client, "hand2")).status_code == 200


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"])
async def test_request_with_invalid_token_returns_401(world: World, header: str) -> None:
    assert_error(await world.client.get("/api/v1/tickets", headers={"Authorization": header}), 401)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "x"}, "password"),
        ({"username": "", "password": "p"}, "username"),
        ({"username": "x", "password": 5}, "password"),
    ],
)
async def test_login_bad_body_returns_400_naming_field(
    world: World, payload: dict[str, Any], field: str
) -> None:
    assert_error(await world.client.post(LOGIN, json=payload), 400, field)


async def test_login_malformed_json_returns_400(world: World) -> None:
    answer = await world.client.post(LOGIN, content=b"{oops", headers={"content-type": "application/json"})
    assert_error(answer, 400)


async def test_logout_invalidates_token(world: World) -> None:
    headers = await world.login("lead1")
    assert (await world.client.get("/api/v1/tickets", headers=headers)).status_code == 200
    answer = await world.client.post("/api/v1/auth/logout", headers=headers)
    assert answer.status_code == 204
    assert_error(await world.client.get("/api/v1/tickets", headers=headers), 401)


async def test_logout_ends_the_page_session_and_clears_cookie(
    world: World, shared_app: Any, connection: AsyncConnection
) -> None:
    world.client.cookies.set("hx_session", await page_session(shared_app, connection, "lead1"))
    answer = await world.client.post("/api/v1/auth/logout")
    assert answer.status_code == 204
    assert "hx_session=" in answer.headers["set-cookie"]
    assert_error(await world.client.get("/api/v1/tickets"), 401)


async def test_login_again_keeps_other_tokens_valid(world: World) -> None:
    first = (await login(world.client, "lead1")).json()["token"]
    second = (await login(world.client, "lead1")).json()["token"]
    assert first != second
    for token in (first, second):
        answer = await world.client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200


# ---- orgs -------------------------------------------------------------------------------------


async def test_create_org_returns_201_and_lists_it(world: World) -> None:
    answer = await world.as_(
        "admin",
        "POST",
        "/api/v1/orgs",
        json={"code": "s9", "name": "第九小学", "kind": "school", "parent_code": "d2"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"code": "s9", "name": "第九小学", "kind": "school", "parent_code": "d2"}
    listed = (await world.as_("admin", "GET", "/api/v1/orgs")).json()["items"]
    assert {"code": "s9", "name": "第九小学", "kind": "school", "parent_code": "d2"} in listed
    # A ticket may be filed with the new school at once.
    assert (await world.submit("s9"))["status"] == "collected"


async def test_create_org_duplicate_code_returns_409(world: World) -> None:
    answer = await world.as_(
        "admin",
        "POST",
        "/api/v1/orgs",
        json={"code": "s1", "name": "重复", "kind": "school", "parent_code": "d1"},
    )
    assert_error(answer, 409, "s1")


@pytest.mark.parametrize(
    ("kind", "parent"), [("school", "city"), ("district", "d1"), ("district", "s1"), ("bureau", "d1")]
)
async def test_create_org_under_wrong_parent_kind_returns_400(world: World, kind: str, parent: str) -> None:
    answer = await world.as_(
        "admin",
        "POST",
        "/api/v1/orgs",
        json={"code": "new1", "name": "新", "kind": kind, "parent_code": parent},
    )
    assert_error(answer, 400, "kind")


async def test_create_org_unknown_parent_returns_400(world: World) -> None:
    answer = await world.as_(
        "admin",
        "POST",
        "/api/v1/orgs",
        json={"code": "new1", "name": "新", "kind": "school", "parent_code": "zz"},
    )
    assert_error(answer, 400, "parent_code")


async def test_create_org_without_parent_returns_400(world: World) -> None:
    answer = await world.as_(
        "admin", "POST", "/api/v1/orgs", json={"code": "new1", "name": "新", "kind": "bureau"}
    )
    assert_error(answer, 400, "parent_code")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "has space", "name": "x", "kind": "school", "parent_code": "d1"}, "code"),
        ({"code": "ok", "name": "", "kind": "school", "parent_code": "d1"}, "name"),
        ({"code": "ok", "name": "x", "kind": "class", "parent_code": "d1"}, "kind"),
        ({"code": "ok", "name": "x", "kind": "school", "parent_code": "d1", "extra": 1}, "extra"),
    ],
)
async def test_create_org_bad_body_returns_400_naming_field(
    world: World, payload: dict[str, Any], field: str
) -> None:
    assert_error(await world.as_("admin", "POST", "/api/v1/orgs", json=payload), 400, field)


@pytest.mark.parametrize("user", ["lead1", "insp1", "reg1"])
async def test_create_org_by_non_admin_returns_403(world: World, user: str) -> None:
    answer = await world.as_(
        user,
        "POST",
        "/api/v1/orgs",
        json={"code": "new1", "name": "新", "kind": "school", "parent_code": "d1"},
    )
    assert_error(answer, 403)


async def _district_admin(world: World) -> str:
    answer = await world.as_(
        "admin",
        "POST",
        "/api/v1/users",
        json={
            "username": "admind1",
            "password": PASSWORD,
            "display_name": "一区管理员",
            "roles": [{"role": "admin", "org_code": "d1"}],
        },
    )
    assert answer.status_code == 201, answer.text
    return "admind1"


async def test_create_org_under_out_of_scope_parent_returns_404(world: World) -> None:
    admin = await _district_admin(world)
    answer = await world.as_(
        admin,
        "POST",
        "/api/v1/orgs",
        json={"code": "new1", "name": "新", "kind": "school", "parent_code": "d2"},
    )
    assert_error(answer, 404)
    inside = await world.as_(
        admin,
        "POST",
        "/api/v1/orgs",
        json={"code": "new2", "name": "新二", "kind": "school", "parent_code": "d1"},
    )
    assert inside.status_code == 201


async def test_list_orgs_is_scoped(world: World) -> None:
    admin = await _district_admin(world)
    codes = [o["code"] for o in (await world.as_(admin, "GET", "/api/v1/orgs")).json()["items"]]
    assert sorted(codes) == ["d1", "s1", "s2"]
    everything = [o["code"] for o in (await world.as_("admin", "GET", "/api/v1/orgs")).json()["items"]]
    assert sorted(everything) == ["city", "d1", "d2", "s1", "s2", "s3"]
    school = [o["code"] for o in (await world.as_("reg3", "GET", "/api/v1/orgs")).json()["items"]]
    assert school == ["s3"]


async def test_list_orgs_without_token_returns_401(world: World) -> None:
    assert_error(await world.client.get("/api/v1/orgs"), 401)


# ---- users ------------------------------------------------------------------------------------


async def test_create_user_returns_201_without_password_and_can_log_in(world: World) -> None:
    answer = await world.as_(
        "admin",
        "POST",
        "/api/v1/users",
        json={
            "username": "newhand",
            "password": "secret-pass-1",
            "display_name": "新老师",
            "roles": [{"role": "handler", "org_code": "s1"}, {"role": "grid_member", "org_code": "s1"}],
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.json() == {
        "username": "newhand",
        "display_name": "新老师",
        "roles": [{"role": "handler", "org_code": "s1"}, {"role": "grid_member", "org_code": "s1"}],
    }
    assert "secret-pass-1" not in answer.text and "password" not in answer.text
    assert (await login(world.client, "newhand", "secret-pass-1")).status_code == 200


async def test_create_user_duplicate_returns_409(world: World) -> None:
    answer = await world.as_(
        "admin",
        "POST",
        "/api/v1/users",
        json={"username": "reg1", "password": PASSWORD, "display_name": "x", "roles": []},
    )
    assert_error(answer, 409, "reg1")


async def test_create_user_unknown_org_returns_400(world: World) -> None:
    answer = await world.as_(
        "admin",
        "POST",
        "/api/v1/users",
        json={
            "username": "u1",
            "password": PASSWORD,
            "display_name": "x",
            "roles": [{"role": "handler", "org_code": "zz"}],
        },
    )
    assert_error(answer, 400, "zz")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"password": "short"}, "password"),
        ({"roles": [{"role": "king", "org_code": "s1"}]}, "role"),
        ({"username": "bad name"}, "username"),
        ({"display_name": ""}, "display_name"),
    ],
)
async def test_create_user_bad_body_returns_400_naming_field(
    world: World, payload: dict[str, Any], field: str
) -> None:
    data = {"username": "u1", "password": PASSWORD, "display_name": "x", "roles": [], **payload}
    assert_error(await world.as_("admin", "POST", "/api/v1/users", json=data), 400, field)


async def test_create_user_by_non_admin_returns_403(world: World) -> None:
    answer = await world.as_(
        "lead1",
        "POST",
        "/api/v1/users",
        json={
            "username": "u1",
            "password": PASSWORD,
            "display_name": "x",
            "roles": [{"role": "handler", "org_code": "s1"}],
        },
    )
    assert_error(answer, 403)


async def test_create_user_out_of_scope_org_returns_404(world: World) -> None:
    admin = await _district_admin(world)
    answer = await world.as_(
        admin,
        "POST",
        "/api/v1/users",
        json={
            "username": "u1",
            "password": PASSWORD,
            "display_name": "x",
            "roles": [{"role": "handler", "org_code": "s3"}],
        },
    )
    assert_error(answer, 404)


async def test_create_user_without_token_returns_401(world: World) -> None:
    assert_error(await world.client.post("/api/v1/users", json={}), 401)


# ---- deadline policy and calendar ------------------------------------------------------------


async def test_put_policy_changes_deadlines_of_new_tickets(world: World, settings: Any) -> None:
    before = await world.submit()
    answer = await world.as_(
        "admin", "PUT", "/api/v1/policies/s1", json={"respond_days": 10, "register_days": 2}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["policy"]["respond_days"] == 10
    after = await world.submit()
    untouched = await world.submit("s2")
    view = (await world.as_("reg1", "GET", f"/api/v1/tickets/{after['number']}")).json()
    clock = Clock(WorkCalendar(), settings.timezone, DeadlinePolicy(respond_days=10, register_days=2))
    collected = parse_time(view["collected_at"])
    assert parse_time(after["respond_due_at"]) == clock.after_workdays(collected, 10)
    assert parse_time(after["register_due_at"]) == clock.after_workdays(collected, 2)
    assert parse_time(after["respond_due_at"]) > parse_time(before["respond_due_at"])
    assert untouched["respond_due_at"] == before["respond_due_at"]


async def test_put_policy_respond_days_by_kind_applies_to_that_kind(world: World) -> None:
    await world.as_("admin", "PUT", "/api/v1/policies/d1", json={"respond_days_by_kind": {"praise": 2}})
    praise = await world.submit(kind="praise")
    complaint = await world.submit(kind="complaint")
    assert parse_time(praise["respond_due_at"]) < parse_time(complaint["respond_due_at"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"respond_days": 0}, "respond_days"),
        ({"respond_days": "5"}, "respond_days"),
        ({"end_of_day": "late"}, "end_of_day"),
        ({"coffee_breaks": 2}, "coffee_breaks"),
        ({"respond_days_by_kind": {"rumour": 2}}, "rumour"),
    ],
)
async def test_put_policy_bad_field_returns_400_naming_it(
    world: World, payload: dict[str, Any], field: str
) -> None:
    assert_error(await world.as_("admin", "PUT", "/api/v1/policies/s1", json=payload), 400, field)


async def test_put_policy_by_non_admin_returns_403(world: World) -> None:
    assert_error(await world.as_("lead1", "PUT", "/api/v1/policies/s1", json={"respond_days": 9}), 403)


async def test_put_policy_unknown_or_out_of_scope_org_returns_404(world: World) -> None:
    assert_error(await world.as_("admin", "PUT", "/api/v1/policies/zz", json={}), 404)
    admin = await _district_admin(world)
    assert_error(await world.as_(admin, "PUT", "/api/v1/policies/s3", json={"respond_days": 9}), 404)


async def test_put_calendar_holiday_moves_register_deadline(world: World) -> None:
    before = await world.submit()
    due_day = parse_time(before["register_due_at"]).date()
    answer = await world.as_(
        "admin",
        "PUT",
        f"/api/v1/calendar/{due_day.isoformat()}",
        json={"is_workday": False, "note": "临时停课"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"day": due_day.isoformat(), "is_workday": False, "note": "临时停课"}
    after = await world.submit()
    assert parse_time(after["register_due_at"]).date() > due_day
    # Undo: a working day again gives the first deadline back.
    await world.as_("admin", "PUT", f"/api/v1/calendar/{due_day.isoformat()}", json={"is_workday": True})
    assert (await world.submit())["register_due_at"] == before["register_due_at"]


async def test_put_calendar_extra_workday_pulls_respond_deadline_earlier(world: World, settings: Any) -> None:
    before = await world.submit()
    view = (await world.as_("reg1", "GET", f"/api/v1/tickets/{before['number']}")).json()
    collected_day = parse_time(view["collected_at"]).astimezone(settings.timezone).date()
    due_day = parse_time(before["respond_due_at"]).astimezone(settings.timezone).date()
    calendar = WorkCalendar()
    # Five working days always span a rest day; make the first one a working day (调休).
    rest = next(
        collected_day + timedelta(days=i)
        for i in range(1, (due_day - collected_day).days)
        if not calendar.is_workday(collected_day + timedelta(days=i))
    )
    answer = await world.as_(
        "admin", "PUT", f"/api/v1/calendar/{rest.isoformat()}", json={"is_workday": True, "note": "调休上班"}
    )
    assert answer.status_code == 200, answer.text
    after = await world.submit()
    clock = Clock(WorkCalendar({rest: True}), settings.timezone, DeadlinePolicy())
    expected = clock.after_workdays(parse_time(view["collected_at"]), 5)
    assert parse_time(after["respond_due_at"]) == expected
    assert expected.date() < due_day


@pytest.mark.parametrize("payload", [{}, {"is_workday": "no"}, {"is_workday": True, "note": 5}])
async def test_put_calendar_bad_body_returns_400(world: World, payload: dict[str, Any]) -> None:
    assert_error(await world.as_("admin", "PUT", "/api/v1/calendar/2026-12-01", json=payload), 400)


async def test_put_calendar_bad_date_is_refused(world: World) -> None:
    # `{day:date}` does not match a day that does not exist: no such address.
    answer = await world.as_("admin", "PUT", "/api/v1/calendar/2026-13-45", json={"is_workday": True})
    assert_error(answer, 404)


async def test_put_calendar_by_non_admin_returns_403(world: World) -> None:
    assert_error(
        await world.as_("insp1", "PUT", "/api/v1/calendar/2026-12-01", json={"is_workday": True}), 403
    )


async def test_put_calendar_by_district_admin_returns_404(world: World) -> None:
    admin = await _district_admin(world)
    assert_error(await world.as_(admin, "PUT", "/api/v1/calendar/2026-12-01", json={"is_workday": True}), 404)


# ---- create-admin -----------------------------------------------------------------------------


async def test_ensure_admin_is_idempotent_and_resets_the_password(
    world: World, shared_app: Any, connection: AsyncConnection
) -> None:
    async with make_sessionmaker(connection)() as session:
        state = shared_app.state
        ctx = Ctx(session, state.settings, Caches(), state.clock(), redis=state.redis)
        first = await accounts.ensure_admin(ctx, "ops", "first-password")
        second = await accounts.ensure_admin(ctx, "ops", "second-password")
        await session.commit()
    assert (first, second) == (("city", True), ("city", False))
    assert (await login(world.client, "ops", "first-password")).status_code == 401
    answer = await login(world.client, "ops", "second-password")
    assert answer.json()["user"]["roles"] == [{"role": "admin", "org_code": "city"}]
