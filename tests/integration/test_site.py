"""The parents' pages in process (the browser tests are in tests/e2e/test_site.py): CSRF, input
kept on error, escaping, the same answer for a wrong code and an unknown number, rate limits."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from typing import Any

import httpx
import pytest
from litestar import Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.app import create_app
from huixiang.domain.errors import Conflict, NotPermitted, TooLarge, TooManyRequests
from huixiang.services import throttle
from huixiang.settings import Settings
from huixiang.web import routes

from .conftest import World
from .helpers import png_bytes
from .test_public import BOUNDARY, part


def token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


FORM = {
    "kind": "suggestion",
    "category": "食堂膳食",
    "content": "希望食堂多一些蔬菜",
    "consent": "on",
    "contact.phone": "13912345678",
}


async def submit(
    client: httpx.AsyncClient, fields: dict[str, str], files: list | None = None
) -> httpx.Response:
    page = await client.get("/s/s1/new")
    assert page.status_code == 200
    data = {**fields, "csrf": token(page.text), "idempotency_key": "k-" + fields.get("content", "")[:8]}
    return await client.post(
        "/s/s1/new", data=data, files=files or {"files": ("", b"", "application/octet-stream")}
    )


async def test_form_valid_submission_shows_receipt_with_number_and_code(world: World) -> None:
    answer = await submit(world.client, FORM)
    assert answer.status_code == 200, answer.text
    assert re.search(r'id="number">\d{4}-\d{6}<', answer.text)
    assert re.search(r'id="code">[A-Z0-9]{8}<', answer.text)
    assert answer.headers["cache-control"] == "no-store"


async def test_form_missing_consent_keeps_input_and_names_the_field_in_chinese(world: World) -> None:
    fields = {k: v for k, v in FORM.items() if k != "consent"}
    answer = await submit(world.client, {**fields, "content": "<b>食堂</b> 菜太咸"})
    assert answer.status_code == 400
    assert "请阅读并勾选同意信息使用说明" in answer.text
    assert "&lt;b&gt;食堂&lt;/b&gt; 菜太咸" in answer.text  # kept, escaped
    assert 'value="13912345678"' in answer.text
    assert 'aria-invalid="true"' in answer.text


async def test_form_without_csrf_token_is_refused_and_keeps_input(world: World) -> None:
    await world.client.get("/s/s1/new")
    answer = await world.client.post(
        "/s/s1/new", data={**FORM, "csrf": "forged"}, files={"files": ("", b"", "application/octet-stream")}
    )
    assert answer.status_code == 400
    assert "页面已过期" in answer.text and "希望食堂多一些蔬菜" in answer.text


async def test_form_file_that_is_not_an_image_is_refused_with_input_kept(world: World) -> None:
    answer = await submit(
        world.client, FORM, files={"files": ("photo.jpg", b"MZ\x90\x00not an image", "image/jpeg")}
    )
    assert answer.status_code == 400
    assert "只能上传照片" in answer.text and "希望食堂多一些蔬菜" in answer.text


async def test_form_same_page_sent_twice_makes_one_ticket(world: World) -> None:
    page = await world.client.get("/s/s1/new")
    data = {**FORM, "csrf": token(page.text), "idempotency_key": "same-page"}
    empty = {"files": ("", b"", "application/octet-stream")}
    first = await world.client.post("/s/s1/new", data=data, files=empty)
    second = await world.client.post("/s/s1/new", data=data, files=empty)
    number = re.search(r'id="number">([^<]+)<', first.text)
    assert number and number.group(1) in second.text
    assert re.search(r'id="code">([^<]+)<', first.text).group(1) in second.text  # type: ignore[union-attr]


async def test_ticket_page_escapes_user_text(world: World) -> None:
    receipt = await world.submit(content="<script>alert(1)</script>")
    page = await world.client.get("/track")
    answer = await world.client.post(
        "/track", data={"number": receipt["number"], "code": receipt["access_code"]}
    )
    assert answer.status_code == 200
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
    assert page.headers["x-frame-options"] == "DENY"


async def test_track_wrong_code_and_unknown_number_look_the_same(world: World) -> None:
    receipt = await world.submit()
    wrong = await world.client.post("/track", data={"number": receipt["number"], "code": "AAAAAAAA"})
    unknown = await world.client.post("/track", data={"number": "2099-999999", "code": "AAAAAAAA"})
    assert wrong.status_code == unknown.status_code == 404
    strip = lambda html, n: html.replace(n, "")  # noqa: E731 - the typed number is echoed back
    assert strip(wrong.text, receipt["number"]) == strip(unknown.text, "2099-999999")


async def test_track_guesses_are_rate_limited(world: World) -> None:
    receipt = await world.submit()
    statuses = [
        (
            await world.client.post("/track", data={"number": receipt["number"], "code": f"WRONG{i:03d}"})
        ).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429
    right = await world.client.post(
        "/track", data={"number": receipt["number"], "code": receipt["access_code"]}
    )
    assert right.status_code == 429  # the right code too, until the window passes


async def test_rate_unsatisfied_on_page_reopens_and_explains(world: World) -> None:
    receipt = await world.submit()
    number = receipt["number"]
    for user, action, body in (
        ("reg1", "register", {}),
        ("reg1", "submit", {}),
        ("lead1", "assign", {"assignee": "hand1"}),
        ("hand1", "respond", {"text": "已处理"}),
    ):
        assert (await world.action(user, number, action, **body)).status_code == 200
    page = await world.client.post("/track", data={"number": number, "code": receipt["access_code"]})
    assert "您对答复满意吗" in page.text
    rated = await world.client.post(
        f"/t/{number}/rate",
        data={
            "csrf": token(page.text),
            "code": receipt["access_code"],
            "value": "unsatisfied",
            "comment": "还是咸",
        },
    )
    assert rated.status_code == 200
    assert "已交办" in rated.text and "感谢您的评价" in rated.text
    forged = await world.client.post(
        f"/t/{number}/rate", data={"csrf": "x", "code": receipt["access_code"], "value": "satisfied"}
    )
    assert "页面已过期" in forged.text


async def test_landing_unknown_school_is_a_chinese_404_page(world: World) -> None:
    answer = await world.client.get("/s/nowhere")
    assert answer.status_code == 404 and "页面不存在" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


async def test_qr_downloads_are_png_and_svg(world: World) -> None:
    png = await world.client.get("/s/s1/qr.png")
    svg = await world.client.get("/s/s1/qr.svg")
    assert png.content.startswith(b"\x89PNG") and png.headers["content-type"] == "image/png"
    assert b"<svg" in svg.content and svg.headers["content-type"].startswith("image/svg+xml")
    poster = await world.client.get("/s/s1/poster")
    assert poster.status_code == 200 and "<svg" in poster.text and "第一实验小学" in poster.text


async def test_rate_before_answer_says_why_in_chinese(world: World) -> None:
    receipt = await world.submit()
    page = await world.client.post(
        "/track", data={"number": receipt["number"], "code": receipt["access_code"]}
    )
    assert "您对答复满意吗" not in page.text  # no rating form before an answer
    form = await world.client.get("/s/s1/new")  # a page with a token for this browser's cookie
    rated = await world.client.post(
        f"/t/{receipt['number']}/rate",
        data={"csrf": token(form.text), "code": receipt["access_code"], "value": "satisfied"},
    )
    assert rated.status_code == 200 and "现在不能评价" in rated.text


async def test_poster_uses_the_configured_public_address(
    world: World, settings: Settings, connection: AsyncConnection
) -> None:
    app = create_app(replace(settings, public_url="https://hx.example.cn/"), engine=connection)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        poster = await client.get("/s/s1/poster")
    await app.state.redis.aclose()
    assert "https://hx.example.cn/s/s1" in poster.text


async def test_ticket_sent_to_the_bureau_says_the_bureau_answers(world: World) -> None:
    receipt = await world.submit(to_bureau=True)
    page = await world.client.post(
        "/track", data={"number": receipt["number"], "code": receipt["access_code"]}
    )
    assert "教育局正在办理" in page.text and "学校正在办理" not in page.text
    api = await world.client.get(
        f"/api/v1/public/tickets/{receipt['number']}", params={"code": receipt["access_code"]}
    )
    assert api.json()["to_bureau"] is True


# ---- limits, CSRF before files, error pages, the QR's address ----------------------------------


async def test_throttle_counters_keep_no_address_and_expire(
    world: World, shared_app: Any, settings: Settings, connection: AsyncConnection
) -> None:
    """A wrong guess counts in Redis under an HMAC of the address, with a TTL; no table keeps
    addresses (the throttles table, which kept them with the time for ever, is gone)."""
    address = f"10.96.{uuid.uuid4().int % 250}.4"
    transport = httpx.ASGITransport(app=shared_app, client=(address, 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await client.post("/track", data={"number": "2099-999999", "code": "AAAAAAAA"})
    counter = throttle.key(settings.secret_key, "web-track", address)
    assert address not in counter
    assert await shared_app.state.redis.get(counter) == b"1"
    assert 0 < await shared_app.state.redis.ttl(counter) <= 600
    assert (await connection.execute(text("SELECT to_regclass('throttles')"))).scalar_one() is None


async def test_form_submissions_past_the_limit_answer_429(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "SUBMIT_LIMIT", 2)
    answers = [await submit(world.client, {**FORM, "content": f"第{i}条意见"}) for i in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "提交过于频繁" in answers[2].text


async def test_form_csrf_is_checked_before_any_file_is_read(world: World) -> None:
    page = await world.client.get("/s/s1/new")
    assert page.status_code == 200
    pulled = []

    async def chunks() -> Any:
        pieces = [
            b"".join(part(name, None, value.encode()) for name, value in {**FORM, "csrf": "forged"}.items()),
            part("files", "a.png", b"\x89PNG\r\n\x1a\n"),
            *[b"x" * 1024] * 100,
        ]
        for i, piece in enumerate(pieces):
            pulled.append(i)
            yield piece

    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    answer = await world.client.post("/s/s1/new", content=chunks(), headers=headers)
    assert answer.status_code == 400 and "页面已过期" in answer.text
    assert "希望食堂多一些蔬菜" in answer.text  # the input kept
    assert len(pulled) == 2  # the fields and the first file part's start: nothing after


async def test_form_token_after_the_files_is_refused(world: World) -> None:
    """The token must come before the files (the form puts it first): else nothing is read."""
    page = await world.client.get("/s/s1/new")
    raw = (
        b"".join(part(name, None, value.encode()) for name, value in FORM.items())
        + part("files", "a.png", b"\x89PNG\r\n\x1a\n")
        + part("csrf", None, token(page.text).encode())
        + f"--{BOUNDARY}--\r\n".encode()
    )
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    answer = await world.client.post("/s/s1/new", content=raw, headers=headers)
    assert answer.status_code == 400 and "页面已过期" in answer.text


async def test_form_sixth_file_stops_reading_and_keeps_the_input(world: World) -> None:
    page = await world.client.get("/s/s1/new")
    pulled = []

    async def chunks() -> Any:
        fields = {**FORM, "csrf": token(page.text)}
        pieces = [b"".join(part(name, None, value.encode()) for name, value in fields.items())]
        pieces += [part("files", f"p{i}.png", png_bytes()) for i in range(6)]
        pieces += [b"x" * 1024] * 100
        for i, piece in enumerate(pieces):
            pulled.append(i)
            yield piece

    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    answer = await world.client.post("/s/s1/new", content=chunks(), headers=headers)
    assert answer.status_code == 400
    assert "最多上传 5 个文件" in answer.text and "希望食堂多一些蔬菜" in answer.text
    assert len(pulled) == 7  # the fields and six file parts; none of the 100 chunks after them


async def test_form_page_keeps_the_status_of_the_error_table(world: World) -> None:
    big = await world.client.post("/track", data={"number": "x" * (20 * 1024), "code": "A"})
    assert big.status_code == 413 and "提交的内容过大" in big.text
    assert big.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (NotPermitted("no"), 403, "没有权限"),
        (Conflict("changed"), 409, "状态刚刚发生了变化"),
        (TooLarge("big"), 413, "提交的内容过大"),
        (TooManyRequests("slow down"), 429, "提交过于频繁"),
    ],
)
def test_error_page_status_and_sentence_follow_the_error_table(
    error: Exception, status: int, words: str
) -> None:
    scope: Any = {"type": "http", "method": "POST", "path": "/s/s1/new", "headers": [], "query_string": b""}
    page = routes._error_page(Request(scope), error)
    assert page.status_code == status and words in page.context["message"]


async def test_qr_and_poster_ignore_a_strangers_host_header(world: World) -> None:
    headers = {"host": "evil.example.com"}
    poster = await world.client.get("/s/s1/poster", headers=headers)
    svg = await world.client.get("/s/s1/qr.svg", headers=headers)
    assert "evil.example.com" not in poster.text and "http://testserver/s/s1" in poster.text
    assert svg.status_code == 200 and svg.headers["cache-control"] == "no-store"


async def test_qr_uses_an_allowed_host_and_is_cached_only_with_the_public_address(
    world: World, settings: Settings, connection: AsyncConnection
) -> None:
    allowed = create_app(replace(settings, allowed_hosts=("hx.school.cn",)), engine=connection)
    public = create_app(replace(settings, public_url="https://hx.example.cn/"), engine=connection)
    try:
        for app in (allowed, public):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            ) as client:
                poster = await client.get("/s/s1/poster", headers={"host": "hx.school.cn"})
                png = await client.get("/s/s1/qr.png", headers={"host": "hx.school.cn"})
            if app is allowed:
                assert "http://hx.school.cn/s/s1" in poster.text
                assert png.headers["cache-control"] == "no-store"
            else:
                assert "https://hx.example.cn/s/s1" in poster.text
                assert png.headers["cache-control"] == "public, max-age=3600"
    finally:
        await allowed.state.redis.aclose()
        await public.state.redis.aclose()
