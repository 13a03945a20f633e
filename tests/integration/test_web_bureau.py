"""The bureau's console (/bureau, web/bureau/): who may open it, and its overview's figures
for the caller's scope and period, the same as the API's stats."""

from __future__ import annotations

import re

import pytest

from .conftest import World
from .helpers import sign_in

pytestmark = pytest.mark.asyncio


async def test_inspector_sees_the_district_figures_and_each_school(world: World) -> None:
    await world.submit("s1")
    await world.submit("s1")
    await world.submit("s2")
    await sign_in(world.client, "insp1")
    page = await world.client.get("/bureau")
    assert page.status_code == 200, page.text
    assert "办理情况概览" in page.text and 'aria-current="page">概览' in page.text
    stats = (await world.as_("insp1", "GET", "/api/v1/stats")).json()
    assert re.search(rf"<dt>收件</dt><dd><a href=\"[^\"]+\">{stats['total']}</a></dd>", page.text)
    for row in stats["by_school"]:
        assert re.search(
            rf'<th scope="row">{row["school_name"]}</th><td><a [^>]+>{row["total"]}</a></td>', page.text
        )


async def test_leader_sees_the_console_for_the_school_only(world: World) -> None:
    await world.submit("s1")
    await world.submit("s2")
    await sign_in(world.client, "lead1")
    page = await world.client.get("/bureau")
    assert page.status_code == 200
    assert re.search(r'<dt>收件</dt><dd><a href="[^"]+">1</a></dd>', page.text)
    other = await world.client.get("/bureau", params={"org": "s2"})
    assert other.status_code == 404


async def test_handler_may_not_open_the_console(world: World) -> None:
    await sign_in(world.client, "hand1")
    page = await world.client.get("/bureau")
    assert page.status_code == 403 and "督查" not in page.text.split("<main", 1)[0].split("staff-nav", 1)[1]


async def test_a_period_that_is_not_dates_is_400_with_a_sentence_and_keeps_the_form(world: World) -> None:
    await sign_in(world.client, "insp1")
    page = await world.client.get("/bureau", params={"from": "yesterday", "to": "2026-11-30"})
    assert page.status_code == 400
    assert "统计期间有误" in page.text and 'value="yesterday"' in page.text
