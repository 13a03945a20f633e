"""The staff queue page (/staff, web/staff/queue.py over services/queues.py): saved views and
their counts per role, filters and search, keyset pages, supervised on top, live refresh, bulk
交办 and 归档, and presence on the ticket page (web/staff/live.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.engine import make_sessionmaker
from huixiang.services import presence
from huixiang.services.accounts import principal_for
from huixiang.services.context import COUNTS_TTL, Caches, Ctx, TtlCache

from ..conftest import _client
from .conftest import World
from .helpers import csrf_of, page_session, sign_in, ticket_at, walk

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


def counts(html: str) -> dict[str, str]:
    """The views' counts as the page shows them: {"待登记": "1", …}."""
    nav = html.split('<nav class="views"', 1)[1].split("</nav>", 1)[0]
    return dict(re.findall(r'>([^<>]+?) <span class="n">([^<]+)</span>', nav))


def numbers(html: str) -> list[str]:
    return re.findall(r'<td class="number"><a href="/staff/tickets/([^"]+)"', html)


async def test_queue_registrar_default_is_collected_with_chip(world: World, pages: httpx.AsyncClient) -> None:
    receipt = await world.submit("s1")
    page = await (await as_page(pages, "reg1")).get("/staff")
    assert page.status_code == 200
    assert numbers(page.text) == [receipt["number"]]
    assert counts(page.text)["待登记"] == "1"
    assert 'aria-current="page">待登记' in page.text
    # Collected Wednesday 10:00; registered by the end of the next working day: tomorrow 18:00.
    assert '<span class="chip-due amber">明天18:00到期</span>' in page.text
    assert len(page.content) < 50_000


async def test_queue_counts_each_view_for_leader(world: World, pages: httpx.AsyncClient) -> None:
    for status in ("collected", "registered", "submitted", "submitted", "assigned", "responded", "archived"):
        await ticket_at(world, status)
    page = await (await as_page(pages, "lead1")).get("/staff")
    seen = counts(page.text)
    assert seen == {
        "待交办": "2",
        "待签发": "0",
        "办理中": "1",
        "待登记": "1",
        "待提交": "1",
        "即将超期": "0",
        "已超期": "0",
        "督办中": "0",
        "已挂起": "0",
        "待评价": "1",
        "已归档": "1",
    }
    assert 'aria-current="page">待交办' in page.text and len(numbers(page.text)) == 2


async def test_queue_handler_sees_only_own_assigned(world: World, pages: httpx.AsyncClient) -> None:
    mine = await ticket_at(world, "assigned")
    other = await world.submit("s1")
    await walk(world, other["number"], "submitted")
    answer = await world.action("lead1", other["number"], "assign", assignee="hand1b")
    assert answer.status_code == 200
    page = await (await as_page(pages, "hand1")).get("/staff")
    assert numbers(page.text) == [mine["number"]]
    assert counts(page.text)["我的待办"] == "1"
    assert 'id="bulk"' in page.text and 'name="action"' not in page.text  # no bulk for a handler


async def test_queue_other_school_handler_never_sees_s1(world: World, pages: httpx.AsyncClient) -> None:
    for status in ("collected", "submitted", "assigned", "responded", "archived"):
        await ticket_at(world, status)
    s1 = await world.submit("s1")
    await walk(world, s1["number"], "submitted")
    await world.action("insp1", s1["number"], "supervise", note="请尽快办理")
    for user in ("hand2", "lead2", "reg2"):
        client = await as_page(pages, user)
        first = await client.get("/staff")
        for view in (
            "collected",
            "registered",
            "submitted",
            "mine",
            "due_soon",
            "overdue",
            "supervised",
            "unrated",
            "archived",
        ):
            page = await client.get(f"/staff?view={view}")
            assert page.status_code == 200
            assert numbers(page.text) == [], (user, view)
            assert set(counts(page.text).values()) == {"0"}, (user, view, counts(page.text))
        assert numbers(first.text) == []


async def test_queue_inspector_overdue_default_and_count(
    world: World, pages: httpx.AsyncClient, app_clock: Any
) -> None:
    receipt = await ticket_at(world, "assigned")
    app_clock.set(world.now() + timedelta(days=14))
    page = await (await as_page(pages, "insp1")).get("/staff")
    assert 'aria-current="page">已超期' in page.text
    assert numbers(page.text) == [receipt["number"]]
    assert re.search(r'chip-due red">已超期\d+天', page.text)
    assert '<span class="school">第一实验小学</span>' in page.text


async def test_queue_due_soon_holds_tomorrows_deadline(
    world: World, pages: httpx.AsyncClient, app_clock: Any
) -> None:
    receipt = await ticket_at(world, "assigned")  # respond by Wed + 5 working days
    app_clock.set(world.now() + timedelta(days=6))  # Tuesday: due Wednesday 18:00
    page = await (await as_page(pages, "hand1")).get("/staff?view=due_soon")
    assert numbers(page.text) == [receipt["number"]]
    assert "明天18:00到期" in page.text


async def test_queue_overdue_lists_most_overdue_first(
    world: World, pages: httpx.AsyncClient, app_clock: Any
) -> None:
    older = await ticket_at(world, "assigned")
    app_clock.set(world.now() + timedelta(days=2))
    newer = await ticket_at(world, "assigned")
    app_clock.set(world.now() + timedelta(days=20))
    page = await (await as_page(pages, "insp1")).get("/staff?view=overdue")
    assert numbers(page.text) == [older["number"], newer["number"]]


async def test_queue_supervised_on_top_with_mark(world: World, pages: httpx.AsyncClient) -> None:
    older = await ticket_at(world, "submitted")
    newer = await ticket_at(world, "submitted")
    await world.action("insp1", older["number"], "supervise", note="请三日内办结")
    page = await (await as_page(pages, "lead1")).get("/staff?view=submitted")
    assert numbers(page.text) == [older["number"], newer["number"]]
    assert '<tbody class="pinned">' in page.text and "mark-supervised" in page.text
    assert counts(page.text)["督办中"] == "1"


async def test_queue_filters_by_channel_kind_category_class_and_dates(
    world: World, pages: httpx.AsyncClient
) -> None:
    a = await world.submit(
        "s1", kind="suggestion", category="设施环境", student={"name": "李小明", "class_name": "三年级二班"}
    )
    b = await world.submit("s1", kind="complaint", category="食堂膳食")
    client = await as_page(pages, "reg1")
    assert numbers((await client.get("/staff?view=collected&kind=suggestion")).text) == [a["number"]]
    assert numbers((await client.get("/staff?view=collected&category=食堂膳食")).text) == [b["number"]]
    assert numbers((await client.get("/staff?view=collected&class=三年级二班")).text) == [a["number"]]
    assert numbers((await client.get("/staff?view=collected&channel=mailbox")).text) == []
    assert len(numbers((await client.get("/staff?view=collected&channel=online")).text)) == 2
    today = world.now().date().isoformat()  # 10:00 in Shanghai is the same day in UTC
    assert len(numbers((await client.get(f"/staff?view=collected&from={today}&to={today}")).text)) == 2
    assert numbers((await client.get("/staff?view=collected&from=2030-01-01")).text) == []
    filtered = await client.get("/staff?view=collected&category=食堂膳食")
    assert "没有符合筛选条件的工单" not in filtered.text and "清除筛选" in filtered.text


async def test_queue_bad_filters_answer_400_naming_fields_and_keep_others(
    world: World, pages: httpx.AsyncClient
) -> None:
    a = await world.submit("s1", kind="suggestion", category="设施环境", content="操场的灯坏了。")
    await world.submit("s1", kind="complaint", content="操场太小了。")
    page = await (await as_page(pages, "reg1")).get(
        "/staff?view=collected&from=yesterday&channel=pigeon&kind=suggestion&q=操场"
    )
    assert page.status_code == 400
    assert "收件日期从：请填写日期" in page.text and "渠道：请从列表中选择" in page.text
    assert 'value="yesterday"' in page.text and 'value="操场"' in page.text
    assert '<option value="suggestion" selected>' in page.text
    assert numbers(page.text) == [a["number"]]  # the kind and the words still apply


async def test_queue_reversed_dates_and_unknown_view_say_so(world: World, pages: httpx.AsyncClient) -> None:
    client = await as_page(pages, "reg1")
    page = await client.get("/staff?from=2026-11-20&to=2026-11-01")
    assert page.status_code == 400 and "开始日期不能晚于结束日期" in page.text
    other = await client.get("/staff?view=everything")
    assert (
        other.status_code == 400
        and "没有这个队列" in other.text
        and 'aria-current="page">待登记' in other.text
    )


async def test_queue_search_by_number_and_words(world: World, pages: httpx.AsyncClient) -> None:
    lamp = await world.submit("s1", content="操场的路灯坏了，晚上接孩子很不方便。")
    food = await world.submit("s1", content="食堂的饭菜太咸了。", title="Lunch SALT")
    client = await as_page(pages, "reg1")
    assert numbers((await client.get(f"/staff?number={food['number']}")).text) == [food["number"]]
    assert numbers((await client.get(f"/staff?number={food['number'][:-1]}")).text) == []  # exact only
    assert numbers((await client.get("/staff?q=路灯坏了")).text) == [lamp["number"]]
    assert numbers((await client.get("/staff?q=灯")).text) == [lamp["number"]]  # one character: LIKE
    assert numbers((await client.get("/staff?q=salt")).text) == [food["number"]]  # any case
    assert numbers((await client.get("/staff?q=100%")).text) == []  # % is a character, not a wildcard
    assert numbers((await client.get("/staff?q=路灯好了")).text) == []


async def copies(connection: AsyncConnection, number: str, n: int) -> None:
    """`n` copies of a ticket, each collected a minute earlier (a long queue without the API)."""
    await connection.execute(
        text(
            "INSERT INTO tickets (number, access_code_hash, org_id, org_path, school_id, district_id, "
            "channel, kind, category, status, content, anonymous, collected_at, register_due_at, "
            "respond_due_at) SELECT t.number || '-' || i, t.access_code_hash, t.org_id, t.org_path, "
            "t.school_id, t.district_id, t.channel, t.kind, t.category, t.status, t.content, t.anonymous, "
            "t.collected_at - i * interval '1 minute', t.register_due_at, t.respond_due_at "
            "FROM tickets t, generate_series(1, :n) AS i WHERE t.number = :number"
        ),
        {"n": n, "number": number},
    )


async def test_queue_keyset_pages_walk_every_ticket_once(
    world: World, pages: httpx.AsyncClient, connection: AsyncConnection
) -> None:
    receipt = await world.submit("s1")
    await copies(connection, receipt["number"], 60)
    client = await as_page(pages, "reg1")
    first = await client.get("/staff")
    assert len(numbers(first.text)) == 30 and counts(first.text)["待登记"] == "61"
    seen, page, sizes = [], first, []
    while True:
        seen += numbers(page.text)
        sizes.append(len(numbers(page.text)))
        more = re.search(r'href="(/staff\?[^"]*cursor=[^"]+)">下一页', page.text)
        if not more:
            break
        page = await client.get(more.group(1).replace("&amp;", "&"))
        assert "回到第一页" in page.text
    assert sizes == [30, 30, 1] and len(set(seen)) == 61
    bad = await client.get("/staff?cursor=bm90LWEtY3Vyc29y")
    assert bad.status_code == 400 and "翻页链接已失效" in bad.text and len(numbers(bad.text)) == 30


async def test_queue_count_stops_at_cap(
    world: World, pages: httpx.AsyncClient, connection: AsyncConnection
) -> None:
    receipt = await world.submit("s1")
    await copies(connection, receipt["number"], 1000)
    page = await (await as_page(pages, "reg1")).get("/staff")
    assert counts(page.text)["待登记"] == "999+"


async def test_queue_htmx_poll_answers_only_the_live_block(world: World, pages: httpx.AsyncClient) -> None:
    await world.submit("s1")
    client = await as_page(pages, "lead1")
    full = await client.get("/staff?view=collected")
    assert 'hx-trigger="every 20s"' in full.text and "本校本月数据" in full.text
    live = await client.get("/staff?view=collected", headers={"HX-Request": "true"})
    assert live.status_code == 200
    assert "<html" not in live.text and '<nav class="views"' in live.text and "本校本月数据" not in live.text
    assert live.headers["cache-control"] == "no-store"


async def test_queue_leader_figures_load_on_their_own_registrar_none(
    world: World, pages: httpx.AsyncClient
) -> None:
    await ticket_at(world, "responded")
    await world.submit("s1")
    client = await as_page(pages, "lead1")
    queue_page = await client.get("/staff")
    panel = queue_page.text.split('class="figures"', 1)[1].split("</section>", 1)[0]
    assert 'hx-get="/staff/figures" hx-trigger="load"' in panel and 'href="/staff/figures"' in panel
    fragment = await client.get("/staff/figures", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "<dt>收件</dt><dd>2</dd>" in fragment.text and "<dt>反馈率</dt><dd>50.0%</dd>" in fragment.text
    assert "满意率" in fragment.text and "超期未办" in fragment.text and "数据每分钟更新" in fragment.text
    whole = await client.get("/staff/figures")  # the panel's link, without JavaScript
    assert whole.status_code == 200 and "<html" in whole.text and "<dt>收件</dt><dd>2</dd>" in whole.text
    registrar = await as_page(pages, "reg1")  # the same client, signed in as another user
    assert 'class="figures"' not in (await registrar.get("/staff")).text
    assert (await registrar.get("/staff/figures")).status_code == 403


async def test_queue_leader_figures_reused_for_a_minute(world: World, pages: httpx.AsyncClient) -> None:
    await world.submit("s1")
    client = await as_page(pages, "lead1")
    first = await client.get("/staff/figures", headers={"HX-Request": "true"})
    assert "<dt>收件</dt><dd>1</dd>" in first.text
    await world.submit("s1")
    again = await client.get("/staff/figures", headers={"HX-Request": "true"})
    assert "<dt>收件</dt><dd>1</dd>" in again.text  # the panel says 数据每分钟更新
    assert counts((await client.get("/staff?view=collected")).text)["待登记"] == "2"  # counts never reused


# ---- bulk actions -------------------------------------------------------------------------------


async def test_bulk_assign_does_each_and_explains_refusals(world: World, pages: httpx.AsyncClient) -> None:
    a = await ticket_at(world, "submitted")
    b = await ticket_at(world, "submitted")
    c = await ticket_at(world, "registered")  # not submitted yet: refused
    d = await ticket_at(world, "submitted", school="s2")  # another school: not found
    client = await as_page(pages, "lead1")
    page = await client.get("/staff?view=submitted")
    assert '<button type="submit" name="action" value="assign" class="button">交办</button>' in page.text
    assert "hand1老师（在办 0 件）" in page.text
    answer = await client.post(
        "/staff/bulk",
        data={
            "csrf": csrf_of(page.text),
            "action": "assign",
            "assignee": "hand1",
            "n": [a["number"], b["number"], c["number"], d["number"]],
            "back": "/staff?view=submitted",
        },
    )
    assert answer.status_code == 200, answer.text
    assert "已交办 2 件。" in answer.text
    assert f"{c['number']}</a>：状态已变化，当前不能办理" in answer.text
    assert f"{d['number']}</a>：不在您的范围内或不存在" in answer.text
    mine = await (await as_page(pages, "hand1")).get("/staff")
    assert sorted(numbers(mine.text)) == sorted([a["number"], b["number"]])


async def test_bulk_assign_to_non_handler_is_refused_per_ticket(
    world: World, pages: httpx.AsyncClient
) -> None:
    a = await ticket_at(world, "submitted")
    client = await as_page(pages, "lead1")
    token = csrf_of((await client.get("/staff")).text)
    answer = await client.post(
        "/staff/bulk", data={"csrf": token, "action": "assign", "assignee": "hand2", "n": [a["number"]]}
    )
    assert "已交办 0 件。" in answer.text and "所选承办人不能承办此件" in answer.text


async def test_bulk_archive_responded(world: World, pages: httpx.AsyncClient) -> None:
    a = await ticket_at(world, "responded")
    client = await as_page(pages, "lead1")
    page = await client.get("/staff?view=unrated")
    assert 'value="archive"' in page.text
    answer = await client.post(
        "/staff/bulk", data={"csrf": csrf_of(page.text), "action": "archive", "n": [a["number"]]}
    )
    assert "已归档 1 件。" in answer.text
    archived = await client.get("/staff?view=archived")
    assert numbers(archived.text) == [a["number"]]


async def test_bulk_without_csrf_is_403_and_changes_nothing(world: World, pages: httpx.AsyncClient) -> None:
    a = await ticket_at(world, "submitted")
    client = await as_page(pages, "lead1")
    answer = await client.post(
        "/staff/bulk", data={"action": "assign", "assignee": "hand1", "n": [a["number"]]}
    )
    assert answer.status_code == 403 and "页面已过期" in answer.text
    still = await client.get("/staff?view=submitted")
    assert numbers(still.text) == [a["number"]]


async def test_bulk_nothing_ticked_or_no_assignee_is_400(world: World, pages: httpx.AsyncClient) -> None:
    a = await ticket_at(world, "submitted")
    client = await as_page(pages, "lead1")
    token = csrf_of((await client.get("/staff")).text)
    empty = await client.post("/staff/bulk", data={"csrf": token, "action": "archive"})
    assert empty.status_code == 400 and "请先勾选工单" in empty.text
    nobody = await client.post("/staff/bulk", data={"csrf": token, "action": "assign", "n": [a["number"]]})
    assert nobody.status_code == 400 and "交办给：请选择承办人" in nobody.text


async def test_bulk_handler_may_not_archive(world: World, pages: httpx.AsyncClient) -> None:
    a = await ticket_at(world, "responded")
    client = await as_page(pages, "hand1")
    token = csrf_of((await client.get("/staff")).text)
    answer = await client.post("/staff/bulk", data={"csrf": token, "action": "archive", "n": [a["number"]]})
    assert "已归档 0 件。" in answer.text and "您的身份不能办理这一步" in answer.text


# ---- presence -----------------------------------------------------------------------------------


async def test_presence_names_the_others_viewing(
    world: World, pages: httpx.AsyncClient, shared_app: Any
) -> None:
    receipt = await ticket_at(world, "assigned")
    url = f"/staff/tickets/{receipt['number']}/presence"
    hand = await as_page(pages, "hand1")
    alone = await hand.get(url)
    assert alone.status_code == 200 and alone.text.strip() == ""
    async with _client(shared_app) as other:
        await sign_in(other, "lead1")
        seen = await other.get(url)
        assert seen.status_code == 200 and "hand1老师正在处理" in seen.text
    back = await hand.get(url)
    assert "lead1老师正在处理" in back.text and "hand1老师" not in back.text
    await shared_app.state.redis.delete(presence.key(receipt["number"]))


async def test_presence_outside_scope_is_404(world: World, pages: httpx.AsyncClient) -> None:
    receipt = await ticket_at(world, "assigned")
    answer = await (await as_page(pages, "hand2")).get(f"/staff/tickets/{receipt['number']}/presence")
    assert answer.status_code == 404


async def test_presence_redis_down_is_empty(
    world: World, shared_app: Any, connection: AsyncConnection
) -> None:
    receipt = await ticket_at(world, "assigned")
    token = await page_session(shared_app, connection, "hand1")
    down = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    async with make_sessionmaker(connection)() as session:
        ctx = Ctx(session, shared_app.state.settings, Caches(), world.now(), redis=down)
        principal = await principal_for(ctx, token)
        assert principal is not None
        assert await presence.viewing(ctx, principal, receipt["number"]) == []
    await down.aclose()


async def test_queue_unrated_holds_a_rework_answered_again(world: World, pages: httpx.AsyncClient) -> None:
    """After 不满意 and a second answer the ticket waits for a rating again (as the parents'
    site says), so the leader finds it under 待评价 to archive."""
    ticket = await ticket_at(world, "responded")
    number = ticket["number"]
    rated = await world.client.post(
        f"/api/v1/public/tickets/{number}/rating",
        json={"code": ticket["access_code"], "value": "unsatisfied"},
    )
    assert rated.status_code == 200, rated.text
    client = await as_page(pages, "lead1")
    assert number not in numbers((await client.get("/staff?view=unrated")).text)
    again = await world.action("hand1", number, "respond", text="已重新核实并整改。")
    assert again.status_code == 200, again.text
    page = await client.get("/staff?view=unrated")
    assert number in numbers(page.text)
    assert counts(page.text)["待评价"] == "1"


async def test_counts_are_reused_a_few_seconds_per_scope_but_rows_never(
    world: World, pages: httpx.AsyncClient, shared_app: Any
) -> None:
    """The badges beside the views are reused for COUNTS_TTL seconds per scope (the counts
    statement is a third of a page's database time); the rows below them are read every time,
    and a handler's counts are their own."""
    shared_app.state.caches.counts = TtlCache(COUNTS_TTL)  # as in production
    first = (await world.submit("s1"))["number"]
    client = await as_page(pages, "reg1")
    assert counts((await client.get("/staff")).text)["待登记"] == "1"
    second = (await world.submit("s1"))["number"]
    page = await client.get("/staff")
    assert counts(page.text)["待登记"] == "1"  # reused
    assert sorted(numbers(page.text)) == sorted([first, second])  # read again
    shared_app.state.caches.counts.clear()  # as when COUNTS_TTL has passed
    assert counts((await client.get("/staff")).text)["待登记"] == "2"

    for number in (first, second):
        await walk(world, number, "assigned")
    hand1 = counts((await (await as_page(pages, "hand1")).get("/staff")).text)
    hand1b = counts((await (await as_page(pages, "hand1b")).get("/staff")).text)
    assert hand1["我的待办"] == "2" and hand1b["我的待办"] == "0"
