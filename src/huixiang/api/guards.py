"""Authorization as Litestar guards: who may call an endpoint at all, decided before its body
is read. Which rows they may touch (their scope) stays with the services, which know the rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from ..domain.access import Principal
from ..domain.enums import Role
from ..domain.errors import NotPermitted, Unauthenticated
from ..services import accounts
from ..services.context import Ctx
from .deps import EXPIRED, NO_CREDENTIALS, PRINCIPAL, credentials

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The caller, looked up once per request in a short session of its own (guards run before
    the request's transaction exists), and kept for the `principal` dependency."""
    scope_state = connection.scope.setdefault("state", {})
    if isinstance(known := scope_state.get(PRINCIPAL), Principal):
        return known
    token = credentials(connection)
    if not token:
        raise Unauthenticated(NO_CREDENTIALS)
    state = connection.app.state
    async with state.sessionmaker() as session:
        ctx = Ctx(session, state.settings, state.caches, state.clock(), redis=state.redis)
        principal = await accounts.principal_for(ctx, token)
    if principal is None:
        raise Unauthenticated(EXPIRED)
    scope_state[PRINCIPAL] = principal
    return principal


def requires_role(*roles: Role, refusal: str) -> Guard:
    """Callers holding one of `roles` (anywhere in the tree); everyone else 403 with `refusal`."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = await authenticate(connection)
        if not any(principal.has_role(role) for role in roles):
            raise NotPermitted(refusal)

    return guard


ADMIN = requires_role(Role.ADMIN, refusal="Only an admin may manage the org tree, users and channels.")
ADMIN_LOG = requires_role(Role.ADMIN, refusal="Only an admin may see the delivery log.")
