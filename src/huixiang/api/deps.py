"""Request dependencies: the transaction (the edge owns it) and the caller."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from .. import queue
from ..domain.access import Principal
from ..domain.enums import Channel, Kind, Status
from ..domain.errors import Invalid, Unauthenticated
from ..domain.files import MAX_FILE_BYTES, MAX_FILES
from ..services import accounts, listing
from ..services.context import Ctx

SESSION_COOKIE = "hx_session"


def utcnow() -> datetime:
    """The real clock; the app factory takes another (tests pin the weekday they run on)."""
    return datetime.now(UTC)


@asynccontextmanager
async def _transaction(state: State, connection: Any = None) -> AsyncIterator[Ctx]:
    async with state.sessionmaker() as session:
        ctx = Ctx(session, state.settings, state.caches, state.clock(), connection, redis=state.redis)
        try:
            yield ctx
        except Exception:
            await session.rollback()
            raise
        if session.in_transaction():
            await session.commit()
        if ctx.deliveries:  # only after the commit: a job never runs before its row exists
            await queue.send_deliveries(state.settings.redis_url or "", ctx.deliveries)


async def provide_ctx(state: State) -> AsyncGenerator[Ctx, None]:
    """One transaction per request: committed when the handler returns, else rolled back."""
    async with _transaction(state) as ctx:
        yield ctx


async def provide_hot_ctx(state: State) -> AsyncGenerator[Ctx, None]:
    """For the hot endpoints, whose writes are single statements: an autocommit asyncpg
    connection of their own (db/fast.py), and a session only if a cache misses. Without a raw
    pool (tests), the same as provide_ctx."""
    if state.raw_pool is None:
        async with _transaction(state) as ctx:
            yield ctx
        return
    async with state.raw_pool.acquire() as connection, _transaction(state, connection) as ctx:
        yield ctx


def credentials(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


async def provide_principal(request: Request, ctx: NamedDependency[Ctx]) -> Principal:
    token = credentials(request)
    if not token:
        raise Unauthenticated("Log in first: send `Authorization: Bearer <token>`.")
    try:
        principal = await accounts.principal_for(ctx, token)
        if principal is None:
            raise Unauthenticated("Your token or session is not valid or has expired; log in again.")
    except BaseException:
        # Litestar does not close the dependencies it already made (the `ctx` generator) when a
        # later one raises: release the transaction now, not whenever the generator is collected.
        await ctx.session.close()
        raise
    return principal


JSON_LIMIT = 256 * 1024
CtxDep = NamedDependency[Ctx]
# Single-statement endpoints run on a pooled connection of their own (db/fast.py).
HOT = {"ctx": Provide(provide_hot_ctx)}
PrincipalDep = NamedDependency[Principal]
FilterDep = NamedDependency[listing.TicketFilter]
UPLOAD_LIMIT = MAX_FILES * MAX_FILE_BYTES + 256 * 1024
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"


def provide_filter(
    status: Status | None = None,
    school_code: str | None = None,
    channel: Channel | None = None,
    kind: Kind | None = None,
    overdue: bool = False,
    escalated: bool = False,
    assignee: str | None = None,
) -> listing.TicketFilter:
    """The list's and the export's query parameters, said once."""
    if assignee not in (None, "", "me"):
        raise Invalid("`assignee` accepts only `me`.")
    return listing.TicketFilter(status, school_code, channel, kind, overdue, assignee == "me", escalated)
