"""A school leader's home-visit pages: the yearly promotion (a preview, then a confirmed
button), the report of who opened which student's file, the 教师家访统计表 download."""

from __future__ import annotations

import os
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Stream

from ...domain.errors import Invalid, NotPermitted
from ...services import grid_schemas as gs
from ...services import promotion, student_file, visit_reports
from ...services.visits import current_school_year
from ..i18n import translate as t
from ..routes import CtxDep
from ..staff.pages import StaffPages
from ..staff.session import FORM_LIMIT, StaffDep, read_form
from .pages import XLSX, _leads_school, visits_page


def _school(staff: Any) -> str:
    school = _leads_school(staff)
    if school is None:
        raise NotPermitted("Only a leader of a school may open this page.")
    return school


def _chunks(file: Any, size: int = 1 << 16) -> Any:
    with file:
        while data := file.read(size):
            yield data


class SchoolVisitPages(StaffPages):
    path = "/visits"

    @get("/promotion")
    async def promotion_form(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        raw = request.query_params.get("year", "")
        year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else current_school_year(ctx)
        plan = await promotion.preview(ctx, staff.principal, _school(staff), year)
        return visits_page("visits/promotion.html", request, staff, plan=plan, outcome=None)

    @post("/promotion", request_max_body_size=FORM_LIMIT)
    async def promote(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        values = (await read_form(request, staff)).first()
        school = _school(staff)
        raw = values.get("from_year", "")
        year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else current_school_year(ctx)
        errors: dict[str, str] = {}
        outcome = None
        try:
            data = msgspec.convert(
                {"school_code": school, "from_year": year, "confirm": values.get("confirm") == "1"},
                gs.PromotionRequest,
            )
            outcome = await promotion.promote(ctx, staff.principal, data)
        except msgspec.ValidationError:  # not confirmed: `confirm` must be true
            errors = {"confirm": t("promotion.error.confirm")}
        except Invalid as exc:
            errors = {"confirm": t("promotion.error.confirm") if "`confirm`" in exc.message else exc.message}
        plan = await promotion.preview(ctx, staff.principal, school, year)
        return visits_page(
            "visits/promotion.html",
            request,
            staff,
            status=400 if errors else 200,
            errors=errors,
            plan=plan,
            outcome=outcome,
        )

    @get("/access")
    async def access(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        values = {k: request.query_params.get(k, "").strip() for k in ("from", "to")}
        try:
            report = await student_file.access_report(
                ctx, staff.principal, _school(staff), values["from"] or None, values["to"] or None
            )
        except Invalid as exc:
            return visits_page(
                "visits/access.html",
                request,
                staff,
                status=400,
                report=None,
                values=values,
                errors={"from": exc.message},
            )
        return visits_page("visits/access.html", request, staff, report=report, values=values)

    @get("/teacher-stats.xlsx")
    async def teacher_stats(self, ctx: CtxDep, staff: StaffDep) -> Stream:
        name, workbook = await visit_reports.teacher_stats_xlsx(ctx, staff.principal, _school(staff))
        return Stream(
            _chunks(workbook),
            media_type=XLSX,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Content-Length": str(os.fstat(workbook.fileno()).st_size),
                "Cache-Control": "no-store",
            },
        )
