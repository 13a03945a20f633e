"""回访待办 (/staff/callbacks): the pending callbacks the caller may record — the school
office's (registrars, leaders) or the bureau's (inspectors), by the policy; never a ticket they
handle. Each has a small form (resolved, satisfaction, treated differently, a note) that takes
the lifecycle's `callback`; an inspector reveals the phone first (an audited reveal)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from ...domain.enums import Action, Rating, Role
from ...domain.errors import DomainError, Invalid, NotPermitted
from ...edge.errors import status_of
from ...services import callbacks, tickets
from ...services import schemas as s
from ..i18n import translate as t
from ..routes import CtxDep
from .pages import StaffPages, page, redirect
from .session import FORM_LIMIT, Fields, Staff, StaffDep, read_form

CALLERS = frozenset({Role.REGISTRAR, Role.LEADER, Role.INSPECTOR})
FIELDS = ("resolved", "satisfaction", "treated_differently")


def caller_of(staff: Staff) -> Any:
    if staff.acting.role not in CALLERS:
        raise NotPermitted("Only the school office (registrars, leaders) and inspectors make callbacks.")
    return staff.principal


def request_of(fields: Fields) -> s.CallbackRequest:
    """The form as the action's request; a choice left out is 400 naming its field."""
    yes_no = {"yes": True, "no": False}
    resolved = yes_no.get(fields.get("resolved") or "")
    if resolved is None:
        raise Invalid("`resolved` must be chosen.")
    try:
        satisfaction = Rating(fields.get("satisfaction") or "")
    except ValueError:
        raise Invalid("`satisfaction` must be one of: satisfied, basically_satisfied, unsatisfied.") from None
    treated = yes_no.get(fields.get("treated_differently") or "")
    if treated is None:
        raise Invalid("`treated_differently` must be chosen.")
    note = (fields.get("note") or "").strip()[:5000] or None
    return s.CallbackRequest(
        resolved=resolved, satisfaction=satisfaction, treated_differently=treated, note=note
    )


def _errors(number: str, exc: DomainError) -> dict[str, str]:
    for name in FIELDS:
        if f"`{name}`" in exc.message:
            return {f"cb-{number}-{name}": t(f"callbacks.error.{name}")}
    return {f"cb-{number}-form": t("callbacks.error.form")}


class StaffCallbacks(StaffPages):
    path = "/staff/callbacks"

    async def _page(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: Staff, status: int = 200, **context: Any
    ) -> Response[Any]:
        items = await callbacks.queue(ctx, caller_of(staff))
        context = {"errors": {}, "values": {}, "revealed": {}, "done": "", "done_number": "", **context}
        return page("staff/callbacks.html", request, staff, status=status, items=items, **context)

    @get("/")
    async def queue(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        done = request.query_params.get("done", "")
        return await self._page(
            request,
            ctx,
            staff,
            done=done if done in ("resolved", "rework") else "",
            done_number=request.query_params.get("n", "")[:32],
        )

    @post("/{number:str}", status_code=303, request_max_body_size=FORM_LIMIT)
    async def record(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, number: FromPath[str]
    ) -> Response[Any]:
        principal = caller_of(staff)
        fields = await read_form(request, staff)
        try:
            chosen = request_of(fields)
            await tickets.act(ctx, principal, number, Action.CALLBACK, chosen)
        except DomainError as exc:
            if status_of(exc) != 400:
                raise
            values = {f"cb-{number}-{name}": fields.get(name) or "" for name in (*FIELDS, "note")}
            return await self._page(
                request, ctx, staff, status=400, errors=_errors(number, exc), values=values
            )
        done = "resolved" if chosen.resolved else "rework"
        return redirect(request, f"/staff/callbacks?done={done}&n={quote(number)}")

    @post("/{number:str}/reveal", status_code=200, request_max_body_size=FORM_LIMIT)
    async def reveal(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, number: FromPath[str]
    ) -> Response[Any]:
        principal = caller_of(staff)
        await read_form(request, staff)
        found = await callbacks.reveal_for_callback(ctx, principal, number)
        return await self._page(request, ctx, staff, revealed={number: found.contact or {}})
