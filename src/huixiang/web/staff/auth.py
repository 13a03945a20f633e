"""Signing in and out of the staff pages, choosing the role to act as, and one's own password."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.di import Provide
from litestar.params import FromQuery

from ...domain import words
from ...domain.errors import Invalid, TooManyRequests, Unauthenticated
from ...edge.cross_site import SESSION_COOKIE
from ...services import accounts
from ...services import schemas as s
from ...services.accounts import TOKEN_LIFETIME
from ..i18n import translate as t
from ..routes import CtxDep, anonymous_page, check_anonymous_csrf
from .pages import Pages, page, redirect
from .session import (
    ACT_COOKIE,
    FORM_LIMIT,
    LOGIN,
    StaffDep,
    acting_as,
    grant_key,
    provide_signed_in,
    read_fields,
    read_form,
    safe_next,
)

YEAR = 365 * 24 * 3600


def _cookie(request: Request[Any, Any, State], key: str, value: str, max_age: int) -> Cookie:
    """Lax, not Strict: a link from a notice (WeCom, e-mail) opens the ticket signed in; unsafe
    requests are covered by the CSRF token and the cross-site middleware."""
    secure = request.app.state.settings.secure_cookies or request.url.scheme == "https"
    return Cookie(
        key=key, value=value, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/"
    )


def _address(request: Request[Any, Any, State]) -> str:
    return request.client.host if request.client else "unknown"


class StaffAuth(Pages):
    path = "/staff"

    # HTML said outright: the handlers answer `Any`, which Litestar would send as JSON.
    @get("/login", media_type=MediaType.HTML)
    async def login_form(
        self, request: Request[Any, Any, State], ctx: CtxDep, next: FromQuery[str] = ""
    ) -> Any:
        return anonymous_page("staff/login.html", request, ctx, next=safe_next(next), username="")

    @post("/login", request_max_body_size=FORM_LIMIT, media_type=MediaType.HTML)
    async def login(self, request: Request[Any, Any, State], ctx: CtxDep) -> Any:
        fields = await read_fields(request)
        username, target = fields.get("username").strip(), safe_next(fields.get("next"))

        def again(status: int, message: str) -> Any:
            return anonymous_page(
                "staff/login.html",
                request,
                ctx,
                status=status,
                next=target,
                username=username,
                message=message,
            )

        if not check_anonymous_csrf(request, ctx, fields.get("csrf")):
            return again(403, t("staff.error.csrf"))
        if not username or not fields.get("password"):
            return again(400, t("staff.login.missing"))
        try:
            outcome = await accounts.login(
                ctx,
                s.LoginRequest(username=username, password=fields.get("password")),
                address=_address(request),
                kind="session",
            )
        except Unauthenticated:
            return again(401, t("staff.login.wrong"))
        except TooManyRequests:
            return again(429, t("staff.login.too_many"))
        response = redirect(request, target)
        lifetime = int(TOKEN_LIFETIME["session"].total_seconds())
        response.cookies.append(_cookie(request, SESSION_COOKIE, outcome.token, lifetime))
        return response


class StaffAccount(Pages):
    """Pages for the signed-in user whatever role they act as (none chosen yet, too)."""

    path = "/staff"
    dependencies = {"staff": Provide(provide_signed_in)}

    @post("/logout", request_max_body_size=FORM_LIMIT)
    async def logout(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        await read_form(request, staff)
        await accounts.logout(ctx, staff.token)
        response = redirect(request, LOGIN)
        response.cookies.append(_cookie(request, SESSION_COOKIE, "", 0))
        return response

    @get("/act")
    async def choose(
        self, request: Request[Any, Any, State], staff: StaffDep, next: FromQuery[str] = ""
    ) -> Response[Any]:
        current = acting_as(staff.full, request.cookies.get(ACT_COOKIE))
        choices = []
        for grant in dict.fromkeys(staff.full.grants):
            choices.append(
                {
                    "key": grant_key(grant),
                    "role": words.ROLE[grant.role],
                    "org": grant.org_name or grant.org_code,
                    "current": current is not None and current.grants[0] == grant,
                }
            )
        return page("staff/act.html", request, staff, choices=choices, next=safe_next(next))

    @post("/act", request_max_body_size=FORM_LIMIT)
    async def chosen(self, request: Request[Any, Any, State], staff: StaffDep) -> Response[Any]:
        fields = await read_form(request, staff)
        key = fields.get("grant")
        if acting_as(staff.full, key) is None or key not in {grant_key(g) for g in staff.full.grants}:
            raise Invalid("`grant` is not one of your roles.")
        response = redirect(request, safe_next(fields.get("next")))
        response.cookies.append(_cookie(request, ACT_COOKIE, key, YEAR))
        return response

    @get("/password")
    async def password_form(self, request: Request[Any, Any, State], staff: StaffDep) -> Response[Any]:
        return page("staff/password.html", request, staff, errors={})

    @post("/password", request_max_body_size=FORM_LIMIT)
    async def password(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        fields = await read_form(request, staff)
        new, errors = fields.get("new"), {}
        if len(new) < accounts.MIN_PASSWORD:
            errors["new"] = t("staff.password.too_short", n=accounts.MIN_PASSWORD)
        elif new != fields.get("repeat"):
            errors["repeat"] = t("staff.password.mismatch")
        if not errors:
            try:
                await accounts.change_password(ctx, staff.full, fields.get("current"), new)
            except Invalid:
                errors["current"] = t("staff.password.wrong")
        if errors:
            return page("staff/password.html", request, staff, status=400, errors=errors)
        return page("staff/password.html", request, staff, errors={}, done=True)
