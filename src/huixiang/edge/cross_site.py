"""What a cross-site page can make a browser send, refused before any body is read (one
middleware for the whole app, so every handler is covered, whoever writes it):

- an unsafe method authenticated by the session cookie (no Bearer token) from another site:
  403. The browser says where a request comes from in `Sec-Fetch-Site` (every current browser)
  or, failing that, `Origin`; a request with neither is no browser's cross-site request.
- an API body that is neither JSON nor, where the endpoint takes files, multipart: 415. A plain
  HTML form can send only form-urlencoded, multipart or text/plain, without a preflight; JSON
  needs one, which no cross-site page gets (the API answers no CORS).
- a page's body that is not a form (form-urlencoded or multipart): 415. The pages read only
  forms; text/plain or JSON posted at them is nobody's form.

The parents' pages (outside /api/) post forms and carry their own CSRF token (web/routes.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from ..domain.errors import NotPermitted

SESSION_COOKIE = "hx_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# The API endpoints (by operation id) that also take multipart/form-data: their files.
TAKES_FILES = frozenset({"publicIntake", "importRoster"})
CROSS_SITE = (
    "Refused a cross-site request: a request signed in by the session cookie must come from this "
    "site's own pages. API clients send `Authorization: Bearer <token>` instead."
)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def is_cross_site(request: Request[Any, Any, Any], public_url: str | None) -> bool:
    """Whether a browser says this request comes from a page of another site."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        # "same-site" is a sibling subdomain, which may belong to someone else.
        return fetch_site.lower() not in {"same-origin", "none"}
    origin = request.headers.get("origin")
    if origin is None:
        return False
    host = request.headers.get("host", "").lower()
    ours = {host} | ({_origin(public_url)[1]} if public_url else set())
    return origin == "null" or _origin(origin)[1] not in ours


# The pages (outside /api/) take forms only: what a browser's <form> and htmx send.
PAGE_BODIES = ("application/x-www-form-urlencoded", "multipart/form-data")


def unsupported_body(request: Request[Any, Any, Any], accepted: Sequence[str]) -> str | None:
    """The sentence for a 415, or None when the body's type is one of `accepted`."""
    has_body = request.headers.get("content-length", "0") not in {"", "0"} or (
        "transfer-encoding" in request.headers
    )
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media in accepted or (not media and not has_body):
        return None
    wanted = " or ".join(f"`{a}`" for a in accepted)
    if not media:
        return f"The request body has no `Content-Type`: send it as {wanted}."
    return f"Unsupported `Content-Type` `{media}`: this endpoint accepts {wanted}."


class CrossSiteMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request[Any, Any, Any] = Request(scope)
        if request.method not in SAFE_METHODS:
            # As api/deps.credentials: the cookie counts unless a Bearer token is sent.
            bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
            by_cookie = not bearer and SESSION_COOKIE in request.cookies
            if by_cookie and is_cross_site(request, request.app.state.settings.public_url):
                raise NotPermitted(CROSS_SITE)
            if scope["path"].startswith("/api/"):
                takes_files = getattr(scope["route_handler"], "operation_id", None) in TAKES_FILES
                accepted: Sequence[str] = [
                    "application/json",
                    *(["multipart/form-data"] if takes_files else []),
                ]
            else:
                accepted = PAGE_BODIES
            if (sentence := unsupported_body(request, accepted)) is not None:
                raise HTTPException(status_code=415, detail=sentence)
        await next_app(scope, receive, send)
