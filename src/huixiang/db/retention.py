"""Retention: the closed tickets past the period, and the statements that anonymise one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Attachment, Callback, Delivery, SealedIdentity, Ticket, TicketEvent
from .repo import subtree

CLOSED = ("archived", "inspected", "merged")


def closed_at() -> Any:
    """When the loop closed: the archive (an inspection keeps it), or a merge's last change."""
    return func.coalesce(Ticket.archived_at, Ticket.updated_at)


def expired_query(closed_before: datetime, root_path: str, limit: int) -> Select[Ticket]:
    """Closed tickets under a root, not yet anonymised, closed before the cutoff (the partial
    index ix_tickets_retention, whose predicate the WHERE repeats), locked; another sweep skips
    them."""
    return (
        select(Ticket)
        .where(
            Ticket.status.in_(CLOSED),
            Ticket.anonymised_at.is_(None),
            closed_at() < closed_before,
            subtree(Ticket.org_path, root_path),
        )
        .order_by(closed_at(), Ticket.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def lock_expired(
    session: AsyncSession, closed_before: datetime, root_path: str, limit: int
) -> Sequence[Ticket]:
    query = expired_query(closed_before, root_path, limit)
    return (await session.execute(query)).scalars().all()


async def allow_redaction(session: AsyncSession) -> None:
    """Say, for this transaction only, that events' free text may be replaced (the trigger
    ticket_events_redact_only lets nothing else change)."""
    await session.execute(text("SET LOCAL huixiang.redact = 'on'"))


async def redact_event(session: AsyncSession, event_id: int, fields: dict[str, Any]) -> None:
    await session.execute(
        update(TicketEvent)
        .where(TicketEvent.id == event_id)
        .values(note=fields["note"], internal_note=fields["internal_note"], data=fields["data"])
        .execution_options(synchronize_session=False)
    )


async def forget_around(session: AsyncSession, ticket_id: int) -> None:
    """What else holds the parent's words or address: files, callback notes, delivery targets,
    an identity held in escrow."""
    await session.execute(delete(Attachment).where(Attachment.ticket_id == ticket_id))
    await session.execute(delete(SealedIdentity).where(SealedIdentity.ticket_id == ticket_id))
    await session.execute(update(Callback).where(Callback.ticket_id == ticket_id).values(note=None))
    await session.execute(
        update(Delivery)
        .where(Delivery.ticket_id == ticket_id, Delivery.recipient == "parent")
        .values(target="")
    )
