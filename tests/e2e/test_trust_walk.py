"""Parents' trust in a real browser: a parent on a phone names a teacher and keeps their identity
with the district; the registrar sees "家长（身份由教育局保管）" and the named teacher; the named
teacher gets 404; the district's designated reviewer unseals with a reason.

Screenshots go to tests/artifacts/screenshots/trust/ (and HUIXIANG_SHOTS when set)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from huixiang.domain.enums import Role
from huixiang.services.context import Ctx

from .staff_site import (
    ORGS,
    PHONE,
    USERS,
    StaffSite,
    browser,
    new_page,
    no_horizontal_scroll,
    seed_staff,
    serve,
    signed_in,
)
from .test_site import SHOTS

pytestmark = pytest.mark.slow

__all__ = ["browser"]  # the fixture
TRUST = Path(os.environ.get("HUIXIANG_SHOTS") or SHOTS / "trust")


async def seed(ctx: Ctx) -> None:
    await seed_staff(ctx, ORGS, [*USERS, ("admin", "系统管理员", Role.ADMIN, "city")])


@pytest.fixture(scope="module")
async def trust_site(
    admin_dsn: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[StaffSite]:
    async for site in serve(admin_dsn, redis_url, tmp_path_factory.mktemp("trust-site"), seed):
        yield site


@pytest.fixture(scope="module", autouse=True)
def shots() -> Path:
    TRUST.mkdir(parents=True, exist_ok=True)
    return TRUST


async def shoot(page: Any, name: str) -> None:
    await no_horizontal_scroll(page)
    await page.screenshot(path=str(TRUST / f"trust-{name}.png"), full_page=True)


async def test_named_teacher_and_escrowed_parent_walk(browser: Any, trust_site: StaffSite) -> None:
    url = trust_site.url
    parent = await new_page(browser, PHONE)
    await parent.goto(f"{url}/s/s1/new")
    await parent.get_by_label("投诉").check()
    await parent.get_by_label("问题类别").select_option("师德师风")
    await parent.get_by_label("具体内容").fill("陈老师在课上当众讽刺孩子，孩子不愿意上学了，希望学校调查。")
    await parent.get_by_label("手机号码").fill("13812341234")
    await parent.locator("details", has=parent.locator(".staff-picker")).locator("summary").click()
    await parent.get_by_label("陈老师").check()
    await parent.get_by_label("身份仅教育局可见").check()
    await parent.locator("fieldset.trust").scroll_into_view_if_needed()
    await shoot(parent, "form-phone")
    await parent.get_by_label("我已阅读并同意以上说明").check()
    await parent.get_by_role("button", name="提交留言").click()
    await parent.wait_for_selector("#number")
    number = (await parent.locator("#number").inner_text()).strip()
    assert re.fullmatch(r"\d{4}-\d{6}", number)
    assert "您的身份由教育局保管" in await parent.content()
    await shoot(parent, "receipt-phone")

    registrar = await signed_in(browser, url, "reg1")
    await registrar.goto(f"{url}/staff/tickets/{number}")
    html = await registrar.content()
    assert "家长（身份由教育局保管）" in html and "13812341234" not in html
    assert "已标记：陈老师" in html
    await shoot(registrar, "ticket-registrar")

    teacher = await signed_in(browser, url, "hand1")
    answer = await teacher.goto(f"{url}/staff/tickets/{number}")
    assert answer is not None and answer.status == 404

    made = await trust_site.api(
        "admin", "PUT", "/api/v1/users/insp1/identity-reviewer", json={"identity_reviewer": True}
    )
    assert made.status_code == 200, made.text
    reviewer = await signed_in(browser, url, "insp1")
    await reviewer.goto(f"{url}/staff/tickets/{number}")
    await reviewer.locator("summary", has_text="查看托管身份").click()
    await reviewer.get_by_label("查看理由").fill("家长反映可能被打击报复，需核实联系")
    await reviewer.get_by_role("button", name="查看身份").click()
    await reviewer.wait_for_selector("text=已查看托管身份")
    assert "13812341234" in await reviewer.content()
    await shoot(reviewer, "ticket-unsealed")
