"""The console's figures: trends and breakdowns (API) add up to the stats, the overview shows
every figure with a link to the tickets behind it, and each list's count equals its figure —
for the whole scope, a school, a breakdown row and a trend period; the rebuild repairs drift."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.engine import make_sessionmaker
from huixiang.domain import figures as f
from huixiang.services import stats as stats_service
from huixiang.services.context import Caches, Ctx
from huixiang.settings import Settings

from .conftest import World
from .helpers import assert_error, sign_in, ticket_at

pytestmark = pytest.mark.asyncio


async def _known_set(world: World) -> None:
    """Tickets of d1 in every state a figure tells apart, some collected days ago."""
    await world.submit("s1")  # open, on time
    await world.submit("s1", to_bureau=True)  # about s1, filed at d1
    old = (world.now() - timedelta(days=12)).isoformat()
    late = await world.as_(
        "reg1",
        "POST",
        "/api/v1/tickets",
        json={
            "school_code": "s1",
            "kind": "inquiry",
            "category": "校园安全",
            "content": "来电咨询。",
            "consent": True,
            "channel": "hotline",
            "collected_at": old,
        },
    )
    assert late.status_code == 201, late.text
    await world.action("insp1", late.json()["number"], "supervise", note="请尽快答复")
    rated = await ticket_at(world, "responded")
    await world.client.post(
        f"/api/v1/public/tickets/{rated['number']}/rating",
        json={"code": rated["access_code"], "value": "satisfied"},
    )
    unhappy = await ticket_at(world, "responded", school="s2", kind="suggestion", category="其他")
    await world.client.post(
        f"/api/v1/public/tickets/{unhappy['number']}/rating",
        json={"code": unhappy["access_code"], "value": "unsatisfied"},
    )
    primary, duplicate = await world.submit("s2"), await world.submit("s2")
    await world.action("reg2", duplicate["number"], "merge", into=primary["number"])
    await ticket_at(world, "archived", school="s2")


async def test_trends_and_breakdowns_add_up_to_the_stats(world: World) -> None:
    await _known_set(world)
    params = {"from": (world.now() - timedelta(days=40)).date().isoformat()}
    total = (await world.as_("insp1", "GET", "/api/v1/stats", params=params)).json()
    assert total["total"] == 7 and total["to_bureau"] == 1 and total["supervised_open"] == 1
    for every in ("week", "month"):
        answer = await world.as_("insp1", "GET", "/api/v1/stats/trends", params={**params, "every": every})
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        assert [i["period"] for i in items] == sorted(i["period"] for i in items)
        for name in ("total", "responded", "rated", "reopened", "overdue_open", "supervised_open"):
            assert sum(i[name] for i in items) == total[name], (every, name)
    parts = (await world.as_("insp1", "GET", "/api/v1/stats/breakdowns", params=params)).json()
    for by in ("channel", "kind", "category"):
        rows = parts[f"by_{by}"]
        for name in ("total", "responded", "satisfied", "unsatisfied", "overdue_open"):
            assert sum(r[name] for r in rows) == total[name], (by, name)
    assert {r["channel"]: r["total"] for r in parts["by_channel"]} == {"online": 6, "hotline": 1}


async def test_trends_refuse_a_bad_every_and_an_org_out_of_scope(world: World) -> None:
    assert_error(
        await world.as_("insp1", "GET", "/api/v1/stats/trends", params={"every": "day"}), 400, "every"
    )
    answer = await world.as_("lead1", "GET", "/api/v1/stats/breakdowns", params={"org_code": "s2"})
    assert_error(answer, 404, "s2")


def _links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="(/bureau/tickets\?[^"]+)"', html)]


async def _listed(world: World, link: str) -> tuple[int, int]:
    """The count a drill-down page states and the rows over all its pages."""
    page = await world.client.get(link)
    assert page.status_code == 200, (link, page.text)
    count = int(re.search(r'data-count="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    rows = page.text.count('class="ticket-row"')
    while (more := re.search(r'rel="next" href="([^"]+)"', page.text)) is not None:
        page = await world.client.get(unescape(more.group(1)))
        rows += page.text.count('class="ticket-row"')
    return count, rows


@pytest.mark.parametrize(("user", "org"), [("insp1", ""), ("insp1", "s1"), ("insp1", "d1"), ("lead1", "")])
async def test_every_figure_of_the_overview_lists_as_many_tickets_as_it_says(
    world: World, user: str, org: str
) -> None:
    await _known_set(world)
    start = (world.now() - timedelta(days=40)).date().isoformat()
    end = world.now().date().isoformat()
    params = {"from": start, "to": end, **({"org_code": org} if org else {})}
    figures = (await world.as_(user, "GET", "/api/v1/stats", params=params)).json()
    parts = (await world.as_(user, "GET", "/api/v1/stats/breakdowns", params=params)).json()
    await sign_in(world.client, user)
    page = await world.client.get("/bureau", params={"from": start, "to": end, "org": org})
    assert page.status_code == 200, page.text
    links = _links(page.text)
    assert links, "the overview links its figures"
    seen: set[str] = set()
    for link in links:
        query = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
        figure = query["figure"]
        count, rows = await _listed(world, link)
        assert count == rows, link
        # The figure this link stands for, from the API: the headline, a school, a facet or a period.
        if query.get("channel") or query.get("kind") or query.get("category"):
            [(by, value)] = [(k, query[k]) for k in ("channel", "kind", "category") if query.get(k)]
            row = next(r for r in parts[f"by_{by}"] if r[by] == value)
        elif query["org"] != org:
            row = next(r for r in figures["by_school"] if r["school_code"] == query["org"])
        elif (query["from"], query["to"]) != (start, end):
            trend = await world.as_(
                user,
                "GET",
                "/api/v1/stats",
                params={"from": query["from"], "to": query["to"], **({"org_code": org} if org else {})},
            )
            row = trend.json()
        else:
            row = figures
        assert count == f.drill_count(row, figure), (link, count)
        seen.add(figure)
    assert {"total", "overdue_open", "supervised_open", "response_rate", "satisfaction_rate"} <= seen


async def test_the_tickets_behind_a_figure_of_a_school_include_those_sent_to_the_bureau_marked(
    world: World,
) -> None:
    await world.submit("s1", to_bureau=True)
    await world.submit("s1")
    await sign_in(world.client, "insp1")
    page = await world.client.get("/bureau/tickets", params={"figure": "total", "org": "s1"})
    assert 'data-count="2"' in page.text and page.text.count("mark-bureau") == 1
    lead = await world.as_("lead1", "GET", "/api/v1/stats")
    assert lead.json()["total"] == 1  # the school's own staff never see it


async def test_an_unknown_figure_is_400_and_an_org_out_of_scope_404(world: World) -> None:
    await sign_in(world.client, "lead1")
    page = await world.client.get("/bureau/tickets", params={"figure": "nonsense"})
    assert page.status_code == 400
    assert (
        await world.client.get("/bureau/tickets", params={"figure": "total", "org": "s2"})
    ).status_code == 404


async def test_overview_draws_charts_from_a_data_block_with_table_twins(world: World) -> None:
    await _known_set(world)
    await sign_in(world.client, "insp1")
    page = await world.client.get("/bureau")
    assert page.status_code == 200
    assert '<script type="application/json" id="chart-data">' in page.text
    assert page.text.count('data-chart="') == page.text.count('class="users figures-table"')
    assert (
        "/static/vendor/echarts/echarts.min.js" in page.text and "/static/site/bureau-charts.js" in page.text
    )
    assert "<script>" not in page.text  # no inline script: the CSP allows none
    assert "按月趋势" in page.text and "按渠道" in page.text and "校长热线" in page.text


async def test_rebuild_repairs_a_rollup_that_drifted(
    world: World, connection: AsyncConnection, settings: Settings
) -> None:
    await _known_set(world)
    before = (await world.as_("insp1", "GET", "/api/v1/stats")).json()
    await connection.execute(text("UPDATE figure_months SET total = total + 5"))
    drifted = (await world.as_("insp1", "GET", "/api/v1/stats")).json()
    assert drifted["total"] != before["total"]

    async def rebuild() -> dict[str, Any]:
        async with make_sessionmaker(connection)() as session:
            done = await stats_service.rebuild_rollups(Ctx(session, settings, Caches(), world.now()))
            await session.commit()  # the test's savepoint: rolled back with the test
            return done

    first = await rebuild()
    assert first["drifted"] is True and first["days"] > 0 and first["months"] > 0
    assert (await world.as_("insp1", "GET", "/api/v1/stats")).json() == before
    assert (await rebuild())["drifted"] is False


async def test_trends_without_a_start_end_where_asked_and_list_every_period(world: World) -> None:
    answer = await world.as_(
        "insp1", "GET", "/api/v1/stats/trends", params={"every": "month", "to": "2025-06-30"}
    )
    assert answer.status_code == 200, answer.text
    periods = [i["period"] for i in answer.json()["items"]]
    assert periods[0] == "2024-07-01" and periods[-1] == "2025-06-01" and len(periods) == 12
    weeks = (await world.as_("insp1", "GET", "/api/v1/stats/trends", params={"every": "week"})).json()[
        "items"
    ]
    assert len(weeks) == 26 and all(w["total"] == 0 for w in weeks)
