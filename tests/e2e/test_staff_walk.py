"""The staff workbench walked in a real browser (Debian's chromium), each person in a browser
context of their own, through the pages only (the API is read for assertions and, outside the
day's loop, to set a ticket up):

- the day's loop: a 校长信箱 letter with its scan entered, 登记, 提交 (registrar, office PC);
  交办 (leader); 答复 (handler, phone); 不满意 on the parents' site; back in 我的待办 with a
  rework deadline; answered again; 归档 (leader);
- two people answer at once: one 409 in Chinese naming the other change, the text kept;
- an audited reveal, seen by the district's inspector;
- another school's handler gets 404; a forged POST is refused 403;
- a keyboard-only walk: sign in and answer with Tab / Enter and typing, focus visible throughout.

Screenshots go to tests/artifacts/screenshots/walk/ (the checked copies: docs/screenshots/walk-*)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .staff_site import PHONE, StaffSite, browser, new_page, no_horizontal_scroll, signed_in, staff_site
from .test_site import SHOTS, png_bytes

pytestmark = pytest.mark.slow

__all__ = ["browser", "staff_site"]  # the fixtures
WALK = SHOTS / "walk"
LETTER = "校长您好：学校东门早上接送时车辆乱停，孩子过马路很危险，希望安排老师在门口疏导。"
ANSWER = "您好，学校已安排两名老师每天7:20–7:50在东门疏导车辆，并与交警沟通增设临时停车线。"
AGAIN = "您好，自下周一起东门改为单向通行，门口设家长等候区，值周老师每天到岗。"


@pytest.fixture(scope="module")
def shots() -> Path:
    WALK.mkdir(parents=True, exist_ok=True)
    return WALK


async def shoot(page: Any, shots: Path, name: str, full: bool = True) -> None:
    await no_horizontal_scroll(page)
    await page.screenshot(path=str(shots / f"walk-{name}.png"), full_page=full)


async def act(page: Any, action: str) -> None:
    """Open the action's form if it is folded, press its button (named by the action's word)."""
    details = page.locator(f"#act-{action}")
    if not await details.evaluate("d => d.open"):
        await details.locator("summary").click()
    await page.click(f"#{action}-form button[type=submit]")
    await page.wait_for_url(re.compile(rf"done={action}"))


async def status(site: StaffSite, number: str) -> str:
    view = await site.api("lead1", "GET", f"/api/v1/tickets/{number}")
    assert view.status_code == 200, view.text
    return str(view.json()["status"])


async def assigned_ticket(site: StaffSite, content: str) -> str:
    """A parent's ticket with a phone number, registered, submitted and assigned to hand1."""
    made = await site.api(
        "reg1",
        "POST",
        "/api/v1/public/tickets",
        data={
            "school_code": "s1",
            "kind": "complaint",
            "category": "食堂膳食",
            "content": content,
            "contact.name": "王女士",
            "contact.phone": "13812341234",
            "consent": "true",
        },
        files=[("files", ("照片.png", png_bytes(16, 16), "image/png"))],
    )
    assert made.status_code == 201, made.text
    number = str(made.json()["number"])
    for user, action, body in (
        ("reg1", "register", {}),
        ("reg1", "submit", {}),
        ("lead1", "assign", {"assignee": "hand1"}),
    ):
        done = await site.api(user, "POST", f"/api/v1/tickets/{number}/{action}", json=body)
        assert done.status_code == 200, done.text
    return number


async def test_a_mailbox_letter_goes_round_the_loop_to_the_archive(
    staff_site: StaffSite, browser: Any, shots: Path, tmp_path: Path
) -> None:
    site = staff_site
    scan = tmp_path / "letter-scan.png"
    scan.write_bytes(png_bytes(120, 160))

    # The registrar, on the office PC: the letter and its scan, then 登记 and 提交.
    registrar = await signed_in(browser, site.url, "reg1")
    await registrar.click("nav.staff-nav a[href='/staff/intake']")
    await registrar.click("a[href='/staff/intake/mailbox']")
    await registrar.select_option("#kind", "suggestion")
    await registrar.select_option("#category", "校园安全")
    await registrar.fill("#content", LETTER)
    await registrar.fill("#contact_name", "刘女士")
    await registrar.fill("#contact_phone", "13900001111")
    await registrar.set_input_files("#files", str(scan))
    await shoot(registrar, shots, "1-registrar-intake")
    await registrar.click("form.intake-form button[type=submit]")
    await registrar.wait_for_selector(".intake-done")
    number, code = [k.strip() for k in await registrar.locator(".keys .key").all_inner_texts()]
    # The letter waits in 待登记; from the queue to the ticket.
    await registrar.click("nav.staff-nav a[href='/staff']")
    assert "待登记" in await registrar.inner_text("nav.views a[aria-current=page]")
    await shoot(registrar, shots, "2-registrar-queue", full=False)
    await registrar.click(f"table.queue a[href='/staff/tickets/{number}'] >> nth=0")
    assert LETTER in await registrar.inner_text("blockquote")
    await act(registrar, "register")
    assert await registrar.locator("#act-submit").evaluate("d => d.open")  # the next step, unfolded
    await act(registrar, "submit")
    assert await status(site, number) == "submitted"

    # The leader: the ticket from the queue (待交办), 交办 to 陈老师.
    leader = await signed_in(browser, site.url, "lead1")
    assert "待交办" in await leader.inner_text("nav.views a[aria-current=page]")
    await shoot(leader, shots, "3-leader-queue", full=False)
    await leader.click(f"table.queue a[href='/staff/tickets/{number}'] >> nth=0")
    await leader.locator("#assign-form label.choice:has(input[name=assignee])", has_text="陈老师").click()
    await leader.fill("#assign-note", "请德育处安排东门值守")
    await shoot(leader, shots, "4-leader-assign", full=False)
    await act(leader, "assign")
    assert "陈老师" in await leader.inner_text("dl.facts")  # the name, not the username

    # The handler, on a phone: 我的待办 → the ticket → 答复.
    handler = await signed_in(browser, site.url, "hand1", PHONE)
    assert "我的待办" in await handler.inner_text("nav.views a[aria-current=page]")
    await shoot(handler, shots, "5-handler-queue-390", full=False)
    await handler.click(f"table.queue a[href='/staff/tickets/{number}'] >> nth=0")
    await handler.fill("#respond-text", ANSWER)
    await handler.fill("#respond-internal_note", "已与门卫室确认值守时间")
    await handler.locator("#respond-text").scroll_into_view_if_needed()
    await shoot(handler, shots, "6-handler-answer-390", full=False)
    await act(handler, "respond")
    first_due = (await site.api("hand1", "GET", f"/api/v1/tickets/{number}")).json()["respond_due_at"]

    # The parent, on the parents' site: number and the access code from the receipt; 不满意.
    parent = await new_page(browser, PHONE)
    await parent.goto(f"{site.url}/track")
    await parent.fill("#number", number)
    await parent.fill("#code", code)
    await parent.click("button[type=submit]")
    assert await parent.inner_text(".answer") == ANSWER
    await parent.get_by_label("不满意").check()
    await parent.fill("#comment", "今天早上东门还是很乱，没有看到老师。")
    await shoot(parent, shots, "7-parent-rating-390")
    await parent.get_by_role("button", name="提交评价").click()
    await parent.wait_for_selector(".alert.info")
    assert "您的评价：不满意" in await parent.inner_text("main")

    # Back in the handler's 我的待办 with a rework deadline; answered again.
    await handler.goto(f"{site.url}/staff")
    row = handler.locator("table.queue tbody tr", has=handler.locator(f"a[href='/staff/tickets/{number}']"))
    assert await row.count() == 1
    assert re.search(r"剩余|到期", await row.locator(".chip-due").inner_text())
    view = (await site.api("hand1", "GET", f"/api/v1/tickets/{number}")).json()
    assert view["status"] == "assigned" and view["respond_due_at"] != first_due  # the rework's
    await row.locator(f"a[href='/staff/tickets/{number}']").first.click()
    assert "没有看到老师" in await handler.inner_text(".tk-log")
    await handler.fill("#respond-text", AGAIN)
    await act(handler, "respond")

    # The leader archives. (By its address: a ticket answered again after a 不满意 is in none of
    # the leader's queues, as 待评价 holds only tickets never rated; see the report.)
    await leader.goto(f"{site.url}/staff/tickets/{number}")
    assert "不满意" in await leader.inner_text(".tk-words")
    await shoot(leader, shots, "9-leader-archive")
    await act(leader, "archive")
    assert await status(site, number) == "archived"
    for page in (registrar, leader, handler, parent):
        await page.context.close()


async def test_two_people_answer_at_once_one_gets_a_clear_409_and_keeps_the_text(
    staff_site: StaffSite, browser: Any, shots: Path
) -> None:
    site = staff_site
    number = await assigned_ticket(site, "两人同时答复：操场的饮水机不出水已经三天了。")
    handler = await signed_in(browser, site.url, "hand1", PHONE)
    leader = await signed_in(browser, site.url, "lead1")
    mine, theirs = "饮水机已更换滤芯，恢复供水。", "校长答复：后勤处今天下午修好饮水机。"
    for page, text in ((handler, mine), (leader, theirs)):
        await page.goto(f"{site.url}/staff/tickets/{number}")
        details = page.locator("#act-respond")
        if not await details.evaluate("d => d.open"):
            await details.locator("summary").click()
        await page.fill("#respond-text", text)
    await handler.click("#respond-form button[type=submit]")
    await handler.wait_for_url(re.compile("done=respond"))
    async with leader.expect_response(lambda r: r.request.method == "POST") as posted:
        await leader.click("#respond-form button[type=submit]")
    assert (await posted.value).status == 409
    conflict = await leader.inner_text("#conflict")
    assert "工单刚被他人处理过" in conflict
    assert "hand1" in conflict or "陈老师" in conflict
    assert "答复" in conflict
    assert "保留在下面的表单中" not in conflict  # the form is gone: the text is in a read-only copy
    kept = [await box.input_value() for box in await leader.locator("textarea").all()]
    assert theirs in kept
    await shoot(leader, shots, "8-conflict-409", full=False)
    view = (await site.api("lead1", "GET", f"/api/v1/tickets/{number}")).json()
    assert view["response"]["text"] == mine
    for page in (handler, leader):
        await page.context.close()


async def test_a_reveal_is_audited_and_another_school_and_another_site_are_refused(
    staff_site: StaffSite, browser: Any
) -> None:
    site = staff_site
    number = await assigned_ticket(site, "查看联系方式：孩子的校服尺码发错了，想换一套。")
    handler = await signed_in(browser, site.url, "hand1")
    await handler.goto(f"{site.url}/staff/tickets/{number}")
    assert await handler.locator("text=138****1234").count() == 1
    await handler.click("details.reveal summary")
    await handler.fill("#reveal-reason", "需电话确认校服尺码")
    await handler.click("#reveal-form button[type=submit]")
    await handler.wait_for_selector("text=13812341234")
    log = await site.api("insp1", "GET", f"/api/v1/tickets/{number}/events")
    assert log.status_code == 200, log.text
    reveals = [e for e in log.json()["items"] if e["action"] == "reveal"]
    assert len(reveals) == 1 and "需电话确认校服尺码" in str(reveals[0])

    # Another school's handler: the page is a 404, in Chinese.
    other = await signed_in(browser, site.url, "hand2")
    shown = await other.goto(f"{site.url}/staff/tickets/{number}")
    assert shown is not None and shown.status == 404
    assert "没有找到该页面或工单" in await other.inner_text("main")

    # Forged posts with the handler's cookie: from another origin, and without the csrf field.
    page_html = await handler.content()
    token = re.search(r'name="csrf" value="([^"]+)"', page_html)
    version = re.search(r'name="version" value="([^"]+)"', page_html)
    assert token and version
    post = f"{site.url}/staff/tickets/{number}/respond"
    form = {"text": "伪造的答复", "version": version.group(1)}
    evil = await handler.context.request.post(
        post,
        form={**form, "csrf": token.group(1)},
        headers={"Origin": "http://evil.example"},
        max_redirects=0,
    )
    assert evil.status == 403
    tokenless = await handler.context.request.post(post, form=form, max_redirects=0)
    assert tokenless.status == 403
    assert "页面已过期或不是从本系统打开的" in await tokenless.text()
    assert await status(site, number) == "assigned"
    for page in (handler, other):
        await page.context.close()


FOCUSED = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return {tag: e.tagName, id: e.id, href: e.getAttribute("href") || "", type: e.type || "",
          text: (e.innerText || e.value || "").slice(0, 30),
          visible: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none"};
}"""


async def tab_to(page: Any, wanted: Any, limit: int = 80) -> list[dict[str, Any]]:
    """Tab until `wanted(focused)`; every control passed on the way shows its focus."""
    passed: list[dict[str, Any]] = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED)
        assert focused["tag"] != "BODY", f"focus fell out of the page after {passed[-3:]}"
        assert focused["visible"], f"no visible focus on {focused}"
        passed.append(focused)
        if wanted(focused):
            return passed
    raise AssertionError(f"not reached in {limit} tabs: {passed[-8:]}")


async def test_a_handler_answers_with_the_keyboard_only(staff_site: StaffSite, browser: Any) -> None:
    site = staff_site
    number = await assigned_ticket(site, "键盘操作：图书馆周末能否开放给学生借书？")
    page = await new_page(browser)
    await page.goto(f"{site.url}/staff/login")
    assert (await page.evaluate(FOCUSED))["id"] == "username"  # autofocus
    await page.keyboard.type("hand1")
    await tab_to(page, lambda f: f["id"] == "password")
    await page.keyboard.type("password-123")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{site.url}/staff")

    await tab_to(page, lambda f: f["href"] == f"/staff/tickets/{number}")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{site.url}/staff/tickets/{number}")
    await tab_to(page, lambda f: f["id"] == "respond-text")
    await page.keyboard.type("您好，图书馆自下周起周六上午开放。")
    await page.keyboard.press("Shift+Tab")  # back to the summary of 答复 and forth again
    assert (await page.evaluate(FOCUSED))["visible"]
    await page.keyboard.press("Tab")
    assert (await page.evaluate(FOCUSED))["id"] == "respond-text"
    await tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "答复")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile("done=respond"))
    view = (await site.api("hand1", "GET", f"/api/v1/tickets/{number}")).json()
    assert view["status"] == "responded"
    assert view["response"]["text"] == "您好，图书馆自下周起周六上午开放。"
    await page.context.close()
