"""The actors. Each is one service call inside a transaction that the actor wrapper owns."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware.asyncio import AsyncIO
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from huixiang import queue
from huixiang.db.engine import make_engine, make_sessionmaker
from huixiang.services import delivery, reminders
from huixiang.services.channels import Channel, channels_from_env
from huixiang.services.context import Caches, Ctx
from huixiang.settings import get_settings

T = TypeVar("T")

settings = get_settings()
broker = RedisBroker(url=settings.redis_url or "redis://127.0.0.1:6379/0")
broker.add_middleware(AsyncIO())
dramatiq.set_broker(broker)


@lru_cache(maxsize=1)
def _sessions() -> async_sessionmaker[AsyncSession]:
    # Made on first use inside the worker's event loop, never at import.
    return make_sessionmaker(make_engine(settings.database_url or "", pool_size=5))


@lru_cache(maxsize=1)
def _channels() -> dict[str, Channel]:
    return channels_from_env(os.environ)


_caches = Caches()


async def in_transaction(work: Callable[[Ctx], Awaitable[T]], now: datetime | None = None) -> T:
    """The actor's transaction: commit when the work returns, then enqueue what it decided."""
    async with _sessions()() as session:
        ctx = Ctx(session, settings, _caches, now or datetime.now(UTC))
        result = await work(ctx)
        await session.commit()
    if ctx.deliveries:
        await queue.send_deliveries(settings.redis_url or "", ctx.deliveries)
    return result


@dramatiq.actor(actor_name=queue.SEND_DELIVERY, queue_name=queue.QUEUE, max_retries=0)
async def send_delivery(delivery_id: int) -> None:
    """Retries are rows, not messages: the delivery's next_attempt_at, picked up by the sweep."""
    await in_transaction(lambda ctx: delivery.deliver(ctx, delivery_id, _channels()))


@dramatiq.actor(actor_name="reminders.sweep", queue_name=queue.QUEUE, max_retries=0)
async def sweep(now_iso: str | None = None) -> None:
    now = datetime.fromisoformat(now_iso) if now_iso else None

    async def work(ctx: Ctx) -> Any:
        report = await reminders.sweep(ctx)
        ctx.deliveries += report.deliveries
        return report

    await in_transaction(work, now)
