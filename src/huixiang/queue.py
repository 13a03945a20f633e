"""Sending jobs to the workers by actor name (src/ never imports workers/). Sending is only ever
a speed-up: every job's work is first a row in PostgreSQL, and the scheduler's sweep sends again
whatever is still due, so a send that fails while Redis is down loses nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import lru_cache

import dramatiq
from dramatiq.brokers.redis import RedisBroker

log = logging.getLogger("huixiang.queue")

SEND_DELIVERY = "deliveries.send"
QUEUE = "default"


@lru_cache(maxsize=4)
def broker_for(redis_url: str) -> RedisBroker:
    # dramatiq's RedisBroker.__init__ is not annotated
    return RedisBroker(url=redis_url, socket_connect_timeout=1, socket_timeout=2)  # type: ignore[no-untyped-call]


def _send(redis_url: str, actor_name: str, args_list: Sequence[tuple[object, ...]]) -> None:
    broker = broker_for(redis_url)
    for args in args_list:
        broker.enqueue(
            dramatiq.Message(queue_name=QUEUE, actor_name=actor_name, args=args, kwargs={}, options={})
        )


async def send(redis_url: str, actor_name: str, args_list: Sequence[tuple[object, ...]]) -> bool:
    """Enqueue; answer False (and log) when the broker cannot be reached."""
    if not args_list:
        return True
    try:
        await asyncio.to_thread(_send, redis_url, actor_name, args_list)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the sweep will send it later
        log.warning("could not enqueue %d %s job(s): %s", len(args_list), actor_name, exc)
        return False
    return True


async def send_deliveries(redis_url: str, ids: Sequence[int]) -> bool:
    return await send(redis_url, SEND_DELIVERY, [(i,) for i in ids])
