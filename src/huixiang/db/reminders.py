"""The deadline sweep's statements. Each rule marks a batch of due tickets as fired for their
deadline and returns them; its WHERE repeats the rule's partial index predicate
(ix_tickets_sweep_<rule>, models.py) word for word, so the index serves it
(tests/integration/test_sweep_plans.py checks both)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from .models import AWAITING_SQL, BOUNCE_SQL
from .repo import NOT_NAMED_SQL, subtree_end

BATCH = 2000

# rule → (deadline column, statuses, condition over the instants now, soon, urgent_soon, escalate)
RULES = {
    "due_soon": (
        "respond_due_at",
        AWAITING_SQL,
        "respond_due_at > {now} AND respond_due_at <= greatest({soon}, {urgent_soon}) AND "
        "respond_due_at <= CASE WHEN priority = 'urgent' THEN {urgent_soon} ELSE {soon} END",
    ),
    "register_overdue": ("register_due_at", "'collected'", "register_due_at < {now}"),
    "overdue": ("respond_due_at", AWAITING_SQL, "respond_due_at < {now}"),
    "escalated": ("respond_due_at", AWAITING_SQL, "respond_due_at <= {escalate}"),
    # 退单 more than twice (services/tickets/holds.py sets bounced_at at the third return).
    "bounced": ("bounced_at", BOUNCE_SQL, "bounced_at <= {now}"),
}
INSTANTS = ("now", "soon", "urgent_soon", "escalate")


def fire_statement(rule: str, instants: dict[str, datetime], root_path: str) -> tuple[str, list[Any]]:
    """The statement that marks a batch of the rule's due tickets under `root_path` as fired."""
    column, statuses, condition = RULES[rule]
    used = [name for name in INSTANTS if "{" + name + "}" in condition]
    condition = condition.format(**{name: f"${i + 3}::timestamptz" for i, name in enumerate(used)})
    sql = f"""
    WITH due AS (
        SELECT id FROM tickets
        WHERE status in ({statuses}) AND {rule}_for IS DISTINCT FROM {column}
          AND {condition} AND org_path >= $1 AND org_path < $2
        ORDER BY {column}
        LIMIT {BATCH}
        FOR UPDATE SKIP LOCKED
    )
    UPDATE tickets t SET {rule}_for = t.{column}
    FROM due WHERE t.id = due.id
    RETURNING t.id, t.number, t.status, t.org_id, t.district_id, t.assignee_id, t.return_count,
              t.{column} AS deadline
    """
    return sql, [root_path, subtree_end(root_path), *(instants[name] for name in used)]


async def begin_sweep(connection: asyncpg.Connection) -> None:
    # Plan each rule's statement for the instants it is given: after five runs PostgreSQL would
    # switch a prepared statement to a generic plan, which cannot see that the ranges are narrow
    # (measured: 300 ms a sweep instead of 4 ms at 1M tickets).
    await connection.execute("SET LOCAL plan_cache_mode = force_custom_plan")


async def fire(
    connection: asyncpg.Connection, rule: str, instants: dict[str, datetime], root_path: str
) -> list[Any]:
    sql, args = fire_statement(rule, instants, root_path)
    return list(await connection.fetch(sql, *args))


async def roots(connection: asyncpg.Connection) -> list[str]:
    """The paths of the org trees' roots (the bureaus at the top)."""
    return [
        row["path"]
        for row in await connection.fetch("SELECT path FROM orgs WHERE parent_id IS NULL ORDER BY id")
    ]


async def staff_of(
    connection: asyncpg.Connection, org_ids: Sequence[int], roles: Sequence[str]
) -> dict[tuple[int, str], list[int]]:
    """The active holders of `roles` at each org unit: (org, role) → user ids."""
    rows = await connection.fetch(
        "SELECT g.org_id, g.role, g.user_id FROM role_grants g JOIN users u ON u.id = g.user_id "
        "WHERE u.is_active AND g.org_id = ANY($1::int[]) AND g.role = ANY($2::text[])",
        list(org_ids),
        list(roles),
    )
    staff: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in rows:
        staff[(row["org_id"], row["role"])].append(row["user_id"])
    return staff


async def leaders_without_digest(
    connection: asyncpg.Connection, root_path: str, morning: datetime
) -> list[Any]:
    """The active leaders under a root who have no digest for this morning yet: (user_id, path)."""
    return list(
        await connection.fetch(
            """
            SELECT g.user_id, o.path FROM role_grants g
            JOIN orgs o ON o.id = g.org_id JOIN users u ON u.id = g.user_id AND u.is_active
            WHERE g.role = 'leader' AND o.path >= $1 AND o.path < $2
              AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = g.user_id
                              AND n.rule = 'digest' AND n.ticket_id IS NULL AND n.deadline_at = $3)
            """,
            root_path,
            subtree_end(root_path),
            morning,
        )
    )


async def open_figures(
    connection: asyncpg.Connection, path: str, evening: datetime, now: datetime, user_id: int
) -> dict[str, int]:
    """A unit's tickets awaiting a response: all, due by `evening`, past their deadline; not
    the ones that name the leader the digest is for."""
    unnamed = NOT_NAMED_SQL.format(ticket="tickets.id", user="$5")
    row = await connection.fetchrow(
        f"""
        SELECT count(*) AS open,
               count(*) FILTER (WHERE respond_due_at <= $3) AS due_today,
               count(*) FILTER (WHERE respond_due_at < $4) AS overdue
        FROM tickets WHERE org_path >= $1 AND org_path < $2 AND status in ({AWAITING_SQL})
          AND {unnamed}
        """,
        path,
        subtree_end(path),
        evening,
        now,
        user_id,
    )
    assert row is not None  # an aggregate always answers one row
    return {name: int(row[name]) for name in ("open", "due_today", "overdue")}


async def requeue_due(
    connection: asyncpg.Connection, now: datetime, window: timedelta, limit: int = 1000
) -> list[int]:
    """Pending deliveries whose time has come and that were not handed to the queue since
    (a retry's new time) or not within `window` (a message lost with Redis, or a worker down):
    marked queued now and answered, to enqueue after the commit. With no worker running, each
    is queued once per window, not at every sweep."""
    rows = await connection.fetch(
        """
        WITH due AS (
            SELECT id FROM deliveries
            WHERE status = 'pending' AND next_attempt_at <= $1
              AND (queued_at IS NULL OR queued_at < next_attempt_at OR queued_at <= $2)
            ORDER BY next_attempt_at
            LIMIT $3
            FOR UPDATE SKIP LOCKED
        )
        UPDATE deliveries d SET queued_at = $1 FROM due WHERE d.id = due.id
        RETURNING d.id
        """,
        now,
        now - window,
        limit,
    )
    return sorted(row["id"] for row in rows)
