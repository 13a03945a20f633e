"""League tables' rows: a unit's assessment, the schools a table ranks, the monthly 通报 (made
once per unit and month: the unique key) and 限期整改 orders, with the sweep's rule over them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..domain.enums import OrgKind
from .models import LeagueReport, LeagueSettings, Org, RectificationOrder, RoleGrant, User
from .repo import subtree, subtree_end

# ---- the assessment ---------------------------------------------------------------------------


async def settings_on_path(
    session: AsyncSession, org_path: str
) -> list[tuple[int, dict[str, Any], str, str]]:
    """The assessments set on the units of a path, nearest last: (org id, JSON, code, name)."""
    ids = [int(part) for part in org_path.strip("/").split("/")]
    query = (
        select(LeagueSettings.org_id, LeagueSettings.assessment, Org.code, Org.name)
        .join(Org, Org.id == LeagueSettings.org_id)
        .where(LeagueSettings.org_id.in_(ids))
    )
    found = {row[0]: (row[0], row[1], row[2], row[3]) for row in (await session.execute(query)).all()}
    return [found[i] for i in ids if i in found]


async def put_settings(
    session: AsyncSession, org_id: int, assessment: dict[str, Any], user_id: int | None, now: datetime
) -> None:
    values = {"assessment": assessment, "updated_by_id": user_id, "updated_at": now}
    await session.execute(
        pg_insert(LeagueSettings)
        .values(org_id=org_id, created_at=now, **values)
        .on_conflict_do_update(index_elements=["org_id"], set_=values)
    )


# ---- the schools a table ranks --------------------------------------------------------------


async def schools_under(session: AsyncSession, path: str) -> list[Any]:
    """Every school in a subtree (a school's own path: itself), with its district's name, by
    code: (id, code, name, path, district_name)."""
    district = aliased(Org)
    query = (
        select(Org.id, Org.code, Org.name, Org.path, district.name.label("district_name"))
        .outerjoin(district, and_(district.id == Org.parent_id, district.kind == OrgKind.DISTRICT.value))
        .where(Org.kind == OrgKind.SCHOOL.value, subtree(Org.path, path))
        .order_by(Org.code)
    )
    return list((await session.execute(query)).all())


async def org_code_of(session: AsyncSession, org_id: int) -> str | None:
    return (await session.execute(select(Org.code).where(Org.id == org_id))).scalar_one_or_none()


# ---- the monthly 通报 ---------------------------------------------------------------------------


async def units_due_a_report(
    connection: asyncpg.Connection, root_path: str, month: date, assessed_by: datetime
) -> list[Any]:
    """The units under a root with an assessment of their own, set before `assessed_by` (the
    hour the 通报 fell due), and no 通报 for `month` yet."""
    return list(
        await connection.fetch(
            """
            SELECT o.id, o.code, o.name, o.kind, o.path, s.assessment FROM league_settings s
            JOIN orgs o ON o.id = s.org_id
            WHERE o.path >= $1 AND o.path < $2 AND s.created_at <= $4
              AND NOT EXISTS (SELECT 1 FROM league_reports r WHERE r.org_id = s.org_id AND r.month = $3)
            ORDER BY o.path
            """,
            root_path,
            subtree_end(root_path),
            month,
            assessed_by,
        )
    )


async def claim_report(connection: asyncpg.Connection, org_id: int, month: date, now: datetime) -> int | None:
    """Claim the (unit, month) 通报: the new row's id, or None when another sweep made or is
    making it (the unique key; a concurrent claim waits for the other's commit, then finds it)."""
    row = await connection.fetchrow(
        """
        INSERT INTO league_reports (org_id, month, made_at, summary, xlsx)
        VALUES ($1, $2, $3, '{}'::jsonb, ''::bytea)
        ON CONFLICT (org_id, month) DO NOTHING
        RETURNING id
        """,
        org_id,
        month,
        now,
    )
    return None if row is None else int(row["id"])


async def fill_report(connection: asyncpg.Connection, report_id: int, summary: str, xlsx: bytes) -> None:
    await connection.execute(
        "UPDATE league_reports SET summary = $2::jsonb, xlsx = $3 WHERE id = $1", report_id, summary, xlsx
    )


async def reports_under(session: AsyncSession, paths: Sequence[str], limit: int = 24) -> list[Any]:
    """The 通报 of the units in these subtrees, newest month first: (id, org code, org name,
    month, made_at)."""
    query = (
        select(LeagueReport.id, Org.code, Org.name, LeagueReport.month, LeagueReport.made_at)
        .join(Org, Org.id == LeagueReport.org_id)
        .where(or_(*(subtree(Org.path, p) for p in paths)))
        .order_by(LeagueReport.month.desc(), Org.code)
        .limit(limit)
    )
    return list((await session.execute(query)).all())


async def report_by_id(session: AsyncSession, report_id: int) -> Any | None:
    """A 通报 with its unit's path: (report, org code, org name, org path)."""
    query = (
        select(LeagueReport, Org.code, Org.name, Org.path)
        .join(Org, Org.id == LeagueReport.org_id)
        .where(LeagueReport.id == report_id)
    )
    return (await session.execute(query)).one_or_none()


async def staff_at(connection: asyncpg.Connection, org_ids: Sequence[int], role: str) -> list[Any]:
    """Active holders of `role` at these units, with their addresses: (id, org_id, email,
    phone, notify_channels)."""
    return list(
        await connection.fetch(
            "SELECT u.id, g.org_id, u.email, u.phone, u.notify_channels FROM role_grants g "
            "JOIN users u ON u.id = g.user_id "
            "WHERE u.is_active AND g.role = $2 AND g.org_id = ANY($1::int[])",
            list(org_ids),
            role,
        )
    )


# (rule, recipient, channel, target, deadline, body, subject, link)
LinkedRow = tuple[str, str, str, str, datetime | None, str, str, str | None]


async def insert_linked_deliveries(
    connection: asyncpg.Connection, rows: Sequence[LinkedRow], now: datetime
) -> list[int]:
    """Outbox rows about no ticket, carrying a link (the 通报's page); once per key, as every
    delivery (uq_deliveries_once). Answers the new ids."""
    if not rows:
        return []
    columns = [list(column) for column in zip(*rows, strict=True)]
    inserted = await connection.fetch(
        """
        INSERT INTO deliveries (ticket_id, rule, recipient, channel, target, deadline_at, body,
                                subject, link, next_attempt_at)
        SELECT NULL, *, $9::timestamptz
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[],
                    $7::text[], $8::text[])
        ON CONFLICT (ticket_id, rule, recipient, channel, deadline_at) DO NOTHING
        RETURNING id
        """,
        *columns,
        now,
    )
    return [row["id"] for row in inserted]


# ---- 限期整改 -----------------------------------------------------------------------------------


async def insert_orders(connection: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> list[Any]:
    """(report, issuer, school, school path, period, score, line, due, now) → the new orders
    (once per issuer, school and period): (id, school_id, due_at)."""
    if not rows:
        return []
    columns = [list(column) for column in zip(*rows, strict=True)]
    return list(
        await connection.fetch(
            """
            INSERT INTO rectification_orders (report_id, issuer_id, school_id, school_path, period,
                                              score, passing_line, due_at, created_at)
            SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::text[],
                                 $6::float8[], $7::smallint[], $8::timestamptz[], $9::timestamptz[])
            ON CONFLICT (issuer_id, school_id, period) DO NOTHING
            RETURNING id, school_id, due_at
            """,
            *columns,
        )
    )


# The sweep's rule: open orders past their deadline become overdue, once (the state moves, so no
# second sweep finds them; a concurrent one waits on the row lock and then skips it). The WHERE
# repeats ix_rectification_orders_open_due's predicate (models.py).
OVERDUE = """
UPDATE rectification_orders SET state = 'overdue', overdue_at = $3
WHERE state = 'open' AND due_at < $3 AND school_path >= $1 AND school_path < $2
RETURNING id, school_id, issuer_id, period, due_at
"""


async def fire_overdue(connection: asyncpg.Connection, root_path: str, now: datetime) -> list[Any]:
    return list(await connection.fetch(OVERDUE, root_path, subtree_end(root_path), now))


def _orders_select() -> Any:
    """Orders with their school's code and name, the issuer's name and who marked them done."""
    school, issuer, done_by = aliased(Org), aliased(Org), aliased(User)
    return (
        select(
            RectificationOrder.id,
            RectificationOrder.period,
            RectificationOrder.score,
            RectificationOrder.passing_line,
            RectificationOrder.due_at,
            RectificationOrder.state,
            RectificationOrder.created_at,
            RectificationOrder.overdue_at,
            RectificationOrder.done_at,
            RectificationOrder.done_note,
            RectificationOrder.school_path,
            RectificationOrder.report_id,
            school.code.label("school_code"),
            school.name.label("school_name"),
            issuer.name.label("issuer_name"),
            done_by.display_name.label("done_by"),
        )
        .join(school, school.id == RectificationOrder.school_id)
        .join(issuer, issuer.id == RectificationOrder.issuer_id)
        .outerjoin(done_by, done_by.id == RectificationOrder.done_by_id)
    )


async def orders_under(session: AsyncSession, paths: Sequence[str], limit: int = 200) -> list[Any]:
    """The orders of the schools under these subtrees, open and overdue first, then newest."""
    if not paths:
        return []
    scope = or_(*(subtree(RectificationOrder.school_path, p) for p in paths))
    query = (
        _orders_select()
        .where(scope)
        .order_by((RectificationOrder.state == "done").asc(), RectificationOrder.due_at.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).all())


async def order_for_update(session: AsyncSession, order_id: int) -> Any | None:
    query = _orders_select().where(RectificationOrder.id == order_id).with_for_update(of=RectificationOrder)
    return (await session.execute(query)).one_or_none()


async def mark_done(session: AsyncSession, order_id: int, user_id: int, note: str, now: datetime) -> None:
    await session.execute(
        update(RectificationOrder)
        .where(RectificationOrder.id == order_id)
        .values(state="done", done_at=now, done_note=note, done_by_id=user_id)
    )


async def grants_at(session: AsyncSession, org_id: int, role: str) -> list[int]:
    """Active users holding `role` at a unit."""
    query = (
        select(RoleGrant.user_id)
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.org_id == org_id, RoleGrant.role == role, User.is_active)
    )
    return list((await session.execute(query)).scalars().all())
