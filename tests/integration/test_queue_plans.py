"""The queue page's statements are served by indexes (db/queues.py, migrations 0006 and 0007):
each view's bounded count, and search by words through the bigram GIN index. The test tables are
tiny, so sequential scans are switched off for the transaction: the question is whether an index
CAN serve each statement (an expression or predicate that does not match would still scan);
bench/queue_pages.py checks the plans again on a seeded database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db import queues as db
from huixiang.services.queues import VIEWS

from .conftest import World
from .helpers import raw

pytestmark = pytest.mark.asyncio
NOW = datetime(2026, 11, 18, 2, tzinfo=UTC)


async def scopes(connection: AsyncConnection) -> dict[str, db.Scope]:
    driver = await raw(connection)
    rows = {r["code"]: (r["id"], r["path"]) for r in await driver.fetch("SELECT code, id, path FROM orgs")}
    return {
        "school": db.Scope([rows["s1"][1]], []),
        "district": db.Scope([], [rows["d1"][0]]),
        "city": db.Scope([], [rows["d1"][0], rows["d2"][0]]),
    }


def view(code: str, *, mine: bool = False) -> db.View:
    return db.View(code, NOW, NOW + timedelta(days=1), 1, mine=mine)


@pytest.mark.parametrize("scope", ["school", "district", "city"])
async def test_counts_every_view_by_index(world: World, connection: AsyncConnection, scope: str) -> None:
    del world
    driver = await raw(connection)
    await driver.execute("SET LOCAL enable_seqscan = off")
    chosen = (await scopes(connection))[scope]
    for code in VIEWS:
        statement, args = db.counts_sql(chosen, [view(code)])
        plan = await db.explain(driver, statement, args)
        assert "Seq Scan" not in plan, (code, plan)
        assert "LIMIT" in statement.upper() and "Limit" in plan, (code, plan)
        assert "ix_tickets_" in plan, (code, plan)


async def test_handler_counts_use_the_assignee_index(world: World, connection: AsyncConnection) -> None:
    del world
    driver = await raw(connection)
    await driver.execute("SET LOCAL enable_seqscan = off")
    chosen = (await scopes(connection))["school"]
    for code in ("mine", "overdue", "archived"):
        statement, args = db.counts_sql(chosen, [view(code, mine=True)])
        plan = await db.explain(driver, statement, args)
        assert "Seq Scan" not in plan and "ix_tickets_" in plan, (code, plan)


@pytest.mark.parametrize("scope", ["school", "city"])
async def test_search_by_words_uses_the_bigram_index(
    world: World, connection: AsyncConnection, scope: str
) -> None:
    """Twenty thousand archived tickets of other words, analysed: the planner itself picks the
    GIN index for a rare phrase (no switches)."""
    receipt = await world.submit("s1", content="食堂饭菜太咸了。")
    driver = await raw(connection)
    await driver.execute(
        "INSERT INTO tickets (number, access_code_hash, org_id, org_path, school_id, district_id, channel, "
        "kind, category, status, content, anonymous, collected_at, register_due_at, respond_due_at) "
        "SELECT t.number || '-' || i, t.access_code_hash, t.org_id, t.org_path, t.school_id, t.district_id, "
        "t.channel, t.kind, t.category, 'archived', '操场路灯第' || i || '号坏了，请维修。', t.anonymous, "
        "t.collected_at - i * interval '1 minute', t.register_due_at, t.respond_due_at "
        "FROM tickets t, generate_series(1, 20000) AS i WHERE t.number = $1",
        receipt["number"],
    )
    await driver.execute("ANALYZE tickets")
    await driver.execute("SET LOCAL random_page_cost = 1.1")  # an SSD, as the servers have
    chosen = (await scopes(connection))[scope]
    statement, args = db.page_sql(
        chosen, view("archived"), db.Filters(words="食堂饭菜"), None, 51, pinned=False
    )
    plan = await db.explain(driver, statement, args)
    assert "ix_tickets_words" in plan, plan
