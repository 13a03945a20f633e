"""Fixed-window counters in Redis that expire by themselves: abuse limits without keeping who
did what, when. Keys hold an HMAC of the subject (an address, a username), never the subject.

Redis unreachable does not stop intake or staff actions: the counters then count nothing (the
limit is off until Redis returns) and say so once in the log."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from datetime import timedelta
from typing import Any

from redis.asyncio.connection import SSLConnection, parse_url

log = logging.getLogger(__name__)


def key(secret: bytes, name: str, subject: str) -> str:
    digest = hmac.new(secret, subject.encode(), hashlib.sha256).hexdigest()[:24]
    return f"hx:throttle:{name}:{digest}"


# The window starts with its first hit, atomically: a counter never lives without its TTL.
_HIT = (
    "local n = redis.call('incr', KEYS[1]) if n == 1 then redis.call('expire', KEYS[1], ARGV[1]) end return n"
)
_HIT_SHA = hashlib.sha1(_HIT.encode()).hexdigest().encode()
TIMEOUT = 1.0  # seconds, as the app's redis-py client (app.py)


async def hit(redis: Any, counter: str, window: timedelta) -> int:
    """Count one hit; answer the hits in the current window (0 when Redis is down). One EVAL
    (with a `HotCounter`, one EVALSHA): a MULTI pipeline cost twice the client's CPU."""
    seconds = int(window.total_seconds())
    try:
        if isinstance(redis, HotCounter):
            return await redis.hit(counter, seconds)
        return int(await redis.eval(_HIT, 1, counter, seconds))
    except Exception:  # noqa: BLE001 - any Redis failure: fail open, see the module doc
        log.warning("throttle: Redis unavailable, limit %s not applied", counter.split(":")[2])
        return 0


def _command(*parts: bytes) -> bytes:
    """A command in Redis's protocol (RESP): an array of bulk strings."""
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


class HotCounter:
    """`hit` for a limit counted on every request (public intake): the one EVALSHA written on
    plain asyncio streams kept open, without redis-py's per-command machinery (pool health
    check, retry, metrics, timeouts): 20 µs of CPU a hit against 90 µs (docs/benchmarks.md).
    A `redis://` or `unix://` URL (`for_url`); a connection that fails is closed."""

    def __init__(self, url: str) -> None:
        options = parse_url(url)
        self.path: str | None = options.get("path")
        self.host, self.port = options.get("host", "127.0.0.1"), int(options.get("port", 6379))
        hello = []  # the commands a new connection sends first, each answered +OK
        if options.get("password"):
            credentials = (options.get("username"), options["password"])
            hello.append(_command(b"AUTH", *(str(c).encode() for c in credentials if c)))
        if options.get("db"):
            hello.append(_command(b"SELECT", str(options["db"]).encode()))
        self.hello, self.replies = b"".join(hello), len(hello)
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def for_url(cls, url: str) -> HotCounter | None:
        """None for a `rediss://` URL (TLS and its options): the caller keeps redis-py."""
        return None if parse_url(url).get("connection_class") is SSLConnection else cls(url)

    async def hit(self, counter: str, seconds: int) -> int:
        if self.loop is not asyncio.get_running_loop():  # another loop's streams are of no use
            self.idle, self.loop = [], asyncio.get_running_loop()
        reader, writer = self.idle.pop() if self.idle else await self._connect()
        try:
            async with asyncio.timeout(TIMEOUT):
                args = (b"1", counter.encode(), str(seconds).encode())
                writer.write(_command(b"EVALSHA", _HIT_SHA, *args))
                reply = await reader.readline()
                if reply.startswith(b"-NOSCRIPT"):  # Redis restarted or flushed its scripts
                    writer.write(_command(b"EVAL", _HIT.encode(), *args))
                    reply = await reader.readline()
            if not reply.startswith(b":"):
                raise ConnectionError(f"Redis answered {reply[:80]!r}")
        except BaseException:
            writer.close()
            raise
        self.idle.append((reader, writer))
        return int(reply[1:])

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        async with asyncio.timeout(TIMEOUT):
            if self.path is not None:
                reader, writer = await asyncio.open_unix_connection(self.path)
            else:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            try:
                writer.write(self.hello)
                for _ in range(self.replies):
                    if (reply := await reader.readline()) != b"+OK\r\n":
                        raise ConnectionError(f"Redis refused the connection: {reply[:80]!r}")
            except BaseException:
                writer.close()
                raise
        return reader, writer

    async def aclose(self) -> None:
        idle, self.idle = self.idle, []
        for _, writer in idle:
            writer.close()


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
