"""The demo loader's own queries (huixiang/demo): the staff it created, a school's public facts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Org, Student, User


async def users_by_username(session: AsyncSession, usernames: Sequence[str]) -> Sequence[User]:
    return (await session.execute(select(User).where(User.username.in_(usernames)))).scalars().all()


async def set_profile(session: AsyncSession, org_code: str, profile: dict[str, Any]) -> None:
    """What a school's landing page publishes (hotline, reception days)."""
    await session.execute(update(Org).where(Org.code == org_code).values(profile=profile))


async def joined_at(session: AsyncSession, student_ids: Sequence[int], at: datetime) -> None:
    """The demo's roster as if imported at `at` (the start of the school year), not today."""
    await session.execute(
        update(Student).where(Student.id.in_(student_ids)).values(created_at=at, updated_at=at)
    )
