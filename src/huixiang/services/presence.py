"""Who else has a ticket open: each staff page showing a ticket polls; each poll marks the caller
as viewing it for PRESENCE_TTL and answers the others seen within it.

One Redis hash per ticket (user id → "timestamp|name"), expiring PRESENCE_TTL after the last
poll; entries older than that are left out (a closed tab is gone within the TTL). Redis down:
nobody is shown, the page works.
"""

from __future__ import annotations

import logging

from ..domain.access import Principal
from .context import Ctx
from .tickets.records import scoped

log = logging.getLogger(__name__)

PRESENCE_TTL = 45  # seconds: two missed polls of 20 s and the viewer is gone


def key(number: str) -> str:
    return f"hx:presence:{number}"


async def viewing(ctx: Ctx, principal: Principal, number: str) -> list[str]:
    """Mark the caller as viewing ticket `number` (in their scope, else NotFound) and answer the
    display names of the others viewing it, by name."""
    await scoped(ctx, principal, number)
    if ctx.redis is None:
        return []
    now = ctx.now.timestamp()
    name = key(number)
    try:
        pipe = ctx.redis.pipeline(transaction=True)
        pipe.hset(name, str(principal.user_id), f"{now:.0f}|{principal.display_name}")
        pipe.expire(name, PRESENCE_TTL)
        pipe.hgetall(name)
        _, _, seen = await pipe.execute()
    except Exception:  # noqa: BLE001 - any Redis failure: nobody shown, see the module doc
        log.warning("presence: Redis unavailable")
        return []
    others: list[str] = []
    for user, value in seen.items():
        user_id = user.decode() if isinstance(user, bytes) else str(user)
        text = value.decode() if isinstance(value, bytes) else str(value)
        at, _, display = text.partition("|")
        try:
            stamp = float(at)
        except ValueError:
            continue
        if user_id != str(principal.user_id) and now - stamp < PRESENCE_TTL:
            others.append(display)
    return sorted(others)
