"""What a use case runs with: the session of the caller's transaction, settings, caches, now."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ..settings import Settings

T = TypeVar("T")
FIGURES_TTL = 60  # seconds a leader's figures of the month are reused (never the queues' rows)
# Seconds a scope's queue counts are reused: the badges beside the views may lag a change by
# that much (the rows below them never do); the page polls every 20 s.
COUNTS_TTL = 5


class TtlCache(Generic[T]):
    """A small per-process cache for rarely changing rows (orgs, policies, categories).
    Replicas see an admin's change within `ttl` seconds; the changing process at once."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._items: dict[Any, tuple[float, T]] = {}

    async def get(self, key: Any, load: Callable[[], Awaitable[T]]) -> T:
        hit = self._items.get(key)
        now = self.clock()
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await load()
        self._items[key] = (now + self.ttl, value)
        return value

    def clear(self) -> None:
        self._items.clear()


@dataclass
class Caches:
    orgs: TtlCache[Any] = field(default_factory=lambda: TtlCache(60))
    clocks: TtlCache[Any] = field(default_factory=lambda: TtlCache(30))
    categories: TtlCache[Any] = field(default_factory=lambda: TtlCache(60))
    # A leader's figures of the month (services/queues.month_figures): the page says "每分钟更新".
    figures: TtlCache[Any] = field(default_factory=lambda: TtlCache(FIGURES_TTL))
    counts: TtlCache[Any] = field(default_factory=lambda: TtlCache(COUNTS_TTL))
    sequences: set[int] = field(default_factory=set)
    numbers: dict[int, list[int]] = field(default_factory=dict)  # per year, a block to hand out

    def clear(self) -> None:
        self.orgs.clear()
        self.clocks.clear()
        self.categories.clear()
        self.figures.clear()
        self.counts.clear()


@dataclass
class Ctx:
    """`session` may be given as the session itself or as the factory that makes it: then it is
    made when first used (the hot endpoints, whose caches mostly hit, seldom need one)."""

    # AsyncSession | Callable[[], AsyncSession]; said as Any, since Litestar's signature model
    # (msgspec) refuses a union of two custom types for a dependency's fields.
    session_or_factory: Any
    settings: Settings
    caches: Caches
    now: datetime
    # The hot endpoints' own asyncpg connection (autocommit), see db/fast.py.
    connection: Any = None
    # Outbox deliveries decided in this transaction, to enqueue once it has committed.
    deliveries: list[int] = field(default_factory=list)
    # The app's Redis client (redis.asyncio), for counters that expire (services/throttle.py).
    redis: Any = None
    # The read replica's session factory (HUIXIANG_DATABASE_REPLICA_URL), for dashboards, exports
    # and reports: services/replica.reading() gives a Ctx on it. None: they read the primary.
    replica: Any = None
    # On a Ctx that reads a replica: how far its data is behind the primary, in seconds.
    lag_seconds: float | None = None

    @property
    def session(self) -> AsyncSession:
        if not isinstance(self.session_or_factory, AsyncSession):
            self.session_or_factory = self.session_or_factory()
        session: AsyncSession = self.session_or_factory
        return session

    @property
    def made_session(self) -> AsyncSession | None:
        """The session if one was made (or given), else None: nothing to end or close."""
        return self.session_or_factory if isinstance(self.session_or_factory, AsyncSession) else None
