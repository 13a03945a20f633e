"""Login and logout for API clients."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.datastructures import Cookie, State
from litestar.params import JSONBody

from ..edge.cross_site import SESSION_COOKIE
from ..services import accounts
from ..services import schemas as s
from .deps import CtxDep, credentials
from .openapi import BODY, NO_CONTENT, OPTIONAL, errors


def client_address(request: Request[Any, Any, State]) -> str:
    """The peer's address. X-Forwarded-For counts only from HUIXIANG_TRUSTED_PROXIES: uvicorn
    rewrites the peer from it before the app runs (cli.py), and only for those."""
    return request.client.host if request.client else "unknown"


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", operation_id="login", status_code=200, responses=errors(*BODY, 401, 429))
    async def login(
        self, request: Request[Any, Any, State], ctx: CtxDep, data: JSONBody[s.LoginRequest]
    ) -> s.LoginResult:
        """A bearer token for API calls. Sets no cookie and revokes no other login (pages log in
        at /staff/login, with a session cookie of their own)."""
        outcome = await accounts.login(ctx, data, address=client_address(request))
        return s.LoginResult(outcome.token, outcome.user)

    @post(
        "/logout",
        operation_id="logout",
        status_code=204,
        responses={**NO_CONTENT, **errors()},
        security=OPTIONAL,
    )
    async def logout(self, request: Request[Any, Any, State], ctx: CtxDep) -> Response[None]:
        if token := credentials(request):
            await accounts.logout(ctx, token)
        return Response(None, status_code=204, cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0)])
