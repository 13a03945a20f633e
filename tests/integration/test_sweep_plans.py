"""A rule written twice agrees: each sweep rule's statement (db/reminders.py) is served by its
partial index (models.py, the migrations), checked with EXPLAIN on a table where the rule has
fired for most tickets. (The awaiting statuses of those indexes and of the domain agree by
tests/integration/test_archive_integrity.py.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db import reminders

from .conftest import World
from .helpers import raw


async def seed(connection: AsyncConnection, now: datetime, count: int = 3000) -> None:
    """`count` tickets at s1, half collected and half assigned, every deadline around `now`; each
    rule has already fired for all but the first few, as in a running system."""
    await connection.execute(
        text(
            """
            INSERT INTO tickets (number, access_code_hash, org_id, org_path, school_id, district_id,
                                 channel, kind, category, status, content, anonymous, collected_at,
                                 register_due_at, respond_due_at, due_soon_for, register_overdue_for,
                                 overdue_for, escalated_for)
            SELECT 'P-' || g, '\\x00'::bytea, o.id, o.path, o.id, o.parent_id, 'online', 'help', '其他',
                   CASE WHEN g % 2 = 0 THEN 'assigned' ELSE 'collected' END, '…', false,
                   CAST(:now AS timestamptz) - interval '7 days', d.register_due, d.respond_due,
                   CASE WHEN g > 10 THEN d.respond_due END, CASE WHEN g > 10 THEN d.register_due END,
                   CASE WHEN g > 10 THEN d.respond_due END, CASE WHEN g > 10 THEN d.respond_due END
            FROM generate_series(1, :count) g
            CROSS JOIN LATERAL (
                SELECT CAST(:now AS timestamptz) + (g - :count / 2) * interval '1 minute' AS respond_due,
                       CAST(:now AS timestamptz) + (g - :count / 2) * interval '30 seconds' AS register_due
            ) d
            JOIN orgs o ON o.code = 's1'
            """
        ),
        {"now": now, "count": count},
    )
    await connection.execute(text("ANALYZE tickets"))


def used_indexes(plan: Any) -> set[str]:
    found: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        if "Index Name" in node:
            found.add(node["Index Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


@pytest.mark.parametrize("rule", list(reminders.RULES))
async def test_each_sweep_rule_is_served_by_its_partial_index(
    world: World, connection: AsyncConnection, rule: str
) -> None:
    del world  # the org tree
    now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    await seed(connection, now)
    root = (await connection.execute(text("SELECT path FROM orgs WHERE code = 'city'"))).scalar()
    instants = {
        "now": now,
        "soon": now + timedelta(days=1),
        "urgent_soon": now + timedelta(hours=4),
        "escalate": now - timedelta(days=2),
    }
    sql, args = reminders.fire_statement(rule, instants, root)
    driver = await raw(connection)  # the sweep's statements are raw SQL
    await driver.execute("SET LOCAL enable_seqscan = off")
    answer = await driver.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
    plan = json.loads(answer) if isinstance(answer, str) else answer  # the session may decode json
    assert f"ix_tickets_sweep_{rule}" in used_indexes(plan), json.dumps(plan, indent=1)
