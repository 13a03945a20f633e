"""The ticket page's parents' trust forms: marking the staff a complaint names (registrar,
leader) and the district reviewer's audited unseal of an escrowed identity."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.params import FromPath

from ...domain.errors import Conflict, Invalid
from ...services.tickets import desk as desks
from ..routes import CtxDep
from .pages import StaffPages, page, redirect
from .session import StaffDep, read_form
from .ticket import field_errors, with_reason


class StaffTrust(StaffPages):
    path = "/staff/tickets"

    @post("/{number:str}/named-staff", status_code=303)
    async def name_staff(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, number: FromPath[str]
    ) -> Response[Any]:
        fields = await read_form(request, staff)
        chosen = [int(v) for v in fields.getall("named_staff") if v.isdigit() and len(v) < 10]
        note = fields.get("note").strip() or None
        try:
            if not chosen:
                raise Invalid("`named_staff` is empty.")
            visible = await desks.name_staff(ctx, staff.principal, number, chosen, note)
        except (Invalid, Conflict) as exc:
            found = await desks.desk(ctx, staff.principal, number)
            return page(
                "staff/ticket.html",
                request,
                staff,
                status=400 if isinstance(exc, Invalid) else 409,
                desk=found,
                ticket=found.ticket,
                done="",
                values={"named-note": note or ""},
                opened="named",
                errors=field_errors("named", exc),
            )
        if not visible:  # a named leader sent it to the district: gone from the school's pages
            return redirect(request, "/staff")
        return redirect(request, f"/staff/tickets/{quote(number)}?done=named")

    @post("/{number:str}/unseal", status_code=200)
    async def unseal(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, number: FromPath[str]
    ) -> Response[Any]:
        return await with_reason(request, ctx, staff, number, "unseal", desks.unseal)
