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


# The window starts with its first hit, atomically: a counter never lives without its TTL.
_HIT = (
    "local n = redis.call('incr', KEYS[1]) if n == 1 then redis.call('expire', KEYS[1], ARGV[1]) end return n"
)


async def hit(redis: Any, counter: str, window: timedelta) -> int:
    """Count one hit; answer the hits in the current window (0 when Redis is down). One EVAL:
    on public intake's hot path, a MULTI pipeline cost twice the client's CPU."""
    try:
        return int(await redis.eval(_HIT, 1, counter, int(window.total_seconds())))
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
