"""Login and logout for API clients."""

from __future__ import annotations

from litestar import Controller, Request, Response, post
from litestar.datastructures import Cookie
from litestar.params import JSONBody

from ..domain.errors import Unauthenticated
from ..services import accounts
from ..services import schemas as s
from .deps import (
    SESSION_COOKIE,
    CtxDep,
    credentials,
)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", operation_id="login", status_code=200)
    async def login(
        self, request: Request, ctx: CtxDep, data: JSONBody[s.LoginRequest]
    ) -> Response[s.LoginResult]:
        address = request.client.host if request.client else "unknown"
        try:
            outcome = await accounts.login(
                ctx, data, address=address, replaces=request.cookies.get(SESSION_COOKIE)
            )
        except Unauthenticated:
            await ctx.session.commit()  # keep the failure counters that drive the lockout
            raise
        secure = ctx.settings.secure_cookies or request.url.scheme == "https"
        cookie = Cookie(
            key=SESSION_COOKIE,
            value=outcome.token,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
            max_age=int(accounts.TOKEN_LIFETIME["api"].total_seconds()),
        )
        return Response(s.LoginResult(outcome.token, outcome.user), cookies=[cookie])

    @post("/logout", operation_id="logout", status_code=204)
    async def logout(self, request: Request, ctx: CtxDep) -> Response[None]:
        if token := credentials(request):
            await accounts.logout(ctx, token)
        return Response(None, status_code=204, cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0)])
