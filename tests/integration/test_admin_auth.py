"""Logins, sessions and lockout; the admin's org tree, users, deadline policies and calendar."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from huixiang.domain.deadlines import Clock, DeadlinePolicy, WorkCalendar

from .conftest import PASSWORD, World
from .helpers import assert_error, parse_time

LOGIN = "/api/v1/auth/login"


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(LOGIN, json={"username": username, "password": password})


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


async def test_login_sets_httponly_samesite_cookie(world: World) -> None:
    answer = await login(world.client, "reg1")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("hx_session=")
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "path=/" in lowered


async def test_login_cookie_authenticates_get(world: World) -> None:
    receipt = await world.submit()
    assert (await login(world.client, "reg1")).status_code == 200
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


async def test_login_five_failures_lock_account_even_for_right_password(world: World) -> None:
    for _ in range(5):
        assert (await login(world.client, "hand1", "wrong")).status_code == 401
    assert_error(await login(world.client, "hand1"), 429, "locked")
    # Other accounts are not affected.
    assert (await login(world.client, "hand1b")).status_code == 200


async def test_login_four_failures_then_success_resets_counter(world: World) -> None:
    for _ in range(4):
        await login(world.client, "hand1", "wrong")
    assert (await login(world.client, "hand1")).status_code == 200
    for _ in range(4):
        await login(world.client, "hand1", "wrong")
    assert (await login(world.client, "hand1")).status_code == 200


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


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"])
async def test_request_with_invalid_token_returns_401(world: World, header: str) -> None:
    assert_error(await world.client.get("/api/v1/tickets", headers={"Authorization": header}), 401)


async def test_logout_invalidates_token(world: World) -> None:
    headers = await world.login("lead1")
    assert (await world.client.get("/api/v1/tickets", headers=headers)).status_code == 200
    answer = await world.client.post("/api/v1/auth/logout", headers=headers)
    assert answer.status_code == 204
    assert_error(await world.client.get("/api/v1/tickets", headers=headers), 401)


async def test_logout_clears_cookie(world: World) -> None:
    await login(world.client, "lead1")
    answer = await world.client.post("/api/v1/auth/logout")
    assert answer.status_code == 204
    assert "hx_session=" in answer.headers["set-cookie"]
    assert_error(await world.client.get("/api/v1/tickets"), 401)


async def test_login_again_keeps_other_tokens_valid(world: World) -> None:
    first = (await login(world.client, "lead1")).json()["token"]
    world.client.cookies.clear()
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
    answer = await world.as_("admin", "PUT", "/api/v1/calendar/2026-13-45", json={"is_workday": True})
    assert answer.status_code in (400, 404)
    assert_error(answer, answer.status_code)


async def test_put_calendar_by_non_admin_returns_403(world: World) -> None:
    assert_error(
        await world.as_("insp1", "PUT", "/api/v1/calendar/2026-12-01", json={"is_workday": True}), 403
    )


async def test_put_calendar_by_district_admin_returns_404(world: World) -> None:
    admin = await _district_admin(world)
    assert_error(await world.as_(admin, "PUT", "/api/v1/calendar/2026-12-01", json={"is_workday": True}), 404)
