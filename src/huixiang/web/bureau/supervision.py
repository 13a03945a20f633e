"""督办单 (/bureau/supervision): the supervision orders in the caller's scope — open, answered,
overdue — with a 催办 for the ones not answered yet, and each order's printable 督办通知书
(/bureau/supervision/{id}/print: A4, its own print stylesheet)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from ...domain.errors import DomainError, Invalid
from ...domain.supervision import OrderState
from ...edge.errors import path_ints_in_range, status_of
from ...services import supervision
from ..routes import CtxDep
from ..staff.pages import StaffPages, page, redirect
from ..staff.session import FORM_LIMIT, Staff, StaffDep, read_form
from .common import bureau_of, bureau_page
from .overdue import field_errors, may_act


class BureauSupervision(StaffPages):
    path = "/bureau/supervision"

    async def _orders(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: Staff,
        state: str,
        status: int = 200,
        **context: Any,
    ) -> Response[Any]:
        chosen = state if state in {s.value for s in OrderState} else ""
        found = await supervision.orders(ctx, bureau_of(staff), chosen or None)
        context = {"done": "", "errors": {}, "values": {}, **context}
        return bureau_page(
            "bureau/supervision.html",
            request,
            staff,
            status=status,
            found=found,
            states=[s.value for s in OrderState],
            chosen=chosen,
            may_act=may_act(staff),
            **context,
        )

    @get("/")
    async def orders(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        query = request.query_params
        done = query.get("done", "")
        return await self._orders(
            request, ctx, staff, query.get("state", ""), done=done if done == "chase" else ""
        )

    @post(
        "/{order_id:int}/chase",
        status_code=303,
        guards=[path_ints_in_range],
        request_max_body_size=FORM_LIMIT,
    )
    async def chase(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, order_id: FromPath[int]
    ) -> Response[Any]:
        principal = bureau_of(staff)
        fields = await read_form(request, staff)
        note = fields.get("note")
        state = fields.get("state")
        try:
            if len(note) > 5000:
                raise Invalid("`note` is longer than 5000 characters.")
            await supervision.chase_order(ctx, principal, order_id, note)
        except DomainError as exc:
            if status_of(exc) != 400:
                raise
            prefix = f"chase-{order_id}"
            return await self._orders(
                request,
                ctx,
                staff,
                state,
                status=400,
                errors=field_errors(prefix, exc),
                values={f"{prefix}-note": note},
            )
        back = f"?state={state}&done=chase" if state in {s.value for s in OrderState} else "?done=chase"
        return redirect(request, f"/bureau/supervision{back}#o-{order_id}")

    @get("/{order_id:int}/print", guards=[path_ints_in_range])
    async def print(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, order_id: FromPath[int]
    ) -> Response[Any]:
        """督办通知书: one page to print, without the console's frame."""
        found = await supervision.notice(ctx, bureau_of(staff), order_id)
        return page("bureau/notice.html", request, staff, notice=found)
