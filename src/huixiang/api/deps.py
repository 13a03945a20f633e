"""Request dependencies: the transaction (the edge owns it) and the caller."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from ..domain.access import Principal
from ..domain.errors import Unauthenticated
from ..services import accounts
from ..services.context import Ctx

SESSION_COOKIE = "hx_session"


def utcnow() -> datetime:
    return datetime.now(UTC)


async def provide_ctx(state: State) -> AsyncGenerator[Ctx, None]:
    """One transaction per request: committed when the handler returns, else rolled back."""
    async with state.sessionmaker() as session:
        ctx = Ctx(session, state.settings, state.caches, utcnow())
        try:
            yield ctx
        except Exception:
            await session.rollback()
            raise
        await session.commit()


def credentials(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


async def provide_principal(request: Request, ctx: NamedDependency[Ctx]) -> Principal:
    token = credentials(request)
    if not token:
        raise Unauthenticated("Log in first: send `Authorization: Bearer <token>`.")
    principal = await accounts.principal_for(ctx, token)
    if principal is None:
        raise Unauthenticated("Your token or session is not valid or has expired; log in again.")
    return principal
