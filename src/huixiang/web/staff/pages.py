"""Rendering the staff and admin pages: a whole page, or for htmx one block of the same template
(django-htmx-patterns' inline partials), and errors as a page in Chinese with the status of the
one error table (edge/errors.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response
from litestar.datastructures import State
from litestar.di import Provide
from litestar.enums import MediaType
from litestar.response import Redirect, Template

from ...domain.errors import DomainError, ReplicaUnavailable
from ...edge.errors import classify
from ..i18n import translate as t
from .session import ACT, LOGIN, STAFF_STATE, CsrfRefused, NeedsChoice, Staff, back_to, provide_staff

# The page's sentence for each status of the error table.
MESSAGES = {
    400: "staff.error.invalid",
    401: "staff.error.signed_out",
    403: "staff.error.forbidden",
    404: "staff.error.not_found",
    405: "staff.error.not_found",
    409: "staff.error.conflict",
    413: "staff.error.too_large",
    415: "staff.error.not_a_form",
    429: "staff.error.too_many",
    503: "staff.error.unavailable",
}
NO_STORE = {"Cache-Control": "no-store"}


def is_htmx(request: Request[Any, Any, State]) -> bool:
    return request.headers.get("hx-request") == "true"


def page(
    name: str,
    request: Request[Any, Any, State],
    staff: Staff | None,
    *,
    status: int = 200,
    block: str | None = None,
    **context: Any,
) -> Response[Any]:
    """The template `name` with the caller in its context; `block` renders only that block (an
    htmx swap). Staff pages are never cached: they show personal data."""
    context = {
        "staff": staff,
        "csrf": staff.csrf if staff else "",
        "path": request.url.path,
        "tz": request.app.state.settings.timezone,
        **context,
    }
    if block is not None:
        engine = request.app.template_engine
        assert engine is not None
        template = engine.engine.get_template(name)
        html = "".join(template.blocks[block](template.new_context(context)))
        return Response(html, media_type="text/html; charset=utf-8", status_code=status, headers=NO_STORE)
    return Template(
        template_name=name, context=context, status_code=status, headers=NO_STORE, media_type=MediaType.HTML
    )


def redirect(request: Request[Any, Any, State], to: str) -> Response[Any]:
    """After a change (post → redirect → get); for htmx, HX-Redirect so the whole page moves."""
    if is_htmx(request):
        return Response(None, status_code=204, headers={"HX-Redirect": to, **NO_STORE})
    return Redirect(to, status_code=303, headers=NO_STORE)


def message_for(exc: Exception, status: int) -> str:
    if isinstance(exc, CsrfRefused):
        return t("staff.error.csrf")
    if isinstance(exc, ReplicaUnavailable):
        return t("bureau.replica.down")
    return t(MESSAGES.get(status, "staff.error.unexpected"))


def error_page(request: Request[Any, Any, State], exc: Exception) -> Response[Any]:
    """Signed out: to the login (then back); no role chosen: to the picker; else the error page
    with the table's status. The user's own words in a form are kept by the handlers that
    catch DomainError themselves (a form re-rendered with its errors)."""
    if isinstance(exc, NeedsChoice):
        return redirect(request, back_to(request, ACT))
    status, _ = classify(request, exc)
    if status == 401:
        return redirect(request, back_to(request, LOGIN))
    staff = request.scope.get("state", {}).get(STAFF_STATE)
    detail = exc.message if isinstance(exc, DomainError) and status == 409 else None
    return page(
        "staff/error.html",
        request,
        staff if isinstance(staff, Staff) else None,
        status=status,
        message=message_for(exc, status),
        detail=detail,
    )


def local_time(value: datetime | None, tz: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time in the bureau's zone, the one format of the staff pages."""
    return value.astimezone(tz).strftime(fmt) if value else ""


class Pages(Controller):
    """A controller of staff or admin pages: not in the API's schema, errors as a page."""

    include_in_schema = False
    exception_handlers = {Exception: error_page}


class StaffPages(Pages):
    """Pages for the signed-in caller acting as one grant (`staff: StaffDep` in handlers)."""

    dependencies = {"staff": Provide(provide_staff)}
