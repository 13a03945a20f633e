"""Bad input everywhere: every error is JSON with `detail` and `status_code`, never a 500."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

import httpx
import pytest

from .conftest import World
from .helpers import assert_error

STAFF_ENDPOINTS = [
    ("GET", "/api/v1/tickets"),
    ("POST", "/api/v1/tickets"),
    ("GET", "/api/v1/tickets/2026-000001"),
    ("GET", "/api/v1/tickets/2026-000001/events"),
    ("GET", "/api/v1/tickets/2026-000001/attachments"),
    ("GET", "/api/v1/tickets/2026-000001/attachments/1"),
    ("POST", "/api/v1/tickets/2026-000001/register"),
    ("GET", "/api/v1/notifications"),
    ("POST", "/api/v1/notifications/1/read"),
    ("GET", "/api/v1/stats"),
    ("GET", "/api/v1/exports/tickets.xlsx"),
    ("POST", "/api/v1/orgs"),
    ("GET", "/api/v1/orgs"),
    ("POST", "/api/v1/users"),
    ("PUT", "/api/v1/policies/s1"),
    ("PUT", "/api/v1/calendar/2026-12-01"),
]


@pytest.mark.parametrize(("method", "url"), STAFF_ENDPOINTS)
async def test_staff_endpoint_without_token_returns_401(
    client: httpx.AsyncClient, method: str, url: str
) -> None:
    answer = await client.request(method, url, json={})
    assert_error(answer, 401, "log in")


@pytest.mark.parametrize(("method", "url"), STAFF_ENDPOINTS)
async def test_staff_endpoint_with_unknown_token_returns_401(
    client: httpx.AsyncClient, method: str, url: str
) -> None:
    answer = await client.request(method, url, json={}, headers={"Authorization": "Bearer forged-token"})
    assert_error(answer, 401, "not valid")


async def test_unknown_address_returns_json_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/nothing-here"), 404)


async def test_wrong_method_returns_json_405(client: httpx.AsyncClient) -> None:
    assert_error(await client.delete("/api/v1/public/tickets"), 405, "method")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/v1/orgs"),
        ("POST", "/api/v1/users"),
        ("POST", "/api/v1/tickets"),
        ("PUT", "/api/v1/policies/s1"),
        ("PUT", "/api/v1/calendar/2026-12-01"),
        ("POST", "/api/v1/tickets/{number}/register"),
    ],
)
async def test_json_endpoint_malformed_json_returns_400(world: World, method: str, url: str) -> None:
    receipt = await world.submit()
    answer = await world.as_(
        "admin" if "tickets" not in url else "reg1",
        method,
        url.format(number=receipt["number"]),
        content=b'{"code": ',
        headers={"content-type": "application/json"},
    )
    assert_error(answer, 400)


@pytest.mark.parametrize(
    ("method", "url"), [("POST", "/api/v1/orgs"), ("POST", "/api/v1/users"), ("POST", "/api/v1/tickets")]
)
async def test_json_endpoint_array_body_returns_400(world: World, method: str, url: str) -> None:
    answer = await world.as_("admin" if "tickets" not in url else "reg1", method, url, json=[1, 2, 3])
    assert_error(answer, 400)


@pytest.mark.parametrize(
    ("user", "method", "url"),
    [
        ("lead1", "POST", "/api/v1/tickets/{number}/respond"),
        ("admin", "POST", "/api/v1/orgs"),
        ("lead1", "POST", "/api/v1/tickets"),
        ("lead1", "POST", "/api/v1/auth/login"),
    ],
)
async def test_json_endpoint_huge_body_returns_413(world: World, user: str, method: str, url: str) -> None:
    receipt = await world.submit()
    raw = b'{"text": "' + b"x" * (400 * 1024) + b'"}'
    answer = await world.as_(
        user,
        method,
        url.format(number=receipt["number"]),
        content=raw,
        headers={"content-type": "application/json"},
    )
    assert_error(answer, 413, "too large")


async def test_public_view_wrong_method_on_rating_returns_405(world: World) -> None:
    receipt = await world.submit()
    answer = await world.client.get(f"/api/v1/public/tickets/{receipt['number']}/rating")
    assert_error(answer, 405, "method")


@pytest.mark.parametrize("number", ["a" * 200, "'; DROP TABLE tickets; --", "..%2F..%2Fetc"])
async def test_public_track_odd_number_returns_404(world: World, number: str) -> None:
    answer = await world.client.get(f"/api/v1/public/tickets/{number}", params={"code": "ABCDEFGH"})
    assert_error(answer, 404)


async def test_public_track_nul_in_number_returns_400(world: World) -> None:
    answer = await world.client.get("/api/v1/public/tickets/%00", params={"code": "ABCDEFGH"})
    assert_error(answer, 400, "NUL")


async def test_public_track_overlong_code_returns_400(world: World) -> None:
    receipt = await world.submit()
    answer = await world.client.get(f"/api/v1/public/tickets/{receipt['number']}", params={"code": "A" * 100})
    assert_error(answer, 400, "code")


@pytest.mark.parametrize("number", ["'; DROP TABLE tickets; --", "2026-000001 OR 1=1"])
async def test_staff_get_sql_like_number_returns_404(world: World, number: str) -> None:
    await world.submit()
    assert_error(await world.as_("reg1", "GET", f"/api/v1/tickets/{number}"), 404)
    assert len((await world.as_("reg1", "GET", "/api/v1/tickets")).json()["items"]) == 1


async def test_notification_id_not_a_number_returns_404(world: World) -> None:
    assert_error(await world.as_("reg1", "POST", "/api/v1/notifications/abc/read"), 404)


@pytest.mark.parametrize("big", ["18446744073709551617", "9223372036854775808", "-9223372036854775809"])
async def test_path_integers_beyond_int64_return_404(world: World, big: str) -> None:
    receipt = await world.submit()
    read = await world.as_("reg1", "POST", f"/api/v1/notifications/{big}/read")
    attachment = await world.as_("reg1", "GET", f"/api/v1/tickets/{receipt['number']}/attachments/{big}")
    assert_error(read, 404, "nothing")
    assert_error(attachment, 404, "nothing")


async def test_concurrent_bad_requests_leave_the_log_clean(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """A dependency refused beside the transaction's (a bad query parameter) used to leave the
    transaction's generator unclosed: finalized later, it logged "aclose(): asynchronous
    generator is already running" (and held its connection until then)."""
    headers = await world.login("reg1")
    bad_form = {"content-type": "multipart/form-data; boundary=x"}
    json = {"content-type": "application/json"}
    with caplog.at_level(logging.ERROR):
        answers = await asyncio.gather(
            *(
                world.client.get("/api/v1/tickets", params={"status": f"no{i}"}, headers=headers)
                for i in range(10)
            ),
            *(
                world.client.post("/api/v1/public/tickets", content=b"--x\r\nbad", headers=bad_form)
                for _ in range(10)
            ),
            *(world.client.post("/api/v1/public/tickets", content=b"{", headers=json) for _ in range(10)),
        )
        gc.collect()
        for _ in range(5):
            await asyncio.sleep(0)
    assert {a.status_code for a in answers} == {400}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_security_headers_are_set_on_answers(world: World) -> None:
    receipt = await world.submit()
    for answer in (
        await world.client.get("/health"),
        await world.as_("reg1", "GET", f"/api/v1/tickets/{receipt['number']}"),
    ):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


async def test_intake_nul_character_in_content_returns_400(world: World) -> None:
    answer = await world.client.post(
        "/api/v1/public/tickets",
        json={
            "school_code": "s1",
            "kind": "inquiry",
            "category": "其他",
            "content": "a\u0000b",
            "consent": True,
        },
    )
    assert_error(answer, 400, "NUL")


async def test_action_nul_character_in_text_returns_400(world: World) -> None:
    receipt = await world.submit()
    await world.action("reg1", receipt["number"], "register")
    answer = await world.action("reg1", receipt["number"], "respond", text="好\u0000")
    assert_error(answer, 400, "NUL")
    assert (await world.as_("reg1", "GET", f"/api/v1/tickets/{receipt['number']}")).json()[
        "status"
    ] == "registered"


async def test_login_nul_character_in_username_returns_400(world: World) -> None:
    answer = await world.client.post("/api/v1/auth/login", json={"username": "reg1\u0000", "password": "x"})
    assert_error(answer, 400, "NUL")


async def test_staff_get_nul_in_number_returns_400(world: World) -> None:
    assert_error(await world.as_("reg1", "GET", "/api/v1/tickets/%00"), 400)


@pytest.mark.parametrize("payload", [{"value": "satisfied"}, {"code": "X"}, {}])
async def test_rating_incomplete_body_returns_400(world: World, payload: dict[str, Any]) -> None:
    receipt = await world.submit()
    answer = await world.client.post(f"/api/v1/public/tickets/{receipt['number']}/rating", json=payload)
    assert_error(answer, 400)


async def test_openapi_schema_is_served(client: httpx.AsyncClient) -> None:
    answer = await client.get("/schema/openapi.json")
    assert answer.status_code == 200
    paths = answer.json()["paths"]
    assert "/api/v1/public/tickets" in paths and "/api/v1/tickets/{number}/{action}" in paths


# ---- error sentences in the client's words ----------------------------------------------------


async def test_enum_errors_list_the_allowed_values(world: World) -> None:
    receipt = await world.submit()
    intake = await world.client.post("/api/v1/public/tickets", json={"school_code": "s1", "kind": "gossip"})
    rating = await world.client.post(
        f"/api/v1/public/tickets/{receipt['number']}/rating", json={"code": "X", "value": "great"}
    )
    listing = await world.as_("reg1", "GET", "/api/v1/tickets", params={"status": "lost"})
    assert_error(intake, 400, "`kind`", "'gossip' is not one of", "inquiry", "complaint", "praise")
    assert_error(rating, 400, "`value`", "satisfied, basically_satisfied, unsatisfied")
    assert_error(listing, 400, "`status`", "collected", "registered", "archived")


async def test_missing_field_in_a_typed_body_has_no_data_prefix(world: World) -> None:
    receipt = await world.submit()
    answer = await world.client.post(f"/api/v1/public/tickets/{receipt['number']}/rating", json={"code": "X"})
    body = assert_error(answer, 400, "Missing required field `value`")
    assert "data" not in body["detail"]


@pytest.mark.parametrize(
    ("contact", "words"),
    [({"phone": "call me"}, "a phone number: 5 to 19 digits"), ({"email": "at-home"}, "an email address")],
)
async def test_phone_and_email_errors_say_in_words_what_is_valid(
    world: World, contact: dict[str, str], words: str
) -> None:
    ticket = {
        "school_code": "s1",
        "kind": "inquiry",
        "category": "招生入学",
        "content": "问题",
        "consent": True,
    }
    answer = await world.client.post("/api/v1/public/tickets", json={**ticket, "contact": contact})
    body = assert_error(answer, 400, f"`contact.{next(iter(contact))}`", words)
    assert "regex" not in body["detail"] and "^" not in body["detail"]
