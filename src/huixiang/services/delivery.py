"""Sending one outbox row on its channel: lock it, send, record the attempt, then mark it sent,
schedule a retry with backoff, or mark it failed for good (visible in /health and to admins).

Neither the log nor the stored error names the target or repeats an exception's text: a
robot's URL carries its key, and a remote reply is not ours to show."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..db import deliveries, fast
from ..db import trust as trust_db
from .channels import MAX_ATTEMPTS, Channel, DeliveryFailed, Message, backoff_seconds
from .context import Ctx
from .notices import ESCROW_TARGET, resolve_target

log = logging.getLogger("huixiang.delivery")


async def deliver(ctx: Ctx, delivery_id: int, channels: Mapping[str, Channel]) -> str:
    """Answer what happened: sent, retry, failed, or skipped (already done, not yet due, or being
    sent by another worker right now). A message delivered twice is harmless."""
    connection = await fast.driver(ctx)
    row = await deliveries.lock_due(connection, delivery_id, ctx.now)
    if row is None:
        return "skipped"
    channel = channels.get(row["channel"])
    attempts = row["attempts"] + 1
    error: str | None = None
    try:
        if channel is None:
            raise DeliveryFailed(f"channel {row['channel']!r} is not configured", retryable=False)
        if await _withheld(connection, row):
            raise DeliveryFailed("withheld: the recipient is named in the ticket", retryable=False)
        target = row["target"]
        if target == ESCROW_TARGET:  # an escrowed parent: read from the sealed identity now
            target = await resolve_target(connection, row["ticket_id"], row["channel"])
            if target is None:
                raise DeliveryFailed("the sealed contact has no address on this channel", retryable=False)
        await channel.send(target, Message(row["id"], row["rule"], row["subject"], row["body"], row["link"]))
    except DeliveryFailed as failure:
        final = not failure.retryable or attempts >= MAX_ATTEMPTS
        error = failure.reason[:1000]
    except Exception as exc:  # noqa: BLE001 - an adapter bug must not lose the delivery
        log.error("delivery %s on %s: unexpected %s", delivery_id, row["channel"], type(exc).__name__)
        final = attempts >= MAX_ATTEMPTS
        error = f"unexpected {type(exc).__name__}"
    if error is None:
        await deliveries.record_attempt(connection, delivery_id, ctx.now, "sent", None)
        await deliveries.mark_sent(connection, delivery_id, attempts, ctx.now)
        return "sent"
    outcome = "failed" if final else "retry"
    await deliveries.record_attempt(connection, delivery_id, ctx.now, outcome, error)
    await deliveries.mark_unsent(
        connection,
        delivery_id,
        final=final,
        attempts=attempts,
        error=error,
        now=ctx.now,
        wait_seconds=backoff_seconds(attempts),
    )
    return outcome


async def _withheld(connection: Any, row: Any) -> bool:
    """A notice to a staff member whom the ticket came to name after it was decided: never sent
    (a conflict of interest, docs/privacy.md); it ends failed, with the reason, not silently."""
    recipient, ticket_id = str(row["recipient"]), row["ticket_id"]
    if ticket_id is None or not recipient.startswith("user:"):
        return False
    return await trust_db.names_user(connection, ticket_id, int(recipient.removeprefix("user:")))


async def figures(ctx: Ctx) -> dict[str, int]:
    """For /health: deliveries that failed for good, and pending ones overdue by 5 minutes."""
    failed, late = await deliveries.figures(await fast.driver(ctx), ctx.now)
    return {"failed": failed, "late": late}
