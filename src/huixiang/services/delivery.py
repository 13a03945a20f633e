"""Sending one outbox row on its channel: lock it, send, record the attempt, then mark it sent,
schedule a retry with backoff, or mark it failed for good (visible in /health and to admins)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ..db import fast
from .channels import MAX_ATTEMPTS, Channel, DeliveryFailed, Message, backoff_seconds
from .context import Ctx

log = logging.getLogger("huixiang.delivery")


async def deliver(ctx: Ctx, delivery_id: int, channels: Mapping[str, Channel]) -> str:
    """Answer what happened: sent, retry, failed, or skipped (already done, not yet due, or being
    sent by another worker right now). A message delivered twice is harmless."""
    connection = await fast.driver(ctx)
    row = await connection.fetchrow(
        "SELECT * FROM deliveries WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $2 "
        "FOR UPDATE SKIP LOCKED",
        delivery_id,
        ctx.now,
    )
    if row is None:
        return "skipped"
    channel = channels.get(row["channel"])
    attempts = row["attempts"] + 1
    try:
        if channel is None:
            raise DeliveryFailed(f"channel {row['channel']!r} is not configured", retryable=False)
        await channel.send(
            row["target"], Message(row["id"], row["rule"], row["subject"], row["body"], row["link"])
        )
    except DeliveryFailed as failure:
        final = not failure.retryable or attempts >= MAX_ATTEMPTS
        outcome, error = ("failed" if final else "retry"), failure.reason[:1000]
    except Exception as exc:  # noqa: BLE001 - an adapter bug must not lose the delivery
        log.exception("delivery %s: unexpected error", delivery_id)
        final = attempts >= MAX_ATTEMPTS
        outcome, error = ("failed" if final else "retry"), f"{type(exc).__name__}: {exc}"[:1000]
    else:
        outcome, error = "sent", None
    await connection.execute(
        "INSERT INTO delivery_attempts (delivery_id, at, outcome, error) VALUES ($1, $2, $3, $4)",
        delivery_id,
        ctx.now,
        outcome,
        error,
    )
    if outcome == "sent":
        await connection.execute(
            "UPDATE deliveries SET status = 'sent', attempts = $2, sent_at = $3, last_error = NULL "
            "WHERE id = $1",
            delivery_id,
            attempts,
            ctx.now,
        )
    else:
        await connection.execute(
            "UPDATE deliveries SET status = $2, attempts = $3, last_error = $4, "
            "next_attempt_at = $5::timestamptz + make_interval(secs => $6) WHERE id = $1",
            delivery_id,
            "failed" if outcome == "failed" else "pending",
            attempts,
            error,
            ctx.now,
            backoff_seconds(attempts),
        )
    return outcome


async def figures(ctx: Ctx) -> dict[str, int]:
    """For /health: deliveries that failed for good, and pending ones overdue by 5 minutes."""
    connection = await fast.driver(ctx)
    row = await connection.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'failed') AS failed, "
        "count(*) FILTER (WHERE status = 'pending' AND next_attempt_at < $1 - interval '5 minutes') AS late "
        "FROM deliveries WHERE status <> 'sent'",
        ctx.now,
    )
    return {"failed": int(row["failed"]), "late": int(row["late"])}
