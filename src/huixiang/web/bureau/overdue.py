"""逾期督办 (/bureau/overdue): every ticket in the caller's scope past its answer deadline, by
school, with its working days overdue and who holds it; an inspector gives each a 督办 order
(note, deadline) or a 催办 from here. A school's leader sees the board of the school."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from ...domain.enums import Action, Role
from ...domain.errors import DomainError, Invalid
from ...edge.errors import status_of
from ...services import supervision
from ...services.tickets import desk as desks
from ..i18n import ZH_CN
from ..i18n import translate as t
from ..routes import CtxDep
from ..staff.pages import StaffPages, redirect
from ..staff.session import FORM_LIMIT, Staff, StaffDep, read_form
from .common import bureau_of, bureau_page

FIELD = re.compile(r"`(\w+)`")
FORM_ACTIONS = {"supervise": Action.SUPERVISE, "chase": Action.CHASE}
FORM_FIELDS = {Action.SUPERVISE: ("note", "due_at"), Action.CHASE: ("note",)}


def field_errors(prefix: str, exc: DomainError) -> dict[str, str]:
    """The form field a refusal names (in backticks), with the page's sentence, keyed by the
    field's id on the page (`<prefix>-<field>`); one the form has not is said at its top."""
    found = FIELD.search(exc.message)
    name = found.group(1) if found else "form"
    key = f"bureau.supervision.error.{name}"
    if key in ZH_CN and name != "form":
        return {f"{prefix}-{name}": t(key)}
    return {f"{prefix}-form": t("bureau.supervision.error.form")}


def may_act(staff: Staff) -> bool:
    return staff.acting.role is Role.INSPECTOR


class BureauOverdue(StaffPages):
    path = "/bureau/overdue"

    async def _board(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: Staff, status: int = 200, **context: Any
    ) -> Response[Any]:
        query = request.query_params
        school = query.get("school", "").strip()[:64] or None
        cursor = query.get("cursor", "").strip()[:200] or None
        try:
            found = await supervision.board_page(ctx, bureau_of(staff), school_code=school, cursor=cursor)
        except Invalid:  # a cursor this server did not give out: the first page
            found = await supervision.board_page(ctx, bureau_of(staff), school_code=school)
        context = {"done": "", "done_number": "", "errors": {}, "values": {}, **context}
        return bureau_page(
            "bureau/overdue.html",
            request,
            staff,
            status=status,
            page=found,
            school=school or "",
            may_act=may_act(staff),
            **context,
        )

    @get("/")
    async def board(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        done = request.query_params.get("done", "")
        return await self._board(
            request,
            ctx,
            staff,
            done=done if done in FORM_ACTIONS else "",
            done_number=request.query_params.get("n", "")[:32],
        )

    @post("/{number:str}/{action:str}", status_code=303, request_max_body_size=FORM_LIMIT)
    async def act(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        number: FromPath[str],
        action: FromPath[str],
    ) -> Response[Any]:
        principal = bureau_of(staff)
        chosen = FORM_ACTIONS.get(action)
        if chosen is None:
            raise Invalid(f"'{action}' is not an action of the overdue board.")
        fields = await read_form(request, staff)
        values = {name: fields.get(name) for name in FORM_FIELDS[chosen]}
        prefix = f"{chosen.value}-{number}"
        try:
            if chosen is Action.SUPERVISE and not values["note"].strip():
                raise Invalid("`note` is required.")
            await desks.act_from_form(ctx, principal, number, chosen, values)
        except DomainError as exc:
            status = status_of(exc)
            if status != 400:
                raise
            return await self._board(
                request,
                ctx,
                staff,
                status=400,
                errors=field_errors(prefix, exc),
                values={f"{prefix}-{name}": value for name, value in values.items()},
            )
        return redirect(request, f"/bureau/overdue?done={chosen.value}&n={quote(number)}#t-{quote(number)}")
