"""主办/协办 and 审核签发 on the pages: helpers ticked in the 交办 form, the helper's page (备注
and 草稿, no 答复), the 协办 and 待签发 queues, 签发 and 退回修改 on the ticket page, the review
flags on the admin's policies page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ..conftest import _client
from .conftest import World
from .helpers import csrf_of, sign_in, ticket_at

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def pages(shared_app: Any, world: World) -> AsyncIterator[httpx.AsyncClient]:
    """A second client for the pages (the world's client clears cookies for API calls)."""
    del world
    async with _client(shared_app) as client:
        yield client


async def as_page(pages: httpx.AsyncClient, username: str) -> httpx.AsyncClient:
    pages.cookies.clear()
    answer = await sign_in(pages, username)
    assert answer.status_code == 303, answer.text
    return pages


def version_of(html: str, action: str) -> str:
    form = html.split(f'id="{action}-form"', 1)[1]
    found = re.search(r'name="version" value="(\d+)"', form)
    assert found, form[:300]
    return found.group(1)


def numbers(html: str) -> list[str]:
    return re.findall(r'<td class="number"><a href="/staff/tickets/([^"]+)"', html)


async def post(client: httpx.AsyncClient, number: str, action: str, **fields: Any) -> httpx.Response:
    html = (await client.get(f"/staff/tickets/{number}")).text
    data = {"csrf": csrf_of(html), "version": version_of(html, action), **fields}
    return await client.post(f"/staff/tickets/{number}/{action}", data=data)


async def review_complaints(world: World) -> None:
    answer = await world.as_(
        "admin", "PUT", "/api/v1/policies/s1", json={"review_required_by_kind": {"complaint": True}}
    )
    assert answer.status_code == 200, answer.text


async def test_assign_form_ticks_helpers_and_the_page_names_them(
    world: World, pages: httpx.AsyncClient
) -> None:
    receipt = await ticket_at(world, "submitted")
    number = receipt["number"]
    leader = await as_page(pages, "lead1")
    html = (await leader.get(f"/staff/tickets/{number}")).text
    assert 'name="helpers" value="hand1b"' in html and "协办人（选填）" in html
    answer = await post(leader, number, "assign", assignee="hand1", helpers_given="1", helpers=["hand1b"])
    assert answer.status_code == 303, answer.text
    ticket = (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}")).json()
    assert (ticket["assignee"], ticket["helpers"]) == ("hand1", ["hand1b"])
    html = (await leader.get(f"/staff/tickets/{number}")).text
    assert '<dd class="helpers">hand1b老师</dd>' in html
    assert "协办人：hand1b老师" in html  # the assign event on the timeline
    # Nothing ticked with the boxes on the form: the helpers are removed.
    await post(leader, number, "assign", assignee="hand1", helpers_given="1")
    assert (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}")).json()["helpers"] == []


async def test_assign_form_helper_of_another_school_shows_the_field_error(
    world: World, pages: httpx.AsyncClient
) -> None:
    receipt = await ticket_at(world, "submitted")
    leader = await as_page(pages, "lead1")
    answer = await post(
        leader, receipt["number"], "assign", assignee="hand1", helpers_given="1", helpers=["hand2"]
    )
    assert answer.status_code == 400
    assert "请选择本校的承办人作为协办人" in answer.text


async def test_helper_page_offers_note_and_draft_but_no_answer(
    world: World, pages: httpx.AsyncClient
) -> None:
    receipt = await ticket_at(world, "submitted")
    number = receipt["number"]
    await world.action("lead1", number, "assign", assignee="hand1", helpers=["hand1b"])
    helper = await as_page(pages, "hand1b")
    html = (await helper.get(f"/staff/tickets/{number}")).text
    assert "您是本件的协办人" in html
    assert f'action="/staff/tickets/{number}/note"' in html
    assert f'action="/staff/tickets/{number}/draft"' in html
    assert f'action="/staff/tickets/{number}/respond"' not in html
    noted = await post(helper, number, "note", note="已向食堂核实。")
    assert noted.status_code == 303 and noted.headers["location"].endswith("?done=note")
    saved = await helper.post(
        f"/staff/tickets/{number}/draft", data={"csrf": csrf_of(html), "text": "草稿一"}
    )
    assert saved.status_code == 303, saved.text
    lead = await as_page(pages, "hand1")
    html = (await lead.get(f"/staff/tickets/{number}")).text
    assert "草稿一" in html and "已向食堂核实。" in html
    assert '?draft=hand1b#act-respond">用此草稿答复' in html
    prefilled = (await lead.get(f"/staff/tickets/{number}?draft=hand1b")).text
    assert re.search(r'<textarea id="respond-text"[^>]*>草稿一</textarea>', prefilled)


async def test_draft_form_without_csrf_is_refused(world: World, pages: httpx.AsyncClient) -> None:
    receipt = await ticket_at(world, "assigned")
    lead = await as_page(pages, "hand1")
    answer = await lead.post(f"/staff/tickets/{receipt['number']}/draft", data={"text": "x"})
    assert answer.status_code == 403


async def test_helping_queue_lists_the_tickets_the_handler_helps_on(
    world: World, pages: httpx.AsyncClient
) -> None:
    helped = await ticket_at(world, "submitted")
    await world.action("lead1", helped["number"], "assign", assignee="hand1", helpers=["hand1b"])
    other = await ticket_at(world, "assigned")  # hand1's, hand1b not named
    helper = await as_page(pages, "hand1b")
    page = await helper.get("/staff?view=helping")
    assert page.status_code == 200
    assert numbers(page.text) == [helped["number"]]
    assert other["number"] not in page.text
    assert ">协办 <span" in page.text


async def test_leader_signs_off_from_the_signing_queue(world: World, pages: httpx.AsyncClient) -> None:
    await review_complaints(world)
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    lead = await as_page(pages, "hand1")
    html = (await lead.get(f"/staff/tickets/{number}")).text
    assert "本校对此类诉求实行审核签发" in html
    answered = await post(lead, number, "respond", text="已与食堂沟通。")
    assert answered.headers["location"].endswith("?done=review")
    leader = await as_page(pages, "lead1")
    queue = await leader.get("/staff?view=signing")
    assert numbers(queue.text) == [number]
    html = (await leader.get(f"/staff/tickets/{number}")).text
    assert "待签发的答复" in html and "已与食堂沟通。" in html
    assert ">签发</button>" in html and ">退回修改</button>" in html
    signed = await post(leader, number, "approve")
    assert signed.headers["location"].endswith("?done=approve")
    html = (await leader.get(f"/staff/tickets/{number}?done=approve")).text
    assert "已签发" in html and "已答复" in html


async def test_send_back_offers_the_answer_again_to_the_lead(world: World, pages: httpx.AsyncClient) -> None:
    await review_complaints(world)
    receipt = await ticket_at(world, "assigned")
    number = receipt["number"]
    await world.action("hand1", number, "respond", text="初稿答复")
    leader = await as_page(pages, "lead1")
    refused = await post(leader, number, "send_back")
    assert refused.status_code == 400 and "请写明需要修改的地方" in refused.text
    sent = await post(leader, number, "send_back", note="请补充整改时间")
    assert sent.status_code == 303
    lead = await as_page(pages, "hand1")
    html = (await lead.get(f"/staff/tickets/{number}")).text
    assert "退回修改的答复" in html and "请补充整改时间" in html
    assert re.search(r'<textarea id="respond-text"[^>]*>初稿答复</textarea>', html)


async def test_policies_page_sets_review_per_kind(world: World, pages: httpx.AsyncClient) -> None:
    admin = await as_page(pages, "admin")
    html = (await admin.get("/admin/policies?org=s1")).text
    assert 'name="review" value="complaint"' in html and "审核签发" in html
    fields = {
        name: re.search(rf'id="{name}" name="{name}"[^>]*value="(\d+)"', html).group(1)  # type: ignore[union-attr]
        for name in (
            "register_days",
            "respond_days",
            "urgent_respond_hours",
            "rework_days",
            "rating_window_days",
            "max_extension_days",
        )
    }
    answer = await admin.post(
        "/admin/policies/s1", data={"csrf": csrf_of(html), **fields, "review": ["complaint", "report"]}
    )
    assert answer.status_code == 303, answer.text
    policy = (await admin.get("/admin/policies?org=s1")).text
    assert re.search(r'value="complaint" id="review-complaint" checked', policy)
    assert re.search(r'value="report" id="review-report" checked', policy)
    assert not re.search(r'value="praise" id="review-praise" checked', policy)


async def test_notices_page_names_the_co_handling_notices(world: World, pages: httpx.AsyncClient) -> None:
    receipt = await ticket_at(world, "submitted")
    await world.action("lead1", receipt["number"], "assign", assignee="hand1", helpers=["hand1b"])
    helper = await as_page(pages, "hand1b")
    html = (await helper.get("/staff/notifications")).text
    assert "<strong>您被指定为协办人</strong>" in html
    assert f"工单 {receipt['number']} 请您协办" in html
