"""The staff pages' caller: the session cookie set at /staff/login, the role they act as, and
the CSRF token bound to the session. Every staff and admin page depends on `staff`.

- Signed out (no cookie, or an expired session): the page redirects to the login, and comes back.
- Several roles or units: the user picks one at /staff/act (remembered in a cookie); the pages
  then act with that grant alone, so a registrar who is also a handler sees one queue at a time.
- Every unsafe request carries the session's CSRF token, in the form (`csrf`) or, from htmx, the
  `X-CSRF-Token` header; the cross-site middleware (edge/cross_site.py) also refuses other sites.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, quote

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from ...domain.access import Grant, Principal
from ...domain.errors import NotPermitted, Unauthenticated
from ...edge.body import read_limited
from ...edge.cross_site import SESSION_COOKIE
from ...edge.uploads import MAX_UPLOAD_BODY, Form, parse_form
from ...services import accounts
from ...services.context import Ctx

ACT_COOKIE = "hx_act"  # the grant the user acts as: "role@org_code"
CSRF_HEADER = "x-csrf-token"
FORM_LIMIT = 64 * 1024  # a staff form without files (an answer is at most a few thousand characters)
LOGIN = "/staff/login"
ACT = "/staff/act"


class CsrfRefused(NotPermitted):
    """A staff form without its session's token: a forged or stale page (403)."""


class NeedsChoice(Unauthenticated):
    """Signed in with several roles or units and none chosen yet: the page sends them to pick."""


@dataclass(frozen=True, slots=True)
class Staff:
    principal: Principal  # narrowed to the grant acted as: what every page passes to the services
    full: Principal  # every grant the user holds (the role picker lists them)
    token: str  # the session
    csrf: str
    chosen: bool = True  # False on the role picker before a choice: `principal` is then `full`

    @property
    def acting(self) -> Grant:
        return self.principal.grants[0]

    @property
    def can_switch(self) -> bool:
        return len(set(self.full.grants)) > 1


StaffDep = NamedDependency[Staff]


def grant_key(grant: Grant) -> str:
    return f"{grant.role.value}@{grant.org_code}"


def csrf_token(secret: bytes, session: str) -> str:
    return hmac.new(secret, b"staff-csrf\0" + session.encode(), hashlib.sha256).hexdigest()


def acting_as(principal: Principal, choice: str | None) -> Principal | None:
    """The principal narrowed to the chosen grant; with one grant, that one; else None (pick)."""
    grants = tuple(dict.fromkeys(principal.grants))  # the same grant twice is one
    chosen = [g for g in grants if grant_key(g) == choice]
    if not chosen and len(grants) == 1:
        chosen = list(grants)
    return replace(principal, grants=(chosen[0],)) if chosen else None


STAFF_STATE = "hx.staff"  # the caller, in the scope's state (the error page shows their header)


async def _signed_in(request: Request[Any, Any, State], ctx: Ctx, *, choose: bool) -> Staff:
    token = request.cookies.get(SESSION_COOKIE)
    try:
        principal = await accounts.principal_for(ctx, token) if token else None
        if principal is None or token is None:
            raise Unauthenticated("signed out")
        narrowed = acting_as(principal, request.cookies.get(ACT_COOKIE))
        if narrowed is None and choose:
            raise NeedsChoice("choose a role")
    except BaseException:
        # As api/deps.provide_principal: Litestar does not close the `ctx` generator when a later
        # dependency raises, so release the transaction now.
        if (session := ctx.made_session) is not None:
            await session.close()
        raise
    staff = Staff(
        narrowed or principal,
        principal,
        token,
        csrf_token(ctx.settings.secret_key, token),
        chosen=narrowed is not None,
    )
    request.scope.setdefault("state", {})[STAFF_STATE] = staff
    return staff


async def provide_reading_ctx(hot_ctx: NamedDependency[Ctx]) -> Ctx:
    """For a page that only reads (the queue): its statements run on a pooled connection of the
    request's own, each on its own (autocommit, db/fast.py), with no SQLAlchemy session unless
    a cache misses; no BEGIN, no COMMIT. Set as the handler's `ctx`: `provide_staff` then uses it."""
    return hot_ctx


READING = {"ctx": Provide(provide_reading_ctx)}


async def provide_staff(request: Request[Any, Any, State], ctx: NamedDependency[Ctx]) -> Staff:
    """The caller acting as one grant; signed out or not yet chosen: redirected (pages.py)."""
    return await _signed_in(request, ctx, choose=True)


async def provide_signed_in(request: Request[Any, Any, State], ctx: NamedDependency[Ctx]) -> Staff:
    """The caller with every grant, chosen or not (the role picker, logout, password)."""
    return await _signed_in(request, ctx, choose=False)


def back_to(request: Request[Any, Any, State], page: str) -> str:
    """`page` with a `next` that brings the user back here (a path on this site only)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{page}?next={quote(here, safe='')}"


def safe_next(value: str | None, default: str = "/staff") -> str:
    """A `next` from a query: a local path, never another site (`//evil`, `/\\evil`)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return default


class Fields:
    """A parsed urlencoded form: first values by name, and every value of a repeated name."""

    def __init__(self, values: Mapping[str, list[str]]) -> None:
        self._values = values

    def get(self, name: str, default: str = "") -> str:
        found = self._values.get(name)
        return found[0] if found else default

    def getall(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def first(self) -> dict[str, str]:
        return {name: values[0] for name, values in self._values.items() if values}


def _sent_csrf_ok(staff: Staff, request: Request[Any, Any, State], sent: str | None) -> bool:
    return hmac.compare_digest(staff.csrf, sent or request.headers.get(CSRF_HEADER) or "")


def _check(staff: Staff, request: Request[Any, Any, State], sent: str | None) -> None:
    if not _sent_csrf_ok(staff, request, sent):
        raise CsrfRefused("The page has expired or did not come from this site.")


async def read_fields(request: Request[Any, Any, State], limit: int = FORM_LIMIT) -> Fields:
    """An urlencoded form's fields, unchecked (the login: no session yet)."""
    body = await read_limited(request.stream(), limit)
    return Fields(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))


async def read_form(request: Request[Any, Any, State], staff: Staff, limit: int = FORM_LIMIT) -> Fields:
    """A staff form's fields, its CSRF token checked (403 CsrfRefused otherwise)."""
    fields = await read_fields(request, limit)
    _check(staff, request, fields.get("csrf"))
    return fields


async def read_upload_form(request: Request[Any, Any, State], staff: Staff) -> Form:
    """A staff form with files (multipart), leniently: an oversized file is dropped and said
    so. The CSRF token is checked before the first file is read; a form without it is refused."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        fields = await read_form(request, staff)
        return Form(fields=fields.first())
    form = await parse_form(
        content_type,
        request.stream(),
        lenient=True,
        admit=lambda fields: _sent_csrf_ok(staff, request, fields.get("csrf")),
    )
    if form.refused or not form.files:
        _check(staff, request, form.fields.get("csrf"))
    return form


UPLOAD_LIMIT = MAX_UPLOAD_BODY
