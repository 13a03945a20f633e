"""主办/协办 and 审核签发 walked in a real browser (Debian's chromium), each person in a context
of their own, through the pages: the admin turns 审核签发 on for complaints; the leader 交办 to a
lead with a helper; the helper (phone) adds a 备注 and a draft; the lead takes the draft into the
answer, which waits in the leader's 待签发; the leader 签发 and the parent reads the answer.

Screenshots go to /tmp/shots-cohandle/ (or $HUIXIANG_SHOTS)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from huixiang.domain.enums import Role
from huixiang.services.context import Ctx

from .staff_site import (
    ORGS,
    PHONE,
    USERS,
    StaffSite,
    browser,
    no_horizontal_scroll,
    seed_staff,
    serve,
    signed_in,
)

pytestmark = pytest.mark.slow

__all__ = ["browser"]
SHOTS = Path(os.environ.get("HUIXIANG_SHOTS", "/tmp/shots-cohandle"))
COMPLAINT = "孩子班上的午休时间经常被占用来讲题，孩子中午休息不好，下午上课犯困，希望学校关注。"
DRAFT = "家长您好！学校已核实，个别老师午休时间讲题的情况属实，已要求年级组严格落实午休安排。"


async def _seed(ctx: Ctx) -> None:
    users = [*USERS, ("hand3", "林老师", Role.HANDLER, "s1"), ("admin1", "管理员", Role.ADMIN, "city")]
    await seed_staff(ctx, ORGS, users)


@pytest.fixture(scope="module")
async def site(
    admin_dsn: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[StaffSite]:
    async for found in serve(admin_dsn, redis_url, tmp_path_factory.mktemp("cohandling-site"), _seed):
        yield found


@pytest.fixture(scope="module")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


async def shoot(page: Any, shots: Path, name: str) -> None:
    await no_horizontal_scroll(page)
    await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


async def press(page: Any, action: str, done: str | None = None) -> None:
    details = page.locator(f"#act-{action}")
    if not await details.evaluate("d => d.open"):
        await details.locator("summary").click()
    await page.click(f"#{action}-form button[type=submit]")
    await page.wait_for_url(re.compile(rf"done={done or action}"))


async def test_cohandling_and_sign_off_walk(browser: Any, site: StaffSite, shots: Path) -> None:
    # The admin: complaints at 第一实验小学 are signed off by a leader.
    admin = await signed_in(browser, site.url, "admin1")
    await admin.goto(f"{site.url}/admin/policies?org=s1")
    await admin.check("#review-complaint")
    await admin.click(".policy-form button[type=submit]")
    await admin.wait_for_url(re.compile("done=saved"))
    assert await admin.is_checked("#review-complaint")
    await shoot(admin, shots, "admin-policy-review")

    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        made = await client.post(
            "/api/v1/public/tickets",
            json={
                "school_code": "s1",
                "kind": "complaint",
                "category": "教育教学",
                "title": "午休时间被占用",
                "content": COMPLAINT,
                "consent": True,
                "contact": {"name": "李女士", "phone": "13912345678", "relation": "母亲"},
            },
        )
    assert made.status_code == 201, made.text
    number, code = made.json()["number"], made.json()["access_code"]
    for action in ("register", "submit"):
        assert (
            await site.api("reg1", "POST", f"/api/v1/tickets/{number}/{action}", json={})
        ).status_code == 200

    # The leader: 交办 to 陈老师 with 林老师 helping.
    leader = await signed_in(browser, site.url, "lead1")
    await leader.goto(f"{site.url}/staff/tickets/{number}")
    await leader.check("input[name=assignee][value=hand1]")
    await leader.check("input[name=helpers][value=hand3]")
    await shoot(leader, shots, "leader-assign-helpers")
    await press(leader, "assign")
    assert await leader.locator("dd.helpers").inner_text() == "林老师"

    # The helper on a phone: the 协办 queue, a 备注 and a draft; no 答复.
    helper = await signed_in(browser, site.url, "hand3", PHONE)
    await helper.goto(f"{site.url}/staff?view=helping")
    assert number in await helper.content()
    await shoot(helper, shots, "helper-queue")
    await helper.goto(f"{site.url}/staff/tickets/{number}")
    assert await helper.locator("#respond-form").count() == 0
    await helper.fill("#note-note", "我问过课代表：周二、周四中午各讲了二十分钟题。")
    await press(helper, "note")
    await helper.fill("#draft-text", DRAFT)
    await helper.click("#draft-form button[type=submit]")
    await helper.wait_for_url(re.compile("done=draft"))
    await shoot(helper, shots, "helper-ticket")

    # The lead: takes the draft into the answer; it waits for 签发.
    lead = await signed_in(browser, site.url, "hand1", PHONE)
    await lead.goto(f"{site.url}/staff/tickets/{number}")
    await lead.click("text=用此草稿答复")
    assert await lead.input_value("#respond-text") == DRAFT
    await press(lead, "respond", done="review")
    await shoot(lead, shots, "lead-submitted-for-review")

    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        public = (await client.get(f"/api/v1/public/tickets/{number}", params={"code": code})).json()
    assert public["response"] is None

    # The leader: 待签发, then 签发.
    await leader.goto(f"{site.url}/staff?view=signing")
    assert number in await leader.content()
    await shoot(leader, shots, "leader-signing-queue")
    await leader.goto(f"{site.url}/staff/tickets/{number}")
    assert DRAFT in await leader.locator("section.pending").inner_text()
    await shoot(leader, shots, "leader-ticket-to-sign")
    await press(leader, "approve")
    await shoot(leader, shots, "leader-signed")

    async with httpx.AsyncClient(base_url=site.url, timeout=10) as client:
        public = (await client.get(f"/api/v1/public/tickets/{number}", params={"code": code})).json()
    assert public["response"]["text"] == DRAFT
    assert public["status"] == "responded"
