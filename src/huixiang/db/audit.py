"""The admins' audit log (admin_audit): appended in the change's own transaction, read by
subtree, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import AdminAudit
from .repo import subtree


async def append(
    session: AsyncSession,
    *,
    at: datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    org_path: str,
    target: str,
    detail: dict[str, Any],
) -> None:
    session.add(
        AdminAudit(
            at=at,
            actor_id=actor_id,
            actor=actor,
            action=action,
            org_path=org_path,
            target=target,
            detail=detail,
        )
    )
    await session.flush()


async def entries(
    session: AsyncSession, paths: Sequence[str], *, before: int | None, limit: int
) -> list[AdminAudit]:
    """The entries about units under `paths`, newest first, older than the id `before`."""
    if not paths:
        return []
    query = select(AdminAudit).where(or_(*(subtree(AdminAudit.org_path, p) for p in paths)))
    if before is not None:
        query = query.where(AdminAudit.id < before)
    query = query.order_by(AdminAudit.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())
