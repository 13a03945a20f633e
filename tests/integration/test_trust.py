"""Parents' trust (issue 12): a ticket that names a staff member does not exist for them — on
every path that could show it, for every role — and an escrowed parent's identity stays with
the district while the answer still reaches them."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db import reminders as reminders_db
from huixiang.db import repo
from huixiang.domain.access import Principal
from huixiang.services import delivery, queues, stats
from huixiang.services.channels import Message
from huixiang.services.context import Ctx
from huixiang.services.tickets.desk import desk
from huixiang.settings import Settings

from .conftest import World
from .helpers import assert_error, png_bytes, raw, walk
from .test_reminders import Run

PUBLIC = "/api/v1/public/tickets"


@pytest.fixture
def run(settings: Settings, connection: AsyncConnection) -> Run:
    return Run(settings, connection)


SECRET_WORDS = "食堂打饭阿姨克扣菜量"
CONTACT = {"name": "王女士", "phone": "13812341234", "email": "wang.li@example.com", "relation": "母亲"}


async def user_id(world: World, connection: AsyncConnection, username: str) -> int:
    del world
    found = (
        await connection.execute(text("SELECT id FROM users WHERE username = :u"), {"u": username})
    ).scalar()
    assert found is not None
    return int(found)


async def principal_of(ctx: Ctx, username: str) -> Principal:
    user = await repo.user_by_username(ctx.session, username)
    assert user is not None
    grants = (await repo.grants_of(ctx.session, [user.id]))[user.id]
    return Principal(user.id, user.username, user.display_name, tuple(grants))


async def naming(
    world: World, connection: AsyncConnection, *usernames: str, **overrides: Any
) -> dict[str, Any]:
    """A complaint (with a photo) that names `usernames` at intake."""
    ids = [await user_id(world, connection, u) for u in usernames]
    body = {
        "school_code": "s1",
        "kind": "complaint",
        "category": "食堂膳食",
        "content": f"{SECRET_WORDS}，孩子每天吃不饱。",
        "consent": True,
        "contact": CONTACT,
        "named_staff": ids,
        **overrides,
    }
    answer = await world.client.post(PUBLIC, json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


# ---- every path, every role ------------------------------------------------------------------

# The school's staff a complaint may name, one per role held at a school (a leader is below:
# naming one sends the ticket to the district).
NAMED = ["reg1", "hand1b", "grid1"]


async def _api_get(world: World, who: str, number: str) -> bool:
    answer = await world.as_(who, "GET", f"/api/v1/tickets/{number}")
    assert answer.status_code in (200, 404), answer.text
    return answer.status_code == 200


async def _api_events(world: World, who: str, number: str) -> bool:
    answer = await world.as_(who, "GET", f"/api/v1/tickets/{number}/events")
    assert answer.status_code in (200, 404), answer.text
    return answer.status_code == 200


async def _api_attachments(world: World, who: str, number: str) -> bool:
    answer = await world.as_(who, "GET", f"/api/v1/tickets/{number}/attachments")
    assert answer.status_code in (200, 404), answer.text
    return answer.status_code == 200


async def _api_list(world: World, who: str, number: str) -> bool:
    answer = await world.as_(who, "GET", "/api/v1/tickets", params={"limit": 100})
    assert answer.status_code == 200, answer.text
    return number in [t["number"] for t in answer.json()["items"]]


UNKNOWN = "2026-999999"


async def _api_action(world: World, who: str, number: str) -> bool:
    """An action on it answers as for a number that does not exist (a 403 or a 409 instead of
    the 404 would confirm it)."""
    answer = await world.action(who, number, "register")
    unknown = await world.action(who, UNKNOWN, "register")
    return (answer.status_code, answer.json().get("detail", "")[:12]) != (
        unknown.status_code,
        unknown.json().get("detail", "")[:12],
    )


async def _api_reveal(world: World, who: str, number: str) -> bool:
    answer = await world.as_(who, "POST", f"/api/v1/tickets/{number}/reveal", json={"reason": "x"})
    unknown = await world.as_(who, "POST", f"/api/v1/tickets/{UNKNOWN}/reveal", json={"reason": "x"})
    return answer.status_code != unknown.status_code


async def _api_notifications(world: World, who: str, number: str) -> bool:
    answer = await world.as_(who, "GET", "/api/v1/notifications")
    assert answer.status_code == 200, answer.text
    return number in [n["ticket_number"] for n in answer.json()["items"]]


async def _api_export(world: World, who: str, number: str) -> bool:
    answer = await world.as_(who, "GET", "/api/v1/exports/tickets.xlsx")
    if answer.status_code == 403:  # a role that exports nothing (handlers, grid members)
        return False
    assert answer.status_code == 200, answer.text
    sheet = load_workbook(io.BytesIO(answer.content), read_only=True).worksheets[0]
    return any(number in [str(c) for c in row] for row in sheet.iter_rows(values_only=True))


Path = Callable[[World, str, str], Awaitable[bool]]
API_PATHS: dict[str, Path] = {
    "get": _api_get,
    "events": _api_events,
    "attachments": _api_attachments,
    "list": _api_list,
    "action": _api_action,
    "reveal": _api_reveal,
    "notifications": _api_notifications,
    "export": _api_export,
}


@pytest.mark.parametrize("path", sorted(API_PATHS))
@pytest.mark.parametrize("named", NAMED)
async def test_api_path_hides_ticket_from_named_staff_only(
    world: World, connection: AsyncConnection, named: str, path: str
) -> None:
    # A control first: the same person sees an ordinary ticket on this path (else the test
    # could not fail), and a colleague of the same role sees the named one.
    plain = await world.submit(content=f"{SECRET_WORDS}，另一件事。")
    receipt = await naming(world, connection, named)
    check = API_PATHS[path]
    if path == "notifications":  # new-ticket notices reach registrars
        assert await check(world, "reg1", plain["number"]) is True
        assert await check(world, "reg1", receipt["number"]) is (named != "reg1")
        return
    if path == "export":
        assert await check(world, "lead1", receipt["number"]) is True
        assert await check(world, "reg1", receipt["number"]) is (named != "reg1")
        return
    if path != "reveal" or named != "grid1":  # a grid member may reveal nothing: 403 for any number
        assert await check(world, named, plain["number"]) is True
    assert await check(world, named, receipt["number"]) is False
    assert await check(world, "lead1", receipt["number"]) is True


async def test_attachment_file_of_named_ticket_is_404_for_the_named(
    world: World, connection: AsyncConnection
) -> None:
    answer = await world.client.post(
        PUBLIC,
        data={
            "school_code": "s1",
            "kind": "complaint",
            "category": "食堂膳食",
            "content": "带照片的投诉",
            "consent": "true",
            "named_staff": str(await user_id(world, connection, "hand1b")),
        },
        files={"files": ("a.png", png_bytes(), "image/png")},
    )
    assert answer.status_code == 201, answer.text
    with_file = answer.json()["number"]
    files = (await world.as_("lead1", "GET", f"/api/v1/tickets/{with_file}/attachments")).json()["items"]
    assert len(files) == 1
    url = f"/api/v1/tickets/{with_file}/attachments/{files[0]['id']}"
    assert (await world.as_("lead1", "GET", url)).status_code == 200
    assert_error(await world.as_("hand1b", "GET", url), 404)


# ---- the service paths: queues and their counts, search, drill-down, desk, digest -------------


@pytest.mark.parametrize("named", NAMED)
async def test_queue_pages_and_search_leave_out_the_named(
    world: World, connection: AsyncConnection, run: Run, named: str
) -> None:
    plain = (await world.submit(content=f"{SECRET_WORDS}，另一件事。"))["number"]
    number = (await naming(world, connection, named))["number"]
    # Registered by the leader (the registrar may be the one named): in a view every role has.
    for each in (plain, number):
        assert (await world.action("lead1", each, "register")).status_code == 200

    async def seen(who: str, number: str = number) -> tuple[bool, bool]:
        async def work(ctx: Ctx) -> tuple[bool, bool]:
            principal = await principal_of(ctx, who)
            found = searched = False
            for view in queues.views_for(principal):
                page = await queues.queue(ctx, principal, view, queues.QueueFilter())
                found = found or number in [r.number for r in [*page.pinned, *page.rows]]
                hits = await queues.queue(ctx, principal, view, queues.QueueFilter(words=SECRET_WORDS))
                searched = searched or number in [r.number for r in [*hits.pinned, *hits.rows]]
            return found, searched

        return await run(world.now(), work)

    assert await seen("lead1") == (True, True)  # the control
    if named != "reg1":
        assert await seen("reg1") == (True, True)
    # The named sees the plain one where their views show registered tickets (a handler's
    # and a grid member's queues are their own assignments only), and never the named one.
    shown = await seen(named, plain)
    assert shown == ((True, True) if named == "reg1" else (False, False))
    assert await seen(named) == (False, False)


async def test_queue_counts_leave_out_the_named_ticket(
    world: World, connection: AsyncConnection, run: Run
) -> None:
    await world.submit()
    await naming(world, connection, "reg1")
    await naming(world, connection, "hand1b")

    async def collected(who: str) -> int:
        async def work(ctx: Ctx) -> int:
            principal = await principal_of(ctx, who)
            page = await queues.queue(ctx, principal, "collected", queues.QueueFilter())
            return next(c.count for c in page.counts if c.code == "collected")

        return await run(world.now(), work)

    # Two colleagues of the same school: the one named on one of the three sees two.
    assert await collected("reg1") == 2
    assert await collected("lead1") == 3


@pytest.mark.parametrize("named", NAMED)
async def test_stats_drill_down_leaves_out_the_named(
    world: World, connection: AsyncConnection, run: Run, named: str
) -> None:
    plain = await world.submit()
    receipt = await naming(world, connection, named)

    async def listed(who: str) -> list[str]:
        async def work(ctx: Ctx) -> list[str]:
            principal = await principal_of(ctx, who)
            found = await stats.tickets_behind(
                ctx, principal, figure="total", org_code="s1", start=None, end=None, facets={}
            )
            return [r.number for r in found["items"]]

        return await run(world.now(), work)

    lead = await listed("lead1")
    assert {plain["number"], receipt["number"]} <= set(lead)
    if named == "reg1":
        mine = await listed("reg1")
        assert plain["number"] in mine and receipt["number"] not in mine
    else:
        assert receipt["number"] not in await listed(named)


async def test_desk_duplicates_and_handler_picker_leave_out_the_named(
    world: World, connection: AsyncConnection, run: Run
) -> None:
    # The registrar opens a ticket; a similar one names them: never offered as a duplicate.
    similar = await naming(world, connection, "reg1")
    other = await world.submit(content=f"{SECRET_WORDS}，孩子每天吃不饱，请学校核实。")
    named_hand = await naming(world, connection, "hand1b")
    await walk(world, named_hand["number"], "submitted")

    async def work(ctx: Ctx) -> tuple[list[str], list[str], list[str]]:
        reg = await desk(ctx, await principal_of(ctx, "reg1"), other["number"])
        lead = await desk(ctx, await principal_of(ctx, "lead1"), other["number"])
        picker = await desk(ctx, await principal_of(ctx, "lead1"), named_hand["number"])
        return (
            [d.number for d in reg.duplicates],
            [d.number for d in lead.duplicates],
            [h.username for h in picker.handlers],
        )

    reg_dups, lead_dups, handlers = await run(world.now(), work)
    assert similar["number"] in lead_dups  # the control: it is a likely duplicate
    assert similar["number"] not in reg_dups
    assert "hand1" in handlers and "hand1b" not in handlers


async def test_assigning_a_named_handler_is_400_naming_assignee(
    world: World, connection: AsyncConnection
) -> None:
    receipt = await naming(world, connection, "hand1b")
    await walk(world, receipt["number"], "submitted")
    assert_error(await world.action("lead1", receipt["number"], "assign", assignee="hand1b"), 400, "assignee")
    assert (await world.action("lead1", receipt["number"], "assign", assignee="hand1")).status_code == 200


async def test_sweep_notices_skip_the_named(world: World, connection: AsyncConnection, run: Run) -> None:
    receipt = await naming(world, connection, "reg1")
    plain = await world.submit()
    await run.sweep(world.now() + timedelta(days=10))
    rows = await run.rows(
        "SELECT t.number, u.username FROM notifications n JOIN users u ON u.id = n.user_id "
        "JOIN tickets t ON t.id = n.ticket_id WHERE n.rule = 'register_overdue'"
    )
    got = {(r[0], r[1]) for r in rows}
    assert (plain["number"], "reg1") in got and (plain["number"], "lead1") in got
    assert (receipt["number"], "lead1") in got
    assert (receipt["number"], "reg1") not in got
    intake = await run.rows(
        "SELECT u.username FROM notifications n JOIN users u ON u.id = n.user_id "
        "JOIN tickets t ON t.id = n.ticket_id WHERE n.rule = 'new_ticket' AND t.number = :n",
        n=receipt["number"],
    )
    assert intake == []  # s1 has one registrar, and the ticket names them


async def test_digest_leaves_out_a_ticket_that_names_the_leader(
    world: World, connection: AsyncConnection
) -> None:
    plain = await world.submit()
    other = await world.submit()
    lead1 = await user_id(world, connection, "lead1")
    reg1 = await user_id(world, connection, "reg1")
    # Defence in depth: a leader named through the rules is sent past the school, so mark one
    # on the school's ticket directly and read the digest's figures.
    await connection.execute(
        text(
            "INSERT INTO ticket_named_staff (ticket_id, user_id) SELECT id, :u FROM tickets WHERE number = :n"
        ),
        {"u": lead1, "n": other["number"]},
    )
    path = (
        await connection.execute(
            text("SELECT org_path FROM tickets WHERE number = :n"), {"n": plain["number"]}
        )
    ).scalar()
    driver = await raw(connection)
    far = world.now() + timedelta(days=30)
    mine = await reminders_db.open_figures(driver, path, far, far, lead1)
    theirs = await reminders_db.open_figures(driver, path, far, far, reg1)
    assert (mine["open"], theirs["open"]) == (1, 2)


async def test_group_robots_are_never_told_of_a_ticket_naming_staff(
    world: World, connection: AsyncConnection, run: Run
) -> None:
    await connection.execute(
        text(
            "INSERT INTO org_webhooks (org_id, kind, url) SELECT id, 'wecom', "
            "'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' FROM orgs WHERE code = 's1'"
        )
    )
    receipt = await naming(world, connection, "hand1b")
    plain = await world.submit()
    await run.sweep(world.now() + timedelta(days=10))
    rows = await run.rows(
        "SELECT t.number FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
        "WHERE d.recipient LIKE 'org:%'"
    )
    numbers = {r[0] for r in rows}
    assert plain["number"] in numbers and receipt["number"] not in numbers


# ---- the leader named -------------------------------------------------------------------------


async def test_naming_the_leader_sends_the_ticket_to_the_district_at_once(
    world: World, connection: AsyncConnection
) -> None:
    receipt = await naming(world, connection, "lead1")
    number = receipt["number"]
    for school_staff in ("lead1", "reg1", "hand1", "grid1"):
        assert_error(await world.as_(school_staff, "GET", f"/api/v1/tickets/{number}"), 404)
    seen = await world.as_("leadd1", "GET", f"/api/v1/tickets/{number}")
    assert seen.status_code == 200, seen.text
    assert seen.json()["to_bureau"] is True and seen.json()["named_staff"] == [
        await user_id(world, connection, "lead1")
    ]
    assert (await world.as_("insp1", "GET", f"/api/v1/tickets/{number}")).status_code == 200
    assert_error(await world.as_("insp2", "GET", f"/api/v1/tickets/{number}"), 404)


# ---- marked later by the registrar -------------------------------------------------------------


async def test_registrar_names_a_teacher_then_the_teacher_no_longer_sees_it(
    world: World, connection: AsyncConnection
) -> None:
    receipt = await world.submit()
    number = receipt["number"]
    assert (await world.as_("hand1b", "GET", f"/api/v1/tickets/{number}")).status_code == 200
    hand1b = await user_id(world, connection, "hand1b")
    answer = await world.as_(
        "reg1",
        "POST",
        f"/api/v1/tickets/{number}/named-staff",
        json={"named_staff": [hand1b], "note": "家长电话中点名"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"number": number, "named_staff": [hand1b], "to_bureau": False}
    assert_error(await world.as_("hand1b", "GET", f"/api/v1/tickets/{number}"), 404)
    log = (await world.as_("insp1", "GET", f"/api/v1/tickets/{number}/events")).json()
    assert log["chain_ok"] is True
    last = log["items"][-1]
    assert (last["action"], last["actor_role"], last["internal_note"]) == (
        "name_staff",
        "registrar",
        "家长电话中点名",
    )
    assert last["data"] == {"named": ["hand1b老师"], "to_bureau": False}


async def test_registrar_names_the_leader_and_the_ticket_moves_to_the_district(
    world: World, connection: AsyncConnection
) -> None:
    number = (await world.submit())["number"]
    lead1 = await user_id(world, connection, "lead1")
    answer = await world.as_(
        "reg1", "POST", f"/api/v1/tickets/{number}/named-staff", json={"named_staff": [lead1]}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["to_bureau"] is True
    assert_error(await world.as_("lead1", "GET", f"/api/v1/tickets/{number}"), 404)
    assert_error(await world.as_("reg1", "GET", f"/api/v1/tickets/{number}"), 404)
    assert (await world.as_("leadd1", "GET", f"/api/v1/tickets/{number}")).json()["to_bureau"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"named_staff": []}, "named_staff"),
        ({"named_staff": [999999]}, "named_staff"),
        ({}, "named_staff"),
        ({"named_staff": ["x"]}, "named_staff"),
    ],
)
async def test_naming_bad_staff_is_400_naming_the_field(
    world: World, body: dict[str, Any], field: str
) -> None:
    number = (await world.submit())["number"]
    assert_error(
        await world.as_("reg1", "POST", f"/api/v1/tickets/{number}/named-staff", json=body), 400, field
    )


async def test_naming_staff_of_another_school_is_400(world: World, connection: AsyncConnection) -> None:
    number = (await world.submit())["number"]
    hand2 = await user_id(world, connection, "hand2")
    assert_error(
        await world.as_(
            "reg1", "POST", f"/api/v1/tickets/{number}/named-staff", json={"named_staff": [hand2]}
        ),
        400,
        "named_staff",
    )


@pytest.mark.parametrize("who", ["hand1", "grid1", "insp1"])
async def test_naming_by_other_roles_is_403(world: World, connection: AsyncConnection, who: str) -> None:
    number = (await world.submit())["number"]
    hand1b = await user_id(world, connection, "hand1b")
    answer = await world.as_(
        who, "POST", f"/api/v1/tickets/{number}/named-staff", json={"named_staff": [hand1b]}
    )
    assert_error(answer, 403)


async def test_naming_an_assigned_ticket_is_409(world: World, connection: AsyncConnection) -> None:
    number = (await world.submit())["number"]
    await walk(world, number, "assigned")
    hand1b = await user_id(world, connection, "hand1b")
    assert_error(
        await world.as_(
            "lead1", "POST", f"/api/v1/tickets/{number}/named-staff", json={"named_staff": [hand1b]}
        ),
        409,
        "assigned",
    )


@pytest.mark.parametrize("kind", ["inquiry", "suggestion", "help", "praise"])
async def test_naming_staff_on_other_kinds_is_400_naming_it(
    world: World, connection: AsyncConnection, kind: str
) -> None:
    hand1b = await user_id(world, connection, "hand1b")
    body = {"school_code": "s1", "kind": kind, "category": "食堂膳食", "content": "x", "consent": True}
    answer = await world.client.post(PUBLIC, json={**body, "named_staff": [hand1b]})
    assert_error(answer, 400, "named_staff")
    assert_error(
        await world.client.post(PUBLIC, json={**body, "escrow": True, "contact": CONTACT}), 400, "escrow"
    )


# ---- identity escrow --------------------------------------------------------------------------


async def escrowed(world: World) -> dict[str, Any]:
    return await world.submit(
        escrow=True, contact=CONTACT, student={"name": "李小明", "class_name": "三年级二班"}
    )


@pytest.mark.parametrize("who", ["reg1", "lead1", "hand1", "grid1", "insp1", "cityinsp", "admin"])
async def test_escrowed_identity_is_in_no_staff_answer(world: World, who: str) -> None:
    receipt = await escrowed(world)
    number = receipt["number"]
    await walk(world, number, "assigned")
    got = await world.as_(who, "GET", f"/api/v1/tickets/{number}")
    assert got.status_code == 200, got.text
    assert (got.json()["contact"], got.json()["student"], got.json()["escrowed"]) == (None, None, True)
    listed = await world.as_(who, "GET", "/api/v1/tickets")
    events = await world.as_(who, "GET", f"/api/v1/tickets/{number}/events")
    revealed = await world.as_(who, "POST", f"/api/v1/tickets/{number}/reveal", json={"reason": "x"})
    for answer in (got, listed, events, revealed):
        for secret in ("王女士", "13812341234", "wang.li", "李小明"):
            assert secret not in answer.text


async def test_escrowed_ticket_row_keeps_no_identity(world: World, connection: AsyncConnection) -> None:
    number = (await escrowed(world))["number"]
    row = (
        await connection.execute(
            text("SELECT contact, student, escrowed FROM tickets WHERE number = :n"), {"n": number}
        )
    ).one()
    assert tuple(row) == (None, None, True)
    sealed = (
        await connection.execute(
            text(
                "SELECT s.contact FROM sealed_identities s JOIN tickets t ON t.id = s.ticket_id "
                "WHERE t.number = :n"
            ),
            {"n": number},
        )
    ).scalar()
    assert sealed == CONTACT


async def test_answer_reaches_the_escrowed_parent_without_an_outbox_row_holding_the_number(
    world: World, connection: AsyncConnection, run: Run
) -> None:
    receipt = await escrowed(world)
    number = receipt["number"]
    await walk(world, number, "responded")
    rows = await run.rows(
        "SELECT d.id, d.channel, d.target FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
        "WHERE t.number = :n AND d.recipient = 'parent' ORDER BY d.channel",
        n=number,
    )
    assert [(r[1], r[2]) for r in rows] == [("email", "escrow"), ("sms", "escrow")]
    sent: list[tuple[str, Message]] = []

    class Fake:
        def __init__(self, name: str) -> None:
            self.name = name

        async def send(self, target: str, message: Message) -> None:
            sent.append((target, message))

    for delivery_id, _, _ in rows:
        outcome = await run(
            world.now(),
            lambda ctx, i=delivery_id: delivery.deliver(ctx, i, {"sms": Fake("sms"), "email": Fake("email")}),
        )
        assert outcome == "sent"
    assert sorted(target for target, _ in sent) == ["13812341234", "wang.li@example.com"]
    # The tracking page still answers the parent with the code.
    view = await world.client.get(f"{PUBLIC}/{number}", params={"code": receipt["access_code"]})
    assert view.json()["response"]["text"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"anonymous": True, "contact": None}, "anonymous"),
        ({"contact": None}, "contact"),
        ({"contact": {"name": "王女士"}}, "contact"),
    ],
)
async def test_escrow_without_a_way_back_or_anonymous_is_400(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    body = {"school_code": "s1", "kind": "complaint", "category": "食堂膳食", "content": "x", "consent": True}
    answer = await world.client.post(PUBLIC, json={**body, "escrow": True, **overrides})
    assert_error(answer, 400, field)


async def test_anonymous_stays_anonymous_nothing_sealed(world: World, connection: AsyncConnection) -> None:
    receipt = await world.submit(anonymous=True, contact=None)
    count = (await connection.execute(text("SELECT count(*) FROM sealed_identities"))).scalar()
    assert count == 0
    row = (
        await connection.execute(
            text("SELECT contact, student, escrowed FROM tickets WHERE number = :n"), {"n": receipt["number"]}
        )
    ).one()
    assert tuple(row) == (None, None, False)


async def make_reviewer(world: World, username: str = "insp1") -> Any:
    return await world.as_(
        "admin", "PUT", f"/api/v1/users/{username}/identity-reviewer", json={"identity_reviewer": True}
    )


async def test_designated_reviewer_unseals_with_a_reason_and_inspectors_see_the_event(world: World) -> None:
    number = (await escrowed(world))["number"]
    assert_error(
        await world.as_("insp1", "POST", f"/api/v1/tickets/{number}/unseal", json={"reason": "核查"}),
        403,
        "reviewer",
    )
    assert (await make_reviewer(world)).status_code == 200
    answer = await world.as_(
        "insp1", "POST", f"/api/v1/tickets/{number}/unseal", json={"reason": "家长反映被打击报复，需核查"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["contact"] == CONTACT
    assert answer.json()["student"] == {"name": "李小明", "class_name": "三年级二班"}
    for inspector in ("insp1", "cityinsp"):
        log = (await world.as_(inspector, "GET", f"/api/v1/tickets/{number}/events")).json()
        last = log["items"][-1]
        assert (last["action"], last["actor"], last["internal_note"]) == (
            "unseal",
            "insp1老师",
            "家长反映被打击报复，需核查",
        )
        assert log["chain_ok"] is True
    # The school still never holds it.
    assert (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}")).json()["contact"] is None


@pytest.mark.parametrize("who", ["reg1", "lead1", "hand1", "grid1", "admin", "leadd1"])
async def test_unseal_by_anyone_but_a_district_inspector_is_403(world: World, who: str) -> None:
    number = (await escrowed(world))["number"]
    answer = await world.as_(who, "POST", f"/api/v1/tickets/{number}/unseal", json={"reason": "x"})
    assert_error(answer, 403)


async def test_unseal_needs_a_reason_and_an_escrowed_ticket(world: World) -> None:
    await make_reviewer(world)
    number = (await escrowed(world))["number"]
    assert_error(
        await world.as_("insp1", "POST", f"/api/v1/tickets/{number}/unseal", json={"reason": " "}),
        400,
        "reason",
    )
    plain = (await world.submit())["number"]
    assert_error(
        await world.as_("insp1", "POST", f"/api/v1/tickets/{plain}/unseal", json={"reason": "x"}), 409
    )


async def test_unseal_outside_the_reviewers_district_is_404(world: World) -> None:
    await make_reviewer(world, "insp2")
    number = (await escrowed(world))["number"]
    assert_error(
        await world.as_("insp2", "POST", f"/api/v1/tickets/{number}/unseal", json={"reason": "x"}), 404
    )


@pytest.mark.parametrize("username", ["reg1", "hand1"])
async def test_only_an_inspector_of_a_district_may_be_made_reviewer(world: World, username: str) -> None:
    assert_error(await make_reviewer(world, username), 400, "identity_reviewer")


async def test_reviewer_designation_is_for_admins_and_audited(
    world: World, connection: AsyncConnection
) -> None:
    assert_error(await make_reviewer(world, "nobody"), 404)
    answer = await world.as_(
        "lead1", "PUT", "/api/v1/users/insp1/identity-reviewer", json={"identity_reviewer": True}
    )
    assert_error(answer, 403)
    assert (await make_reviewer(world)).status_code == 200
    rows = (
        await connection.execute(
            text("SELECT action, target FROM admin_audit WHERE action = 'identity_reviewer'")
        )
    ).all()
    assert [tuple(r) for r in rows] == [("identity_reviewer", "insp1")]


async def test_notices_before_the_naming_disappear_from_the_list_and_the_bell(
    world: World, connection: AsyncConnection, run: Run
) -> None:
    from huixiang.services import notices

    number = (await world.submit())["number"]

    async def seen() -> tuple[bool, bool, int]:
        async def work(ctx: Ctx) -> tuple[bool, bool, int]:
            principal = await principal_of(ctx, "reg1")
            listed = (await notices.notifications(ctx, principal, 50, None))["items"]
            inbox = (await notices.inbox(ctx, principal, 50)).items
            return (
                number in [n["ticket_number"] for n in listed],
                number in [n.ticket_number for n in inbox],
                await notices.unread_count(ctx, principal),
            )

        return await run(world.now(), work)

    before = await seen()
    assert before[:2] == (True, True)  # the new-ticket notice
    reg1 = await user_id(world, connection, "reg1")
    named = await world.as_(
        "lead1", "POST", f"/api/v1/tickets/{number}/named-staff", json={"named_staff": [reg1]}
    )
    assert named.status_code == 200, named.text
    after = await seen()
    assert after == (False, False, before[2] - 1)


async def test_a_pending_email_to_staff_named_later_is_withheld_not_sent(
    world: World, connection: AsyncConnection, run: Run
) -> None:
    await connection.execute(
        text(
            "UPDATE users SET email = 'reg1@example.com', notify_channels = '{email}' WHERE username = 'reg1'"
        )
    )
    number = (await world.submit())["number"]
    rows = await run.rows(
        "SELECT d.id FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
        "WHERE t.number = :n AND d.channel = 'email' AND d.recipient LIKE 'user:%'",
        n=number,
    )
    assert len(rows) == 1  # the new-ticket email to the registrar, pending
    reg1 = await user_id(world, connection, "reg1")
    named = await world.as_(
        "lead1", "POST", f"/api/v1/tickets/{number}/named-staff", json={"named_staff": [reg1]}
    )
    assert named.status_code == 200, named.text
    sent: list[str] = []

    class Fake:
        name = "email"

        async def send(self, target: str, message: Message) -> None:
            sent.append(target)

    outcome = await run(world.now(), lambda ctx: delivery.deliver(ctx, rows[0][0], {"email": Fake()}))
    assert (outcome, sent) == ("failed", [])
    [(status, error)] = await run.rows(
        "SELECT status, last_error FROM deliveries WHERE id = :i", i=rows[0][0]
    )
    assert status == "failed" and "named" in error
