"""排名通报 (/bureau/league): the league table of the caller's unit for a month, term or year,
the assessment and its form (admins and city inspectors), the 限期整改 orders in reach (the
school's leader marks one done) and the monthly 通报 kept for download: a printable page and
its workbook."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from ...domain.access import Principal
from ...domain.enums import Role
from ...domain.errors import Invalid
from ...domain.league import FIGURES
from ...edge.errors import path_ints_in_range
from ...services import league, league_report
from ..i18n import translate as t
from ..routes import CtxDep
from ..staff.pages import StaffPages, redirect
from ..staff.session import FORM_LIMIT, Staff, StaffDep, read_form
from .common import bureau_of, bureau_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = (*FIGURES, "passing_line", "rectify_days")
FIELD = re.compile(r"`([a-z_]+)`")


def viewer_of(staff: Staff) -> Principal:
    """The console's inspectors and leaders, and admins too: an admin sets a bureau's
    assessment here as a city inspector does (common.bureau_of refuses admins elsewhere)."""
    if staff.acting.role is Role.ADMIN:
        return staff.principal
    return bureau_of(staff)


def _whole(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) <= 3 else None


class BureauLeague(StaffPages):
    path = "/bureau/league"

    async def _page(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        *,
        status: int = 200,
        org: str | None = None,
        **context: Any,
    ) -> Response[Any]:
        principal = viewer_of(staff)
        query = request.query_params
        chosen = {
            "org": org if org is not None else query.get("org", "").strip(),
            "period": query.get("period", "month").strip() or "month",
            "key": query.get("key", "").strip(),
        }
        try:
            found = await league.console(
                ctx,
                principal,
                org_code=chosen["org"] or None,
                period=chosen["period"],
                key=chosen["key"] or None,
            )
        except Invalid:
            return bureau_page(
                "bureau/league.html",
                request,
                staff,
                status=400,
                chosen=chosen,
                found=None,
                errors={},
                values={},
            )
        context.setdefault("errors", {})
        context.setdefault("values", {})
        context.setdefault("done", query.get("done", "") if query.get("done") in ("saved", "closed") else "")
        return bureau_page(
            "bureau/league.html",
            request,
            staff,
            status=status,
            chosen=chosen,
            found=found,
            figures=FIGURES,
            **context,
        )

    @get("/")
    async def league_page(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        return await self._page(request, ctx, staff)

    @post("/assessment/{org_code:str}", request_max_body_size=FORM_LIMIT)
    async def set_assessment(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, org_code: FromPath[str]
    ) -> Response[Any]:
        principal = viewer_of(staff)
        fields = await read_form(request, staff)
        values = {name: fields.get(name).strip() for name in FIELDS}
        numbers = {name: _whole(value) for name, value in values.items()}
        errors = {name: t("bureau.league.bad_number") for name, n in numbers.items() if n is None}
        if not errors:
            data = {
                "weights": {name: numbers[name] for name in FIGURES},
                "passing_line": numbers["passing_line"],
                "rectify_days": numbers["rectify_days"],
            }
            try:
                await league.set_assessment(ctx, principal, org_code, data)
            except Invalid as exc:
                errors = self._refusal(exc, numbers)
        if errors:
            return await self._page(
                request, ctx, staff, status=400, org=org_code, errors=errors, values=values
            )
        return redirect(request, f"/bureau/league?org={org_code}&done=saved")

    @staticmethod
    def _refusal(exc: Invalid, numbers: dict[str, int | None]) -> dict[str, str]:
        found = FIELD.search(exc.message)
        name = found.group(1) if found else ""
        if name == "weights":
            return {"weights": t("bureau.league.bad_sum", total=sum(numbers[n] or 0 for n in FIGURES))}
        if name == "rectify_days":
            return {name: t("bureau.league.bad_days")}
        if name in FIELDS:
            return {name: t("bureau.league.bad_number")}
        return {"weights": t("bureau.league.bad_unit")}

    @post("/orders/{order_id:int}/done", request_max_body_size=FORM_LIMIT, guards=[path_ints_in_range])
    async def close_order(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, order_id: FromPath[int]
    ) -> Response[Any]:
        principal = viewer_of(staff)
        fields = await read_form(request, staff)
        note = fields.get("note")
        try:
            await league.close_order(ctx, principal, order_id, note)
        except Invalid:
            field = f"note-{order_id}"
            return await self._page(
                request,
                ctx,
                staff,
                status=400,
                errors={field: t("bureau.league.bad_note")},
                values={field: note},
            )
        return redirect(request, "/bureau/league?done=closed")

    @get("/reports/{report_id:int}", guards=[path_ints_in_range])
    async def report(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, report_id: FromPath[int]
    ) -> Response[Any]:
        found_id, summary, _ = await league_report.report(ctx, viewer_of(staff), report_id)
        return bureau_page("bureau/league_report.html", request, staff, report_id=found_id, summary=summary)

    @get("/reports/{report_id:int}/xlsx", guards=[path_ints_in_range])
    async def report_xlsx(self, ctx: CtxDep, staff: StaffDep, report_id: FromPath[int]) -> Response[bytes]:
        _, summary, content = await league_report.report(ctx, viewer_of(staff), report_id)
        name = league_report.report_filename(summary)
        return Response(
            content,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )
