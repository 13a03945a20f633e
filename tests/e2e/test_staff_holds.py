"""退单 and 挂起 walked in a real browser (issue 12): the handler asks for a hold on a phone, the
leader sees the request and grants it (挂起), the ticket shows 已挂起 with its expected day and
sits in the 已挂起 queue, the parent reads 办理暂停 on the parents' site, the handler resumes
(恢复办理); another ticket is returned (退单) to the leader, who sees it back in 待交办.

Screenshots go to tests/artifacts/screenshots/holds/."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .staff_site import PHONE, StaffSite, browser, new_page, no_horizontal_scroll, signed_in, staff_site
from .test_site import SHOTS
from .test_staff_walk import act

pytestmark = pytest.mark.slow

__all__ = ["browser", "staff_site"]  # the fixtures
HOLDS = SHOTS / "holds"


@pytest.fixture(scope="module")
def shots() -> Path:
    HOLDS.mkdir(parents=True, exist_ok=True)
    return HOLDS


async def shoot(page: Any, shots: Path, name: str, full: bool = True) -> None:
    await no_horizontal_scroll(page)
    await page.screenshot(path=str(shots / f"holds-{name}.png"), full_page=full)


async def open_form(page: Any, action: str) -> None:
    details = page.locator(f"#act-{action}")
    if not await details.evaluate("d => d.open"):
        await details.locator("summary").click()


async def assigned(site: StaffSite, content: str) -> tuple[str, str]:
    made = await site.api(
        "reg1",
        "POST",
        "/api/v1/public/tickets",
        json={
            "school_code": "s1",
            "kind": "complaint",
            "category": "食堂膳食",
            "content": content,
            "contact": {"name": "王女士", "phone": "13812341234"},
            "consent": True,
        },
    )
    assert made.status_code == 201, made.text
    number, code = str(made.json()["number"]), str(made.json()["access_code"])
    for user, action, body in (
        ("reg1", "register", {}),
        ("reg1", "submit", {}),
        ("lead1", "assign", {"assignee": "hand1"}),
    ):
        done = await site.api(user, "POST", f"/api/v1/tickets/{number}/{action}", json=body)
        assert done.status_code == 200, done.text
    return number, code


async def test_a_hold_asked_granted_seen_by_the_parent_and_resumed(
    staff_site: StaffSite, browser: Any, shots: Path
) -> None:
    site = staff_site
    number, code = await assigned(site, "食堂的青菜有时没洗干净，孩子吃出过沙子，希望学校检查。")
    until = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=7)).isoformat()

    handler = await signed_in(browser, site.url, "hand1", PHONE)
    await handler.goto(f"{site.url}/staff/tickets/{number}")
    await open_form(handler, "request_hold")
    await handler.fill("#request_hold-reason", "已送检食堂留样，需等待区疾控中心的检测报告。")
    await handler.fill("#request_hold-until", until)
    await shoot(handler, shots, "1-handler-request-390")
    await act(handler, "request_hold")
    assert "挂起申请待审批" in await handler.inner_text("main")

    leader = await signed_in(browser, site.url, "lead1")
    await leader.goto(f"{site.url}/staff/tickets/{number}")
    assert "区疾控中心" in await leader.inner_text(".hold-state")
    await open_form(leader, "hold")
    await shoot(leader, shots, "2-leader-approve")
    await act(leader, "hold")
    assert "已挂起" in await leader.inner_text("h1")
    assert f"预计 {until} 恢复办理" in await leader.inner_text(".hold-state")
    await shoot(leader, shots, "3-leader-held")
    await leader.goto(f"{site.url}/staff?view=held")
    assert number in await leader.inner_text("table.queue")
    await shoot(leader, shots, "4-leader-queue-held", full=False)

    parent = await new_page(browser, PHONE)
    await parent.goto(f"{site.url}/track")
    await parent.fill("#number", number)
    await parent.fill("#code", code)
    await parent.click("button[type=submit]")
    assert "办理暂停" in await parent.inner_text("main")
    assert f"预计 {until} 恢复办理" in await parent.inner_text(".timeline")
    await shoot(parent, shots, "5-parent-paused-390")

    await handler.goto(f"{site.url}/staff/tickets/{number}")
    await shoot(handler, shots, "6-handler-held-390")
    await act(handler, "resume")
    view = (await site.api("hand1", "GET", f"/api/v1/tickets/{number}")).json()
    assert view["status"] == "assigned" and view["hold"] is None
    for page in (handler, leader, parent):
        await page.context.close()


async def test_a_return_goes_back_to_the_leader(staff_site: StaffSite, browser: Any, shots: Path) -> None:
    site = staff_site
    number, _ = await assigned(site, "希望学校在校门口增设自行车停放区。")
    handler = await signed_in(browser, site.url, "hand1")
    await handler.goto(f"{site.url}/staff/tickets/{number}")
    await open_form(handler, "return")
    await handler.get_by_label("非本人职责").check()
    await handler.fill("#return-note", "校门口设施属总务处，请改交总务处。")
    await shoot(handler, shots, "7-handler-return")
    await handler.click("#return-form button[type=submit]")
    await handler.wait_for_url(re.compile(r"/staff$"))
    leader = await signed_in(browser, site.url, "lead1")
    assert "待交办" in await leader.inner_text("nav.views a[aria-current=page]")
    await leader.click(f"table.queue a[href='/staff/tickets/{number}'] >> nth=0")
    assert "已退单 1 次" in await leader.inner_text("main")
    assert "退单原因：非本人职责" in await leader.inner_text(".tk-log")
    await shoot(leader, shots, "8-leader-returned")
    for page in (handler, leader):
        await page.context.close()
