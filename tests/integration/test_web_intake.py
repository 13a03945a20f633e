"""Offline intake on the staff pages (/staff/intake, web/staff/intake.py, services/desk.py)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from .conftest import World
from .helpers import csrf_of, png_bytes, sign_in

pytestmark = pytest.mark.asyncio
TZ = ZoneInfo("Asia/Shanghai")
NUMBER = re.compile(r"\b(\d{4}-\d{6})\b")


def local(world: World) -> datetime:
    return world.now().astimezone(TZ)


async def open_form(world: World, user: str, channel: str) -> dict[str, str]:
    """Sign in and load the channel's form: its CSRF token and idempotency key."""
    await sign_in(world.client, user)
    form = await world.client.get(f"/staff/intake/{channel}")
    assert form.status_code == 200, form.text[:500]
    key = re.search(r'name="key" value="([^"]+)"', form.text)
    assert key
    return {"csrf": csrf_of(form.text), "key": key.group(1)}


def shared(**overrides: str) -> dict[str, str]:
    fields = {
        "school_code": "s1",
        "kind": "complaint",
        "category": "食堂膳食",
        "content": "孩子说食堂的饭菜偏凉，希望改进保温。",
    }
    fields.update(overrides)
    return fields


async def post(world: World, channel: str, fields: dict[str, str], files: Any = None) -> httpx.Response:
    # The files go last (httpx writes data fields first): the CSRF token arrives before them.
    return await world.client.post(
        f"/staff/intake/{channel}",
        data=fields,
        files=files or {"files": ("", b"", "application/octet-stream")},
    )


def number_of(answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text[:2000]
    found = NUMBER.search(answer.text)
    assert found, answer.text[:2000]
    return found.group(1)


async def ticket(world: World, number: str, user: str = "reg1") -> dict[str, Any]:
    answer = await world.as_(user, "GET", f"/api/v1/tickets/{number}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def events(world: World, number: str, user: str = "reg1") -> list[dict[str, Any]]:
    answer = await world.as_(user, "GET", f"/api/v1/tickets/{number}/events")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


async def count_tickets(world: World) -> int:
    answer = await world.as_("reg1", "GET", "/api/v1/tickets?limit=100")
    return len(answer.json()["items"])


async def test_intake_channels_page_offers_every_offline_channel(world: World) -> None:
    await sign_in(world.client, "reg1")
    page = await world.client.get("/staff/intake")
    assert page.status_code == 200
    for channel in ("mailbox", "hotline", "reception", "parent_meeting", "grid", "home_visit"):
        assert f'href="/staff/intake/{channel}"' in page.text
    assert "<script>" not in page.text and 'style="' not in page.text


async def test_intake_page_inspector_is_refused(world: World) -> None:
    await sign_in(world.client, "insp1")
    assert (await world.client.get("/staff/intake")).status_code == 403


async def test_intake_unknown_channel_is_404(world: World) -> None:
    await sign_in(world.client, "reg1")
    assert (await world.client.get("/staff/intake/online")).status_code == 404


async def test_intake_mailbox_with_scan_creates_ticket_with_attachment(world: World) -> None:
    form = await open_form(world, "reg1", "mailbox")
    taken = (local(world) - timedelta(days=2)).date()
    answer = await post(
        world,
        "mailbox",
        {**form, **shared(content="校长您好：学校门口早上接送拥堵。"), "collected_at": taken.isoformat()},
        files={"files": ("scan.png", png_bytes(), "image/png")},
    )
    number = number_of(answer)
    assert "查询码" in answer.text and f'href="/staff/tickets/{number}"' in answer.text
    assert 'href="/staff/intake/mailbox"' in answer.text and "录入下一条" in answer.text
    view = await ticket(world, number)
    assert view["channel"] == "mailbox" and view["status"] == "collected"
    assert datetime.fromisoformat(view["collected_at"]).astimezone(TZ).date() == taken
    files = await world.as_("reg1", "GET", f"/api/v1/tickets/{number}/attachments")
    assert [f["content_type"] for f in files.json()["items"]] == ["image/png"]


async def test_intake_mailbox_without_scan_is_400_and_says_so(world: World) -> None:
    form = await open_form(world, "reg1", "mailbox")
    today = local(world).date().isoformat()
    answer = await post(world, "mailbox", {**form, **shared(), "collected_at": today})
    assert answer.status_code == 400
    assert "请选择信件的扫描件或照片" in answer.text


async def test_intake_hotline_answer_now_ends_responded_with_register_and_respond(world: World) -> None:
    form = await open_form(world, "reg1", "hotline")
    called = (local(world) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    answer = await post(
        world,
        "hotline",
        {
            **form,
            **shared(kind="inquiry", category="招生入学", content="来电咨询一年级报名需要哪些材料。"),
            "collected_at": called,
            "contact_name": "赵先生",
            "contact_phone": "13700001234",
            "answer_now": "on",
            "answer": "需要户口本、房产证明和预防接种证，12月20日前到教务处登记。",
        },
    )
    number = number_of(answer)
    assert "已录入并答复" in answer.text
    view = await ticket(world, number)
    assert view["channel"] == "hotline" and view["status"] == "responded"
    assert view["response"]["text"].startswith("需要户口本")
    assert view["contact"]["name"] == "赵先生"
    assert datetime.fromisoformat(view["collected_at"]).astimezone(TZ).strftime("%Y-%m-%dT%H:%M") == called
    assert [e["action"] for e in await events(world, number)] == ["intake", "register", "respond"]


async def test_intake_hotline_without_answer_is_a_ticket_with_its_deadline(world: World) -> None:
    form = await open_form(world, "reg1", "hotline")
    called = local(world).strftime("%Y-%m-%dT%H:%M")
    answer = await post(world, "hotline", {**form, **shared(), "collected_at": called})
    number = number_of(answer)
    assert "答复期限" in answer.text
    view = await ticket(world, number)
    assert view["status"] == "collected" and view["respond_due_at"]


async def test_intake_hotline_replayed_form_answers_the_first_receipt(world: World) -> None:
    form = await open_form(world, "reg1", "hotline")
    fields = {
        **form,
        **shared(),
        "collected_at": local(world).strftime("%Y-%m-%dT%H:%M"),
        "answer_now": "on",
        "answer": "已当场说明。",
    }
    first = number_of(await post(world, "hotline", fields))
    again = number_of(await post(world, "hotline", fields))
    assert again == first
    assert [e["action"] for e in await events(world, first)] == ["intake", "register", "respond"]


async def test_intake_answer_now_by_handler_is_a_field_error(world: World) -> None:
    form = await open_form(world, "hand1", "hotline")
    fields = {
        **form,
        **shared(),
        "collected_at": local(world).strftime("%Y-%m-%dT%H:%M"),
        "answer_now": "on",
        "answer": "好的。",
    }
    answer = await post(world, "hotline", fields)
    assert answer.status_code == 400 and "您的岗位不能当场答复" in answer.text


async def test_intake_reception_keeps_who_received_in_the_intake_event(world: World) -> None:
    form = await open_form(world, "lead1", "reception")
    answer = await post(
        world,
        "reception",
        {**form, **shared(), "collected_at": local(world).date().isoformat(), "received_by": "王校长"},
    )
    number = number_of(answer)
    view = await ticket(world, number)
    assert view["channel"] == "reception"
    first = (await events(world, number))[0]
    assert first["internal_note"] == "接待人：王校长"
    assert first["data"]["source"] == {"received_by": "王校长"}


@pytest.mark.parametrize(
    ("channel", "user"), [("parent_meeting", "reg1"), ("grid", "grid1"), ("home_visit", "hand1")]
)
async def test_intake_other_channels_record_their_day_and_place(
    world: World, channel: str, user: str
) -> None:
    form = await open_form(world, user, channel)
    day = (local(world) - timedelta(days=1)).date()
    answer = await post(
        world,
        channel,
        {**form, **shared(), "collected_at": day.isoformat(), "raised_by": "家长张女士", "place": "三年级"},
    )
    number = number_of(answer)
    view = await ticket(world, number)
    assert view["channel"] == channel
    assert datetime.fromisoformat(view["collected_at"]).astimezone(TZ).date() == day
    first = (await events(world, number))[0]
    assert "提出人：家长张女士" in first["internal_note"] and "三年级" in first["internal_note"]


async def test_intake_bad_input_is_400_with_errors_beside_fields_and_text_kept(world: World) -> None:
    form = await open_form(world, "reg1", "reception")
    tomorrow = (local(world) + timedelta(days=1)).date().isoformat()
    answer = await post(
        world,
        "reception",
        {
            **form,
            **shared(category="", content="家长反映的原话，一字不能丢。"),
            "collected_at": tomorrow,
            "contact_phone": "abc",
        },
        files={"files": ("photo.png", png_bytes(), "image/png")},
    )
    assert answer.status_code == 400
    text = answer.text
    assert "请修改标出的内容后再提交" in text  # the summary
    assert 'href="#category"' in text and 'id="category-error"' in text
    assert "日期不能晚于今天" in text and "请填写接待人" in text and "请填写正确的手机或电话号码" in text
    assert "家长反映的原话，一字不能丢。" in text and 'value="abc"' in text and f'value="{tomorrow}"' in text
    assert "已选择的文件需要重新选择" in text
    assert f'value="{form["key"]}"' in text  # the same form: a retry cannot make two tickets


async def test_intake_unparseable_time_is_a_field_error(world: World) -> None:
    form = await open_form(world, "reg1", "hotline")
    answer = await post(world, "hotline", {**form, **shared(), "collected_at": "昨天上午"})
    assert answer.status_code == 400
    assert 'id="collected_at-error"' in answer.text and "请填写来电的日期和时间" in answer.text


async def test_intake_future_call_time_is_a_field_error(world: World) -> None:
    form = await open_form(world, "reg1", "hotline")
    later = (local(world) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    answer = await post(world, "hotline", {**form, **shared(), "collected_at": later})
    assert answer.status_code == 400 and "来电时间不能晚于现在" in answer.text


async def test_intake_handler_of_s1_cannot_file_into_s2(world: World) -> None:
    form = await open_form(world, "hand1", "parent_meeting")
    fields = {**form, **shared(school_code="s2"), "collected_at": local(world).date().isoformat()}
    answer = await post(world, "parent_meeting", fields)
    assert answer.status_code == 400 and 'id="school_code-error"' in answer.text
    assert await count_tickets(world) == 0


async def test_intake_without_csrf_is_403_and_nothing_recorded(world: World) -> None:
    form = await open_form(world, "reg1", "mailbox")
    fields = {**shared(), "key": form["key"], "collected_at": local(world).date().isoformat()}
    answer = await post(world, "mailbox", fields, files={"files": ("scan.png", png_bytes(), "image/png")})
    assert answer.status_code == 403 and "页面已过期" in answer.text
    assert await count_tickets(world) == 0


async def test_intake_district_leader_picks_the_school_and_may_answer_at_once(world: World) -> None:
    form = await open_form(world, "leadd1", "hotline")
    page = await world.client.get("/staff/intake/hotline")
    assert '<select id="school_code"' in page.text and 'value="s2"' in page.text
    assert 'value="s3"' not in page.text  # another district's school
    fields = {
        **form,
        **shared(school_code="s2"),
        "collected_at": local(world).strftime("%Y-%m-%dT%H:%M"),
        "answer_now": "on",
        "answer": "已转告学校，今天内回电。",
    }
    number = number_of(await post(world, "hotline", fields))
    view = await ticket(world, number, user="leadd1")
    assert view["school_code"] == "s2" and view["status"] == "responded"
