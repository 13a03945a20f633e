"""The staff queue page (/staff) in a real browser at the office PC's 1366×768 and a phone's
390×844, against `huixiang web` over a database of its own with the demo loaded (a realistic
day: every queue holds something). No horizontal scroll at either width; the live block is
polled; ticking a row pauses the poll. Screenshots go to tests/artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import playwright.async_api as playwright_api
import pytest

from huixiang.demo import DEMO_PASSWORD, load_demo

from .staff_site import CHROMIUM, serve
from .test_site import SHOTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
async def site_url(
    admin_dsn: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    async for served in serve(admin_dsn, redis_url, tmp_path_factory.mktemp("queue-site"), load_demo):
        yield served.url


async def _sign_in(page: Any, url: str, username: str) -> None:
    """Signed in through the login form over HTTP, the session cookie handed to the browser (the
    login page's own look is another test's)."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        form = await client.get("/staff/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token, form.text[:500]
        answer = await client.post(
            "/staff/login", data={"csrf": token.group(1), "username": username, "password": DEMO_PASSWORD}
        )
        assert answer.status_code == 303, answer.text
        cookies = [{"name": k, "value": v, "url": url} for k, v in client.cookies.items()]
    await page.context.add_cookies(cookies)
    await page.goto(f"{url}/staff")


async def _no_horizontal_scroll(page: Any) -> None:
    wide = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, f"horizontal scroll of {wide}px"


async def test_staff_queue_at_office_pc_and_phone(site_url: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            # The office PC: a school leader, figures and bulk 交办.
            context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page = await context.new_page()
            page.set_default_timeout(10_000)
            await _sign_in(page, site_url, "demo-shiyan-leader")
            await page.locator(".figures dd").first.wait_for()  # the panel loads on its own (htmx)
            assert await page.locator(".figures dd").count() == 5
            assert await page.locator("nav.views a[aria-current=page]").inner_text() != ""
            rows = page.locator("table.queue tbody tr")
            assert await rows.count() > 0
            assert await page.locator("table.queue .chip-due").count() > 0
            await _no_horizontal_scroll(page)
            await page.screenshot(path=str(SHOTS / "staff-queue-1366.png"), full_page=False)
            # Ticking a row pauses the 20 s poll: a triggered poll is cancelled, the tick stays.
            box = page.locator("input[name=n]").first
            await box.check()
            polls: list[str] = []
            page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") else None)
            await page.evaluate("htmx.ajax('GET', location.href, {source: '#live', target: '#live'})")
            await page.wait_for_timeout(300)
            assert polls == [] and await box.is_checked()
            await box.uncheck()
            async with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
                await page.evaluate("htmx.ajax('GET', location.href, {source: '#live', target: '#live'})")
            assert await page.locator("nav.views").count() == 1  # the block replaced, not nested
            await context.close()

            # A teacher's phone: the handler's own queue as cards.
            context = await browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
            )
            page = await context.new_page()
            page.set_default_timeout(10_000)
            await _sign_in(page, site_url, "demo-shiyan-handler1")
            assert "我的待办" in await page.locator("nav.views a[aria-current=page]").inner_text()
            assert await page.locator("table.queue tbody tr").count() > 0
            assert not await page.locator("table.queue thead").is_visible()  # cards, not columns
            await _no_horizontal_scroll(page)
            await page.screenshot(path=str(SHOTS / "staff-queue-390.png"), full_page=False)
            await page.goto(f"{site_url}/staff?view=overdue&from=not-a-date")
            assert "收件日期从：请填写日期" in await page.locator(".alert").inner_text()
            await _no_horizontal_scroll(page)
            await context.close()
        finally:
            await browser.close()
