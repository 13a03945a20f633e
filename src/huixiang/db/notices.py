"""In-app notices and the outbox: the rows a decided notice becomes, each at most once (unique
keys on user × ticket × rule × deadline and ticket × rule × recipient × channel × deadline)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Notification, Ticket
from .repo import NOT_NAMED_SQL, not_named

# (user, ticket, rule, at, deadline, data as JSON text)
NoticeRow = tuple[int, int | None, str, datetime, datetime | None, str]
# (ticket, rule, recipient, channel, target, deadline, body, subject)
OutboxRow = tuple[int | None, str, str, str, str, datetime | None, str, str]


async def insert_notifications(
    connection: asyncpg.Connection, rows: Sequence[NoticeRow]
) -> set[tuple[int, int | None, str, datetime | None]]:
    """The new ones' keys (user, ticket, rule, deadline); a key decided before is skipped, and so
    is a notice to someone the ticket names (a conflict of interest)."""
    if not rows:
        return set()
    columns = [list(column) for column in zip(*rows, strict=True)]
    inserted = await connection.fetch(
        """
        INSERT INTO notifications (user_id, ticket_id, rule, at, deadline_at, data)
        SELECT * FROM unnest($1::int[], $2::bigint[], $3::text[], $4::timestamptz[],
                             $5::timestamptz[], $6::jsonb[]) AS r (user_id, ticket_id)
        WHERE NOT EXISTS (SELECT 1 FROM ticket_named_staff n
                          WHERE n.ticket_id = r.ticket_id AND n.user_id = r.user_id)
        ON CONFLICT (user_id, ticket_id, rule, deadline_at) DO NOTHING
        RETURNING user_id, ticket_id, rule, deadline_at
        """,
        *columns,
    )
    return {(r["user_id"], r["ticket_id"], r["rule"], r["deadline_at"]) for r in inserted}


async def contacts(connection: asyncpg.Connection, user_ids: Sequence[int]) -> dict[int, Any]:
    """Active users' external addresses and the channels they chose."""
    rows = await connection.fetch(
        "SELECT id, email, phone, notify_channels FROM users WHERE id = ANY($1::int[]) AND is_active",
        list(user_ids),
    )
    return {row["id"]: row for row in rows}


async def robots(connection: asyncpg.Connection, org_ids: Sequence[int]) -> list[Any]:
    """The enabled group robots of these org units."""
    return list(
        await connection.fetch(
            "SELECT id, org_id, kind, url FROM org_webhooks WHERE enabled AND org_id = ANY($1::int[])",
            list(org_ids),
        )
    )


async def insert_deliveries(
    connection: asyncpg.Connection, rows: Sequence[OutboxRow], now: datetime
) -> list[int]:
    """New pending deliveries, due now (the caller enqueues them after its commit; the sweep
    queues any still pending once more); a key decided before is skipped. Answers the new ids."""
    if not rows:
        return []
    columns = [list(column) for column in zip(*rows, strict=True)]
    inserted = await connection.fetch(
        """
        INSERT INTO deliveries (ticket_id, rule, recipient, channel, target, deadline_at, body,
                                subject, next_attempt_at)
        SELECT *, $9::timestamptz
        FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                    $6::timestamptz[], $7::text[], $8::text[])
        ON CONFLICT (ticket_id, rule, recipient, channel, deadline_at) DO NOTHING
        RETURNING id
        """,
        *columns,
        now,
    )
    return [row["id"] for row in inserted]


# One statement: the recipients, their in-app notices and their outbox rows (for the external
# channels each chose), so a hot path pays one round trip and the rows stand or fall together.
_TO_STAFF = """
WITH staff AS ({recipients}),
fresh AS (
    INSERT INTO notifications (user_id, ticket_id, rule, at, deadline_at, data)
    SELECT id, $1, $2, $3, $4, $5::jsonb FROM staff
    ON CONFLICT (user_id, ticket_id, rule, deadline_at) DO NOTHING
    RETURNING user_id
),
outbox AS (
    INSERT INTO deliveries (ticket_id, rule, recipient, channel, target, deadline_at, body,
                            subject, next_attempt_at)
    SELECT $1, $2, 'user:' || s.id, c.channel, c.target, $4, $6, $7, $3
    FROM staff s JOIN fresh f ON f.user_id = s.id
    CROSS JOIN LATERAL (VALUES ('email', s.email), ('sms', s.phone)) AS c (channel, target)
    WHERE c.target IS NOT NULL AND c.channel = ANY(s.notify_channels)
    ON CONFLICT (ticket_id, rule, recipient, channel, deadline_at) DO NOTHING
    RETURNING id
)
SELECT id FROM outbox
"""
# Never someone the ticket names ($1: the ticket).
_UNNAMED = " AND " + NOT_NAMED_SQL.format(ticket="$1", user="u.id")
_HOLDERS = (
    "SELECT DISTINCT u.id, u.email, u.phone, u.notify_channels FROM role_grants g "
    "JOIN users u ON u.id = g.user_id WHERE g.org_id = $8 AND g.role = ANY($9::text[]) AND u.is_active"
    + _UNNAMED
)
_BY_ROLE = _TO_STAFF.format(recipients=_HOLDERS)


def holders_notice_ctes(first: int) -> str:
    """_BY_ROLE's CTEs (staff, fresh, outbox) for the ticket a CTE `ticket` inserts earlier in
    the same statement, so a new ticket and its notices stand or fall together in one commit
    and one round trip (db/fast.py's intake). No `ticket` row (an idempotent replay): no notice.
    Their other parameters are numbered from $first: rule, now, deadline, data, body, subject,
    org id, roles (those of notify_staff with `org_id`)."""
    sql = _TO_STAFF.format(recipients=_HOLDERS + " AND EXISTS (SELECT 1 FROM ticket)")
    sql = re.sub(
        r"\$(\d+)",
        lambda m: "(SELECT id FROM ticket)" if m[1] == "1" else f"${first + int(m[1]) - 2}",
        sql,
    )
    return sql.strip().removeprefix("WITH ").removesuffix("SELECT id FROM outbox").strip()


_BY_ID = _TO_STAFF.format(
    recipients="SELECT u.id, u.email, u.phone, u.notify_channels FROM users u "
    "WHERE u.id = ANY($8::int[]) AND u.is_active" + _UNNAMED
)


async def notify_staff(
    connection: asyncpg.Connection,
    *,
    org_id: int | None = None,
    roles: Sequence[str] = (),
    user_ids: Sequence[int] = (),
    ticket_id: int,
    rule: str,
    deadline: datetime | None,
    body: str,
    subject: str,
    data: str,
    now: datetime,
) -> list[int]:
    """A notice to the holders of `roles` at `org_id`, or else to `user_ids`, with its outbox
    rows. Answers the new delivery ids."""
    args: list[Any] = [ticket_id, rule, now, deadline, data, body, subject]
    if org_id is not None:
        rows = await connection.fetch(_BY_ROLE, *args, org_id, list(roles))
    else:
        rows = await connection.fetch(_BY_ID, *args, list(user_ids))
    return [row["id"] for row in rows]


async def mark_read(session: AsyncSession, user_id: int, notification_id: int, now: datetime) -> bool:
    """False when the user has no such notice."""
    result = await session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user_id)
        .values(read_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def notices_of(
    session: AsyncSession, user_id: int, limit: int, before: tuple[datetime, int] | None = None
) -> Sequence[Any]:
    """A user's notices, newest first, with what each says and its ticket's number; older than
    `before` (at, id), a page on."""
    query = (
        select(
            Notification.id,
            Notification.rule,
            Ticket.number,
            Notification.at,
            Notification.read_at,
            Notification.data,
        )
        .outerjoin(Ticket, Ticket.id == Notification.ticket_id)
        .where(Notification.user_id == user_id, not_named(user_id, Notification.ticket_id))
        .order_by(Notification.at.desc(), Notification.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(tuple_(Notification.at, Notification.id) < tuple_(*before))
    return (await session.execute(query)).all()


async def unread_count(session: AsyncSession, user_id: int, cap: int) -> int:
    """How many of a user's notices are unread, counted up to `cap` (the bell shows "99+"): the
    bell asks every 30 s from every open page, so the count never walks a long history."""
    unread = (
        select(Notification.id)
        .where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
            not_named(user_id, Notification.ticket_id),
        )
        .limit(cap)
        .subquery()
    )
    return int((await session.execute(select(func.count()).select_from(unread))).scalar_one())


async def mark_all_read(session: AsyncSession, user_id: int, now: datetime) -> int:
    result = await session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
