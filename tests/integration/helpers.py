"""Shared helpers for the API tests: error-body checks, tiny real files, walking a ticket."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import datetime
from typing import Any

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.engine import make_sessionmaker
from huixiang.services import accounts
from huixiang.services.context import Caches, Ctx
from huixiang.services.schemas import LoginRequest

from .conftest import PASSWORD, World

# Who does each step, per school of the world.
# The tickets of the world's schools (tests on committing connections leave others in the
# run's database).
WORLD_TICKETS = (
    "SELECT count(*) FROM tickets t JOIN orgs o ON o.id = t.school_id WHERE o.code IN ('s1', 's2', 's3')"
)
STAFF = {
    "s1": {"registrar": "reg1", "leader": "lead1", "handler": "hand1"},
    "s2": {"registrar": "reg2", "leader": "lead2", "handler": "hand2"},
}
ORDER = ["collected", "registered", "submitted", "assigned", "responded", "archived", "inspected"]


def assert_error(answer: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """A JSON error body with `status_code` and a `detail` sentence naming each of `words`."""
    assert answer.status_code == status, f"{answer.status_code} != {status}: {answer.text}"
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    body = answer.json()
    assert isinstance(body, dict)
    assert body["status_code"] == status
    assert isinstance(body["detail"], str) and body["detail"].strip()
    assert "Traceback" not in body["detail"]
    for word in words:
        assert word.lower() in body["detail"].lower(), f"{word!r} not in {body['detail']!r}"
    return body


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"{value} has no offset"
    return parsed


async def walk(world: World, number: str, to: str, school: str = "s1") -> dict[str, Any]:
    """Move a freshly collected ticket along the main path up to status `to`."""
    staff = STAFF[school]
    steps = {
        "registered": (staff["registrar"], "register", {}),
        "submitted": (staff["registrar"], "submit", {}),
        "assigned": (staff["leader"], "assign", {"assignee": staff["handler"]}),
        "responded": (staff["handler"], "respond", {"text": "已处理，感谢您的反馈。"}),
        "archived": (staff["leader"], "archive", {}),
        "inspected": ("insp1", "inspect", {"verdict": "pass", "note": "抽查合格"}),
    }
    body: dict[str, Any] = {"status": "collected"}
    for status in ORDER[1 : ORDER.index(to) + 1]:
        user, action, payload = steps[status]
        answer = await world.action(user, number, action, **payload)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status"] == status
    return body


async def ticket_at(world: World, to: str, school: str = "s1", **overrides: Any) -> dict[str, Any]:
    """A new ticket walked to `to`; answers the receipt (number, access_code, …)."""
    receipt = await world.submit(school, **overrides)
    await walk(world, receipt["number"], to, school)
    return receipt


# ---- tiny but real files ----------------------------------------------------------------------


def png_bytes() -> bytes:
    """A valid 1×1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """The start of a JFIF file (SOI, APP0) and its end marker."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def form_fields(**overrides: str) -> dict[str, str]:
    fields = {
        "school_code": "s1",
        "kind": "suggestion",
        "category": "设施环境",
        "content": "操场的灯坏了，晚上接孩子很不方便。",
        "contact.name": "李先生",
        "contact.phone": "13900001111",
        "student.name": "李小明",
        "student.class_name": "三年级二班",
        "consent": "true",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


async def page_session(shared_app: Any, connection: AsyncConnection, username: str) -> str:
    """A page login (kind "session") from the test client's address, as /staff/login makes one,
    through the service."""
    async with make_sessionmaker(connection)() as session:
        state = shared_app.state
        ctx = Ctx(session, state.settings, Caches(), state.clock(), redis=state.redis)
        outcome = await accounts.login(
            ctx, LoginRequest(username=username, password=PASSWORD), address="127.0.0.1", kind="session"
        )
        await session.commit()
    return outcome.token


async def raw(connection: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under the test's transaction, for raw SQL."""
    driver = (await connection.get_raw_connection()).driver_connection
    assert isinstance(driver, asyncpg.Connection)
    return driver


# --- the staff pages ---------------------------------------------------------------------------


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD, next: str = ""
) -> httpx.Response:
    form = await client.get("/staff/login")
    assert form.status_code == 200
    return await client.post(
        "/staff/login",
        data={"csrf": csrf_of(form.text), "username": username, "password": password, "next": next},
    )
