"""How many passwords a login may guess, counted in Redis (services/throttle.py) by the username
as typed and the client's address, so an unknown username is counted, limited and answered
exactly like a real one. What this allows an attacker, and what not: docs/security.md.

- per (username, address): PAIR_LIMIT failures per window, then 429 for that pair only;
- per address: ADDRESS_LIMIT failures per window, whatever the usernames;
- per username, from every address together: past ACCOUNT_CEILING failures in the window the
  username turns slow: an address it has not logged in from gets one attempt per SLOW_WINDOW
  (429 in between), while addresses it logged in from within KNOWN_FOR go on as before. The
  owner is delayed, never locked out, and an outsider cannot make them so from elsewhere.

Attempts are counted before the password is checked (so concurrent guesses cannot slip past a
limit) and a right password takes its hits back."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..domain.errors import TooManyRequests
from . import throttle

PAIR_LIMIT, PAIR_WINDOW = 10, timedelta(minutes=15)
ADDRESS_LIMIT, ADDRESS_WINDOW = 50, timedelta(minutes=15)
ACCOUNT_CEILING, ACCOUNT_WINDOW = 30, timedelta(hours=1)
SLOW_WINDOW = timedelta(minutes=1)
KNOWN_FOR = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Counters:
    pair: str
    address: str
    account: str
    slow: str
    known: str


def counters(secret: bytes, username: str, address: str) -> Counters:
    """The Redis keys of one login attempt (HMACs of the subjects, never the subjects)."""
    both = f"{username}\0{address}"
    return Counters(
        pair=throttle.key(secret, "login-pair", both),
        address=throttle.key(secret, "login-address", address),
        account=throttle.key(secret, "login-account", username),
        slow=throttle.key(secret, "login-slow", username),
        known=throttle.key(secret, "login-known", both),
    )


def _minutes(window: timedelta) -> int:
    return math.ceil(window.total_seconds() / 60)


async def admit(redis: Any, c: Counters) -> None:
    """Count this attempt, or refuse it (429) before any password is checked."""
    pair = await throttle.hit(redis, c.pair, PAIR_WINDOW)
    address = await throttle.hit(redis, c.address, ADDRESS_WINDOW)
    if pair > PAIR_LIMIT or address > ADDRESS_LIMIT:
        window = PAIR_WINDOW if pair > PAIR_LIMIT else ADDRESS_WINDOW
        raise TooManyRequests(
            f"Too many failed logins from your address; try again in {_minutes(window)} minutes."
        )
    slow = await throttle.hits(redis, c.account) >= ACCOUNT_CEILING and not await throttle.hits(
        redis, c.known
    )
    if slow and await throttle.hit(redis, c.slow, SLOW_WINDOW) > 1:
        # Waiting for the slow slot is no guess: it uses up none of the address's allowance.
        await throttle.undo(redis, c.pair)
        await throttle.undo(redis, c.address)
        raise TooManyRequests(
            "This username has had many failed logins; from a new address it may try once a minute: "
            "try again in a minute."
        )


async def failed(redis: Any, c: Counters) -> None:
    """A wrong password (or no such user): it counts towards the username's slow ceiling."""
    await throttle.hit(redis, c.account, ACCOUNT_WINDOW)


async def succeeded(redis: Any, c: Counters) -> None:
    """The right password: the attempt was no guess, and this address is now known."""
    await throttle.clear(redis, c.pair)
    await throttle.undo(redis, c.address)
    await throttle.hit(redis, c.known, KNOWN_FOR)
