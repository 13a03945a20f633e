"""In a real browser: a teacher opens a student's file (一生一档) on a phone, a parent volunteer
records a grid contact whose matter becomes a ticket, a leader sees the promotion and the file
views' report, an inspector drills down the bureau's home-visit board (district → school →
class) and sees figures only. Screenshots go to tests/artifacts/screenshots/visits/ (and
/tmp/shots-grid/)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from .staff_site import (
    OFFICE,
    PHONE,
    StaffSite,
    browser,
    new_page,
    no_horizontal_scroll,
    sign_in,
    signed_in,
    staff_site,
)
from .test_site import SHOTS

pytestmark = pytest.mark.slow

__all__ = ["browser", "staff_site"]  # the fixtures
VISITS = SHOTS / "visits"
COPIES = Path("/tmp/shots-grid")


@pytest.fixture(scope="module")
def shots() -> Path:
    VISITS.mkdir(parents=True, exist_ok=True)
    COPIES.mkdir(parents=True, exist_ok=True)
    return VISITS


async def _shot(page: Any, shots: Path, name: str) -> None:
    await page.screenshot(path=str(shots / name), full_page=True)
    shutil.copy(shots / name, COPIES / name)


async def test_the_student_file_a_grid_contact_and_the_bureau_board(
    staff_site: StaffSite, browser: Any, shots: Path
) -> None:
    site = staff_site
    made = await site.api(
        "lead1",
        "POST",
        "/api/v1/visits/classes",
        json={"school_code": "s1", "grade": 3, "name": "三年级（2）班", "head_teacher": "hand1"},
    )
    assert made.status_code == 201, made.text
    class_id = made.json()["id"]
    pupil = await site.api(
        "lead1",
        "POST",
        "/api/v1/visits/students",
        json={
            "class_id": class_id,
            "name": "张小明",
            "new_intake": True,
            "groups": ["left_behind"],
            "guardians": [{"name": "张建国", "relation": "父亲", "phone": "13812345678"}],
        },
    )
    assert pupil.status_code == 201, pupil.text
    student_id = pupil.json()["id"]
    visit = await site.api(
        "hand1",
        "POST",
        "/api/v1/visits",
        json={
            "student_id": student_id,
            "visited_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
            "form": "home",
            "family_situation": "父亲在外务工，奶奶照顾。",
            "opinions": [
                {
                    "text": "希望课后托管延长到六点。",
                    "ticket": {"consent": True, "category": "课后服务与双减"},
                }
            ],
        },
    )
    assert visit.status_code == 201, visit.text
    grid = await site.api(
        "lead1",
        "POST",
        "/api/v1/visits/grids",
        json={
            "class_id": class_id,
            "name": "第一网格",
            "member": {"username": "mama.li", "display_name": "李妈妈", "password": "volunteer-2026"},
            "students": [student_id],
        },
    )
    assert grid.status_code == 201, grid.text

    # The parent volunteer, on her phone: her grid, a contact whose matter becomes a ticket.
    page = await new_page(browser, PHONE)
    await sign_in(page, site.url, "mama.li", "volunteer-2026")
    try:
        await page.goto(f"{site.url}/staff")
        await page.get_by_role("link", name="我的网格").first.click()
        await page.get_by_role("link", name="第一网格").click()
        await page.get_by_text("张小明家").first.wait_for()
        await page.get_by_label("电话").check()
        await page.get_by_label("联系的家庭").select_option(label="张小明家")
        await page.get_by_label("联系内容").fill("电话问候奶奶。")
        await page.get_by_label("家长反映的事项（如有）").fill("校门口放学接送拥堵，希望错峰放学。")
        await page.get_by_label("家长同意转为工单，由学校跟进答复").check()
        await page.get_by_label("事项类别").select_option("校园安全")
        await page.get_by_role("button", name="保存联系记录").click()
        await page.get_by_text("已转为工单").wait_for()
        await no_horizontal_scroll(page)
        await _shot(page, shots, "grid-file-phone.png")
        text = await page.locator("main").inner_text()
        assert "待登记" in text and "留守" not in text and "13812345678" not in text
    finally:
        await page.context.close()

    # The head teacher, on a phone: the student's file across the years.
    page = await signed_in(browser, site.url, "hand1", PHONE)
    try:
        await page.goto(f"{site.url}/visits/classes/{class_id}")
        await page.get_by_role("link", name="张小明").first.click()
        await page.get_by_role("heading", name="张小明 · 一生一档").wait_for()
        await no_horizontal_scroll(page)
        text = await page.locator("main").inner_text()
        assert "历年班级" in text and "三年级（2）班" in text and "留守/单亲" in text
        assert "家访意见" in text and "网格联系" in text and "第一网格" in text
        await _shot(page, shots, "student-file-phone.png")
    finally:
        await page.context.close()

    # The leader: the promotion's preview (not done here) and who opened the file.
    page = await signed_in(browser, site.url, "lead1", OFFICE)
    try:
        await page.goto(f"{site.url}/visits/grids?class={class_id}")
        await page.get_by_role("rowheader", name="第一网格").wait_for()
        await _shot(page, shots, "grids-of-class.png")
        await page.goto(f"{site.url}/visits/promotion")
        await page.get_by_text("四年级（2）班").wait_for()
        await _shot(page, shots, "promotion.png")
        await page.get_by_role("link", name="查看记录").click()
        await page.get_by_text("查看档案").first.wait_for()
        await _shot(page, shots, "access-report.png")
    finally:
        await page.context.close()

    # The inspector: the board in /bureau, drilled down; figures, never a student.
    page = await signed_in(browser, site.url, "insp1", OFFICE)
    try:
        await page.goto(f"{site.url}/bureau")
        await page.get_by_role("navigation", name="督查栏目").get_by_role("link", name="家访").click()
        await page.get_by_role("heading", name="家访覆盖 · 一区教育局").wait_for()
        await page.get_by_role("link", name="第一实验小学").click()
        await page.get_by_role("rowheader", name="三年级（2）班").wait_for()
        text = await page.locator("main").inner_text()
        assert "100.0%" in text and "张小明" not in text and "留守" not in text
        await _shot(page, shots, "bureau-visits.png")
    finally:
        await page.context.close()
