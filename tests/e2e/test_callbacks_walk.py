"""回访 in a real browser: the school office's registrar opens 回访待办 from the nav, records
one call as 未解决 (back to the handler) and another with a sign of retaliation; the district's
inspector reads 回访情况, the overdue board's flag and 查看记录. Screenshots go to
tests/artifacts/screenshots/callbacks/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from .staff_site import StaffSite, browser, signed_in, staff_site
from .test_site import SHOTS

pytestmark = pytest.mark.slow

__all__ = ["browser", "staff_site"]  # the fixtures
CALLBACKS = SHOTS / "callbacks"
SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture(scope="module")
def shots() -> Path:
    CALLBACKS.mkdir(parents=True, exist_ok=True)
    return CALLBACKS


async def _shot(page: Any, shots: Path, name: str) -> None:
    await page.screenshot(path=str(shots / name), full_page=True)


async def _answered(site: StaffSite, content: str) -> str:
    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        body = {
            "school_code": "s1",
            "kind": "complaint",
            "category": "食堂膳食",
            "content": content,
            "consent": True,
            "contact": {"name": "王女士", "phone": "13812341234", "relation": "母亲"},
        }
        created = await client.post("/api/v1/public/tickets", json=body)
        assert created.status_code == 201, created.text
    number = str(created.json()["number"])
    for user, action, data in (
        ("reg1", "register", {}),
        ("reg1", "submit", {}),
        ("lead1", "assign", {"assignee": "hand1"}),
        ("hand1", "respond", {"text": "已与食堂沟通，下周起减少盐量。"}),
    ):
        answer = await site.api(user, "POST", f"/api/v1/tickets/{number}/{action}", json=data)
        assert answer.status_code == 200, answer.text
    return number


async def test_the_office_calls_back_and_the_inspector_reads_the_figures(
    staff_site: StaffSite, browser: Any, shots: Path
) -> None:
    site = staff_site
    first = await _answered(site, "食堂的菜太咸了，孩子吃不下。")
    second = await _answered(site, "班主任在班上点名批评我家孩子反映食堂问题。")
    revealed = await site.api(
        "hand1", "POST", f"/api/v1/tickets/{first}/reveal", json={"reason": "回电了解情况"}
    )
    assert revealed.status_code == 200

    page = await signed_in(browser, site.url, "reg1")
    try:
        await page.get_by_role("link", name="回访").first.click()
        await page.wait_for_url("**/staff/callbacks")
        await page.get_by_text(first).first.wait_for()
        await _shot(page, shots, "callbacks-queue.png")
        item = page.locator(f"#t-{first}")
        await item.get_by_label("未解决（退回重办）").check()
        await item.get_by_label("不满意").check()
        await item.get_by_label("没有").check()
        await item.get_by_label("回访记录（仅工作人员可见）").fill("家长说菜还是很咸。")
        await item.get_by_role("button", name="记录回访").click()
        await page.get_by_text("工单已退回承办人重办").wait_for()
        other = page.locator(f"#t-{second}")
        await other.get_by_label("已解决").check()
        await other.get_by_label("基本满意").check()
        await other.get_by_label("有（立即告知督查员）").check()
        await other.get_by_role("button", name="记录回访").click()
        await page.get_by_text("已记录回访").first.wait_for()
        await _shot(page, shots, "callbacks-done.png")
    finally:
        await page.context.close()
    ticket = await site.api("reg1", "GET", f"/api/v1/tickets/{first}")
    assert ticket.json()["status"] == "assigned"

    page = await signed_in(browser, site.url, "insp1")
    try:
        await page.goto(f"{site.url}/bureau/callbacks")
        await page.get_by_role("heading", name="回访情况", level=1).wait_for()
        await _shot(page, shots, "bureau-callbacks.png")
        await page.goto(f"{site.url}/bureau/overdue")
        await page.get_by_text("回访反映报复迹象").first.wait_for()
        await _shot(page, shots, "bureau-overdue-flag.png")
        await page.goto(f"{site.url}/bureau/reveals")
        await page.get_by_text("回电了解情况").wait_for()
        await _shot(page, shots, "bureau-reveals.png")
    finally:
        await page.context.close()


async def test_the_admin_sets_the_callback_policy(staff_site: StaffSite, browser: Any, shots: Path) -> None:
    site = staff_site
    env = {"PATH": "/usr/bin:/bin", "HUIXIANG_DATABASE_URL": site.database.url, "HUIXIANG_SECRET_KEY": "e2e"}
    made = subprocess.run(  # noqa: ASYNC221 -- a one-off CLI call before the browser starts
        [
            sys.executable,
            "-m",
            "huixiang.cli",
            "create-admin",
            "--username",
            "cbadmin",
            "--password",
            "password-123",
        ],
        env={**env, "PYTHONPATH": SRC},
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    page = await signed_in(browser, site.url, "cbadmin")
    try:
        await page.goto(f"{site.url}/admin/policies?org=d1")
        await page.get_by_label("由谁回访").select_option("bureau")
        await page.get_by_label("回访比例（%）").fill("30")
        await page.get_by_role("button", name="保存回访政策").click()
        await page.get_by_text("回访政策已保存").wait_for()
        await page.locator("#callbacks").scroll_into_view_if_needed()
        await _shot(page, shots, "admin-callback-policy.png")
    finally:
        await page.context.close()
    got = await site.api("cbadmin", "GET", "/api/v1/callbacks/policies/s1")
    assert got.json()["policy"]["caller"] == "bureau" and got.json()["policy"]["percent"] == 30
