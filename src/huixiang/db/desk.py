"""What the staff's ticket page reads besides the ticket: likely duplicates to merge into, and
the handlers a leader may assign with how many open tickets each holds."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.enums import OPEN_STATUSES, Role, Status
from .models import Attachment, RoleGrant, Ticket, User
from .repo import not_named

OPEN = sorted(s.value for s in OPEN_STATUSES)

# Open tickets of the same school collected since `since`, sharing the most bigrams of their
# words with this one (migration 0006's hx_bigrams, the expression of ix_tickets_words, so the
# GIN index can serve the overlap `&&`; the school's recent index serves the rest). Ranked by
# the share of this ticket's bigrams they contain, then by how recent they are.
DUPLICATES = text(
    """
    WITH mine AS (SELECT hx_bigrams(:words) AS grams)
    SELECT t.number, t.title, t.content, t.status, t.collected_at, hits.shared,
           hits.shared::float / greatest(cardinality(mine.grams), 1) AS score
    FROM tickets t, mine,
         LATERAL (SELECT count(*) AS shared
                  FROM unnest(hx_bigrams(coalesce(t.title, '') || ' ' || t.content)) AS g
                  WHERE g = ANY (mine.grams)) AS hits
    WHERE t.school_id = :school_id
      AND t.id <> :ticket_id
      AND t.status = ANY (:open)
      AND t.merged_into_id IS NULL
      AND t.collected_at >= :since
      AND hx_bigrams(coalesce(t.title, '') || ' ' || t.content) && mine.grams
      AND hits.shared >= :min_shared
      AND NOT EXISTS (SELECT 1 FROM ticket_named_staff n WHERE n.ticket_id = t.id AND n.user_id = :viewer)
    ORDER BY score DESC, t.collected_at DESC, t.id DESC
    LIMIT :limit
    """
)


async def likely_duplicates(
    session: AsyncSession,
    *,
    ticket_id: int,
    school_id: int,
    words: str,
    since: datetime,
    viewer_id: int,
    min_shared: int = 2,
    limit: int = 5,
) -> Sequence[Any]:
    """Rows (number, title, content, status, collected_at, shared, score), best first; never
    one that names the viewer."""
    rows = await session.execute(
        DUPLICATES,
        {
            "words": words,
            "school_id": school_id,
            "ticket_id": ticket_id,
            "viewer": viewer_id,
            "open": OPEN,
            "since": since,
            "min_shared": min_shared,
            "limit": limit,
        },
    )
    return rows.all()


async def handlers_with_load(session: AsyncSession, org_id: int, ticket_id: int) -> Sequence[Any]:
    """The active handlers of one unit (username, display name, open tickets held: assigned to
    them and not yet answered), fewest first, then by name; not the ones the ticket names."""
    held = (
        select(func.count())
        .where(Ticket.assignee_id == User.id, Ticket.status == Status.ASSIGNED.value)
        .correlate(User)
        .scalar_subquery()
    )
    query = (
        select(User.username, User.display_name, held.label("open"))
        .join(RoleGrant, and_(RoleGrant.user_id == User.id, RoleGrant.role == Role.HANDLER.value))
        .where(RoleGrant.org_id == org_id, User.is_active.is_(True), not_named(User.id, ticket_id))
        .order_by(held, User.display_name, User.username)
    )
    return (await session.execute(query)).all()


async def add_attachments(
    session: AsyncSession, ticket_id: int, files: Sequence[tuple[str, str, bytes]], now: datetime
) -> None:
    """Files (name, content type, content) kept with the ticket, e.g. the photos of an answer."""
    for filename, content_type, data in files:
        session.add(
            Attachment(
                ticket_id=ticket_id,
                filename=filename,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).digest(),
                data=data,
                created_at=now,
            )
        )
    await session.flush()
