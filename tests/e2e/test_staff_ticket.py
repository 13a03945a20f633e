"""The staff's ticket page in a real browser (Debian's chromium): a leader keeps a canned answer
and looks at a ticket on the office PC (1366×768); the handler answers it on a phone (390×844)
with the canned answer filled in. Screenshots under tests/artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from .test_site import PASSWORD, SHOTS, Site, browser, png_bytes, site

pytestmark = pytest.mark.slow

__all__ = ["browser", "site"]  # the fixtures, shared with the parents' site's tests

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
CONTENT = "孩子说最近食堂的菜太咸了，午饭后总喝很多水。希望学校关注一下，少放些盐。"


@pytest.fixture(scope="module")
def screens() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


async def _assigned_ticket(site: Site) -> str:
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        answer = await client.post(
            "/api/v1/public/tickets",
            data={
                "school_code": "s1",
                "kind": "complaint",
                "category": "食堂膳食",
                "title": "食堂饭菜太咸",
                "content": CONTENT,
                "contact.name": "王女士",
                "contact.phone": "13812341234",
                "contact.relation": "母亲",
                "student.name": "王小明",
                "student.class_name": "三年级二班",
                "consent": "true",
            },
            files=[
                ("files", ("午饭.png", png_bytes(64, 48), "image/png")),
                ("files", ("说明.pdf", PDF, "application/pdf")),
            ],
        )
    assert answer.status_code == 201, answer.text
    number = str(answer.json()["number"])
    for user, action, body in (
        ("reg1", "register", {"public_note": "已受理，学校会尽快核实。"}),
        ("reg1", "submit", {"note": "请校长交办后勤处"}),
        ("lead1", "assign", {"assignee": "hand1", "note": "请核实食堂近一周菜品"}),
    ):
        done = await site.staff(user, "POST", f"/api/v1/tickets/{number}/{action}", json=body)
        assert done.status_code == 200, done.text
    return number


async def _signed_in(browser: Any, site: Site, username: str, width: int, height: int, **options: Any) -> Any:
    context = await browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", device_scale_factor=1, **options
    )
    # Signed in over HTTP (the login page itself is the frame's, tested on its own), the
    # session cookie handed to the browser.
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        form = await client.get("/staff/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token, form.text[:300]
        answer = await client.post(
            "/staff/login", data={"csrf": token.group(1), "username": username, "password": PASSWORD}
        )
        assert answer.status_code == 303, answer.text[:300]
        session = client.cookies["hx_session"]
    await context.add_cookies([{"name": "hx_session", "value": session, "url": site.url}])
    page = await context.new_page()
    page.set_default_timeout(10_000)
    return context, page


async def _no_horizontal_scroll(page: Any) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px of horizontal scroll"


async def test_handler_answers_on_a_phone_with_a_canned_answer(
    site: Site, browser: Any, screens: Path
) -> None:
    number = await _assigned_ticket(site)
    # The leader, on the office PC: a canned answer, then the ticket.
    context, page = await _signed_in(browser, site, "lead1", 1366, 768)
    try:
        await page.goto(f"{site.url}/staff/replies")
        await page.fill("#reply-title", "正在核实")
        await page.fill(
            "#reply-body", "{称呼}您好！您反映的问题（编号{编号}）学校已在核实，将于{期限}前答复。"
        )
        await page.click("text=保存")
        await page.wait_for_selector("text=已保存。")
        await page.goto(f"{site.url}/staff/tickets/{number}")
        # The photo shows inline from the sandboxed file route.
        await expect(page.locator("img[alt='午饭.png']")).to_have_js_property("naturalWidth", 64)
        await _no_horizontal_scroll(page)
        await page.screenshot(path=str(screens / "staff-ticket-1366.png"))
        await page.screenshot(path=str(screens / "staff-ticket-1366-full.png"), full_page=True)
    finally:
        await context.close()
    # The handler, on a phone: the canned answer fills the box; one more sentence; 答复.
    context, page = await _signed_in(browser, site, "hand1", 390, 844, is_mobile=True, has_touch=True)
    try:
        await page.goto(f"{site.url}/staff/tickets/{number}")
        assert await page.locator("text=138****1234").count() == 1
        await _no_horizontal_scroll(page)
        await page.click("a.reply-link:has-text('正在核实')")
        box = page.locator("#respond-text")
        await expect(box).to_have_value(re.compile("^王女士您好！您反映的问题"))
        await box.press("End")
        await box.type("食堂已调整菜谱。")
        await page.fill("#respond-internal_note", "已与食堂经理面谈")
        await box.scroll_into_view_if_needed()
        await page.screenshot(path=str(screens / "staff-ticket-390.png"))
        await page.click("#respond-form button[type=submit]")
        await page.wait_for_selector("text=已答复，家长会收到通知。")
        assert await page.locator(".part.int:has-text('已与食堂经理面谈')").count() == 1
        assert await page.locator(".part.pub:has-text('食堂已调整菜谱。')").count() == 1
        await _no_horizontal_scroll(page)
        await page.screenshot(path=str(screens / "staff-ticket-390-answered.png"), full_page=True)
    finally:
        await context.close()
    view = await site.staff("hand1", "GET", f"/api/v1/tickets/{number}")
    assert view.json()["status"] == "responded"
    assert view.json()["response"]["text"].startswith("王女士您好！您反映的问题（编号")
