"""Reads that may be a little behind: dashboards, exports and reports go to the read replica when
one is set (HUIXIANG_DATABASE_REPLICA_URL), else to the primary, and say how fresh they are.

A replica that is down answers 503 naming it (domain.errors.ReplicaUnavailable); it never falls back to
the primary: the replica is there to keep a province's heavy reads (a million-row export, every
inspector's dashboard on a Monday morning) off the primary that takes the tickets, and a silent
fallback would send them there exactly when the operators are already short of a server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from ..db import replica as db
from .context import Ctx


@dataclass(frozen=True, slots=True)
class Freshness:
    """Where figures were read and how far behind the primary they may be: `lag_seconds` 0 on
    the primary (live, "实时")."""

    on_replica: bool
    lag_seconds: float

    def as_json(self) -> dict[str, object]:
        return {"source": "replica" if self.on_replica else "primary", "lag_seconds": self.lag_seconds}


LIVE = Freshness(on_replica=False, lag_seconds=0.0)


@asynccontextmanager
async def reading(ctx: Ctx) -> AsyncIterator[Ctx]:
    """A Ctx whose session reads the replica (its lag in `lag_seconds`), closed when the block
    ends; without a replica, `ctx` itself. Only reads belong in the block: a replica refuses
    writes, and the session is rolled back, never committed."""
    if ctx.replica is None:
        yield ctx
        return
    async with ctx.replica() as session:
        reader = replace(ctx, session_or_factory=session, connection=None, deliveries=[], replica=None)
        reader.lag_seconds = await db.replay_lag(session)
        try:
            yield reader
        finally:
            await session.rollback()


def freshness(ctx: Ctx) -> Freshness:
    """How fresh what `ctx` reads is: a Ctx from reading() on a replica, or the primary (live)."""
    if ctx.lag_seconds is None:
        return LIVE
    return Freshness(on_replica=True, lag_seconds=round(ctx.lag_seconds, 1))
