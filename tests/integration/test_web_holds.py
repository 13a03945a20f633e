"""退单, 挂起 and 恢复办理 on the staff's ticket page and the queue (issue 12): the buttons by the
actions' words, each form through to its effect, a refusal shown beside its field, the hold
and its request on the page, the 已挂起 queue."""

from __future__ import annotations

import pytest

from .conftest import World
from .helpers import sign_in, ticket_at
from .test_web_ticket import open_ticket, post_action

pytestmark = pytest.mark.asyncio


async def test_handler_asks_leader_holds_handler_resumes_through_the_page(world: World) -> None:
    number = (await ticket_at(world, "assigned"))["number"]
    await sign_in(world.client, "hand1")
    html = await open_ticket(world.client, number)
    assert ">退单</button>" in html and ">申请挂起</button>" in html
    assert ">挂起</button>" not in html and ">驳回挂起</button>" not in html
    answer = await post_action(
        world.client, number, "request_hold", reason="等待检测结果", until="2026-12-01"
    )
    assert answer.status_code == 303, answer.text[:500]
    html = await open_ticket(world.client, number)
    assert "挂起申请待审批" in html and "等待检测结果" in html and ">申请挂起</button>" not in html

    await sign_in(world.client, "lead1")
    html = await open_ticket(world.client, number)
    assert ">挂起</button>" in html and ">驳回挂起</button>" in html
    assert "沿用申请中的内容" in html
    answer = await post_action(world.client, number, "hold", html)
    assert answer.headers["location"] == f"/staff/tickets/{number}?done=hold"
    html = await open_ticket(world.client, number + "?done=hold")
    assert "已挂起，答复期限暂停计算。" in html and "挂起中" in html and "预计 2026-12-01 恢复办理" in html
    assert '<span class="status st-held">已挂起</span>' in html
    assert '<span class="tag">暂停计算</span>' in html
    queue = await world.client.get("/staff?view=held")
    assert queue.status_code == 200 and number in queue.text and "已挂起" in queue.text

    await sign_in(world.client, "hand1")
    html = await open_ticket(world.client, number)
    assert ">恢复办理</button>" in html and ">答复</button>" not in html
    answer = await post_action(world.client, number, "resume", html)
    assert answer.status_code == 303
    html = await open_ticket(world.client, number)
    assert '<span class="status st-assigned">办理中</span>' in html and ">答复</button>" in html


async def test_return_from_the_page_and_its_refusal_beside_the_field(world: World) -> None:
    number = (await ticket_at(world, "assigned"))["number"]
    await sign_in(world.client, "hand1")
    html = await open_ticket(world.client, number)
    assert "退回给交办的责任领导" in html and "非本人职责" in html and "非本校职责" not in html
    refused = await post_action(world.client, number, "return", html)
    assert refused.status_code == 400
    assert "请选择退单原因。" in refused.text and 'id="return-reason_code"' in refused.text
    answer = await post_action(world.client, number, "return", reason_code="not_mine", note="属后勤")
    assert (answer.status_code, answer.headers["location"]) == (303, "/staff")
    await sign_in(world.client, "lead1")
    html = await open_ticket(world.client, number)
    assert "已退单 1 次" in html and "退单原因：非本人职责" in html and "待交办" in html


async def test_hold_with_a_day_in_the_past_shows_the_error_beside_the_day(world: World) -> None:
    number = (await ticket_at(world, "assigned"))["number"]
    await sign_in(world.client, "lead1")
    answer = await post_action(world.client, number, "hold", reason="等待结果", until="2026-11-01")
    assert answer.status_code == 400
    assert "请选择明天以后、90 天以内的日期。" in answer.text and 'value="2026-11-01"' in answer.text


async def test_overview_shows_the_return_rate_linked_to_the_returned_tickets(world: World) -> None:
    number = (await ticket_at(world, "assigned"))["number"]
    await ticket_at(world, "assigned")
    assert (await world.action("hand1", number, "return", reason_code="not_mine")).status_code == 200
    await sign_in(world.client, "lead1")
    page = await world.client.get("/bureau")
    assert page.status_code == 200
    headline = page.text.split("<dt>退单率</dt>", 1)[1].split("</div>", 1)[0]
    assert "50.0%" in headline and "figure=return_rate" in headline
    link = headline.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    listed = await world.client.get(link)
    assert listed.status_code == 200 and number in listed.text and "退单率" in listed.text
