"""Fixed-window counters in Redis that expire by themselves: abuse limits without keeping who
did what, when. Keys hold an HMAC of the subject (an address, a username), never the subject.

Redis unreachable does not stop intake or staff actions: the counters then count nothing (the
limit is off until Redis returns) and say so once in the log."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta
from typing import Any

log = logging.getLogger(__name__)


def key(secret: bytes, name: str, subject: str) -> str:
    digest = hmac.new(secret, subject.encode(), hashlib.sha256).hexdigest()[:24]
    return f"hx:throttle:{name}:{digest}"


async def hit(redis: Any, counter: str, window: timedelta) -> int:
    """Count one hit; answer the hits in the current window (0 when Redis is down)."""
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(counter, 0, ex=int(window.total_seconds()), nx=True)
            pipe.incr(counter)
            _, hits = await pipe.execute()
        return int(hits)
    except Exception:  # noqa: BLE001 - any Redis failure: fail open, see the module doc
        log.warning("throttle: Redis unavailable, limit %s not applied", counter.split(":")[2])
        return 0


async def hits(redis: Any, counter: str) -> int:
    """The hits in the current window, without counting one (0 when Redis is down)."""
    try:
        value = await redis.get(counter)
    except Exception:  # noqa: BLE001 - fail open, see the module doc
        return 0
    return int(value or 0)


async def clear(redis: Any, counter: str) -> None:
    try:
        await redis.delete(counter)
    except Exception:  # noqa: BLE001 - fail open, see the module doc
        return


# Decrement only a counter that still exists: a DECR after the window expired would leave a key
# at -1 without a TTL, which never expires.
_UNDO = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"


async def undo(redis: Any, counter: str) -> None:
    """Take back one hit counted earlier in this window (a login that turned out right)."""
    try:
        await redis.eval(_UNDO, 1, counter)
    except Exception:  # noqa: BLE001 - fail open, see the module doc
        return
