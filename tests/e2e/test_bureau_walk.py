"""The bureau's console walked in a real browser (Debian's chromium) by the district's inspector
(insp1, 一区教育局) at the office PC's 1366×768, over a site seeded with late tickets (collected
weeks ago through the offline intake's `collected_at`), answered and archived ones, and one of
today:

- 概览: the figures and the ECharts charts (SVG) with their tables; a figure drills down to the
  tickets behind it (as many as it says) and back; no console error, no sideways scroll;
- 逾期督办: a 督办 with a note and a deadline, a 催办 on another ticket; the order in 督办单
  and its printable 督办通知书; the school's leader (lead1) finds the ticket on top of /staff and
  answers it; the order reads 已答复 for the inspector;
- 抽查: a draw over the archived tickets and one 通过; 排名通报 for their month;
- the overview and the board at a phone's 390×844 without sideways scroll;
- a 督办 given from the board with the keyboard only (Tab / Enter / typing).

Screenshots go to /tmp/shots-console/ (the checked copies: docs/screenshots/bureau-*)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from huixiang.domain.access import Principal
from huixiang.domain.enums import DEFAULT_CATEGORIES, Action, Kind
from huixiang.services import accounts, intake
from huixiang.services import schemas as s
from huixiang.services import tickets as ticket_actions
from huixiang.services.context import Ctx

from .staff_site import (
    PASSWORD,
    PHONE,
    StaffSite,
    browser,
    new_page,
    no_horizontal_scroll,
    seed_staff,
    serve,
    signed_in,
)
from .test_staff_walk import FOCUSED

pytestmark = pytest.mark.slow

__all__ = ["browser"]  # the fixture
SHOTS = Path("/tmp/shots-console")
LATE_DAYS, ARCHIVED_DAYS = 20, 22
# (school, content): late tickets, registered and submitted (待交办) at s1, still 待登记 at s2.
LATE = [
    ("s1", "督办：食堂午餐经常是凉的，孩子吃完胃不舒服，希望学校检查保温设备。"),
    ("s1", "催办：学校东门的路灯坏了两周，晚自习放学时一片漆黑。"),
    ("s1", "键盘：体育课后更衣室没有热水，冬天孩子容易感冒。"),
    ("s2", "第二中学：周末补课收费，家长不清楚是否自愿参加。"),
]
ARCHIVED = [
    "已归档：图书馆借书时间太短，希望延长到下午五点半。",
    "已归档：校服尺码偏小，能否统一调换。",
    "已归档：课间操时间被占用上课，希望保证孩子的活动时间。",
]
TODAY = "今天收的：校门口小摊贩卖三无零食，希望学校和城管联系。"
NOTE = "请于督办期限前答复家长，并将保温设备检查情况报区教育局。"
ANSWER = "您好，学校已更换食堂两台保温柜，并安排值周老师每天检查饭菜温度。"


async def _principal(ctx: Ctx, username: str) -> Principal:
    outcome = await accounts.login(
        ctx, s.LoginRequest(username=username, password=PASSWORD), address="127.0.0.1"
    )
    principal = await accounts.principal_for(ctx, outcome.token)
    assert principal is not None
    return principal


async def seed(ctx: Ctx) -> None:
    """The staff, then the tickets through the services, each as the staff who would make it."""
    await seed_staff(ctx)
    reg1, lead1 = await _principal(ctx, "reg1"), await _principal(ctx, "lead1")
    hand1 = await _principal(ctx, "hand1")

    async def collect(school: str, content: str, days_ago: int, by: Principal) -> str:
        receipt = await intake.intake(
            ctx,
            s.StaffTicketCreate(
                school_code=school,
                kind=Kind.COMPLAINT,
                category=DEFAULT_CATEGORIES[0],
                content=content,
                consent=True,
                contact=s.Contact(name="王女士", phone="13812341234"),
                collected_at=ctx.now - timedelta(days=days_ago),
            ),
            principal=by,
        )
        return receipt.number

    async def act(who: Principal, number: str, action: Action, request: s.ActionInput) -> None:
        await ticket_actions.act(ctx, who, number, action, request)

    for school, content in LATE:
        # s2 has no registrar in the staff site: its handler enters the letter.
        by = reg1 if school == "s1" else await _principal(ctx, "hand2")
        number = await collect(school, content, LATE_DAYS, by)
        if school == "s1":
            await act(reg1, number, Action.REGISTER, s.RegisterRequest())
            await act(reg1, number, Action.SUBMIT, s.NoteRequest())
    for content in ARCHIVED:
        number = await collect("s1", content, ARCHIVED_DAYS, reg1)
        await act(reg1, number, Action.REGISTER, s.RegisterRequest())
        await act(reg1, number, Action.SUBMIT, s.NoteRequest())
        await act(lead1, number, Action.ASSIGN, s.AssignRequest(assignee="hand1"))
        await act(hand1, number, Action.RESPOND, s.RespondRequest(text="您好，已按您的意见改进。"))
        await act(lead1, number, Action.ARCHIVE, s.NoteRequest())
    await collect("s1", TODAY, 0, reg1)


@pytest.fixture(scope="module", autouse=True)
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture(scope="module")
async def site(
    admin_dsn: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[StaffSite]:
    async for served in serve(admin_dsn, redis_url, tmp_path_factory.mktemp("bureau-site"), seed):
        yield served


def watch_errors(page: Any) -> list[str]:
    """The page's console errors and uncaught exceptions, as they come (the pages name an empty
    icon, so the browser asks no /favicon.ico, which would be a 404)."""
    errors: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error":
            errors.append(f"{message.text} {message.location}")

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


async def shoot(page: Any, name: str, full: bool = True) -> None:
    await no_horizontal_scroll(page)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


async def tab_to(page: Any, wanted: Any, limit: int = 80) -> None:
    """Tab until `wanted(focused)`; every control passed on the way shows its focus. A date
    input's last stop is its calendar button, inside the browser's own shadow tree, which draws
    its own ring (seen in the screenshot) while the input no longer matches :focus."""
    passed: list[dict[str, Any]] = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED)
        assert focused["tag"] != "BODY", f"focus fell out of the page after {passed[-3:]}"
        assert focused["visible"] or focused["type"] == "date", f"no visible focus on {focused}"
        passed.append(focused)
        if wanted(focused):
            return
    raise AssertionError(f"not reached in {limit} tabs: {passed[-8:]}")


def board_item(page: Any, content: str) -> Any:
    return page.locator("li.board-item", has_text=content[:12])


async def test_an_inspectors_day(site: StaffSite, browser: Any) -> None:
    inspector = await signed_in(browser, site.url, "insp1")
    errors = watch_errors(inspector)

    # 概览: the figures, the charts drawn as SVG, each chart's table beside it.
    await inspector.click("nav.staff-nav a[href='/bureau']")
    await inspector.wait_for_selector(".chart.on svg")
    headline = {
        (await d.inner_text()).strip(): (await d.evaluate("e => e.nextElementSibling.innerText")).strip()
        for d in await inspector.locator(".figures dt").all()
    }
    assert headline["收件"] == str(len(LATE) + len(ARCHIVED) + 1), headline
    assert headline["超期未办"] == str(len(LATE)), headline
    assert await inspector.locator(".chart.on svg").count() >= 4
    schools = inspector.locator("table.figures-table").first
    assert await schools.is_visible()
    assert "第一实验小学" in await schools.inner_text() and "第二中学" in await schools.inner_text()
    await shoot(inspector, "overview-1366")

    # A figure drills down to the tickets behind it, as many as it says, and back.
    await inspector.locator(".figures div", has_text="超期未办").locator("dd a").click()
    await inspector.wait_for_url(re.compile(r"/bureau/tickets\?.*figure=overdue_open"))
    assert await inspector.get_attribute("#count", "data-count") == str(len(LATE))
    assert await inspector.locator("table.figure-list tbody tr").count() == len(LATE)
    assert "第二中学" in await inspector.inner_text("table.figure-list")
    await shoot(inspector, "tickets-1366")
    await inspector.get_by_role("link", name="返回概览").click()
    await inspector.wait_for_selector(".chart.on svg")
    assert re.search(r"/bureau\?", inspector.url)

    # 逾期督办: every late ticket, grouped by school; a 督办 with a note and deadline.
    await inspector.click("nav.admin-nav a[href='/bureau/overdue']")
    assert await inspector.locator("li.board-item").count() == len(LATE)
    await shoot(inspector, "overdue-1366", full=False)
    target = board_item(inspector, LATE[0][1])
    number = (await target.locator(".board-number").inner_text()).strip()
    await target.locator("summary").click()
    await target.locator("textarea[name=note]").first.fill(NOTE)
    due = await target.locator("input[name=due_at]").input_value()
    assert date.fromisoformat(due) > date.today()  # suggested: 3 working days on
    await shoot(inspector, "overdue-supervise-1366", full=False)
    await target.get_by_role("button", name="督办", exact=True).click()
    await inspector.wait_for_url(re.compile(r"done=supervise"))
    assert "已下达督办" in await inspector.inner_text(".alert.info")
    assert "督办 1 次未答复" in await board_item(inspector, LATE[0][1]).inner_text()

    # A 催办 on another ticket.
    other = board_item(inspector, LATE[1][1])
    await other.locator("summary").click()
    await other.locator("form[id^=chase] textarea").fill("请本周内答复家长。")
    await other.get_by_role("button", name="催办", exact=True).click()
    await inspector.wait_for_url(re.compile(r"done=chase"))
    assert "已催办 1 次" in await board_item(inspector, LATE[1][1]).inner_text()

    # 督办单: the order, open; its printable notice.
    await inspector.click("nav.admin-nav a[href='/bureau/supervision']")
    order = inspector.locator("li.order", has_text=number)
    assert await order.count() == 1
    assert "督办中" in await order.inner_text() and NOTE in await order.inner_text()
    await shoot(inspector, "supervision-1366")
    await order.get_by_role("link", name="打印通知书").click()
    await inspector.wait_for_url(re.compile(r"/bureau/supervision/\d+/print"))
    sheet = await inspector.inner_text("main.sheet")
    assert number in sheet and NOTE in sheet and "第一实验小学" in sheet
    assert "138****1234" in sheet and "13812341234" not in sheet
    await shoot(inspector, "notice-1366")
    printed = await inspector.pdf(prefer_css_page_size=True)  # @page { size: A4 }
    assert len(re.findall(rb"/Type\s*/Page[^s]", printed)) == 1  # one sheet

    # The school's leader: the supervised ticket on top of the queue, answered.
    leader = await signed_in(browser, site.url, "lead1")
    first = leader.locator("table.queue tbody tr").first
    assert number in await first.inner_text() and "督办" in await first.inner_text()
    await shoot(leader, "leader-queue-1366", full=False)
    await first.locator(f"a[href='/staff/tickets/{number}']").first.click()
    assert NOTE in await leader.inner_text("section.supervision")
    details = leader.locator("#act-respond")
    if not await details.evaluate("d => d.open"):
        await details.locator("summary").click()
    await leader.fill("#respond-text", ANSWER)
    await leader.click("#respond-form button[type=submit]")
    await leader.wait_for_url(re.compile(r"done=respond"))
    await leader.context.close()

    # The inspector: the order reads 已答复; the ticket left the board.
    await inspector.goto(f"{site.url}/bureau/supervision?state=answered")
    assert "已答复" in await inspector.locator("li.order", has_text=number).inner_text()
    await inspector.goto(f"{site.url}/bureau/overdue")
    assert await inspector.locator("li.board-item").count() == len(LATE) - 1

    # 抽查: a draw over the archived tickets' days, one ticket checked 通过.
    await inspector.click("nav.admin-nav a[href='/bureau/spot-checks']")
    today = datetime.now().astimezone().date()
    await inspector.fill("#from", (today - timedelta(days=ARCHIVED_DAYS + 1)).isoformat())
    await inspector.fill("#to", today.isoformat())
    await inspector.fill("#size", "2")
    await shoot(inspector, "spot-checks-1366", full=False)
    await inspector.get_by_role("button", name="抽取", exact=True).click()
    await inspector.wait_for_url(re.compile(r"/bureau/spot-checks/\d+$"))
    items = inspector.locator("ol.sample > li")
    assert await items.count() == 2
    item = items.first
    await item.locator("input[value=pass]").check()
    await item.locator("textarea[name=note]").fill("答复及时，家长认可。")
    await item.get_by_role("button").click()
    await inspector.wait_for_url(re.compile(r"checked="))
    assert "通过" in await inspector.locator("ol.sample > li").first.inner_text()
    await shoot(inspector, "spot-check-1366")

    # 排名通报 for the month the tickets came in.
    month = (today - timedelta(days=ARCHIVED_DAYS)).strftime("%Y-%m")
    await inspector.goto(f"{site.url}/bureau/league?period=month&key={month}")
    rows = inspector.locator("#league-rows tbody tr")
    assert await rows.count() == 2
    assert "第一实验小学" in await inspector.inner_text("#league-rows")
    await inspector.wait_for_selector("#league-chart canvas")
    await shoot(inspector, "league-1366")
    assert errors == [], errors
    await inspector.context.close()


async def test_the_overview_and_the_board_on_a_phone(site: StaffSite, browser: Any) -> None:
    page = await signed_in(browser, site.url, "insp1", PHONE)
    errors = watch_errors(page)
    await page.goto(f"{site.url}/bureau")
    await page.wait_for_selector(".chart.on svg")
    await shoot(page, "overview-390", full=False)
    await page.goto(f"{site.url}/bureau/overdue")
    await page.locator("li.board-item summary").first.click()
    await shoot(page, "overdue-390", full=False)
    for path in ("/bureau/supervision", "/bureau/spot-checks", "/bureau/league"):
        await page.goto(f"{site.url}{path}")
        await no_horizontal_scroll(page)
    assert errors == [], errors
    await page.context.close()


async def test_a_supervision_order_from_the_board_with_the_keyboard_only(
    site: StaffSite, browser: Any
) -> None:
    page = await new_page(browser)
    await page.goto(f"{site.url}/staff/login")
    assert (await page.evaluate(FOCUSED))["id"] == "username"
    await page.keyboard.type("insp1")
    await tab_to(page, lambda f: f["id"] == "password")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/staff$"))
    await page.goto(f"{site.url}/bureau/overdue")

    item = board_item(page, LATE[2][1])
    number = (await item.locator(".board-number").inner_text()).strip()
    # To the ticket's number, then on to its fold 督办或催办; Enter opens it.
    await tab_to(page, lambda f: f["href"] == f"/staff/tickets/{number}")
    await tab_to(page, lambda f: f["tag"] == "SUMMARY", limit=3)
    await page.keyboard.press("Enter")
    assert await item.locator("details").evaluate("d => d.open")
    await tab_to(page, lambda f: f["id"] == f"supervise-{number}-note", limit=3)
    await page.keyboard.type("请三个工作日内修好热水器并答复家长。")
    await tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "督办", limit=6)
    await page.screenshot(path=str(SHOTS / "overdue-keyboard-1366.png"))
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"done=supervise"))
    view = await site.api("insp1", "GET", f"/api/v1/tickets/{number}/orders")
    assert view.status_code == 200, view.text
    orders = view.json()["items"]
    assert [o["note"] for o in orders] == ["请三个工作日内修好热水器并答复家长。"]
    assert orders[0]["due_at"] is not None
    await page.context.close()
