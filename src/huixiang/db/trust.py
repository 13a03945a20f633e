"""Parents' trust: the staff a complaint names (each left out of every read of it: repo.in_scope
and the plain-SQL twins say so) and the identities held in escrow for the district."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.enums import Role
from .models import Org, RoleGrant, SealedIdentity, TicketNamedStaff, User


async def staff_of_school(session: AsyncSession, school_id: int) -> Sequence[Any]:
    """The school's active staff (id, display name, roles held at the school), by name: what the
    parents' picker and the registrar's form offer."""
    query = (
        select(User.id, User.display_name, RoleGrant.role)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.org_id == school_id, User.is_active.is_(True), RoleGrant.role != Role.ADMIN.value)
        .order_by(User.display_name, User.id)
    )
    return (await session.execute(query)).all()


async def add_named(session: AsyncSession, ticket_id: int, user_ids: Sequence[int], now: datetime) -> None:
    if not user_ids:
        return
    rows = [{"ticket_id": ticket_id, "user_id": uid, "named_at": now} for uid in user_ids]
    await session.execute(insert(TicketNamedStaff).values(rows).on_conflict_do_nothing())


async def add_named_raw(
    connection: asyncpg.Connection, ticket_id: int, user_ids: Sequence[int], now: datetime
) -> None:
    """The same on the intake's own connection (db/fast.py's statement made the ticket)."""
    await connection.execute(
        "INSERT INTO ticket_named_staff (ticket_id, user_id, named_at) "
        "SELECT $1, u, $3 FROM unnest($2::int[]) AS u ON CONFLICT DO NOTHING",
        ticket_id,
        list(user_ids),
        now,
    )


async def named_of(session: AsyncSession, ticket_id: int) -> Sequence[Any]:
    """Who a ticket names (id, display name), by name."""
    query = (
        select(User.id, User.display_name)
        .join(TicketNamedStaff, TicketNamedStaff.user_id == User.id)
        .where(TicketNamedStaff.ticket_id == ticket_id)
        .order_by(User.display_name, User.id)
    )
    return (await session.execute(query)).all()


async def is_named(session: AsyncSession, ticket_id: int, user_id: int) -> bool:
    query = select(TicketNamedStaff.user_id).where(
        TicketNamedStaff.ticket_id == ticket_id, TicketNamedStaff.user_id == user_id
    )
    return (await session.execute(query)).first() is not None


async def names_user(connection: asyncpg.Connection, ticket_id: int, user_id: int) -> bool:
    """Whether the ticket names this user (the delivery worker's last check before sending)."""
    found = await connection.fetchval(
        "SELECT 1 FROM ticket_named_staff WHERE ticket_id = $1 AND user_id = $2", ticket_id, user_id
    )
    return found is not None


async def names_anyone(connection: asyncpg.Connection, ticket_ids: Sequence[int]) -> set[int]:
    """Of these tickets, the ones that name staff (a group robot reaches people we cannot list)."""
    rows = await connection.fetch(
        "SELECT DISTINCT ticket_id FROM ticket_named_staff WHERE ticket_id = ANY($1::bigint[])",
        list(ticket_ids),
    )
    return {int(row["ticket_id"]) for row in rows}


async def district_of(session: AsyncSession, school_id: int) -> Org | None:
    school = await session.get(Org, school_id)
    return None if school is None or school.parent_id is None else await session.get(Org, school.parent_id)


# ---- escrow ------------------------------------------------------------------------------------


async def seal_raw(
    connection: asyncpg.Connection, ticket_id: int, contact: str | None, student: str | None, now: datetime
) -> None:
    """Keep an escrowed ticket's identity (JSON text) away from the ticket row."""
    await connection.execute(
        "INSERT INTO sealed_identities (ticket_id, contact, student, sealed_at) "
        "VALUES ($1, $2::jsonb, $3::jsonb, $4)",
        ticket_id,
        contact,
        student,
        now,
    )


async def sealed(session: AsyncSession, ticket_id: int) -> SealedIdentity | None:
    """The reviewer's unseal reads this, and no staff view does."""
    return await session.get(SealedIdentity, ticket_id)


async def sealed_contact_raw(connection: asyncpg.Connection, ticket_id: int) -> dict[str, Any]:
    """Where an escrowed parent's answer goes: the delivery's read, never a staff view's."""
    value = await connection.fetchval("SELECT contact FROM sealed_identities WHERE ticket_id = $1", ticket_id)
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value or {})


async def set_reviewer(session: AsyncSession, user_id: int, value: bool) -> bool:
    result = await session.execute(update(User).where(User.id == user_id).values(is_identity_reviewer=value))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def is_reviewer(session: AsyncSession, user_id: int) -> bool:
    query = select(User.is_identity_reviewer).where(User.id == user_id)
    return bool((await session.execute(query)).scalar_one_or_none())
