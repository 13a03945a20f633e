"""A teacher records a home visit on a phone (390×844) in a real browser: the roster, the form
(visible labels, 44px targets, no horizontal scroll), the signal lost at the family's door (the
submit waits, the draft is kept), the signal back (the form is sent by itself), the record with
its ticket's number and code; the parent's opinion is a home_visit ticket the school answers.
Screenshots go to tests/artifacts/screenshots/visits/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .staff_site import PHONE, StaffSite, browser, no_horizontal_scroll, signed_in, staff_site
from .test_site import SHOTS

pytestmark = pytest.mark.slow

__all__ = ["browser", "staff_site"]  # the fixtures
VISITS = SHOTS / "visits"
OPINION = "希望学校的课后托管能延长到六点，我们下班来不及接孩子。"


@pytest.fixture(scope="module")
def shots() -> Path:
    VISITS.mkdir(parents=True, exist_ok=True)
    return VISITS


async def _small_targets(page: Any) -> list[str]:
    """The visible links, buttons and fields of the form shorter than 44px."""
    found: list[str] = await page.evaluate(
        """() => Array.from(document.querySelectorAll(
               '#visit-form button, #visit-form select, '
               + '#visit-form input:not([type=hidden]):not([type=checkbox]):not([type=radio]), '
               + '#visit-form textarea, #visit-form label.check, main a'))
             .filter(el => el.offsetParent !== null)
             .filter(el => el.getBoundingClientRect().height < 44)
             .map(el => el.outerHTML.slice(0, 80))"""
    )
    return found


async def test_a_visit_recorded_offline_is_sent_when_the_signal_returns(
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
    pupil = await site.api(
        "lead1",
        "POST",
        "/api/v1/visits/students",
        json={
            "class_id": made.json()["id"],
            "name": "张小明",
            "groups": ["left_behind"],
            "guardians": [{"name": "张建国", "relation": "父亲", "phone": "13812345678"}],
        },
    )
    assert pupil.status_code == 201, pupil.text
    student_id = pupil.json()["id"]

    page = await signed_in(browser, site.url, "hand1", PHONE)
    try:
        await page.get_by_role("link", name="家访").first.click()
        await page.get_by_role("listitem").get_by_role("link", name="三年级（2）班").click()
        await page.get_by_text("138****5678").wait_for()
        await no_horizontal_scroll(page)
        await page.get_by_role("link", name="记录家访").click()
        await page.wait_for_url(f"**/visits/students/{student_id}/new")
        await no_horizontal_scroll(page)
        assert await _small_targets(page) == []

        await page.get_by_label("入户").check()
        await page.get_by_label("见到的家庭成员").fill("父亲、奶奶")
        await page.get_by_label("学生家庭情况").fill("父亲在外务工，奶奶照顾。")
        await page.get_by_label("意见 1", exact=True).fill(OPINION)
        await page.get_by_label("家长同意：转为工单").first.check()
        await page.get_by_label("意见 1 的类别").select_option("课后服务与双减")
        await page.screenshot(path=str(shots / "form-phone.png"), full_page=True)

        # The signal goes: the submit waits and says so; the draft survives a reload.
        await page.context.set_offline(True)
        await page.get_by_role("button", name="提交家访记录").click()
        await page.get_by_text("现在没有网络").wait_for()
        assert "/new" in page.url
        draft = await page.evaluate(f"localStorage.getItem('visit-draft-{student_id}')")
        assert draft and OPINION in draft and '"pending":true' in draft

        # It comes back: the form goes by itself, and the record shows the ticket and its code.
        await page.context.set_offline(False)
        await page.get_by_text("已转为工单").wait_for()
        await page.screenshot(path=str(shots / "record-phone.png"), full_page=True)
        text = await page.locator("main").inner_text()
        assert "待登记" in text and "编号" in text and "查询码" in text
        assert await page.evaluate(f"localStorage.getItem('visit-draft-{student_id}')") is None
        await no_horizontal_scroll(page)
    finally:
        await page.context.close()

    visits = (await site.api("hand1", "GET", f"/api/v1/visits?student_id={student_id}")).json()["items"]
    assert len(visits) == 1  # sent once
    ticket = visits[0]["opinions"][0]["ticket"]
    number = ticket["number"]
    # The school answers it through the loop; the record follows.
    for user, action, body in (
        ("reg1", "register", {}),
        ("reg1", "submit", {}),
        ("lead1", "assign", {"assignee": "hand1"}),
        ("hand1", "respond", {"text": "您好，学校自下周起课后托管延长到18:00，请到班主任处登记。"}),
    ):
        answer = await site.api(user, "POST", f"/api/v1/tickets/{number}/{action}", json=body)
        assert answer.status_code == 200, (action, answer.text)
    record = (await site.api("hand1", "GET", f"/api/v1/visits/{visits[0]['id']}")).json()
    assert record["opinions"][0]["ticket"]["status"] == "responded"
    got = await site.api("lead1", "GET", f"/api/v1/tickets/{number}")
    assert got.json()["channel"] == "home_visit"
