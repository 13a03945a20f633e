"""The bureau's overdue board (/bureau/overdue), its supervision orders (/bureau/supervision) and
the printable 督办通知书: grouped by school with working days overdue, 督办 and 催办 through
forms (CSRF checked, a bad field 400 beside it with the input kept), a leader's board for the
school only, a handler refused, another district's order 404, the school's page showing the
orders on top."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.services import supervision

from .conftest import World
from .helpers import csrf_of, sign_in, ticket_at

pytestmark = pytest.mark.asyncio
SH = ZoneInfo("Asia/Shanghai")
# Tickets collected on Wednesday 2026-11-18 are due Wednesday 2026-11-25 18:00; on Monday
# 2026-11-30 they are 3 working days overdue (Thursday, Friday, Monday).
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=SH)


async def late_tickets(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """An assigned ticket at s1 and a submitted one at s2, both 3 working days overdue."""
    held = await ticket_at(world, "assigned")
    waiting = await ticket_at(world, "submitted", school="s2")
    world.clock.set(MONDAY.astimezone(UTC))  # type: ignore[attr-defined]
    return held, waiting


async def board(client: httpx.AsyncClient, status: int = 200) -> str:
    answer = await client.get("/bureau/overdue")
    assert answer.status_code == status, answer.text[:500]
    return answer.text


async def rows(connection: AsyncConnection, sql: str, **params: Any) -> list[Any]:
    return list((await connection.execute(text(sql), params)).all())


async def orders_of(connection: AsyncConnection, number: str) -> list[Any]:
    return await rows(
        connection,
        "SELECT o.id, o.note, o.state, o.due_at, o.chases FROM supervision_orders o "
        "JOIN tickets t ON t.id = o.ticket_id WHERE t.number = :n ORDER BY o.id",
        n=number,
    )


def card(html: str, number: str) -> str:
    return html.split(f'id="t-{number}"', 1)[1].split("</li>", 1)[0]


async def test_board_groups_by_school_with_working_days_and_who_holds_it(world: World) -> None:
    held, waiting = await late_tickets(world)
    await world.submit("s3")  # another district's
    await sign_in(world.client, "insp1")
    html = await board(world.client)
    assert 'aria-current="page">逾期督办' in html
    assert "第一实验小学（1 件）" in html and "第二中学（1 件）" in html and "三区小学" not in html
    assert "共 2 件逾期" in html
    one, two = card(html, held["number"]), card(html, waiting["number"])
    assert "3 个工作日" in one and "hand1老师" in one and "办理中" in one
    assert "3 个工作日" in two and "待责任领导交办" in two
    assert f'action="/bureau/overdue/{held["number"]}/supervise"' in one
    assert f'action="/bureau/overdue/{held["number"]}/chase"' in one
    assert ">督办</button>" in one and ">催办</button>" in one


async def test_supervise_from_the_board_makes_an_order_the_school_sees_on_top(
    world: World, connection: AsyncConnection
) -> None:
    held, _ = await late_tickets(world)
    number = held["number"]
    await sign_in(world.client, "insp1")
    html = await board(world.client)
    answer = await world.client.post(
        f"/bureau/overdue/{number}/supervise",
        data={"csrf": csrf_of(html), "note": "请于周五前答复家长", "due_at": "2026-12-04"},
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith(
        "/bureau/overdue?done=supervise"
    )
    [order] = await orders_of(connection, number)
    assert (order.note, order.state) == ("请于周五前答复家长", "open")
    assert order.due_at == datetime(2026, 12, 4, 18, 0, tzinfo=SH)  # the end of that working day
    after = (await world.client.get(answer.headers["location"])).text
    assert "已下达督办" in after and "督办 1 次未答复" in card(after, number)
    world.client.cookies.clear()
    await sign_in(world.client, "hand1")
    page = (await world.client.get(f"/staff/tickets/{number}")).text
    top = page.split('class="supervision"', 1)[1].split("</section>", 1)[0]
    assert (
        "请于周五前答复家长" in top and "督办中" in top and "一区教育局" in top and "2026-12-04 18:00" in top
    )
    assert page.index('class="supervision"') < page.index("家长反映")


async def test_chase_from_the_board_is_logged_and_notifies(world: World, connection: AsyncConnection) -> None:
    held, _ = await late_tickets(world)
    number = held["number"]
    await sign_in(world.client, "insp1")
    html = await board(world.client)
    answer = await world.client.post(
        f"/bureau/overdue/{number}/chase", data={"csrf": csrf_of(html), "note": "今天务必答复"}
    )
    assert answer.status_code == 303
    events = await rows(
        connection,
        "SELECT e.action, e.internal_note FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
        "WHERE t.number = :n ORDER BY e.seq DESC LIMIT 1",
        n=number,
    )
    assert [tuple(e) for e in events] == [("chase", "今天务必答复")]
    told = await rows(
        connection,
        "SELECT u.username FROM notifications n JOIN users u ON u.id = n.user_id "
        "JOIN tickets t ON t.id = n.ticket_id WHERE t.number = :n AND n.rule = 'chased' ORDER BY 1",
        n=number,
    )
    assert [r[0] for r in told] == ["hand1", "lead1"]
    assert "已催办 1 次" in card(await board(world.client), number)


async def test_board_forms_without_the_csrf_token_are_refused(
    world: World, connection: AsyncConnection
) -> None:
    held, _ = await late_tickets(world)
    number = held["number"]
    await sign_in(world.client, "insp1")
    for action, data in (("supervise", {"note": "x", "due_at": "2026-12-04"}), ("chase", {"note": "x"})):
        answer = await world.client.post(f"/bureau/overdue/{number}/{action}", data=data)
        assert answer.status_code == 403, action
        forged = await world.client.post(
            f"/bureau/overdue/{number}/{action}", data={**data, "csrf": "forged"}
        )
        assert forged.status_code == 403, action
    assert await orders_of(connection, number) == []
    chases = await rows(
        connection,
        "SELECT 1 FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
        "WHERE t.number = :n AND e.action = 'chase'",
        n=number,
    )
    assert chases == []


@pytest.mark.parametrize(
    ("fields", "field", "sentence"),
    [
        ({"note": "请尽快办理", "due_at": "2026-13-01"}, "due_at", "请填写今天以后的日期"),
        ({"note": "请尽快办理", "due_at": "2026-11-27"}, "due_at", "请填写今天以后的日期"),  # past
        ({"note": "  ", "due_at": "2026-12-04"}, "note", "请填写督办意见"),
    ],
)
async def test_a_bad_field_is_400_beside_it_with_the_input_kept(
    world: World, connection: AsyncConnection, fields: dict[str, str], field: str, sentence: str
) -> None:
    held, _ = await late_tickets(world)
    number = held["number"]
    await sign_in(world.client, "insp1")
    html = await board(world.client)
    answer = await world.client.post(
        f"/bureau/overdue/{number}/supervise", data={"csrf": csrf_of(html), **fields}
    )
    assert answer.status_code == 400
    field_id = f"supervise-{number}-{field}"
    assert f'href="#{field_id}"' in answer.text and f'id="{field_id}-error"' in answer.text
    assert sentence in answer.text
    assert f'value="{fields["due_at"]}"' in answer.text  # the date typed is kept
    if fields["note"].strip():
        assert f">{fields['note']}</textarea>" in answer.text
    assert await orders_of(connection, number) == []


async def test_a_leader_sees_the_board_of_the_school_without_forms(world: World) -> None:
    held, waiting = await late_tickets(world)
    await sign_in(world.client, "lead1")
    html = await board(world.client)
    assert held["number"] in html and waiting["number"] not in html
    assert 'action="/bureau/overdue/' not in html


async def test_a_handler_may_not_open_the_board_or_the_orders(world: World) -> None:
    await sign_in(world.client, "hand1")
    await board(world.client, status=403)
    assert (await world.client.get("/bureau/supervision")).status_code == 403


async def test_orders_page_by_state_with_a_chase_per_pending_order(
    world: World, connection: AsyncConnection
) -> None:
    held, waiting = await late_tickets(world)
    await world.action(
        "insp1", held["number"], "supervise", note="督办一", due_at="2026-12-01T18:00:00+08:00"
    )
    await world.action("insp1", waiting["number"], "supervise", note="督办二")
    await world.action("lead2", waiting["number"], "assign", assignee="hand2")
    await world.action("hand2", waiting["number"], "respond", text="已答复")
    await sign_in(world.client, "insp1")
    html = (await world.client.get("/bureau/supervision")).text
    assert "督办一" in html and "督办二" in html and 'aria-current="page">督办单' in html
    [first] = await orders_of(connection, held["number"])
    [second] = await orders_of(connection, waiting["number"])
    assert f'action="/bureau/supervision/{first.id}/chase"' in html
    assert f'action="/bureau/supervision/{second.id}/chase"' not in html  # answered
    assert f'href="/bureau/supervision/{second.id}/print"' in html
    answered = (await world.client.get("/bureau/supervision", params={"state": "answered"})).text
    assert "督办二" in answered and "督办一" not in answered
    answer = await world.client.post(
        f"/bureau/supervision/{first.id}/chase", data={"csrf": csrf_of(html), "note": "", "state": ""}
    )
    assert answer.status_code == 303
    [first] = await orders_of(connection, held["number"])
    assert first.chases == 1
    refused = await world.client.post(f"/bureau/supervision/{first.id}/chase", data={"note": ""})
    assert refused.status_code == 403
    late = await world.client.post(f"/bureau/supervision/{second.id}/chase", data={"csrf": csrf_of(html)})
    assert late.status_code == 400 and "这份督办单已答复" in late.text


async def test_the_printed_notice_has_the_school_ticket_words_masked_note_deadline_and_unit(
    world: World, connection: AsyncConnection
) -> None:
    held, _ = await late_tickets(world)
    await world.action(
        "insp1", held["number"], "supervise", note="请于12月4日前办结", due_at="2026-12-04T18:00:00+08:00"
    )
    [order] = await orders_of(connection, held["number"])
    await sign_in(world.client, "insp1")
    answer = await world.client.get(f"/bureau/supervision/{order.id}/print")
    assert answer.status_code == 200
    html = answer.text
    assert "督办通知书" in html and "/static/site/bureau-print.css" in html and "staff-nav" not in html
    assert "第一实验小学" in html and held["number"] in html and "食堂的菜太咸" in html
    assert "138****1234" in html and "13812341234" not in html  # masked as the inspector sees it
    assert "请于12月4日前办结" in html and "2026-12-04 18:00" in html and "一区教育局" in html
    css = await world.client.get("/static/site/bureau-print.css")
    assert css.status_code == 200 and "size: A4" in css.text and "@media print" in css.text
    world.client.cookies.clear()
    await sign_in(world.client, "insp2")
    assert (await world.client.get(f"/bureau/supervision/{order.id}/print")).status_code == 404
    # Another district's inspector: the ticket and the order do not exist for them.
    csrf = csrf_of(await board(world.client))
    number = held["number"]
    for url, data in (
        (f"/bureau/overdue/{number}/supervise", {"note": "越权督办", "due_at": "2026-12-04"}),
        (f"/bureau/overdue/{number}/chase", {"note": "越权催办"}),
        (f"/bureau/supervision/{order.id}/chase", {"note": "越权催办"}),
    ):
        assert (await world.client.post(url, data={"csrf": csrf, **data})).status_code == 404, url
    assert len(await orders_of(connection, number)) == 1
    assert (await world.client.get("/bureau/supervision/99999999999999999999/print")).status_code == 404


async def test_the_board_page_links_the_next_page_and_one_schools_board(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    held, waiting = await late_tickets(world)
    monkeypatch.setattr(supervision, "BOARD_LIMIT", 1)
    await sign_in(world.client, "insp1")
    first = await board(world.client)
    assert f'id="t-{held["number"]}"' in first and f'id="t-{waiting["number"]}"' not in first
    link = first.split('class="pager"><a class="button secondary" href="', 1)[1].split('"', 1)[0]
    second = await world.client.get(link.replace("&amp;", "&"))
    assert second.status_code == 200
    assert f'id="t-{waiting["number"]}"' in second.text and 'class="pager"' not in second.text
    only = await world.client.get("/bureau/overdue", params={"school": "s2"})
    assert f'id="t-{waiting["number"]}"' in only.text and f'id="t-{held["number"]}"' not in only.text
    assert "查看全部学校" in only.text
    stale = await world.client.get("/bureau/overdue", params={"cursor": "not-ours"})
    assert stale.status_code == 200 and f'id="t-{held["number"]}"' in stale.text
