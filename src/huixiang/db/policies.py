"""Deadline policies per org unit and the admin's corrections of the holiday calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import CalendarOverride, DeadlinePolicyRow


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
