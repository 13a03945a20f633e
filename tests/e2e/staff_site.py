"""A staff site for browser tests: `huixiang web` as a child process over a database of its own,
seeded with two schools of one district and their staff, and a helper that opens a browser
context already signed in (the login form posted over the context's own requests, so the
session cookie is the browser's).

Use it from a test module with `from .staff_site import StaffSite, browser, staff_site`."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import httpx
import playwright.async_api as playwright_api
import pytest

from huixiang.domain.enums import OrgKind, Role
from huixiang.services import accounts
from huixiang.services import schemas as s
from huixiang.services.context import Ctx

from ..net import free_port
from .faults import SECRET, Database, in_ctx, settings_for

CHROMIUM = os.environ.get("HUIXIANG_TEST_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "password-123"
ORGS = [
    ("city", "市教育局", OrgKind.BUREAU, None),
    ("d1", "一区教育局", OrgKind.DISTRICT, "city"),
    ("s1", "第一实验小学", OrgKind.SCHOOL, "d1"),
    ("s2", "第二中学", OrgKind.SCHOOL, "d1"),
]
# (username, display name, role, org)
USERS = [
    ("reg1", "李登记", Role.REGISTRAR, "s1"),
    ("lead1", "赵校长", Role.LEADER, "s1"),
    ("hand1", "陈老师", Role.HANDLER, "s1"),
    ("hand2", "吴老师", Role.HANDLER, "s2"),
    ("insp1", "周督查", Role.INSPECTOR, "d1"),
]
OFFICE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

if not Path(CHROMIUM).exists():
    # CI installs it (.ci/run), so there a missing browser fails the run instead of hiding it.
    if os.environ.get("CI"):
        raise RuntimeError(f"no chromium at {CHROMIUM}: .ci/run installs it with apt-get")
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


async def seed_staff(ctx: Ctx, orgs: Sequence[Any] = ORGS, users: Sequence[Any] = USERS) -> None:
    """The org units and staff (username, display name, role, unit) through the services."""
    for code, name, kind, parent in orgs:
        await accounts.create_org(ctx, None, s.OrgCreate(code=code, name=name, kind=kind, parent_code=parent))
    for username, name, role, org in users:
        await accounts.create_user(
            ctx,
            None,
            s.UserCreate(
                username=username,
                password=PASSWORD,
                display_name=name,
                roles=[s.GrantIn(role=role, org_code=org)],
            ),
        )


def start_web(port: int, env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    log = open(log_path, "ab")  # noqa: SIM115 - closed by serve()
    server = subprocess.Popen(
        [sys.executable, "-m", "huixiang.cli", "web", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, for the killpg in serve()
    )
    return server, log


@dataclass
class StaffSite:
    url: str
    database: Database

    async def api(self, username: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call as `username` with a bearer token (to read state for assertions)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            login = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            client.cookies.clear()
            return await client.request(method, path, headers=headers, **kwargs)


async def serve(
    admin_dsn: str,
    redis_url: str,
    workdir: Any,
    seed: Callable[[Ctx], Awaitable[None]],
    ready: str = "/staff/login",
    then: Callable[[Database], Awaitable[Any]] | None = None,
) -> AsyncIterator[StaffSite]:
    """`huixiang web` over a fresh database seeded by `seed` (and `then`, given the database),
    until the generator is closed; it is up when `ready` answers 200."""
    database = Database(admin_dsn)
    await database.create()
    log: IO[bytes] | None = None
    server: subprocess.Popen[bytes] | None = None
    try:
        # A secret of its own: the rate limits count in Redis under HMACs keyed by it.
        secret = f"{SECRET}-{uuid.uuid4().hex}"
        settings = replace(settings_for(database.url, redis_url, workdir), secret_key=secret.encode())
        await in_ctx(settings, seed)
        if then is not None:
            await then(database)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUIXIANG_")}
        env.update(
            {
                "HUIXIANG_DATABASE_URL": database.url,
                "HUIXIANG_REDIS_URL": redis_url,
                "HUIXIANG_DATA_DIR": str(workdir),
                "HUIXIANG_SECRET_KEY": secret,
                "PYTHONUNBUFFERED": "1",
            }
        )
        server, log = start_web(port, env, workdir / "web.log")
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                try:
                    if (await client.get(f"{url}{ready}")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"web did not start:\n{(workdir / 'web.log').read_text()}")
                await asyncio.sleep(0.1)
        yield StaffSite(url, database)
    finally:
        if server is not None:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=5)
        if log is not None:
            log.close()
        await database.drop()


@pytest.fixture(scope="module")
async def staff_site(
    admin_dsn: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[StaffSite]:
    async for site in serve(admin_dsn, redis_url, tmp_path_factory.mktemp("staff-site"), seed_staff):
        yield site


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            await browser.close()


async def new_page(browser: Any, viewport: dict[str, int] = OFFICE) -> Any:
    """A page in a context of its own; a phone-sized viewport is a touch device."""
    phone = viewport["width"] < 600
    context = await browser.new_context(
        viewport=viewport, device_scale_factor=1, is_mobile=phone, has_touch=phone, locale="zh-CN"
    )
    page = await context.new_page()
    page.set_default_timeout(10_000)
    return page


async def sign_in(page: Any, url: str, username: str, password: str = PASSWORD) -> None:
    """The login form posted through the page's own context (its cookie jar is the browser's)."""
    form = await page.context.request.get(f"{url}/staff/login")
    found = re.search(r'name="csrf" value="([^"]+)"', await form.text())
    assert found, (await form.text())[:300]
    answer = await page.context.request.post(
        f"{url}/staff/login",
        form={"csrf": found.group(1), "username": username, "password": password, "next": "/staff"},
        max_redirects=0,
    )
    assert answer.status == 303, await answer.text()


async def signed_in(browser: Any, url: str, username: str, viewport: dict[str, int] = OFFICE) -> Any:
    """A new page of a new context, signed in as `username`, at the queue."""
    page = await new_page(browser, viewport)
    await sign_in(page, url, username)
    await page.goto(f"{url}/staff")
    return page


async def no_horizontal_scroll(page: Any) -> None:
    wide = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, f"horizontal scroll of {wide}px"
