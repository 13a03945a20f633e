"""The outbox's rows: one delivery locked for sending, its attempts, its outcome; figures.

Plain asyncpg on the connection db/fast.py gives (the worker's transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg


async def lock_due(connection: asyncpg.Connection, delivery_id: int, now: datetime) -> Any:
    """The delivery if it is pending and due, locked; None if not, or if another worker has it."""
    return await connection.fetchrow(
        "SELECT * FROM deliveries WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $2 "
        "FOR UPDATE SKIP LOCKED",
        delivery_id,
        now,
    )


async def record_attempt(
    connection: asyncpg.Connection, delivery_id: int, at: datetime, outcome: str, error: str | None
) -> None:
    await connection.execute(
        "INSERT INTO delivery_attempts (delivery_id, at, outcome, error) VALUES ($1, $2, $3, $4)",
        delivery_id,
        at,
        outcome,
        error,
    )


async def mark_sent(connection: asyncpg.Connection, delivery_id: int, attempts: int, at: datetime) -> None:
    await connection.execute(
        "UPDATE deliveries SET status = 'sent', attempts = $2, sent_at = $3, last_error = NULL WHERE id = $1",
        delivery_id,
        attempts,
        at,
    )


async def mark_unsent(
    connection: asyncpg.Connection,
    delivery_id: int,
    *,
    final: bool,
    attempts: int,
    error: str,
    now: datetime,
    wait_seconds: int,
) -> None:
    """Failed for good (`final`), or pending again after `wait_seconds`."""
    await connection.execute(
        "UPDATE deliveries SET status = $2, attempts = $3, last_error = $4, "
        "next_attempt_at = $5::timestamptz + make_interval(secs => $6) WHERE id = $1",
        delivery_id,
        "failed" if final else "pending",
        attempts,
        error,
        now,
        wait_seconds,
    )


async def figures(connection: asyncpg.Connection, now: datetime) -> tuple[int, int]:
    """(failed for good, pending and overdue by 5 minutes)."""
    row = await connection.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'failed') AS failed, "
        "count(*) FILTER (WHERE status = 'pending' "
        "AND next_attempt_at < $1::timestamptz - interval '5 minutes') AS late "
        "FROM deliveries WHERE status <> 'sent'",
        now,
    )
    assert row is not None
    return int(row["failed"]), int(row["late"])
