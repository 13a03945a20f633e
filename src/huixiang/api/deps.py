"""Request dependencies: the transaction (the edge owns it) and the caller."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.types import Scope

from .. import queue
from ..domain.access import Principal
from ..domain.enums import Channel, Kind, Status
from ..domain.errors import Invalid, Unauthenticated
from ..edge.cross_site import SESSION_COOKIE
from ..services import accounts, listing
from ..services.context import Ctx


def utcnow() -> datetime:
    """The real clock; the app factory takes another (tests pin the weekday they run on)."""
    return datetime.now(UTC)


OPEN = "hx.transaction"  # the request's transaction, in the scope's state


class _Transaction:
    """A request's transaction. Ended once: by the ctx dependency when the handler is done, or
    by `end_abandoned` when a dependency resolved beside or after it raised (Litestar then drops
    the dependency generators it already started, unclosed; collected later, they used to be
    finalized while running: "aclose(): asynchronous generator is already running")."""

    def __init__(self, state: State, scope: Scope, connection: Any = None) -> None:
        self.state, self.connection, self.ended = state, connection, False
        self.ctx = Ctx(
            state.sessionmaker,
            state.settings,
            state.caches,
            state.clock(),
            connection,
            redis=state.redis,
            replica=state.get("replica_sessionmaker"),
        )
        scope.setdefault("state", {})[OPEN] = self

    async def end(self, commit: bool) -> None:
        if self.ended:
            return
        self.ended = True
        session = self.ctx.made_session  # made when first used: most hot requests make none
        try:
            # A session that began no transaction holds no connection: nothing to end or close
            # (closing costs a greenlet switch).
            if session is not None and session.in_transaction():
                try:
                    await (session.commit() if commit else session.rollback())
                finally:
                    await session.close()
        finally:
            if self.connection is not None:
                await self.state.raw_pool.release(self.connection)
        if commit and self.ctx.deliveries:  # only after the commit: a job never runs before its row
            await queue.send_deliveries(self.state.settings.redis_url or "", self.ctx.deliveries)


async def provide_ctx(state: State, scope: Scope) -> AsyncGenerator[Ctx, None]:
    """One transaction per request: committed when the handler returns, else rolled back."""
    transaction = _Transaction(state, scope)
    try:
        yield transaction.ctx
    except BaseException:
        await transaction.end(commit=False)
        raise
    await transaction.end(commit=True)


@asynccontextmanager
async def _own_connection(state: State, scope: Scope) -> AsyncIterator[Ctx]:
    """A request's Ctx on a pooled autocommit asyncpg connection of its own (db/fast.py), a
    session only if something needs one; without a raw pool (tests), as provide_ctx."""
    connection = None if state.raw_pool is None else await state.raw_pool.acquire()
    transaction = _Transaction(state, scope, connection)
    try:
        yield transaction.ctx
    except BaseException:
        await transaction.end(commit=False)
        raise
    await transaction.end(commit=True)


async def provide_hot_ctx(state: State, scope: Scope) -> AsyncGenerator[Ctx, None]:
    """For the hot endpoints, whose writes are single statements."""
    async with _own_connection(state, scope) as ctx:
        yield ctx


async def provide_reading_ctx(state: State, scope: Scope) -> AsyncGenerator[Ctx, None]:
    """The same for the pages that only read, as the app's "hot_ctx" (Litestar refuses one
    provider under two keys; web/staff/session.provide_reading_ctx takes it)."""
    async with _own_connection(state, scope) as ctx:
        yield ctx


async def end_abandoned(_: Exception, scope: Scope) -> None:
    """An app hook after any exception: end the request's transaction if its dependency was
    dropped unclosed (a no-op when the dependency ended it already)."""
    transaction = scope.get("state", {}).get(OPEN)
    if isinstance(transaction, _Transaction):
        await transaction.end(commit=False)


NO_CREDENTIALS = "Log in first: send `Authorization: Bearer <token>`."
EXPIRED = "Your token or session is not valid or has expired; log in again."
PRINCIPAL = "hx.principal"  # the caller, in the scope's state, once a guard has authenticated it


def credentials(request: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


async def provide_principal(request: Request[Any, Any, Any], ctx: NamedDependency[Ctx]) -> Principal:
    if isinstance(known := request.scope.get("state", {}).get(PRINCIPAL), Principal):
        return known  # a guard (api/guards.py) looked it up already
    token = credentials(request)
    if not token:
        raise Unauthenticated(NO_CREDENTIALS)
    try:
        principal = await accounts.principal_for(ctx, token)
        if principal is None:
            raise Unauthenticated(EXPIRED)
    except BaseException:
        # Litestar does not close the dependencies it already made (the `ctx` generator) when a
        # later one raises: release the transaction now, not whenever the generator is collected.
        if (session := ctx.made_session) is not None:
            await session.close()
        raise
    return principal


CtxDep = NamedDependency[Ctx]
# Single-statement endpoints run on a pooled connection of their own (db/fast.py).
HOT = {"ctx": Provide(provide_hot_ctx)}
PrincipalDep = NamedDependency[Principal]
FilterDep = NamedDependency[listing.TicketFilter]
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"


def provide_filter(
    status: FromQuery[Status | None] = None,
    school_code: FromQuery[str | None] = None,
    channel: FromQuery[Channel | None] = None,
    kind: FromQuery[Kind | None] = None,
    overdue: FromQuery[bool] = False,
    escalated: FromQuery[bool] = False,
    assignee: FromQuery[str | None] = None,
) -> listing.TicketFilter:
    """The list's and the export's query parameters, said once."""
    if assignee not in (None, "", "me"):
        raise Invalid("`assignee` accepts only `me`.")
    return listing.TicketFilter(status, school_code, channel, kind, overdue, assignee == "me", escalated)


# The staff controllers' dependencies: the caller, and for the ones that list tickets, the filter.
SIGNED_IN_DEPS = {"principal": Provide(provide_principal)}
LISTING_DEPS = {**SIGNED_IN_DEPS, "selection": Provide(provide_filter, sync_to_thread=False)}
