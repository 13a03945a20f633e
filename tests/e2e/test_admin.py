"""The admin pages in a real browser (Debian's chromium through Playwright) against `huixiang web`
as a child process over a database of its own: an admin creates a user on the office PC
(1366×768) and looks at the users and the org tree on a phone (390×844), with no horizontal
scroll. Screenshots go to tests/artifacts/screenshots/admin/ (copies checked by eye live in
docs/screenshots/)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from huixiang.domain.enums import OrgKind, Role
from huixiang.services.context import Ctx

from .staff_site import browser, seed_staff, serve

pytestmark = pytest.mark.slow
__all__ = ["browser"]  # the fixture, from staff_site

SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots" / "admin"
PASSWORD = "password-123"
ORGS = [
    ("city", "市教育局", OrgKind.BUREAU, None),
    ("d1", "一区教育局", OrgKind.DISTRICT, "city"),
    ("d2", "二区教育局", OrgKind.DISTRICT, "city"),
    ("s1", "第一实验小学", OrgKind.SCHOOL, "d1"),
    ("s2", "第二中学", OrgKind.SCHOOL, "d1"),
    ("s3", "三区实验学校（九年一贯制）", OrgKind.SCHOOL, "d2"),
]
USERS = [
    ("admin", "王管理员", Role.ADMIN, "city"),
    ("reg1", "李登记", Role.REGISTRAR, "s1"),
    ("lead1", "赵校长", Role.LEADER, "s1"),
    ("hand1", "陈老师", Role.HANDLER, "s1"),
    ("insp1", "周督查", Role.INSPECTOR, "d1"),
]


async def _seed(ctx: Ctx) -> None:
    await seed_staff(ctx, ORGS, USERS)


@pytest.fixture(scope="module")
async def site(
    admin_dsn: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    async for served in serve(admin_dsn, redis_url, tmp_path_factory.mktemp("admin-site"), _seed):
        yield served.url


async def _page(browser: Any, width: int, height: int, *, mobile: bool) -> Any:
    context = await browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=2 if mobile else 1,
        is_mobile=mobile,
        has_touch=mobile,
        locale="zh-CN",
    )
    page = await context.new_page()
    page.set_default_timeout(10_000)
    return page


async def _sign_in(page: Any, site: str, next_page: str) -> None:
    await page.goto(f"{site}/staff/login?next={next_page}")
    await page.get_by_label("用户名").fill("admin")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{site}{next_page}")


async def _no_horizontal_scroll(page: Any) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


async def test_admin_creates_user_on_pc_and_views_users_on_phone(site: str, browser: Any) -> None:
    pc = await _page(browser, 1366, 768, mobile=False)
    try:
        await _sign_in(pc, site, "/admin/users")
        await pc.get_by_role("link", name="新建用户").click()
        await pc.get_by_label("姓名").fill("孙老师")
        await pc.get_by_label("用户名", exact=True).fill("sun")
        await pc.get_by_label("初始密码").fill("first-pass-1")
        await pc.get_by_label("再次输入密码").fill("first-pass-1")
        await pc.get_by_label("角色 1").select_option("handler")
        await pc.locator("#org_0").select_option("s2")
        await pc.get_by_label("角色 2").select_option("grid_member")
        await pc.locator("#org_1").select_option("s2")
        await _no_horizontal_scroll(pc)
        await pc.screenshot(path=str(SHOTS / "admin-user-new-1366.png"), full_page=True)
        await pc.get_by_role("button", name="新建用户").click()
        await pc.wait_for_url(f"{site}/admin/users/sun?done=created")
        assert await pc.get_by_text("用户已创建").is_visible()
        assert await pc.get_by_text("承办人 · 第二中学").is_visible()
        await _no_horizontal_scroll(pc)
        await pc.screenshot(path=str(SHOTS / "admin-user-1366.png"), full_page=True)
        await pc.get_by_role("link", name="用户与角色").click()
        await pc.wait_for_url(f"{site}/admin/users")
        assert await pc.locator("strong", has_text="孙老师").is_visible()
        await _no_horizontal_scroll(pc)
        await pc.screenshot(path=str(SHOTS / "admin-users-1366.png"), full_page=True)
    finally:
        await pc.context.close()

    phone = await _page(browser, 390, 844, mobile=True)
    try:
        await _sign_in(phone, site, "/admin/users")
        assert await phone.locator("strong", has_text="孙老师").is_visible()
        await _no_horizontal_scroll(phone)
        await phone.screenshot(path=str(SHOTS / "admin-users-390.png"), full_page=True)
        await phone.get_by_role("link", name="组织架构").click()
        await phone.wait_for_url(f"{site}/admin")
        assert await phone.get_by_text("三区实验学校（九年一贯制）").is_visible()
        await _no_horizontal_scroll(phone)
        await phone.screenshot(path=str(SHOTS / "admin-org-390.png"), full_page=True)
        await phone.goto(f"{site}/admin/robots?org=s1")
        await phone.get_by_label("平台").select_option("dingtalk")
        await phone.get_by_label("机器人地址（Webhook）").fill(
            "http://192.168.1.20/robot/send?access_token=x"
        )
        await phone.get_by_role("button", name="新增").click()
        assert await phone.locator("#url-error").get_by_text("192.168.1.20 是内网地址").is_visible()
        assert await phone.get_by_label("机器人地址（Webhook）").input_value() == (
            "http://192.168.1.20/robot/send?access_token=x"
        )
        await _no_horizontal_scroll(phone)
        await phone.screenshot(path=str(SHOTS / "admin-robot-refused-390.png"), full_page=True)
        for path, name in [
            ("/admin/policies", "policies"),
            ("/admin/categories", "categories"),
            ("/admin/calendar", "calendar"),
        ]:
            await phone.goto(f"{site}{path}")
            await _no_horizontal_scroll(phone)
            await phone.screenshot(path=str(SHOTS / f"admin-{name}-390.png"), full_page=True)
    finally:
        await phone.context.close()
