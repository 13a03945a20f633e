"""The actors. Each is one service call inside a transaction that the actor wrapper owns.

The deadline sweep is not an actor: `huixiang scheduler` runs it on a clock and sends what it
decides here (docs/workers.md)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import TypeVar

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware.asyncio import AsyncIO
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from huixiang import procs, queue
from huixiang.db.engine import make_engine, make_sessionmaker
from huixiang.logs import quiet_chatty_loggers
from huixiang.services import delivery
from huixiang.services.channels import Channel, channels_from_env
from huixiang.services.context import Caches, Ctx
from huixiang.settings import get_settings

T = TypeVar("T")

log = logging.getLogger("huixiang.worker")


class StopWithParent(dramatiq.Middleware):
    """dramatiq forks its worker processes; each dies with the dramatiq process that forked it,
    instead of consuming on as an orphan. A clean stop ends the workers first, so this fires
    only after a crash or a kill; a message it interrupts is sent again by a later sweep."""

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        parent = multiprocessing.parent_process()
        if parent is not None and parent.pid is not None:
            procs.die_with_parent(signal.SIGKILL, parent.pid)
        quiet_chatty_loggers()


settings = get_settings()
# dramatiq's RedisBroker.__init__ is not annotated
broker = RedisBroker(url=settings.redis_url or "redis://127.0.0.1:6379/0")  # type: ignore[no-untyped-call]
broker.add_middleware(AsyncIO())
broker.add_middleware(StopWithParent())
dramatiq.set_broker(broker)


@lru_cache(maxsize=1)
def _sessions() -> async_sessionmaker[AsyncSession]:
    # Made on first use inside the worker's event loop, never at import.
    return make_sessionmaker(make_engine(settings.database_url or "", pool_size=5))


@lru_cache(maxsize=1)
def _channels() -> dict[str, Channel]:
    return channels_from_env(os.environ)


@lru_cache(maxsize=1)
def _replica() -> async_sessionmaker[AsyncSession] | None:
    """The read replica's sessions, for the reports' reads (services/replica.py), if one is set."""
    url = settings.database_replica_url
    return make_sessionmaker(make_engine(url, pool_size=2)) if url else None


_caches = Caches()


async def in_transaction(work: Callable[[Ctx], Awaitable[T]]) -> T:
    """The actor's transaction: commit when the work returns, then enqueue what it decided."""
    async with _sessions()() as session:
        ctx = Ctx(session, settings, _caches, datetime.now(UTC), replica=_replica())
        result = await work(ctx)
        await session.commit()
    if ctx.deliveries:
        await queue.send_deliveries(settings.redis_url or "", ctx.deliveries)
    return result


@dramatiq.actor(actor_name=queue.SEND_DELIVERY, queue_name=queue.QUEUE, max_retries=0)
async def send_delivery(delivery_id: int) -> None:
    """Retries are rows, not messages: the delivery's next_attempt_at, picked up by the sweep."""
    outcome = await in_transaction(lambda ctx: delivery.deliver(ctx, delivery_id, _channels()))
    log.debug("delivery %d: %s", delivery_id, outcome)
