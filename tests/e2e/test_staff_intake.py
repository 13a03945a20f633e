"""Offline intake and notifications in a real browser: a registrar enters a mailbox letter with
its scan on the office PC (1366×768), then opens the intake page and the notices on a phone
(390×844). Screenshots go to tests/artifacts/screenshots/staff/ (the checked copies live in
docs/screenshots/)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from .test_site import PASSWORD, SHOTS, Site, browser, png_bytes, site  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow
STAFF_SHOTS = SHOTS / "staff-intake"
LETTER = "校长您好：学校东门早上接送时车辆乱停，孩子过马路很危险，希望安排老师疏导。"


@pytest.fixture(scope="module")
def staff_shots() -> Path:
    STAFF_SHOTS.mkdir(parents=True, exist_ok=True)
    return STAFF_SHOTS


async def _page(browser: Any, width: int, height: int, mobile: bool) -> Any:  # noqa: F811
    context = await browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=1 if not mobile else 2,
        is_mobile=mobile,
        has_touch=mobile,
        locale="zh-CN",
    )
    page = await context.new_page()
    page.set_default_timeout(10_000)
    return page


async def _sign_in(page: Any, url: str, username: str) -> None:
    """Through the context's own requests (the cookie is the browser's): the frame's login page
    answers with a JSON content type (its handler is annotated `Any`), which a browser shows as
    text; see the report."""
    form = await page.context.request.get(f"{url}/staff/login")
    found = re.search(r'name="csrf" value="([^"]+)"', await form.text())
    assert found
    answer = await page.context.request.post(
        f"{url}/staff/login",
        form={"csrf": found.group(1), "username": username, "password": PASSWORD, "next": "/staff"},
    )
    assert answer.ok, await answer.text()
    await page.goto(f"{url}/staff")


async def _no_horizontal_scroll(page: Any) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
async def desk(browser: Any) -> AsyncIterator[Any]:  # noqa: F811
    page = await _page(browser, 1366, 768, mobile=False)
    try:
        yield page
    finally:
        await page.context.close()


@pytest.fixture
async def phone(browser: Any) -> AsyncIterator[Any]:  # noqa: F811
    page = await _page(browser, 390, 844, mobile=True)
    try:
        yield page
    finally:
        await page.context.close()


async def test_registrar_enters_mailbox_letter_with_scan_then_sees_it_on_a_phone(
    site: Site,  # noqa: F811
    desk: Any,
    phone: Any,
    staff_shots: Path,
    tmp_path: Path,
) -> None:
    scan = tmp_path / "letter-scan.png"
    scan.write_bytes(png_bytes(64, 80))
    await _sign_in(desk, site.url, "reg1")
    await desk.click("a[href='/staff/intake']")
    await desk.click("a[href='/staff/intake/mailbox']")
    await desk.select_option("#kind", "suggestion")
    await desk.select_option("#category", "校园安全")
    await desk.fill("#content", LETTER)
    await desk.fill("#contact_name", "刘女士")
    await desk.set_input_files("#files", str(scan))
    await _no_horizontal_scroll(desk)
    await desk.screenshot(path=str(staff_shots / "staff-intake-1366.png"), full_page=True)
    await desk.click("button.button.big")
    await desk.wait_for_selector(".intake-done")
    number = (await desk.locator(".keys .key").first.inner_text()).strip()
    assert await site.tickets(LETTER) == 1
    files = await site.database.value(
        "SELECT count(*) FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.number = $1", number
    )
    assert files == 1
    await desk.screenshot(path=str(staff_shots / "staff-intake-done-1366.png"), full_page=True)

    await _sign_in(phone, site.url, "reg1")
    await phone.goto(f"{site.url}/staff/intake")
    await _no_horizontal_scroll(phone)
    await phone.screenshot(path=str(staff_shots / "staff-intake-390.png"), full_page=True)
    await phone.goto(f"{site.url}/staff/intake/hotline")
    await _no_horizontal_scroll(phone)
    await phone.screenshot(path=str(staff_shots / "staff-intake-hotline-390.png"), full_page=True)
    await phone.fill("#content", "来电询问课后服务收费标准。")
    await phone.click("button.button.big")  # no kind, no category: the summary and the sentences
    await phone.wait_for_selector(".alert[role=alert]")
    assert await phone.input_value("#content") == "来电询问课后服务收费标准。"
    await _no_horizontal_scroll(phone)
    await phone.screenshot(path=str(staff_shots / "staff-intake-errors-390.png"))
    await phone.goto(f"{site.url}/staff/notifications")
    await phone.wait_for_selector("#bell-count.count")  # htmx loaded the unread count
    assert number in await phone.inner_text("main")
    await _no_horizontal_scroll(phone)
    await phone.screenshot(path=str(staff_shots / "staff-notices-390.png"), full_page=True)
