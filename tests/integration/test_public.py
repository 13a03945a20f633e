"""The parent's side: intake (JSON and multipart), tracking, rating, Idempotency-Key."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.app import create_app
from huixiang.domain.deadlines import Clock, DeadlinePolicy, WorkCalendar
from huixiang.services import throttle

from .conftest import World
from .helpers import (
    assert_error,
    exe_bytes,
    form_fields,
    jpeg_bytes,
    parse_time,
    pdf_bytes,
    png_bytes,
    ticket_at,
    walk,
)

URL = "/api/v1/public/tickets"


EMPTY_FILE_INPUT = ("files", ("", b"", "application/octet-stream"))


async def post_form(
    world: World,
    fields: dict[str, str],
    files: list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """A multipart post as the browser form sends it: an empty file input when nothing is picked."""
    return await world.client.post(URL, data=fields, files=files or [EMPTY_FILE_INPUT], headers=headers)


async def school_tickets(connection: AsyncConnection, school: str = "s1") -> int:
    """Tickets of one school of this test's world (other tests' committed rows live elsewhere)."""
    query = text("SELECT count(*) FROM tickets t JOIN orgs o ON o.id = t.school_id WHERE o.code = :code")
    return int((await connection.execute(query, {"code": school})).scalar_one())


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "school_code": "s1",
        "kind": "inquiry",
        "category": "招生入学",
        "content": "请问明年一年级报名需要准备哪些材料？",
        "consent": True,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ---- JSON intake ------------------------------------------------------------------------------


async def test_intake_json_valid_returns_receipt_with_deadlines(world: World) -> None:
    answer = await world.client.post(URL, json=body(title="报名材料", student={"class_name": "大班"}))
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    assert set(receipt) == {"number", "access_code", "status", "register_due_at", "respond_due_at"}
    assert re.fullmatch(r"\d{4}-\d{6}", receipt["number"])
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", receipt["access_code"])
    assert receipt["status"] == "collected"
    register_due, respond_due = parse_time(receipt["register_due_at"]), parse_time(receipt["respond_due_at"])
    assert register_due < respond_due


async def test_intake_json_two_tickets_get_distinct_numbers_and_codes(world: World) -> None:
    first, second = await world.submit(), await world.submit()
    assert first["number"] != second["number"]
    assert first["access_code"] != second["access_code"]


@pytest.mark.parametrize("consent", [False, None])
async def test_intake_without_consent_returns_400(world: World, consent: bool | None) -> None:
    assert_error(await world.client.post(URL, json=body(consent=consent)), 400, "consent")


@pytest.mark.parametrize("school", ["nowhere", "d1", "city"])
async def test_intake_unknown_or_non_school_code_returns_400(world: World, school: str) -> None:
    assert_error(await world.client.post(URL, json=body(school_code=school)), 400, "school_code")


async def test_intake_unknown_kind_returns_400(world: World) -> None:
    assert_error(await world.client.post(URL, json=body(kind="rumour")), 400, "kind")


async def test_intake_unknown_category_returns_400(world: World) -> None:
    assert_error(await world.client.post(URL, json=body(category="天气")), 400, "category")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"content": 123}, "content"),
        ({"anonymous": "yes"}, "anonymous"),
        ({"consent": "true"}, "consent"),
        ({"contact": "王女士"}, "contact"),
        ({"contact": {"phone": 13812341234}}, "contact.phone"),
        ({"contact": {"phone": "not a phone"}}, "contact.phone"),
        ({"contact": {"email": "nope"}}, "contact.email"),
        ({"to_bureau": 1}, "to_bureau"),
        ({"content": ""}, "content"),
        ({"content": "长" * 5001}, "content"),
        ({"title": "t" * 201}, "title"),
    ],
)
async def test_intake_wrong_type_or_format_returns_400_naming_field(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    assert_error(await world.client.post(URL, json=body(**overrides)), 400, field)


async def test_intake_missing_required_field_returns_400_naming_it(world: World) -> None:
    data = body()
    del data["content"]
    assert_error(await world.client.post(URL, json=data), 400, "content")


async def test_intake_unknown_field_returns_400_naming_it(world: World) -> None:
    assert_error(await world.client.post(URL, json=body(favourite_colour="blue")), 400, "favourite_colour")


async def test_intake_unknown_nested_field_returns_400_naming_it(world: World) -> None:
    answer = await world.client.post(URL, json=body(contact={"wechat": "abc"}))
    assert_error(answer, 400, "wechat")


@pytest.mark.parametrize("raw", [b'{"school_code": "s1", ', b"not json", b"\xff\xfe{}", b"[1, 2]", b"null"])
async def test_intake_malformed_json_returns_400(world: World, raw: bytes) -> None:
    answer = await world.client.post(URL, content=raw, headers={"content-type": "application/json"})
    assert_error(answer, 400)


@pytest.mark.parametrize("raw", [b"", b"   \n"])
async def test_intake_empty_body_returns_400(world: World, raw: bytes) -> None:
    answer = await world.client.post(URL, content=raw, headers={"content-type": "application/json"})
    assert_error(answer, 400, "empty")


async def test_intake_json_over_the_limit_returns_413(world: World) -> None:
    raw = b'{"school_code": "s1", "content": "' + b"x" * (300 * 1024) + b'"}'
    answer = await world.client.post(URL, content=raw, headers={"content-type": "application/json"})
    assert_error(answer, 413, "larger than 256 KiB")


@pytest.mark.parametrize("content", [" ", "\n\t  \u3000", "\r\n"])
async def test_intake_whitespace_only_content_returns_400(world: World, content: str) -> None:
    assert_error(await world.client.post(URL, json=body(content=content)), 400, "`content`", "blank")


async def test_intake_anonymous_with_contact_returns_400(world: World) -> None:
    answer = await world.client.post(URL, json=body(anonymous=True, contact={"name": "王女士"}))
    assert_error(answer, 400, "anonymous")


async def test_intake_anonymous_with_student_returns_400(world: World) -> None:
    answer = await world.client.post(URL, json=body(anonymous=True, student={"name": "小王"}))
    assert_error(answer, 400, "anonymous")


async def test_intake_anonymous_stores_no_identity(world: World, connection: AsyncConnection) -> None:
    receipt = await world.submit(anonymous=True, contact=None)
    row = (
        await connection.execute(
            text("SELECT anonymous, contact, student, created_by_id FROM tickets WHERE number = :n"),
            {"n": receipt["number"]},
        )
    ).one()
    assert tuple(row) == (True, None, None, None)
    staff = (await world.as_("reg1", "GET", f"/api/v1/tickets/{receipt['number']}")).json()
    assert staff["anonymous"] is True
    assert staff["contact"] is None and staff["student"] is None


async def test_intake_sql_and_html_payload_is_stored_and_returned_verbatim(
    world: World, connection: AsyncConnection
) -> None:
    payload = (
        "Robert'); DROP TABLE tickets; -- <script>alert('x')</script> "
        "<img src=x onerror=alert(1)> %s {{7*7}} \\x00 ' OR '1'='1"
    )
    receipt = await world.submit(content=payload, title="<b>标题</b>", contact={"name": "<i>王</i>"})
    public = await world.client.get(f"{URL}/{receipt['number']}", params={"code": receipt["access_code"]})
    assert public.json()["content"] == payload
    staff = (await world.as_("reg1", "GET", f"/api/v1/tickets/{receipt['number']}")).json()
    assert staff["content"] == payload
    assert staff["title"] == "<b>标题</b>"
    assert staff["contact"]["name"] == "<i>王</i>"
    assert await school_tickets(connection) == 1  # the table is still there, holding the one ticket


async def test_intake_contact_fields_are_trimmed_and_empty_ones_dropped(world: World) -> None:
    receipt = await world.submit(contact={"name": "  王女士  ", "relation": "   "})
    staff = (await world.as_("reg1", "GET", f"/api/v1/tickets/{receipt['number']}")).json()
    assert staff["contact"] == {"name": "王女士"}


async def test_intake_to_bureau_files_ticket_with_the_district(world: World) -> None:
    receipt = await world.submit(to_bureau=True)
    staff = (await world.as_("insp1", "GET", f"/api/v1/tickets/{receipt['number']}")).json()
    assert staff["to_bureau"] is True
    assert staff["school_code"] == "s1"


# ---- multipart intake -------------------------------------------------------------------------


async def test_intake_multipart_with_three_files_stores_sniffed_attachments(world: World) -> None:
    files = [
        ("files", ("photo.png", png_bytes(), "image/png")),
        ("files", ("scan.JPG", jpeg_bytes(), "application/octet-stream")),
        ("files", ("letter.pdf", pdf_bytes(), "application/pdf")),
    ]
    answer = await post_form(world, form_fields(), files=files)
    assert answer.status_code == 201, answer.text
    number = answer.json()["number"]

    staff = (await world.as_("reg1", "GET", f"/api/v1/tickets/{number}")).json()
    assert staff["contact"] == {"name": "李先生", "phone": "13900001111"}
    assert staff["student"] == {"name": "李小明", "class_name": "三年级二班"}
    assert staff["kind"] == "suggestion" and staff["channel"] == "online"

    listed = (await world.as_("reg1", "GET", f"/api/v1/tickets/{number}/attachments")).json()["items"]
    assert [(a["filename"], a["content_type"]) for a in listed] == [
        ("photo.png", "image/png"),
        ("scan.jpg", "image/jpeg"),
        ("letter.pdf", "application/pdf"),
    ]
    assert [a["size"] for a in listed] == [len(png_bytes()), len(jpeg_bytes()), len(pdf_bytes())]
    download = await world.as_("reg1", "GET", f"/api/v1/tickets/{number}/attachments/{listed[0]['id']}")
    assert download.status_code == 200
    assert download.content == png_bytes()
    assert download.headers["content-type"].startswith("image/png")
    assert "attachment" in download.headers["content-disposition"]


async def test_intake_multipart_misleading_name_gets_extension_of_content(world: World) -> None:
    files = [("files", ("../../etc/evil.exe", png_bytes(), "application/x-msdownload"))]
    answer = await post_form(world, form_fields(), files=files)
    assert answer.status_code == 201, answer.text
    number = answer.json()["number"]
    listed = (await world.as_("reg1", "GET", f"/api/v1/tickets/{number}/attachments")).json()["items"]
    assert [(a["filename"], a["content_type"]) for a in listed] == [("evil.png", "image/png")]


async def test_intake_multipart_exe_renamed_jpg_returns_400(world: World) -> None:
    files = [("files", ("holiday.jpg", exe_bytes(), "image/jpeg"))]
    assert_error(await post_form(world, form_fields(), files=files), 400, "files", "holiday.jpg")


async def test_intake_multipart_six_files_returns_400(world: World) -> None:
    files = [("files", (f"p{i}.png", png_bytes(), "image/png")) for i in range(6)]
    assert_error(await post_form(world, form_fields(), files=files), 400, "files", "5")


async def test_intake_multipart_five_files_is_accepted(world: World) -> None:
    files = [("files", (f"p{i}.png", png_bytes(), "image/png")) for i in range(5)]
    answer = await post_form(world, form_fields(), files=files)
    assert answer.status_code == 201, answer.text


async def test_intake_multipart_eleven_mib_file_returns_413(
    world: World, connection: AsyncConnection
) -> None:
    big = png_bytes() + b"\x00" * (11 * 1024 * 1024)
    answer = await post_form(world, form_fields(), files=[("files", ("big.png", big, "image/png"))])
    assert_error(answer, 413, "files")
    assert await school_tickets(connection) == 0


async def test_intake_multipart_missing_consent_returns_400(world: World) -> None:
    answer = await post_form(world, form_fields(consent=None))  # type: ignore[arg-type]
    assert_error(answer, 400, "consent")


async def test_intake_multipart_consent_false_returns_400(world: World) -> None:
    assert_error(await post_form(world, form_fields(consent="false")), 400, "consent")


async def test_intake_multipart_bad_boolean_returns_400(world: World) -> None:
    assert_error(await post_form(world, form_fields(anonymous="maybe")), 400, "anonymous")


async def test_intake_multipart_unknown_field_returns_400(world: World) -> None:
    assert_error(await post_form(world, form_fields(nickname="x")), 400, "nickname")


async def test_intake_multipart_unknown_kind_returns_400(world: World) -> None:
    assert_error(await post_form(world, form_fields(kind="gossip")), 400, "kind")


async def test_intake_multipart_file_in_other_field_returns_400(world: World) -> None:
    files = [("photo", ("a.png", png_bytes(), "image/png"))]
    assert_error(await post_form(world, form_fields(), files=files), 400, "files")


async def test_intake_multipart_without_boundary_returns_400(world: World) -> None:
    answer = await world.client.post(URL, content=b"x", headers={"content-type": "multipart/form-data"})
    assert_error(answer, 400, "boundary")


async def test_intake_multipart_anonymous_with_contact_returns_400(world: World) -> None:
    assert_error(await post_form(world, form_fields(anonymous="true")), 400, "anonymous")


async def test_intake_multipart_empty_file_input_is_ignored(world: World) -> None:
    files = [("files", ("", b"", "application/octet-stream"))]
    answer = await post_form(world, form_fields(), files=files)
    assert answer.status_code == 201, answer.text
    number = answer.json()["number"]
    listed = (await world.as_("reg1", "GET", f"/api/v1/tickets/{number}/attachments")).json()
    assert listed["items"] == []


# ---- Idempotency-Key --------------------------------------------------------------------------


async def test_intake_same_idempotency_key_and_body_answers_the_first_receipt(
    world: World, connection: AsyncConnection
) -> None:
    headers = {"Idempotency-Key": "page-load-7f3a"}
    first = await world.client.post(URL, json=body(), headers=headers)
    second = await world.client.post(URL, json=body(), headers=headers)
    assert first.status_code == second.status_code == 201, second.text
    assert second.json() == first.json()
    assert await school_tickets(connection) == 1
    # The replayed access code really opens the ticket.
    view = await world.client.get(
        f"{URL}/{first.json()['number']}", params={"code": second.json()["access_code"]}
    )
    assert view.status_code == 200


async def test_intake_same_idempotency_key_other_body_returns_422(world: World) -> None:
    headers = {"Idempotency-Key": "page-load-abc"}
    assert (await world.client.post(URL, json=body(), headers=headers)).status_code == 201
    answer = await world.client.post(URL, json=body(content="另一个问题"), headers=headers)
    assert_error(answer, 422, "Idempotency-Key")


async def test_intake_different_idempotency_keys_create_two_tickets(world: World) -> None:
    one = await world.client.post(URL, json=body(), headers={"Idempotency-Key": "k-1"})
    two = await world.client.post(URL, json=body(), headers={"Idempotency-Key": "k-2"})
    assert one.status_code == two.status_code == 201
    assert one.json()["number"] != two.json()["number"]


async def test_intake_multipart_same_key_other_file_returns_422(world: World) -> None:
    headers = {"Idempotency-Key": "form-42"}
    first = await post_form(
        world, form_fields(), headers=headers, files=[("files", ("a.png", png_bytes(), "image/png"))]
    )
    again = await post_form(
        world, form_fields(), headers=headers, files=[("files", ("a.png", png_bytes(), "image/png"))]
    )
    other = await post_form(
        world, form_fields(), headers=headers, files=[("files", ("a.pdf", pdf_bytes(), "application/pdf"))]
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert_error(other, 422)


@pytest.mark.parametrize("key", [b"has space", b"x" * 201, "中文".encode()])
async def test_intake_malformed_idempotency_key_returns_400(world: World, key: bytes) -> None:
    answer = await world.client.post(URL, json=body(), headers={"Idempotency-Key": key})
    assert_error(answer, 400, "idempotency")


# ---- tracking ---------------------------------------------------------------------------------


async def test_track_with_code_returns_public_view(world: World) -> None:
    receipt = await world.submit()
    answer = await world.client.get(f"{URL}/{receipt['number']}", params={"code": receipt["access_code"]})
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert {
        "number",
        "status",
        "kind",
        "category",
        "content",
        "collected_at",
        "respond_due_at",
        "timeline",
        "response",
        "rating",
    } <= set(view)
    assert view["number"] == receipt["number"] and view["status"] == "collected"
    assert view["respond_due_at"] == receipt["respond_due_at"] or (
        parse_time(view["respond_due_at"]) == parse_time(receipt["respond_due_at"])
    )
    assert [item["action"] for item in view["timeline"]] == ["intake"]
    assert view["response"] is None and view["rating"] is None
    assert "contact" not in view and "13812341234" not in answer.text


async def test_track_code_in_lowercase_with_dash_still_matches(world: World) -> None:
    receipt = await world.submit()
    code = receipt["access_code"].lower()
    answer = await world.client.get(f"{URL}/{receipt['number']}", params={"code": f"{code[:4]}-{code[4:]}"})
    assert answer.status_code == 200


async def test_track_wrong_code_and_unknown_number_answer_identical_404(world: World) -> None:
    receipt = await world.submit()
    wrong = await world.client.get(f"{URL}/{receipt['number']}", params={"code": "ZZZZZZZZ"})
    unknown = await world.client.get(f"{URL}/1999-999999", params={"code": receipt["access_code"]})
    assert_error(wrong, 404)
    assert wrong.json() == unknown.json()
    assert wrong.status_code == unknown.status_code
    assert receipt["number"] not in wrong.text


async def test_track_without_code_returns_400_naming_code(world: World) -> None:
    receipt = await world.submit()
    assert_error(await world.client.get(f"{URL}/{receipt['number']}"), 400, "code")


async def test_track_hides_internal_notes_and_staff_names(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    await world.action("insp1", number, "supervise", note="督办机密备注")
    await world.action("hand1", number, "respond", text="已整改。", internal_note="内部备注勿外传")
    await world.action("lead1", number, "reopen", reason="重开原因内部")
    view = await world.client.get(f"{URL}/{number}", params={"code": receipt["access_code"]})
    assert view.status_code == 200
    for secret in ("督办机密备注", "内部备注勿外传", "重开原因内部", "hand1", "lead1"):
        assert secret not in view.text
    assert "supervise" not in [item["action"] for item in view.json()["timeline"]]
    staff = (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}/events")).json()
    assert "内部备注勿外传" in [e["internal_note"] for e in staff["items"]]


async def test_track_shows_public_notes_of_register(world: World) -> None:
    receipt = await world.submit()
    await world.action("reg1", receipt["number"], "register", public_note="已受理，将尽快处理")
    view = (
        await world.client.get(f"{URL}/{receipt['number']}", params={"code": receipt["access_code"]})
    ).json()
    assert view["status"] == "registered"
    assert [(i["action"], i["note"]) for i in view["timeline"]] == [
        ("intake", None),
        ("register", "已受理，将尽快处理"),
    ]


# ---- rating -----------------------------------------------------------------------------------


async def rate(world: World, receipt: dict[str, Any], value: str, **extra: Any) -> Any:
    return await world.client.post(
        f"{URL}/{receipt['number']}/rating", json={"code": receipt["access_code"], "value": value, **extra}
    )


@pytest.mark.parametrize("value", ["satisfied", "basically_satisfied"])
async def test_rate_satisfied_keeps_ticket_responded(world: World, value: str) -> None:
    receipt = await ticket_at(world, "responded")
    answer = await rate(world, receipt, value, comment="谢谢老师")
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["status"] == "responded"
    assert view["rating"]["value"] == value and view["rating"]["comment"] == "谢谢老师"
    assert view["response"]["text"] == "已处理，感谢您的反馈。"
    staff = (await world.as_("lead1", "GET", f"/api/v1/tickets/{receipt['number']}")).json()
    assert staff["rating"]["value"] == value


async def test_rate_first_unsatisfied_reopens_to_same_assignee_with_rework_deadline(
    world: World, settings: Any
) -> None:
    receipt = await ticket_at(world, "responded")
    before = (await world.as_("lead1", "GET", f"/api/v1/tickets/{receipt['number']}")).json()
    answer = await rate(world, receipt, "unsatisfied", comment="没有解决")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "assigned"
    after = (await world.as_("lead1", "GET", f"/api/v1/tickets/{receipt['number']}")).json()
    assert after["status"] == "assigned" and after["assignee"] == "hand1"
    assert after["respond_due_at"] != before["respond_due_at"]
    rated_at = parse_time(after["rating"]["at"])
    clock = Clock(WorkCalendar(), settings.timezone, DeadlinePolicy())
    assert parse_time(after["respond_due_at"]) == clock.rework_due(rated_at)
    # The assignee can answer again.
    again = await world.action("hand1", receipt["number"], "respond", text="已再次处理。")
    assert again.status_code == 200 and again.json()["status"] == "responded"


async def test_rate_second_unsatisfied_after_rework_stays_responded(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    assert (await rate(world, receipt, "unsatisfied")).json()["status"] == "assigned"
    assert (await world.action("hand1", receipt["number"], "respond", text="第二次答复")).status_code == 200
    answer = await rate(world, receipt, "unsatisfied", comment="还是不满意")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "responded"
    assert answer.json()["rating"]["comment"] == "还是不满意"


async def test_rate_same_answer_twice_returns_409(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    assert (await rate(world, receipt, "satisfied")).status_code == 200
    assert_error(await rate(world, receipt, "satisfied"), 409, "rated")


@pytest.mark.parametrize("status", ["collected", "registered", "assigned"])
async def test_rate_before_responded_returns_409_naming_state(world: World, status: str) -> None:
    receipt = await ticket_at(world, status)
    assert_error(await rate(world, receipt, "satisfied"), 409, "rate", status)


async def test_rate_archived_ticket_returns_409(world: World) -> None:
    receipt = await ticket_at(world, "archived")
    assert_error(await rate(world, receipt, "satisfied"), 409, "archived")


async def test_rate_wrong_code_returns_404(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    answer = await world.client.post(
        f"{URL}/{receipt['number']}/rating", json={"code": "WRONG234", "value": "satisfied"}
    )
    assert_error(answer, 404)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"value": "great"}, "value"),
        ({"value": None}, "value"),
        ({"comment": 5}, "comment"),
        ({"stars": 5}, "stars"),
    ],
)
async def test_rate_invalid_body_returns_400_naming_field(
    world: World, payload: dict[str, Any], field: str
) -> None:
    receipt = await ticket_at(world, "responded")
    data = {"code": receipt["access_code"], "value": "satisfied", **payload}
    answer = await world.client.post(f"{URL}/{receipt['number']}/rating", json=data)
    assert_error(answer, 400, field)


async def test_rate_missing_code_returns_400(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    answer = await world.client.post(f"{URL}/{receipt['number']}/rating", json={"value": "satisfied"})
    assert_error(answer, 400, "code")


async def test_rate_after_rework_response_is_allowed_once_more(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    await rate(world, receipt, "unsatisfied")
    await world.action("hand1", receipt["number"], "respond", text="改进后的答复")
    answer = await rate(world, receipt, "satisfied")
    assert answer.status_code == 200
    assert answer.json()["status"] == "responded"
    timeline = [item["action"] for item in answer.json()["timeline"]]
    assert timeline.count("rate") == 2 and timeline.count("respond") == 2


async def test_collected_at_in_public_view_is_a_time_with_offset(world: World) -> None:
    receipt = await world.submit()
    view = (
        await world.client.get(f"{URL}/{receipt['number']}", params={"code": receipt["access_code"]})
    ).json()
    collected = parse_time(view["collected_at"])
    assert isinstance(collected, datetime)
    await walk(world, receipt["number"], "registered")


async def test_intake_urlencoded_form_returns_415(world: World) -> None:
    answer = await world.client.post(URL, data=form_fields())  # no files: urlencoded
    assert_error(answer, 415, "multipart/form-data")


async def test_intake_multipart_without_files_is_accepted(world: World) -> None:
    answer = await post_form(world, form_fields(kind="praise", content="感谢王老师的耐心辅导！"))
    assert answer.status_code == 201, answer.text
    staff = (await world.as_("reg1", "GET", f"/api/v1/tickets/{answer.json()['number']}")).json()
    assert (staff["kind"], staff["content"]) == ("praise", "感谢王老师的耐心辅导！")


# ---- abuse limits ---------------------------------------------------------------------------

BOUNDARY = "hx-test-boundary"


def part(name: str, filename: str | None, content: bytes) -> bytes:
    """One part of a raw multipart body; `filename` None for a text field."""
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"


def multipart(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    return b"".join(part(*p) for p in parts) + f"--{BOUNDARY}--\r\n".encode()


def fields_parts(**overrides: str) -> list[tuple[str, str | None, bytes]]:
    return [(name, None, value.encode()) for name, value in form_fields(**overrides).items()]


async def post_raw(world: World, raw: bytes) -> Any:
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    return await world.client.post(URL, content=raw, headers=headers)


async def test_intake_multipart_six_empty_file_parts_returns_400(
    world: World, connection: AsyncConnection
) -> None:
    """Empty file parts count: 600,000 of them were once read to the end."""
    raw = multipart(fields_parts() + [("files", "", b"")] * 6)
    assert_error(await post_raw(world, raw), 400, "`files`", "at most 5")
    assert await school_tickets(connection) == 0


async def test_intake_multipart_stops_reading_at_the_sixth_file_part(world: World) -> None:
    """The body is streamed: what follows the sixth file part is never read."""
    pulled = []

    async def chunks() -> Any:
        pieces = [b"".join(part(*p) for p in fields_parts())]
        pieces += [part("files", f"{i}.png", png_bytes()) for i in range(6)]
        pieces += [b"x" * 1024] * 100
        for i, piece in enumerate(pieces):
            pulled.append(i)
            yield piece

    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    answer = await world.client.post(URL, content=chunks(), headers=headers)
    assert_error(answer, 400, "at most 5")
    assert len(pulled) == 7  # the fields and six file parts; none of the 100 chunks after them


async def test_intake_multipart_too_many_fields_returns_413(world: World) -> None:
    raw = multipart(fields_parts() + [("", None, b"")] * 60)
    assert_error(await post_raw(world, raw), 413, "more than 50 fields")


async def test_intake_multipart_part_with_huge_headers_returns_413(world: World) -> None:
    raw = multipart(fields_parts()).replace(
        b'name="school_code"', b'name="school_code"; padding="' + b"x" * 10_000 + b'"', 1
    )
    assert_error(await post_raw(world, raw), 413, "headers")


async def test_intake_past_the_address_limit_returns_429_and_other_addresses_pass(
    settings: Any, connection: AsyncConnection, world: World, app_clock: Any
) -> None:
    app = create_app(dataclasses.replace(settings, intake_limit=3), engine=connection, clock=app_clock)
    try:
        one, other = (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(address, 5000)), base_url="http://testserver"
            )
            for address in (f"10.99.{uuid.uuid4().int % 250}.1", f"10.98.{uuid.uuid4().int % 250}.2")
        )
        answers = [await one.post(URL, json=body()) for _ in range(4)]
        assert [a.status_code for a in answers[:3]] == [201, 201, 201]
        assert_error(answers[3], 429, "at most 3 a minute")
        assert (await other.post(URL, json=body())).status_code == 201
    finally:
        await app.state.redis.aclose()


async def test_intake_limit_keeps_no_address_in_redis(
    settings: Any, connection: AsyncConnection, world: World, app_clock: Any
) -> None:
    """The counter's key is an HMAC of the address, and it expires with its window."""
    address = f"10.97.{uuid.uuid4().int % 250}.3"
    app = create_app(dataclasses.replace(settings, intake_limit=3), engine=connection, clock=app_clock)
    try:
        transport = httpx.ASGITransport(app=app, client=(address, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.post(URL, json=body())).status_code == 201
        counter = throttle.key(settings.secret_key, "intake", address)
        assert address not in counter
        assert await app.state.redis.get(counter) == b"1"
        assert 0 < await app.state.redis.ttl(counter) <= 60
    finally:
        await app.state.redis.aclose()


# ---- Idempotency-Key: no number used up, scoped per school ----------------------------------------


async def test_intake_idempotent_replay_uses_up_no_ticket_number(world: World) -> None:
    headers = {"Idempotency-Key": "replay-no-number"}
    first = (await world.client.post(URL, json=body(), headers=headers)).json()
    for _ in range(3):
        assert (await world.client.post(URL, json=body(), headers=headers)).json() == first
    after = (await world.client.post(URL, json=body(content="下一个问题"))).json()
    year, sequence = first["number"].split("-")
    assert after["number"] == f"{year}-{int(sequence) + 1:06d}"


async def test_intake_same_key_at_another_school_makes_its_own_ticket(world: World) -> None:
    """Keys are scoped by school: another school's reuse of a key learns nothing of the first."""
    headers = {"Idempotency-Key": "shared-key-1"}
    first = await world.client.post(URL, json=body(), headers=headers)
    other = await world.client.post(URL, json=body(school_code="s2", content="别的学校"), headers=headers)
    same = await world.client.post(URL, json=body(school_code="s3"), headers=headers)
    assert first.status_code == other.status_code == same.status_code == 201, same.text
    assert len({first.json()["number"], other.json()["number"], same.json()["number"]}) == 3
    assert first.json()["access_code"] not in {other.json()["access_code"], same.json()["access_code"]}
