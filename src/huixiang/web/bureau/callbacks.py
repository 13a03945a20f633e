"""回访情况 (/bureau/callbacks): the callbacks made in a period in the caller's scope — resolved
rate, satisfaction, signs of retaliation — per school, and the callbacks pending now.
查看记录 (/bureau/reveals): who revealed whose personal data, with its XLSX."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State

from ...domain.errors import DomainError, Invalid
from ...edge.errors import status_of
from ...services import callbacks, reveals
from ..routes import CtxDep
from ..staff.pages import NO_STORE, StaffPages
from ..staff.session import StaffDep
from .common import bureau_of, bureau_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(value: str, name: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"`{name}` must be a date like 2026-11-01.") from None


def _filters(request: Request[Any, Any, State]) -> dict[str, str]:
    query = request.query_params
    return {name: query.get(name, "").strip()[:64] for name in ("from", "to", "school_code", "user")}


class BureauCallbacks(StaffPages):
    path = "/bureau/callbacks"

    @get("/")
    async def figures(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        principal = bureau_of(staff)
        values = _filters(request)
        try:
            found = await callbacks.figures(
                ctx, principal, _day(values["from"], "from"), _day(values["to"], "to")
            )
        except Invalid as exc:
            return bureau_page(
                "bureau/callbacks.html",
                request,
                staff,
                status=400,
                values=values,
                found=None,
                detail=exc.message,
            )
        values.update({"from": found.start.isoformat(), "to": found.end.isoformat()})
        return bureau_page("bureau/callbacks.html", request, staff, values=values, found=found, detail="")


class BureauReveals(StaffPages):
    path = "/bureau/reveals"

    async def _report(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Any:
        values = _filters(request)
        found = await reveals.report(
            ctx,
            bureau_of(staff),
            _day(values["from"], "from"),
            _day(values["to"], "to"),
            values["school_code"] or None,
            values["user"] or None,
        )
        return values, found

    @get("/")
    async def report(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        try:
            values, found = await self._report(request, ctx, staff)
        except DomainError as exc:
            if status_of(exc) not in (400, 404):
                raise
            values = _filters(request)
            return bureau_page(
                "bureau/reveals.html",
                request,
                staff,
                status=400,
                values=values,
                found=None,
                detail=exc.message,
            )
        values.update({"from": found.start.isoformat(), "to": found.end.isoformat()})
        return bureau_page("bureau/reveals.html", request, staff, values=values, found=found, detail="")

    @get("/export.xlsx")
    async def export(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[bytes]:
        _, found = await self._report(request, ctx, staff)
        name = f"reveals-{found.start.isoformat()}-{found.end.isoformat()}.xlsx"
        return Response(
            reveals.workbook(found, ctx.settings.timezone),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE},
        )
