"""The health check."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import asyncpg
from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from ..db import deliveries, fast
from .openapi import HEALTH


@dataclass
class _OnSession:
    """A session as db/fast.py's driver() takes it: its connection is the session's."""

    session: AsyncSession
    connection: asyncpg.Connection | None = None


@get("/health", operation_id="health", tags=["health"], responses=HEALTH)
async def health(state: State) -> Response[dict[str, Any]]:
    """Each part answers within two seconds or is reported down (503)."""
    parts: dict[str, Any] = {"status": "ok", "database": "ok", "broker": "ok"}
    try:
        async with asyncio.timeout(2), state.sessionmaker() as session:
            failed, late = await deliveries.figures(await fast.driver(_OnSession(session)), state.clock())
        # Notices that could not be delivered stay visible here, never silent.
        parts["deliveries"] = {"failed": failed, "late": late}
    except Exception:  # noqa: BLE001 - any failure means the part is down
        parts["database"] = "down"
    try:
        async with asyncio.timeout(2):
            await state.redis.ping()
    except Exception:  # noqa: BLE001
        parts["broker"] = "down"
    down = [name for name in ("database", "broker") if parts[name] != "ok"]
    if down:
        parts["status"] = "down"
        parts["detail"] = f"Unavailable: {', '.join(down)}."
    return Response(parts, status_code=503 if down else 200)
