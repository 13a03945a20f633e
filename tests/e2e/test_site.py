"""The parents' site in a real browser: Debian's chromium, driven by Playwright, at a phone's
360×640 viewport, against `huixiang web` running as a child process over a database of its own.

Each page visited is saved as a full-page screenshot under tests/artifacts/screenshots/ (to look
at; the README's copies live in docs/screenshots/). Tickets are counted in the database, and the
staff side is walked through the real API, so nothing here is mocked.
"""

from __future__ import annotations

import re
import shutil
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from huixiang.domain.enums import OrgKind, Role
from huixiang.services import accounts
from huixiang.services import schemas as s
from huixiang.services.context import Ctx

from .faults import Database
from .staff_site import browser, serve

pytestmark = pytest.mark.slow
__all__ = ["browser"]  # the fixture, from staff_site

SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
WIDTH, HEIGHT = 360, 640
PASSWORD = "password-123"
CATEGORY = "食堂膳食"
# (username, role, org)
STAFF = [
    ("reg1", Role.REGISTRAR, "s1"),
    ("lead1", Role.LEADER, "s1"),
    ("hand1", Role.HANDLER, "s1"),
    ("leadd1", Role.LEADER, "d1"),
]


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    """A small valid RGB PNG (a green square)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x0b\x6e\x4f" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- the server ------------------------------------------------------------------------------


def _head(path: str, size: int = 200) -> bytes:
    with open(path, "rb") as file:
        return file.read(size)


@dataclass
class Site:
    url: str
    database: Database

    async def tickets(self, content: str) -> int:
        return int(await self.database.value("SELECT count(*) FROM tickets WHERE content = $1", content))

    async def staff(self, username: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One staff API call, authenticated by a bearer token (no cookies)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            login = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            client.cookies.clear()
            return await client.request(method, path, headers=headers, **kwargs)

    async def walk_to_responded(self, number: str, answer: str) -> None:
        for user, action, body in (
            ("reg1", "register", {}),
            ("reg1", "submit", {}),
            ("lead1", "assign", {"assignee": "hand1"}),
            ("hand1", "respond", {"text": answer}),
        ):
            done = await self.staff(user, "POST", f"/api/v1/tickets/{number}/{action}", json=body)
            assert done.status_code == 200, done.text


async def _seed(ctx: Ctx) -> None:
    orgs = [
        ("city", "市教育局", OrgKind.BUREAU, None),
        ("d1", "一区教育局", OrgKind.DISTRICT, "city"),
        ("s1", "第一实验小学", OrgKind.SCHOOL, "d1"),
        ("s2", "第二中学", OrgKind.SCHOOL, "d1"),
    ]
    for code, name, kind, parent in orgs:
        await accounts.create_org(ctx, None, s.OrgCreate(code=code, name=name, kind=kind, parent_code=parent))
    for username, role, org in STAFF:
        await accounts.create_user(
            ctx,
            None,
            s.UserCreate(
                username=username,
                password=PASSWORD,
                display_name=f"{username}老师",
                roles=[s.GrantIn(role=role, org_code=org)],
            ),
        )


async def _profile(database: Database) -> None:
    await database.fetch(
        "UPDATE orgs SET profile = $1::jsonb WHERE code = 's1'",
        '{"answerer": "校长办公室", "phone": "010-6201 2345", "phone_hours": "工作日 8:00–17:00",'
        ' "reception": "每月第一个周三下午"}',
    )


@pytest.fixture(scope="module")
async def site(
    admin_dsn: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Site]:
    workdir = tmp_path_factory.mktemp("site")
    async for served in serve(admin_dsn, redis_url, workdir, _seed, ready="/s/s1", then=_profile):
        yield Site(served.url, served.database)


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shots() -> Path:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


async def _context(browser: Any, **options: Any) -> Any:
    return await browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        accept_downloads=True,
        **options,
    )


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await _context(browser)
    page = await context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        await context.close()


@pytest.fixture
async def page_without_js(browser: Any) -> AsyncIterator[Any]:
    context = await _context(browser, java_script_enabled=False)
    page = await context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        await context.close()


async def shoot(page: Any, shots: Path, name: str) -> None:
    """A full-page screenshot, and the page must not scroll sideways on a 360 px phone."""
    await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{name}: the page is {width} px wide at a {WIDTH} px viewport"


async def fill_form(
    page: Any,
    content: str,
    *,
    kind: str = "complaint",
    category: str | None = CATEGORY,
    title: str = "",
    contact: dict[str, str] | None = None,
    student: dict[str, str] | None = None,
    anonymous: bool = False,
    to_bureau: bool = False,
    consent: bool = True,
) -> None:
    await page.check(f"input[name=kind][value={kind}]")
    if category is not None:
        await page.select_option("#category", category)
    if title:
        await page.fill("#title", title)
    await page.fill("#content", content)
    for name, value in (contact or {}).items():
        await page.fill(f"#contact-{name}", value)
    for name, value in (student or {}).items():
        await page.fill(f"#student-{name}", value)
    if anonymous:
        await page.check("#anonymous")
    if to_bureau:
        await page.check("input[name=to_bureau]")
    if consent:
        await page.check("input[name=consent]")


async def receipt(page: Any) -> tuple[str, str]:
    await page.wait_for_selector("#receipt")
    assert await page.inner_text("h1") == "留言已收到"
    number, code = (await page.inner_text("#number")).strip(), (await page.inner_text("#code")).strip()
    assert number and code
    return number, code


async def track(page: Any, site: Site, number: str, code: str) -> None:
    await page.goto(f"{site.url}/track")
    await page.fill("#number", number)
    await page.fill("#code", code)
    await page.click("button[type=submit]")
    await page.wait_for_load_state()


# --- the tests -------------------------------------------------------------------------------


async def test_landing_then_a_named_submission_with_a_photo_then_tracking(
    site: Site, page: Any, shots: Path
) -> None:
    await page.goto(f"{site.url}/s/s1")
    assert await page.inner_text("h1") == "第一实验小学"
    assert "由校长办公室负责答复" in await page.inner_text("main")
    await shoot(page, shots, "01-landing")

    await page.get_by_role("link", name="我要留言").click()
    await page.wait_for_url(f"{site.url}/s/s1/new")
    await shoot(page, shots, "02-form")

    content = "孩子说最近食堂的菜太咸了，午饭常常吃不完，希望学校关注一下。"
    await fill_form(
        page,
        content,
        title="食堂饭菜偏咸",
        contact={"name": "王女士", "phone": "13812341234", "relation": "母亲"},
        student={"name": "王小明", "class_name": "三年级二班"},
    )
    await page.set_input_files(
        "#files", files=[{"name": "午饭.png", "mimeType": "image/png", "buffer": png_bytes(64, 48)}]
    )
    await page.wait_for_selector("#previews figure img")
    assert "已输入 " + str(len(content)) in await page.inner_text("#content-count")
    await shoot(page, shots, "03-form-filled")

    await page.click("button[type=submit]")
    number, code = await receipt(page)
    assert re.fullmatch(r"[0-9-]+", number), number
    assert "预计答复时间" in await page.inner_text("main")
    await shoot(page, shots, "04-receipt")

    row = (
        await site.database.fetch(
            "SELECT t.anonymous, t.to_bureau, t.contact, t.student, o.code AS filed, "
            "(SELECT count(*) FROM attachments a WHERE a.ticket_id = t.id) AS files "
            "FROM tickets t JOIN orgs o ON o.id = t.org_id WHERE t.number = $1",
            number,
        )
    )[0]
    assert (row["anonymous"], row["to_bureau"], row["filed"], row["files"]) == (False, False, "s1", 1)
    assert "13812341234" in str(row["contact"]) and "王小明" in str(row["student"])

    # The receipt's own button opens the ticket page.
    await page.get_by_role("button", name="查看办理进度").click()
    await page.wait_for_selector(".timeline li")
    assert number in await page.inner_text("h1")
    assert await page.inner_text(".status") == "已收到"
    assert "学校正在办理" in await page.inner_text("main")
    await shoot(page, shots, "05-ticket-new")


async def test_anonymous_submission_keeps_no_identity(site: Site, page: Any, shots: Path) -> None:
    await page.goto(f"{site.url}/s/s1/new")
    content = "匿名反映：放学时校门口车辆拥堵，存在安全隐患。"
    await fill_form(page, content, kind="suggestion", category="校园安全", anonymous=True)
    await page.click("button[type=submit]")
    number, _ = await receipt(page)
    await shoot(page, shots, "06-receipt-anonymous")
    row = (
        await site.database.fetch("SELECT anonymous, contact, student FROM tickets WHERE number = $1", number)
    )[0]
    assert (row["anonymous"], row["contact"], row["student"]) == (True, None, None)


async def test_to_the_district_bureau_is_hidden_from_the_school(site: Site, page: Any, shots: Path) -> None:
    await page.goto(f"{site.url}/s/s1/new")
    content = "反映学校领导的问题：希望教育局直接核查。"
    await fill_form(page, content, contact={"phone": "13900001111"}, to_bureau=True)
    await page.click("button[type=submit]")
    number, _ = await receipt(page)
    assert "已直接提交给一区教育局" in await page.inner_text(".lead")
    await shoot(page, shots, "07-receipt-bureau")

    filed = await site.database.value(
        "SELECT o.code FROM tickets t JOIN orgs o ON o.id = t.org_id WHERE t.number = $1", number
    )
    assert filed == "d1"
    assert (await site.staff("lead1", "GET", f"/api/v1/tickets/{number}")).status_code == 404
    assert (await site.staff("reg1", "GET", f"/api/v1/tickets/{number}")).status_code == 404
    seen = await site.staff("leadd1", "GET", f"/api/v1/tickets/{number}")
    assert seen.status_code == 200, seen.text


async def test_a_validation_error_keeps_what_was_typed(site: Site, page: Any, shots: Path) -> None:
    await page.goto(f"{site.url}/s/s1/new")
    content = "作业太多，孩子每天写到晚上十点，希望学校减轻负担。"
    await fill_form(
        page,
        content,
        category=None,
        title="作业负担",
        contact={"name": "李先生", "phone": "12"},
        consent=False,
    )
    await page.set_input_files(
        "#files", files=[{"name": "作业.png", "mimeType": "image/png", "buffer": png_bytes(32, 32)}]
    )
    await page.click("button[type=submit]")
    await page.wait_for_selector(".alert")
    main = await page.inner_text("main")
    for message in (
        "请修改标出的内容后再提交。",
        "请选择问题类别。",
        "请填写正确的手机或电话号码。",
        "请阅读并勾选同意信息使用说明。",
        "已选的照片不会保留，请重新选择。",
    ):
        assert message in main
    assert await page.input_value("#content") == content
    assert await page.input_value("#title") == "作业负担"
    assert await page.input_value("#contact-name") == "李先生"
    assert await page.input_value("#contact-phone") == "12"
    assert await page.is_checked("input[name=kind][value=complaint]")
    assert await page.get_attribute("#contact-phone", "aria-invalid") == "true"
    assert await site.tickets(content) == 0
    await shoot(page, shots, "08-form-errors")

    # Corrected, it goes through.
    await page.select_option("#category", "作业与考试")
    await page.fill("#contact-phone", "13812345678")
    await page.check("input[name=consent]")
    await page.click("button[type=submit]")
    await receipt(page)
    assert await site.tickets(content) == 1


async def test_a_double_tap_makes_one_ticket(site: Site, page: Any, page_without_js: Any) -> None:
    # With the script: the second tap is swallowed.
    await page.goto(f"{site.url}/s/s1/new")
    content = "双击测试：希望增加课后服务的托管时间。"
    await fill_form(page, content, kind="suggestion")
    await page.evaluate(
        "() => { const b = document.querySelector('form [type=submit]'); b.click(); b.click(); }"
    )
    number, code = await receipt(page)
    assert await site.tickets(content) == 1

    # The same POST again (reloading the receipt re-sends the form, key and all): the same receipt.
    await page.reload()
    assert await receipt(page) == (number, code)
    assert await site.tickets(content) == 1

    # Back to the form and submitting again.
    await page.go_back()
    await page.wait_for_selector("form.ticket-form")
    if await page.input_value("#content") != content:  # a browser that does not restore the form
        await fill_form(page, content, kind="suggestion")
    await page.check("input[name=consent]")
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    assert await site.tickets(content) == 1, "going back and submitting again made a second ticket"

    # Without the script nothing holds the button (Chromium folds the taps into one request; the
    # reload above is the same request sent twice, which the server holds to one ticket).
    nojs = page_without_js
    await nojs.goto(f"{site.url}/s/s1/new")
    content = "无脚本双击：希望学校公布每周食谱。"
    await fill_form(nojs, content, kind="suggestion")
    await nojs.dblclick("button[type=submit]")
    await receipt(nojs)
    assert await site.tickets(content) == 1


async def test_tracking_with_the_right_and_a_wrong_code(site: Site, page: Any, shots: Path) -> None:
    await page.goto(f"{site.url}/s/s1/new")
    content = "查询测试：体育课时间被其他课程占用。"
    await fill_form(page, content, kind="inquiry", category="教育教学")
    await page.click("button[type=submit]")
    number, code = await receipt(page)

    await page.goto(f"{site.url}/track")
    await shoot(page, shots, "09-track")
    await track(page, site, number, code)
    assert number in await page.inner_text("h1")
    steps = await page.locator(".timeline li").all_inner_texts()
    assert len(steps) == 1 and "已收到" in steps[0]
    assert content in await page.inner_text("main")

    await track(page, site, number, "WRONG-CODE")
    wrong = await page.inner_text(".alert")
    assert wrong == "没有找到与该编号和查询码匹配的留言，请核对后重试。"
    assert await page.input_value("#number") == number
    await shoot(page, shots, "10-track-wrong-code")

    await track(page, site, "20990101-9999", code)
    assert await page.inner_text(".alert") == wrong


async def test_rating_unsatisfied_sends_the_ticket_back(site: Site, page: Any, shots: Path) -> None:
    await page.goto(f"{site.url}/s/s1/new")
    content = "评价测试：教室空调坏了一周还没有修。"
    await fill_form(page, content, kind="help", category="设施环境", contact={"phone": "13700001234"})
    await page.click("button[type=submit]")
    number, code = await receipt(page)
    answer = "您好，空调已于本周三修好，后勤处将每月检查一次。感谢您的反馈。"
    await site.walk_to_responded(number, answer)

    await track(page, site, number, code)
    assert await page.inner_text(".status") == "已答复"
    assert await page.inner_text(".answer") == answer
    assert "您对答复满意吗？" in await page.inner_text("main")
    await shoot(page, shots, "11-ticket-answered")

    await page.get_by_label("不满意").check()
    await page.fill("#comment", "今天又坏了，希望彻底修好。")
    await page.get_by_role("button", name="提交评价").click()
    await page.wait_for_selector(".alert.info")
    assert await page.inner_text(".status") == "已交办"
    main = await page.inner_text("main")
    assert "感谢您的评价。" in main
    assert "您的评价：不满意" in main
    assert "退回承办老师重新办理" in main
    steps = await page.locator(".timeline li").all_inner_texts()
    assert any("家长已评价" in step and "今天又坏了" in step for step in steps)
    assert await page.locator("form[action$=rate]").count() == 0
    await shoot(page, shots, "12-ticket-reopened")

    status = await site.database.value("SELECT status FROM tickets WHERE number = $1", number)
    assert status == "assigned"


async def test_a_double_tap_on_the_rating_rates_once(site: Site, page_without_js: Any) -> None:
    """Without the script both taps reach the server; the page shown answers the second one."""
    async with httpx.AsyncClient(base_url=site.url) as client:
        sent = await client.post(
            "/api/v1/public/tickets",
            json={
                "school_code": "s1",
                "kind": "suggestion",
                "category": CATEGORY,
                "content": "双击评价：希望食堂增加水果。",
                "consent": True,
            },
        )
    assert sent.status_code == 201, sent.text
    number, code = sent.json()["number"], sent.json()["access_code"]
    await site.walk_to_responded(number, "已增加每周两次水果。")
    page = page_without_js
    await track(page, site, number, code)
    csrf = await page.get_attribute("form[action$=rate] input[name=csrf]", "value")
    await page.get_by_label("满意", exact=True).check()
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    await page.dblclick("form[action$=rate] button[type=submit]")
    await page.wait_for_selector(".alert.info")
    assert await page.inner_text(".alert.info") == "感谢您的评价。"
    assert await page.inner_text(".status") == "已答复"
    # Chromium may fold the two taps into one request; a second one, as a slower browser sends
    # it (same cookies, same form), must answer the same way.
    again = await page.context.request.post(
        f"{site.url}/t/{number}/rate", form={"csrf": csrf or "", "code": code, "value": "satisfied"}
    )
    assert again.ok and "感谢您的评价。" in await again.text(), (posts, await again.text())
    rates = await site.database.value(
        "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
        "WHERE t.number = $1 AND e.action = 'rate'",
        number,
    )
    assert rates == 1


async def test_without_javascript_the_form_still_submits(
    site: Site, page_without_js: Any, shots: Path
) -> None:
    page = page_without_js
    await page.goto(f"{site.url}/s/s2")
    await page.get_by_role("link", name="我要留言").click()
    content = "无脚本提交：希望学校图书馆周末开放。"
    await fill_form(page, content, kind="suggestion", category="教育教学")
    await page.set_input_files(
        "#files", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    await page.click("button[type=submit]")
    number, _ = await receipt(page)
    # The copy and print buttons need the script: without it they are not shown at all.
    assert await page.locator("[data-copy]:visible, [data-print]:visible").count() == 0
    await shoot(page, shots, "13-receipt-without-js")
    assert (
        await site.database.value(
            "SELECT count(*) FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.number = $1",
            number,
        )
        == 1
    )


async def test_poster_and_qr_downloads(site: Site, page: Any, shots: Path) -> None:
    await page.goto(f"{site.url}/s/s1")
    await page.get_by_role("link", name="下载二维码 / 打印海报").click()
    await page.wait_for_url(f"{site.url}/s/s1/poster")
    assert await page.inner_text("h1") == "第一实验小学"
    assert f"{site.url}/s/s1" in await page.inner_text(".url")
    box = await page.locator(".qr svg").bounding_box()
    assert box and abs(box["width"] - box["height"]) < 2, box  # scaled as a square, not cropped
    assert abs(box["x"] + box["width"] / 2 - WIDTH / 2) < 2, box  # and centred
    await shoot(page, shots, "14-poster")

    async with page.expect_download() as png:
        await page.get_by_role("link", name="下载二维码 PNG").click()
    download = await png.value
    assert download.suggested_filename == "s1-qr.png"
    assert _head(str(await download.path())).startswith(b"\x89PNG\r\n\x1a\n")

    async with page.expect_download() as svg:
        await page.get_by_role("link", name="下载二维码 SVG").click()
    download = await svg.value
    assert download.suggested_filename == "s1-qr.svg"
    assert b"<svg" in _head(str(await download.path()))


async def test_the_form_page_is_light(site: Site, page: Any) -> None:
    loaded: list[Any] = []
    page.on("response", lambda response: loaded.append(response))
    await page.goto(f"{site.url}/s/s1/new", wait_until="load")
    sizes = {response.url: len(await response.body()) for response in loaded}
    assert {url.rsplit("/", 1)[-1] for url in sizes} == {"new", "site.css", "site.js"}, sizes
    total = sum(sizes.values())
    assert total < 100 * 1024, f"the form page weighs {total} bytes: {sizes}"


async def test_no_page_scrolls_sideways(site: Site, page: Any, shots: Path) -> None:
    for path, name in (("/", "15-home"), ("/s/nowhere", "16-not-found")):
        await page.goto(f"{site.url}{path}")
        await shoot(page, shots, name)
    assert await page.inner_text(".alert") == "页面不存在。"
