"""Deadline policies per org unit and the admin's corrections of the holiday calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import CalendarOverride, DeadlinePolicyRow, Org


async def put_policy(session: AsyncSession, org_id: int, policy: dict[str, Any], now: datetime) -> None:
    await session.execute(
        pg_insert(DeadlinePolicyRow)
        .values(org_id=org_id, policy=policy, updated_at=now)
        .on_conflict_do_update(index_elements=["org_id"], set_={"policy": policy, "updated_at": now})
    )


async def put_calendar_day(session: AsyncSession, day: date, is_workday: bool, note: str) -> None:
    await session.execute(
        pg_insert(CalendarOverride)
        .values(day=day, is_workday=is_workday, note=note)
        .on_conflict_do_update(index_elements=["day"], set_={"is_workday": is_workday, "note": note})
    )


async def delete_calendar_day(session: AsyncSession, day: date) -> bool:
    """False when the day had no override."""
    result = await session.execute(delete(CalendarOverride).where(CalendarOverride.day == day))
    return bool(getattr(result, "rowcount", 0))


async def policies_on(
    session: AsyncSession, org_ids: list[int]
) -> dict[int, tuple[dict[str, Any], str, str]]:
    """The policies set on these units: (policy, the unit's code, its name) by unit id."""
    query = (
        select(DeadlinePolicyRow.org_id, DeadlinePolicyRow.policy, Org.code, Org.name)
        .join(Org, Org.id == DeadlinePolicyRow.org_id)
        .where(DeadlinePolicyRow.org_id.in_(org_ids))
    )
    return {
        org_id: (policy, code, name) for org_id, policy, code, name in (await session.execute(query)).all()
    }


async def calendar_days(session: AsyncSession) -> list[tuple[date, bool, str]]:
    """Every override, newest day first: (day, is a working day, note)."""
    query = select(CalendarOverride.day, CalendarOverride.is_workday, CalendarOverride.note).order_by(
        CalendarOverride.day.desc()
    )
    return [(day, is_workday, note) for day, is_workday, note in (await session.execute(query)).all()]
