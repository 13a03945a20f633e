"""The hot paths in plain SQL on asyncpg, one statement each: the token lookup behind every staff
request, public intake, tracking and the staff list. Measured against the ORM in
docs/benchmarks.md; everything else goes through SQLAlchemy.

A statement runs on the request's own pooled asyncpg connection where the edge gave one (the
hot endpoints: single statements, atomic by themselves), else on the connection under the
session, inside its transaction (every other caller, and the tests, which roll it back)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.chain import HASHED_FIELDS
from .notices import holders_notice_ctes


class HasConnection(Protocol):
    @property
    def session(self) -> AsyncSession: ...

    connection: asyncpg.Connection | None


async def driver(ctx: HasConnection) -> asyncpg.Connection:
    """The request's own connection, else the one of the session's transaction (begun if not yet)."""
    if ctx.connection is not None:
        return ctx.connection
    connection = await ctx.session.connection()
    raw = await connection.get_raw_connection()
    driver_connection: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
    if not driver_connection.is_in_transaction():
        # SQLAlchemy's asyncpg adapter sends BEGIN lazily, with its first statement: send one,
        # or what follows would run outside the session's transaction (each statement on its
        # own, and the caller's commit or rollback would not cover it).
        await connection.exec_driver_sql("SELECT 1")
    return driver_connection


PRINCIPAL = """
SELECT u.id, u.username, u.display_name,
       coalesce(array_agg(g.role ORDER BY g.id) FILTER (WHERE g.id IS NOT NULL), '{}') AS roles,
       coalesce(array_agg(o.code ORDER BY g.id) FILTER (WHERE g.id IS NOT NULL), '{}') AS codes,
       coalesce(array_agg(o.path ORDER BY g.id) FILTER (WHERE g.id IS NOT NULL), '{}') AS paths,
       coalesce(array_agg(o.kind ORDER BY g.id) FILTER (WHERE g.id IS NOT NULL), '{}') AS kinds,
       coalesce(array_agg(o.name ORDER BY g.id) FILTER (WHERE g.id IS NOT NULL), '{}') AS names
FROM auth_tokens a
JOIN users u ON u.id = a.user_id
LEFT JOIN role_grants g ON g.user_id = u.id
LEFT JOIN orgs o ON o.id = g.org_id
WHERE a.token_hash = $1 AND a.expires_at > $2 AND u.is_active
GROUP BY u.id
"""


async def principal_row(connection: asyncpg.Connection, digest: bytes, now: datetime) -> Any:
    return await connection.fetchrow(PRINCIPAL, digest, now)


TICKET_COLUMNS = (
    "number",
    "access_code_hash",
    "org_id",
    "org_path",
    "school_id",
    "district_id",
    "to_bureau",
    "channel",
    "kind",
    "category",
    "priority",
    "status",
    "title",
    "content",
    "anonymous",
    "escrowed",
    "contact",
    "student",
    "collected_at",
    "register_due_at",
    "respond_due_at",
    "created_by_id",
    "idempotency_key",
    "request_hash",
    "version",
)
EVENT_COLUMNS = (*HASHED_FIELDS, "actor_id", "prev_hash", "hash")
_n = len(TICKET_COLUMNS)
_e = len(EVENT_COLUMNS)
# The ticket, its first event and the notices to its unit's staff (db/notices.py): one statement,
# so one round trip and one commit, and the rows stand or fall together.
INTAKE = f"""
WITH ticket AS (
    INSERT INTO tickets ({", ".join(TICKET_COLUMNS)})
    VALUES ({", ".join(f"${i + 1}" for i in range(_n))})
    ON CONFLICT (school_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id
),
event AS (
    INSERT INTO ticket_events (ticket_id, {", ".join(EVENT_COLUMNS)})
    SELECT id, {", ".join(f"${_n + i + 1}" for i in range(_e))} FROM ticket
    RETURNING ticket_id
),
{holders_notice_ctes(_n + _e + 1)}
SELECT (SELECT ticket_id FROM event) AS ticket_id, ARRAY(SELECT id FROM outbox) AS deliveries
"""


async def insert_intake(
    connection: asyncpg.Connection,
    ticket: dict[str, Any],
    event: dict[str, Any],
    notice: Sequence[Any],
    files: Sequence[tuple[Any, ...]] = (),
) -> tuple[int | None, list[int]]:
    """The ticket, its first event and its notices in one statement (with its files, one
    transaction): its id and the new deliveries' ids; None when the idempotency key was used
    before. `notice`: rule, now, deadline, data, body, subject, org id, roles (db/notices.py)."""
    args = [ticket[c] for c in TICKET_COLUMNS] + [event[c] for c in EVENT_COLUMNS] + list(notice)
    if not files:
        return await _intake(connection, args)
    async with connection.transaction():  # a savepoint when the caller is in a transaction
        ticket_id, deliveries = await _intake(connection, args)
        if ticket_id is not None:
            await connection.executemany(
                "INSERT INTO attachments (ticket_id, filename, content_type, size, sha256, data) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                [(ticket_id, *file) for file in files],
            )
    return ticket_id, deliveries


async def _intake(connection: asyncpg.Connection, args: list[Any]) -> tuple[int | None, list[int]]:
    row = await connection.fetchrow(INTAKE, *args)
    assert row is not None  # its last SELECT has no FROM: always one row
    ticket_id = row["ticket_id"]
    return (int(ticket_id) if ticket_id is not None else None), [int(i) for i in row["deliveries"]]


async def keyed_ticket(connection: asyncpg.Connection, school_id: int, key: str) -> Any:
    """The ticket a school's intake made with this Idempotency-Key, if any (keys are per school)."""
    return await connection.fetchrow(
        "SELECT number, request_hash, register_due_at, respond_due_at FROM tickets "
        "WHERE school_id = $1 AND idempotency_key = $2",
        school_id,
        key,
    )


async def next_numbers(connection: asyncpg.Connection, sequence: str, count: int) -> list[int]:
    rows = await connection.fetch(f"SELECT nextval('{sequence}') FROM generate_series(1, $1)", count)
    return [int(row[0]) for row in rows]


async def sequence_exists(connection: asyncpg.Connection, sequence: str) -> bool:
    return await connection.fetchval("SELECT to_regclass($1)", sequence) is not None


async def create_sequence(connection: asyncpg.Connection, sequence: str) -> None:
    """In a savepoint of the caller's transaction, so a concurrent twin's CREATE (a unique
    violation on the catalog) leaves the caller's transaction usable."""
    async with connection.transaction():
        await connection.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence}")


TRACK = """
SELECT t.id, t.number, t.access_code_hash, t.status, t.kind, t.category, t.content,
       t.collected_at, t.respond_due_at, t.response_text, t.responded_at, t.to_bureau,
       t.rating, t.rating_comment, t.rated_at,
       p.number AS primary_number, p.respond_due_at AS primary_due_at,
       p.response_text AS primary_text, p.responded_at AS primary_responded_at,
       e.ats, e.actions, e.notes
FROM tickets t
LEFT JOIN tickets p ON p.id = t.merged_into_id
LEFT JOIN LATERAL (
    SELECT array_agg(at ORDER BY seq) AS ats, array_agg(action ORDER BY seq) AS actions,
           array_agg(note ORDER BY seq) AS notes
    FROM ticket_events WHERE ticket_id = t.id AND (action = ANY($2::text[]) OR note IS NOT NULL)
      AND NOT (action = 'respond' AND to_status = 'reviewing')  -- not the parent's until 签发
) e ON true
WHERE t.number = $1
"""


async def track_row(connection: asyncpg.Connection, number: str, public_actions: Sequence[str]) -> Any:
    return await connection.fetchrow(TRACK, number, list(public_actions))


LIST_COLUMNS = """
t.id, t.number, t.org_path, t.channel, t.kind, t.category, t.priority, t.status, t.title,
t.content, t.anonymous, t.escrowed, t.to_bureau, t.contact, t.student, t.collected_at, t.register_due_at,
t.respond_due_at, t.supervised, t.supervise_note, t.supervise_due_at, t.response_text,
t.responded_at, t.rating, t.rating_comment, t.rated_at, t.extended, t.version,
t.return_count, t.held_at, t.hold_until, t.hold_reason, t.hold_request,
s.code AS school_code, a.username AS assignee, m.number AS merged_into
"""


def list_sql(branches: Sequence[str], conditions: Sequence[str], limit: int) -> str:
    """Newest first, by keyset. `branches` are the scope's alternatives (a school's path, a
    district's id), each served by an index in (collected_at, id) order; with several, each
    branch takes its own newest `limit` and a merge keeps the newest overall, so no plan has to
    filter its way through other districts' tickets. `conditions` apply to every branch."""
    filters = "".join(f" AND {c}" for c in conditions)
    order = f"ORDER BY t.collected_at DESC, t.id DESC LIMIT {int(limit)}"
    if len(branches) == 1:
        source = f"(SELECT t.id FROM tickets t WHERE {branches[0]}{filters} {order})"
    else:
        union = " UNION ALL ".join(
            f"(SELECT t.id, t.collected_at FROM tickets t WHERE {b}{filters} {order})" for b in branches
        )
        source = f"(SELECT t.id FROM ({union}) AS t {order})"  # the page first, then its joins
    return (
        f"SELECT {LIST_COLUMNS} FROM {source} AS page JOIN tickets t ON t.id = page.id "
        "JOIN orgs s ON s.id = t.school_id LEFT JOIN users a ON a.id = t.assignee_id "
        f"LEFT JOIN tickets m ON m.id = t.merged_into_id {order}"
    )


async def list_rows(
    connection: asyncpg.Connection,
    branches: Sequence[str],
    conditions: Sequence[str],
    args: Sequence[Any],
    limit: int,
) -> list[Any]:
    if not branches:
        return []
    return list(await connection.fetch(list_sql(branches, conditions, limit), *args))
