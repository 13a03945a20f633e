"""The staff's ticket page (/staff/tickets/{number}): what it shows to whom, each action through
its form, the refusals (400 with the text kept, 403 without CSRF, 404 outside the scope, 409 with
the other person's change), the audited reveal and the inline file route."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.desk import DUPLICATES

from .conftest import World
from .helpers import csrf_of, form_fields, pdf_bytes, png_bytes, raw, sign_in, ticket_at, walk

pytestmark = pytest.mark.asyncio


def version_of(html: str, action: str) -> str:
    form = html.split(f'id="{action}-form"', 1)[1]
    found = re.search(r'name="version" value="(\d+)"', form)
    assert found, form[:300]
    return found.group(1)


async def open_ticket(client: httpx.AsyncClient, number: str) -> str:
    answer = await client.get(f"/staff/tickets/{number}")
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


async def post_action(
    client: httpx.AsyncClient, number: str, action: str, html: str | None = None, **fields: str
) -> httpx.Response:
    html = html or await open_ticket(client, number)
    data = {"csrf": csrf_of(html), "version": version_of(html, action), **fields}
    return await client.post(f"/staff/tickets/{number}/{action}", data=data)


async def test_ticket_page_shows_words_facts_and_only_allowed_actions(world: World) -> None:
    receipt = await world.submit(content="食堂的菜<script>alert(1)</script>太咸")
    await sign_in(world.client, "reg1")
    html = await open_ticket(world.client, receipt["number"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "待登记" in html and "投诉" in html and "食堂膳食" in html and "互联网+直通车" in html
    assert f'hx-get="/staff/tickets/{receipt["number"]}/presence"' in html
    # The registrar may register or merge a collected ticket; nothing else.
    assert f'action="/staff/tickets/{receipt["number"]}/register"' in html
    assert f'action="/staff/tickets/{receipt["number"]}/merge"' in html
    assert "/submit" not in html and "/assign" not in html and "/archive" not in html
    assert ">登记</button>" in html and ">合并</button>" in html


async def test_register_through_form_redirects_with_done(world: World) -> None:
    receipt = await world.submit()
    await sign_in(world.client, "reg1")
    answer = await post_action(
        world.client, receipt["number"], "register", kind="suggestion", category="设施环境", priority="urgent"
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/staff/tickets/{receipt['number']}?done=register"
    html = await open_ticket(world.client, receipt["number"] + "?done=register")
    assert "已登记。" in html and "设施环境" in html and "紧急" in html


async def other_session(app: Any, username: str) -> httpx.AsyncClient:
    """A second browser: its own cookies and address."""
    transport = httpx.ASGITransport(app=app, client=("10.250.0.2", 40002))
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    await sign_in(client, username)
    return client


async def test_merge_suggests_similar_ticket_and_merges_into_it(world: World) -> None:
    primary = await world.submit(content="食堂的饭菜太咸了，孩子回家总说口渴。")
    await world.submit(content="操场的灯坏了，晚上接孩子很不方便。")
    duplicate = await world.submit(content="最近食堂的饭菜太咸，希望少放盐。")
    await sign_in(world.client, "reg1")
    html = await open_ticket(world.client, duplicate["number"])
    suggested = html.split("可能重复的工单", 1)[1].split("</fieldset>", 1)[0]
    assert f'value="{primary["number"]}"' in suggested
    assert "操场" not in suggested
    answer = await post_action(world.client, duplicate["number"], "merge", html, into=primary["number"])
    assert answer.status_code == 303
    html = await open_ticket(world.client, duplicate["number"])
    assert "已合并" in html and f'<a href="/staff/tickets/{primary["number"]}">' in html


async def test_merge_into_unknown_number_is_400_with_note_kept(world: World) -> None:
    receipt = await world.submit()
    await sign_in(world.client, "reg1")
    answer = await post_action(world.client, receipt["number"], "merge", into="2026-999999", note="同一件事")
    assert answer.status_code == 400
    assert 'href="#merge-into"' in answer.text and "请选择或填写本校另一件未办结工单的编号" in answer.text
    assert 'value="2026-999999"' in answer.text and ">同一件事</textarea>" in answer.text


async def test_submit_through_form_moves_to_submitted(world: World) -> None:
    receipt = await world.submit()
    await walk(world, receipt["number"], "registered")
    await sign_in(world.client, "reg1")
    answer = await post_action(world.client, receipt["number"], "submit")
    assert answer.status_code == 303
    assert "待交办" in await open_ticket(world.client, receipt["number"])


async def test_assign_lists_handlers_with_load_and_assigns(world: World) -> None:
    await ticket_at(world, "assigned")  # hand1 holds one open ticket
    receipt = await ticket_at(world, "submitted")
    await sign_in(world.client, "lead1")
    html = await open_ticket(world.client, receipt["number"])
    handlers = html.split('id="assign-form"', 1)[1].split("</fieldset>", 1)[0]
    assert 'value="hand1"' in handlers and 'value="hand1b"' in handlers and "hand2" not in handlers
    assert re.search(r"hand1老师 <span class=\"small\">在办 1 件", handlers)
    assert re.search(r"hand1b老师 <span class=\"small\">在办 0 件", handlers)
    answer = await post_action(world.client, receipt["number"], "assign", html, assignee="hand1b")
    assert answer.status_code == 303
    assert "hand1b" in await open_ticket(world.client, receipt["number"])


async def test_assign_unknown_handler_is_400_naming_the_field(world: World) -> None:
    receipt = await ticket_at(world, "submitted")
    await sign_in(world.client, "lead1")
    answer = await post_action(world.client, receipt["number"], "assign", assignee="hand2", note="请尽快")
    assert answer.status_code == 400
    assert 'href="#assign-assignee"' in answer.text and "请从列表中选择本校的承办人" in answer.text
    assert ">请尽快</textarea>" in answer.text


async def test_respond_with_photo_keeps_it_and_shows_public_and_internal_apart(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "hand1")
    html = await open_ticket(world.client, receipt["number"])
    answer = await world.client.post(
        f"/staff/tickets/{receipt['number']}/respond",
        data={
            "csrf": csrf_of(html),
            "version": version_of(html, "respond"),
            "text": "已与食堂沟通，本周起减盐。",
            "internal_note": "食堂经理已签字确认",
        },
        files=[("files", ("photo.png", png_bytes(), "image/png"))],
    )
    assert answer.status_code == 303, answer.text[:500]
    html = await open_ticket(world.client, receipt["number"] + "?done=respond")
    assert "已答复，家长会收到通知。" in html
    public = html.split('class="part pub"', 1)[1].split("</div>", 1)[0]
    internal = html.split('class="part int"', 1)[1].split("</div>", 1)[0]
    assert "家长可见" in public and "已与食堂沟通" in public
    assert "内部" in internal and "食堂经理已签字确认" in internal
    assert re.search(rf'<img src="/staff/tickets/{receipt["number"]}/files/\d+"', html)


async def test_respond_blank_answer_is_400_with_internal_note_kept(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "hand1")
    answer = await post_action(
        world.client, receipt["number"], "respond", text="   ", internal_note="先记下：已电话联系"
    )
    assert answer.status_code == 400
    assert 'href="#respond-text"' in answer.text and 'id="respond-text-error"' in answer.text
    assert ">先记下：已电话联系</textarea>" in answer.text


async def test_respond_with_a_file_that_is_not_a_photo_is_400(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "hand1")
    html = await open_ticket(world.client, receipt["number"])
    answer = await world.client.post(
        f"/staff/tickets/{receipt['number']}/respond",
        data={"csrf": csrf_of(html), "version": version_of(html, "respond"), "text": "答复"},
        files=[("files", ("x.exe", b"MZ" + b"\0" * 64, "application/octet-stream"))],
    )
    assert answer.status_code == 400
    assert 'href="#respond-photos"' in answer.text and ">答复</textarea>" in answer.text


async def test_extend_offers_working_days_within_the_maximum_and_extends(world: World) -> None:
    receipt = await ticket_at(world, "assigned")  # due Wed 2026-11-25 18:00; at most 10 working days more
    await sign_in(world.client, "lead1")
    html = await open_ticket(world.client, receipt["number"])
    assert 'min="2026-11-26"' in html and 'max="2026-12-09"' in html
    assert "11/26（四）" in html and "11/28" not in html.split('id="extend-days"', 1)[1].split("</p>", 1)[0]
    answer = await post_action(
        world.client, receipt["number"], "extend", html, respond_due_at="2026-12-02", reason="需要现场核实"
    )
    assert answer.status_code == 303
    html = await open_ticket(world.client, receipt["number"])
    assert "2026-12-02 18:00" in html and "已延期" in html


@pytest.mark.parametrize(
    ("day", "reason"), [("2026-12-10", "需要现场核实"), ("明天", "需要现场核实"), ("2026-12-02", "")]
)
async def test_extend_bad_date_or_no_reason_is_400_with_text_kept(
    world: World, day: str, reason: str
) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "lead1")
    answer = await post_action(
        world.client, receipt["number"], "extend", respond_due_at=day, reason=reason, public_note="稍后答复"
    )
    assert answer.status_code == 400
    field = "extend-reason" if not reason else "extend-respond_due_at"
    assert f'href="#{field}"' in answer.text and f'id="{field}-error"' in answer.text
    assert f'value="{day}"' in answer.text and ">稍后答复</textarea>" in answer.text


async def test_archive_then_inspector_fails_the_check_back_to_assigned(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    await sign_in(world.client, "lead1")
    assert (await post_action(world.client, receipt["number"], "archive")).status_code == 303
    world.client.cookies.clear()
    await sign_in(world.client, "insp1")
    html = await open_ticket(world.client, receipt["number"])
    assert ">抽查</button>" in html and "通过" in html and "整改" in html
    missing = await post_action(world.client, receipt["number"], "inspect", html, note="答复过于简单")
    assert missing.status_code == 400 and 'href="#inspect-verdict"' in missing.text
    assert ">答复过于简单</textarea>" in missing.text
    answer = await post_action(world.client, receipt["number"], "inspect", verdict="fail", note="需整改")
    assert answer.status_code == 303
    assert "办理中" in await open_ticket(world.client, receipt["number"])


async def test_reopen_needs_a_reason(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    await sign_in(world.client, "lead1")
    refused = await post_action(world.client, receipt["number"], "reopen", public_note="将重新核实")
    assert refused.status_code == 400 and 'href="#reopen-reason"' in refused.text
    assert ">将重新核实</textarea>" in refused.text
    answer = await post_action(world.client, receipt["number"], "reopen", reason="答复未解决问题")
    assert answer.status_code == 303
    assert "办理中" in await open_ticket(world.client, receipt["number"])


async def test_supervise_shows_the_order_on_top_for_the_school(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "insp1")
    answer = await post_action(
        world.client, receipt["number"], "supervise", note="请于本周内答复家长", due_at="2026-11-20"
    )
    assert answer.status_code == 303
    world.client.cookies.clear()
    await sign_in(world.client, "hand1")
    html = await open_ticket(world.client, receipt["number"])
    top = html.split('class="supervision"', 1)[1].split("</section>", 1)[0]
    assert "督办" in top and "请于本周内答复家长" in top and "2026-11-20 18:00" in top
    assert html.index('class="supervision"') < html.index("家长反映")


async def test_supervise_without_note_is_400(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "insp1")
    answer = await post_action(world.client, receipt["number"], "supervise", due_at="2026-11-20")
    assert answer.status_code == 400 and 'href="#supervise-note"' in answer.text
    assert 'value="2026-11-20"' in answer.text


async def test_ticket_of_another_school_is_404_page(world: World) -> None:
    receipt = await world.submit()
    await sign_in(world.client, "hand2")
    answer = await world.client.get(f"/staff/tickets/{receipt['number']}")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html") and "没有找到" in answer.text


async def test_action_without_csrf_is_403(world: World) -> None:
    receipt = await world.submit()
    await sign_in(world.client, "reg1")
    html = await open_ticket(world.client, receipt["number"])
    answer = await world.client.post(
        f"/staff/tickets/{receipt['number']}/register",
        data={"version": version_of(html, "register"), "kind": "suggestion"},
    )
    assert answer.status_code == 403 and "页面已过期" in answer.text
    assert "待登记" in await open_ticket(world.client, receipt["number"])


async def test_respond_after_another_change_is_409_showing_it_with_text_kept(
    world: World, shared_app: Any
) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "hand1")
    stale = await open_ticket(world.client, receipt["number"])  # the handler starts typing
    leader = await other_session(shared_app, "lead1")
    try:
        moved = await post_action(
            leader, receipt["number"], "extend", respond_due_at="2026-12-01", reason="等待核实"
        )
    finally:
        await leader.aclose()
    assert moved.status_code == 303
    answer = await post_action(
        world.client, receipt["number"], "respond", stale, text="我写了很久的答复", internal_note="已核实"
    )
    assert answer.status_code == 409
    assert "lead1老师（责任领导）" in answer.text and "“延期”" in answer.text
    assert ">我写了很久的答复</textarea>" in answer.text and ">已核实</textarea>" in answer.text
    # The form now carries the new version: sending it again answers.
    again = await post_action(world.client, receipt["number"], "respond", answer.text, text="答复")
    assert again.status_code == 303


async def test_respond_after_someone_answered_is_409_and_text_still_shown(
    world: World, shared_app: Any
) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "hand1")
    stale = await open_ticket(world.client, receipt["number"])
    leader = await other_session(shared_app, "lead1")
    try:
        moved = await post_action(leader, receipt["number"], "respond", text="领导已答复")
    finally:
        await leader.aclose()
    assert moved.status_code == 303
    answer = await post_action(world.client, receipt["number"], "respond", stale, text="承办人的答复")
    assert answer.status_code == 409
    assert "“答复”" in answer.text and "readonly" in answer.text and ">承办人的答复</textarea>" in answer.text


async def test_reveal_needs_a_reason_then_shows_contact_and_leaves_an_event(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "hand1")
    html = await open_ticket(world.client, receipt["number"])
    assert "138****1234" in html and "13812341234" not in html
    refused = await world.client.post(
        f"/staff/tickets/{receipt['number']}/reveal", data={"csrf": csrf_of(html), "reason": " "}
    )
    assert refused.status_code == 400 and 'href="#reveal-reason"' in refused.text
    answer = await world.client.post(
        f"/staff/tickets/{receipt['number']}/reveal", data={"csrf": csrf_of(html), "reason": "需电话回访家长"}
    )
    assert answer.status_code == 200 and "13812341234" in answer.text and "王女士" in answer.text
    assert "13812341234" not in await open_ticket(world.client, receipt["number"])  # once, audited
    world.client.cookies.clear()
    events = (await world.as_("insp1", "GET", f"/api/v1/tickets/{receipt['number']}/events")).json()
    last = events["items"][-1]
    assert (last["action"], last["actor"], last["internal_note"]) == ("reveal", "hand1老师", "需电话回访家长")


async def test_reveal_form_is_not_offered_to_roles_that_may_not(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "hand1b")  # a handler of the school, not the assignee
    html = await open_ticket(world.client, receipt["number"])
    assert "138****1234" in html and "/reveal" not in html


async def submit_with_file(world: World, name: str, content: bytes, kind: str) -> str:
    answer = await world.client.post(
        "/api/v1/public/tickets", data=form_fields(), files=[("files", (name, content, kind))]
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["number"])


async def test_file_route_serves_inline_sandboxed_in_scope_only(world: World) -> None:
    number = await submit_with_file(world, "scan.pdf", pdf_bytes(), "application/pdf")
    await sign_in(world.client, "reg1")
    html = await open_ticket(world.client, number)
    found = re.search(rf'<iframe src="(/staff/tickets/{number}/files/(\d+))"', html)
    assert found, html
    answer = await world.client.get(found.group(1))
    assert answer.status_code == 200 and answer.content == pdf_bytes()
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-security-policy"] == "sandbox; default-src 'none'; frame-ancestors 'self'"
    assert answer.headers["x-frame-options"] == "SAMEORIGIN"
    assert answer.headers["content-disposition"].startswith("inline;")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert (await world.client.get(f"/staff/tickets/{number}/files/{2**63}")).status_code == 404
    unknown = f"/staff/tickets/{number}/files/{int(found.group(2)) + 999}"
    assert (await world.client.get(unknown)).status_code == 404
    world.client.cookies.clear()
    await sign_in(world.client, "hand2")
    assert (await world.client.get(found.group(1))).status_code == 404
    world.client.cookies.clear()
    assert (await world.client.get(found.group(1))).status_code == 303  # signed out: to the login


async def test_the_page_itself_keeps_the_strict_csp(world: World) -> None:
    receipt = await world.submit()
    await sign_in(world.client, "reg1")
    answer = await world.client.get(f"/staff/tickets/{receipt['number']}")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert len(answer.content) < 50 * 1024


async def test_duplicate_suggestion_can_use_an_index(world: World, connection: AsyncConnection) -> None:
    """The candidates come from the school's recent tickets (ix_tickets_school_recent) or the
    words' GIN index (ix_tickets_words), never a scan of every school's tickets."""
    receipt = await world.submit()
    db = await raw(connection)
    ticket = await db.fetchrow("SELECT id, school_id FROM tickets WHERE number = $1", receipt["number"])
    await db.execute("SET LOCAL enable_seqscan = off")
    plan = await connection.execute(
        text("EXPLAIN " + DUPLICATES.text),
        {
            "words": "食堂的菜太咸",
            "school_id": ticket["school_id"],
            "ticket_id": ticket["id"],
            "viewer": 0,
            "open": ["collected"],
            "since": world.now() - timedelta(days=30),
            "min_shared": 2,
            "limit": 5,
        },
    )
    lines = "\n".join(row[0] for row in plan)
    assert "Seq Scan on tickets" not in lines, lines
    assert "ix_tickets_school_recent" in lines or "ix_tickets_words" in lines, lines


async def test_leader_sees_the_contact_in_full_and_is_offered_no_reveal(world: World) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "lead1")
    html = await open_ticket(world.client, receipt["number"])
    assert "13812341234" in html and "/reveal" not in html


async def test_merge_suggests_only_the_last_30_days(world: World, app_clock: Any) -> None:
    start = world.now()
    app_clock.set(start - timedelta(days=40))
    old = await world.submit(content="食堂的饭菜太咸了，孩子回家总说口渴。")
    app_clock.set(start)
    recent = await world.submit(content="食堂的饭菜太咸了，孩子回家总说口渴。")
    receipt = await world.submit(content="最近食堂的饭菜太咸，希望少放盐。")
    await sign_in(world.client, "reg1")
    html = await open_ticket(world.client, receipt["number"])
    suggested = html.split("可能重复的工单", 1)[1].split("</fieldset>", 1)[0]
    assert f'value="{recent["number"]}"' in suggested and old["number"] not in suggested


async def test_registrar_answers_at_once_from_registered(world: World) -> None:
    receipt = await ticket_at(world, "registered")
    await sign_in(world.client, "reg1")
    html = await open_ticket(world.client, receipt["number"])
    assert ">提交</button>" in html and ">答复</button>" in html
    answer = await post_action(
        world.client, receipt["number"], "respond", html, text="已当场答复：本周起减盐。"
    )
    assert answer.status_code == 303
    assert "已答复" in await open_ticket(world.client, receipt["number"])


async def test_action_the_role_may_not_take_is_403_page(world: World) -> None:
    receipt = await ticket_at(world, "responded")
    await sign_in(world.client, "hand1")
    html = await open_ticket(world.client, receipt["number"])
    assert "/archive" not in html
    answer = await world.client.post(
        f"/staff/tickets/{receipt['number']}/archive", data={"csrf": csrf_of(html)}
    )
    assert answer.status_code == 403 and "您的岗位不能进行此操作" in answer.text


async def test_unknown_action_is_404_page(world: World) -> None:
    receipt = await world.submit()
    await sign_in(world.client, "reg1")
    html = await open_ticket(world.client, receipt["number"])
    answer = await world.client.post(f"/staff/tickets/{receipt['number']}/rate", data={"csrf": csrf_of(html)})
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")


async def test_extend_after_the_handler_answered_is_409_naming_the_assignee(
    world: World, shared_app: Any
) -> None:
    receipt = await ticket_at(world, "assigned")
    await sign_in(world.client, "lead1")
    stale = await open_ticket(world.client, receipt["number"])
    handler = await other_session(shared_app, "hand1")
    try:
        moved = await post_action(handler, receipt["number"], "respond", text="已答复家长")
    finally:
        await handler.aclose()
    assert moved.status_code == 303
    answer = await post_action(
        world.client, receipt["number"], "extend", stale, respond_due_at="2026-12-01", reason="等待"
    )
    assert answer.status_code == 409
    assert "hand1老师（承办人）" in answer.text and "“答复”" in answer.text
