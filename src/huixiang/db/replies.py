"""常用回复: a school's canned answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import CannedReply


async def replies_of(session: AsyncSession, org_id: int) -> Sequence[CannedReply]:
    query = select(CannedReply).where(CannedReply.org_id == org_id).order_by(CannedReply.title)
    return (await session.execute(query)).scalars().all()


async def reply_of(session: AsyncSession, org_id: int, reply_id: int) -> CannedReply | None:
    """One canned answer of this school (another school's id names nothing)."""
    query = select(CannedReply).where(CannedReply.org_id == org_id, CannedReply.id == reply_id)
    return (await session.execute(query)).scalar_one_or_none()


async def title_taken(session: AsyncSession, org_id: int, title: str, but: int | None = None) -> bool:
    query = select(CannedReply.id).where(CannedReply.org_id == org_id, CannedReply.title == title)
    if but is not None:
        query = query.where(CannedReply.id != but)
    return (await session.execute(query.limit(1))).scalar_one_or_none() is not None


async def add_reply(
    session: AsyncSession, org_id: int, title: str, body: str, user_id: int | None, now: datetime
) -> CannedReply:
    reply = CannedReply(
        org_id=org_id, title=title, body=body, updated_by_id=user_id, created_at=now, updated_at=now
    )
    session.add(reply)
    await session.flush()
    return reply


async def delete_reply(session: AsyncSession, reply: CannedReply) -> None:
    await session.delete(reply)
    await session.flush()
