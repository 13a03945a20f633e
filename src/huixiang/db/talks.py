"""Talk records (附表2, 谈心记载表): one talk with one student."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .followup_models import Talk
from .models import User


async def add_talk(session: AsyncSession, values: dict[str, Any]) -> int:
    return int((await session.execute(insert(Talk).values(**values).returning(Talk.id))).scalar_one())


async def keyed_talk(session: AsyncSession, user_id: int, client_key: str) -> int | None:
    query = select(Talk.id).where(Talk.created_by_id == user_id, Talk.client_key == client_key)
    return (await session.execute(query)).scalar_one_or_none()


async def talk(session: AsyncSession, talk_id: int) -> tuple[Talk, str | None] | None:
    query = (
        select(Talk, User.display_name)
        .outerjoin(User, User.id == Talk.created_by_id)
        .where(Talk.id == talk_id)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def talks_of(
    session: AsyncSession, student_id: int, limit: int = 200
) -> Sequence[tuple[Talk, str | None]]:
    query = (
        select(Talk, User.display_name)
        .outerjoin(User, User.id == Talk.created_by_id)
        .where(Talk.student_id == student_id)
        .order_by(Talk.talked_at.desc(), Talk.id.desc())
        .limit(limit)
    )
    return [(t, n) for t, n in (await session.execute(query)).all()]
