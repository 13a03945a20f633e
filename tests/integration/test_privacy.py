"""Privacy of staff views: who wrote is masked by role, a reveal is audited, staff notes stay
internal, nothing is cached, and every answer says its times one way."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import World
from .helpers import assert_error, parse_time, png_bytes, ticket_at, walk

PUBLIC = "/api/v1/public/tickets"
CONTACT = {"name": "王女士", "phone": "13812341234", "email": "wang.li@example.com", "relation": "母亲"}
STUDENT = {"name": "李小明", "class_name": "三年级二班"}
MASKED_CONTACT = {"name": "王*", "phone": "138****1234", "email": "w***@example.com", "relation": "母亲"}
MASKED_STUDENT = {"name": "李*", "class_name": "三年级二班"}
SECRETS = ("王女士", "13812341234", "wang.li@example.com", "李小明")


async def named_ticket(world: World, to: str = "assigned") -> str:
    receipt = await world.submit(contact=CONTACT, student=STUDENT)
    await walk(world, receipt["number"], to)
    return str(receipt["number"])


async def events(world: World, number: str, user: str = "insp1") -> dict[str, Any]:
    answer = await world.as_(user, "GET", f"/api/v1/tickets/{number}/events")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def public_view(world: World, receipt: dict[str, Any]) -> Any:
    answer = await world.client.get(f"{PUBLIC}/{receipt['number']}", params={"code": receipt["access_code"]})
    assert answer.status_code == 200, answer.text
    return answer


# ---- masking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "full"),
    [
        ("reg1", True),
        ("lead1", True),
        ("leadd1", True),
        ("hand1", False),
        ("grid1", False),
        ("insp1", False),
        ("cityinsp", False),
        ("admin", False),
    ],
)
async def test_get_list_and_action_answer_mask_identity_unless_registrar_or_leader(
    world: World, user: str, full: bool
) -> None:
    number = await named_ticket(world)
    expected = [CONTACT, STUDENT] if full else [MASKED_CONTACT, MASKED_STUDENT]
    got = await world.as_(user, "GET", f"/api/v1/tickets/{number}")
    listed = await world.as_(user, "GET", "/api/v1/tickets")
    assert [got.json()["contact"], got.json()["student"]] == expected
    assert [[t["contact"], t["student"]] for t in listed.json()["items"]] == [expected]
    if not full:
        for secret in SECRETS:
            assert secret not in got.text and secret not in listed.text


async def test_action_answer_masks_identity_for_handler(world: World) -> None:
    number = await named_ticket(world)
    answer = await world.action("hand1", number, "respond", text="已答复")
    assert (answer.json()["contact"], answer.json()["student"]) == (MASKED_CONTACT, MASKED_STUDENT)


# ---- reveal -----------------------------------------------------------------------------------


async def test_reveal_by_assignee_answers_identity_and_leaves_an_event_inspectors_see(world: World) -> None:
    number = await named_ticket(world)
    version = (await world.as_("hand1", "GET", f"/api/v1/tickets/{number}")).json()["version"]
    answer = await world.as_(
        "hand1", "POST", f"/api/v1/tickets/{number}/reveal", json={"reason": "需电话回访家长"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"number": number, "anonymous": False, "contact": CONTACT, "student": STUDENT}
    log = await events(world, number, "insp1")
    assert log["chain_ok"] is True
    last = log["items"][-1]
    assert (last["action"], last["actor"], last["actor_role"]) == ("reveal", "hand1老师", "assignee")
    assert (last["from_status"], last["to_status"]) == ("assigned", "assigned")
    assert (last["note"], last["internal_note"]) == (None, "需电话回访家长")
    assert last["data"] == {"fields": ["contact", "student"]}
    # An audited read: the ticket itself is unchanged, and the parent's timeline does not show it.
    assert (await world.as_("hand1", "GET", f"/api/v1/tickets/{number}")).json()["version"] == version


@pytest.mark.parametrize("user", ["reg1", "lead1"])
async def test_reveal_by_registrar_or_leader_is_allowed_and_recorded(world: World, user: str) -> None:
    number = await named_ticket(world)
    answer = await world.as_(user, "POST", f"/api/v1/tickets/{number}/reveal", json={"reason": "核实身份"})
    assert answer.status_code == 200, answer.text
    assert (await events(world, number))["items"][-1]["action"] == "reveal"


@pytest.mark.parametrize("user", ["hand1b", "grid1", "insp1", "cityinsp", "admin"])
async def test_reveal_by_other_role_returns_403_and_records_nothing(world: World, user: str) -> None:
    number = await named_ticket(world)
    before = len((await events(world, number))["items"])
    answer = await world.as_(user, "POST", f"/api/v1/tickets/{number}/reveal", json={"reason": "想看看"})
    assert_error(answer, 403, "reveal")
    assert len((await events(world, number))["items"]) == before


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}], ids=["missing", "empty", "blank"])
async def test_reveal_without_reason_returns_400_naming_reason(world: World, body: dict[str, str]) -> None:
    number = await named_ticket(world)
    assert_error(
        await world.as_("hand1", "POST", f"/api/v1/tickets/{number}/reveal", json=body), 400, "reason"
    )


async def test_reveal_of_other_school_ticket_returns_404(world: World) -> None:
    number = await named_ticket(world)
    answer = await world.as_("lead2", "POST", f"/api/v1/tickets/{number}/reveal", json={"reason": "x"})
    assert_error(answer, 404)


async def test_reveal_of_anonymous_ticket_answers_no_contact(world: World) -> None:
    receipt = await world.submit(anonymous=True, contact=None)
    await walk(world, receipt["number"], "assigned")
    answer = await world.as_(
        "hand1", "POST", f"/api/v1/tickets/{receipt['number']}/reveal", json={"reason": "x"}
    )
    assert answer.json() == {"number": receipt["number"], "anonymous": True, "contact": None, "student": None}


async def test_reveal_is_not_on_the_parents_timeline(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await world.as_("hand1", "POST", f"/api/v1/tickets/{receipt['number']}/reveal", json={"reason": "回访"})
    view = (await public_view(world, receipt)).json()
    assert "reveal" not in [item["action"] for item in view["timeline"]]
    assert "回访" not in (await public_view(world, receipt)).text


# ---- notes: internal unless public_note ---------------------------------------------------------


async def test_staff_notes_of_every_action_never_reach_the_parent(world: World) -> None:
    receipt = await world.submit()
    number = receipt["number"]
    notes = {
        "register": {"note": "内部:登记备注"},
        "submit": {"note": "内部:呈报备注"},
        "assign": {"assignee": "hand1", "note": "请三天内回复家长"},
        "supervise": {"note": "内部:督办意见"},
        "respond": {"text": "已处理。", "internal_note": "内部:核查记录"},
        "reopen": {"reason": "内部:重办理由"},
    }
    users = {"register": "reg1", "submit": "reg1", "assign": "lead1", "supervise": "insp1"}
    users |= {"respond": "hand1", "reopen": "lead1"}
    for action, body in notes.items():
        answer = await world.action(users[action], number, action, **body)
        assert answer.status_code == 200, (action, answer.text)
    due = parse_time((await world.as_("lead1", "GET", f"/api/v1/tickets/{number}")).json()["respond_due_at"])
    extend = {"respond_due_at": (due + timedelta(days=1)).isoformat(), "reason": "内部:延期理由"}
    assert (await world.action("lead1", number, "extend", **extend)).status_code == 200
    await world.action("hand1", number, "respond", text="再次答复。")
    await world.action("lead1", number, "archive", note="内部:办结备注")
    await world.action("insp1", number, "inspect", verdict="pass", note="内部:抽查意见")

    seen = (await public_view(world, receipt)).text
    assert "内部" not in seen and "请三天内回复家长" not in seen
    log = (await events(world, number))["items"]
    assert all(e["note"] is None for e in log)
    internal = [e["internal_note"] for e in log]
    assert "请三天内回复家长" in internal and "内部:抽查意见" in internal and "内部:延期理由" in internal


@pytest.mark.parametrize(
    ("user", "action", "body"),
    [
        ("reg1", "register", {}),
        ("lead1", "assign", {"assignee": "hand1"}),
        ("insp1", "supervise", {"note": "内部:督办"}),
    ],
)
async def test_public_note_of_any_action_is_on_the_parents_timeline(
    world: World, user: str, action: str, body: dict[str, str]
) -> None:
    receipt = await ticket_at(world, "submitted" if action == "assign" else "collected")
    answer = await world.action(user, receipt["number"], action, public_note="已转交相关老师办理", **body)
    assert answer.status_code == 200, answer.text
    timeline = (await public_view(world, receipt)).json()["timeline"]
    assert timeline[-1]["action"] == action
    assert timeline[-1]["note"] == "已转交相关老师办理"
    assert (await events(world, receipt["number"]))["items"][-1]["note"] == "已转交相关老师办理"
    assert "内部" not in (await public_view(world, receipt)).text


async def test_public_note_blank_is_no_note(world: World) -> None:
    receipt = await world.submit()
    await world.action("reg1", receipt["number"], "register", public_note="   ")
    assert (await public_view(world, receipt)).json()["timeline"][-1] == {
        "at": (await events(world, receipt["number"]))["items"][-1]["at"],
        "action": "register",
        "note": None,
    }


# ---- caching ----------------------------------------------------------------------------------


async def test_staff_answers_and_attachments_are_not_stored_by_caches(world: World) -> None:
    data = {"school_code": "s1", "kind": "help", "category": "其他", "content": "附件", "consent": "true"}
    files = [("files", ("a.png", png_bytes(), "image/png"))]
    created = await world.client.post(PUBLIC, data=data, files=files)
    number = created.json()["number"]
    listed = await world.as_("reg1", "GET", f"/api/v1/tickets/{number}/attachments")
    file_id = listed.json()["items"][0]["id"]
    for url in (
        "/api/v1/tickets",
        f"/api/v1/tickets/{number}",
        f"/api/v1/tickets/{number}/events",
        f"/api/v1/tickets/{number}/attachments",
        f"/api/v1/tickets/{number}/attachments/{file_id}",
        "/api/v1/notifications",
        "/api/v1/stats",
    ):
        answer = await world.as_("reg1", "GET", url)
        assert answer.status_code == 200, (url, answer.text)
        assert answer.headers["cache-control"] == "no-store", url
    assert created.headers["cache-control"] == "no-store"
    assert_error(await world.as_("reg1", "GET", f"/api/v1/tickets/{number}/attachments/{2**64}"), 404)


# ---- one timestamp form -----------------------------------------------------------------------

TIMESTAMP = re.compile(r'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[^"]*)"')


def times_in(body: str) -> list[str]:
    return TIMESTAMP.findall(body)


async def test_every_answer_gives_times_with_the_bureaus_offset(
    world: World, settings: Any, connection: AsyncConnection
) -> None:
    receipt = await world.submit(contact=CONTACT, student=STUDENT)
    number = receipt["number"]
    ticket = await walk(world, number, "assigned")
    due = parse_time(ticket["respond_due_at"])
    extended = await world.action(
        "lead1", number, "extend", respond_due_at=(due + timedelta(days=1)).isoformat(), reason="取证"
    )
    supervised = await world.action(
        "insp1", number, "supervise", note="督办", due_at=(due + timedelta(hours=2)).isoformat()
    )
    responded = await world.action("hand1", number, "respond", text="已答复")
    await connection.execute(
        text(
            "INSERT INTO notifications (user_id, ticket_id, rule, at) SELECT u.id, t.id, 'overdue', now() "
            "FROM users u, tickets t WHERE u.username = 'lead1' AND t.number = :number"
        ),
        {"number": number},
    )
    rated = await world.client.post(
        f"{PUBLIC}/{number}/rating", json={"code": receipt["access_code"], "value": "satisfied"}
    )
    answers = {
        "receipt": (await world.client.post(PUBLIC, json=_body())).text,
        "extend": extended.text,
        "supervise": supervised.text,
        "respond": responded.text,
        "rating": rated.text,
        "ticket": (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}")).text,
        "list": (await world.as_("lead1", "GET", "/api/v1/tickets")).text,
        "events": (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}/events")).text,
        "public": (await public_view(world, receipt)).text,
        "notifications": (await world.as_("lead1", "GET", "/api/v1/notifications")).text,
        "deliveries": (await world.as_("admin", "GET", "/api/v1/deliveries")).text,
    }
    offset = settings.timezone.utcoffset(due.replace(tzinfo=None))
    assert offset == timedelta(hours=8)
    for name, body in answers.items():
        found = times_in(body)
        assert found, f"{name} has no timestamps: {body[:200]}"
        wrong = [t for t in found if not t.endswith("+08:00")]
        assert wrong == [], (name, wrong)


def _body() -> dict[str, Any]:
    return {"school_code": "s1", "kind": "help", "category": "其他", "content": "时间格式", "consent": True}
