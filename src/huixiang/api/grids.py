"""Parent grids (网格连心), the yearly promotion, the report of file views and the 教师家访统计表,
beside the home visits' endpoints under /api/v1/visits."""

from __future__ import annotations

import os
from typing import Annotated, Any

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter
from litestar.response import Stream

from ..edge.errors import path_ints_in_range
from ..services import grid_schemas as gs
from ..services import grids, promotion, student_file, visit_reports
from .deps import SIGNED_IN_DEPS, CtxDep, PrincipalDep
from .openapi import BODY, DATE_OR_TIME, SIGNED_IN, STAFF, errors
from .reports import XLSX, _chunks

SchoolCode = Annotated[str, Parameter(min_length=1, max_length=64)]
SchoolYear = Annotated[int, Parameter(ge=2000, le=2100)]


class GridController(Controller):
    path = "/api/v1/visits"
    tags = ["visits"]
    security = STAFF
    dependencies = SIGNED_IN_DEPS

    @get("/grids", operation_id="listGrids", responses=errors(400, 401, 404))
    async def list_grids(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        class_id: Annotated[int | None, Parameter(ge=1, le=2**31 - 1)] = None,
    ) -> dict[str, Any]:
        """A class's grids with this term's figures, or (no class) the grids the caller looks after."""
        return await grids.list_grids(ctx, principal, class_id)

    @post("/grids", operation_id="createGrid", status_code=201, responses=errors(*BODY, *SIGNED_IN, 404))
    async def create_grid(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[gs.GridCreate]
    ) -> dict[str, Any]:
        """A grid of the class's families with its member: a teacher of the school, or a parent
        volunteer (a new login with the grid_member role at the school when `password` is given)."""
        return await grids.create_grid(ctx, principal, data)

    @get(
        "/grids/{grid_id:int}",
        operation_id="getGrid",
        guards=[path_ints_in_range],
        responses=errors(400, 401, 404),
    )
    async def grid(self, ctx: CtxDep, principal: PrincipalDep, grid_id: FromPath[int]) -> dict[str, Any]:
        """The grid's file (一格一人): families, every contact and matter with its ticket's state."""
        return await grids.grid_file(ctx, principal, grid_id)

    @patch(
        "/grids/{grid_id:int}",
        operation_id="updateGrid",
        guards=[path_ints_in_range],
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def update_grid(
        self, ctx: CtxDep, principal: PrincipalDep, grid_id: FromPath[int], data: JSONBody[gs.GridUpdate]
    ) -> dict[str, Any]:
        return await grids.update_grid(ctx, principal, grid_id, data)

    @post(
        "/grids/{grid_id:int}/contacts",
        operation_id="addGridContact",
        status_code=201,
        guards=[path_ints_in_range],
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def add_contact(
        self, ctx: CtxDep, principal: PrincipalDep, grid_id: FromPath[int], data: JSONBody[gs.ContactCreate]
    ) -> dict[str, Any]:
        """A contact of the grid's file; a matter with `ticket` (the family agreeing) becomes a
        ticket of channel `grid`, whose number and access code come back in `receipt`."""
        return await grids.add_contact(ctx, principal, grid_id, data)

    @get("/promotions/preview", operation_id="previewPromotion", responses=errors(400, *SIGNED_IN, 404))
    async def preview(
        self, ctx: CtxDep, principal: PrincipalDep, school_code: SchoolCode, from_year: SchoolYear
    ) -> dict[str, Any]:
        """What promoting the school's classes of `from_year` would do, and whether it was done."""
        return await promotion.preview(ctx, principal, school_code, from_year)

    @post(
        "/promotions",
        operation_id="promoteClasses",
        status_code=200,
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def promote(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[gs.PromotionRequest]
    ) -> dict[str, Any]:
        """Every class a grade up into the next school year, the top grade graduating; once per
        school year (`replayed` true: the first call's outcome)."""
        return await promotion.promote(ctx, principal, data)

    @get("/access", operation_id="studentFileAccess", responses=errors(400, *SIGNED_IN, 404))
    async def access(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        school_code: SchoolCode,
        start: Annotated[str | None, QueryParameter(name="from", schema_extra=DATE_OR_TIME)] = None,
        to: Annotated[str | None, QueryParameter(schema_extra=DATE_OR_TIME)] = None,
    ) -> dict[str, Any]:
        """Every opening of a student's file and reveal of a phone at the school (last 30 days
        by default), newest first: for the school's leaders."""
        return await student_file.access_report(ctx, principal, school_code, start, to)

    @get(
        "/teacher-stats.xlsx",
        operation_id="teacherVisitStats",
        media_type=XLSX,
        responses=errors(400, *SIGNED_IN, 404),
    )
    async def teacher_stats(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        school_code: SchoolCode,
        school_year: Annotated[int | None, Parameter(ge=2000, le=2100)] = None,
    ) -> Stream:
        """The 教师家访统计表: per teacher, students, visited, by form, new students visited."""
        name, workbook = await visit_reports.teacher_stats_xlsx(ctx, principal, school_code, school_year)
        return Stream(
            _chunks(workbook),
            media_type=XLSX,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Content-Length": str(os.fstat(workbook.fileno()).st_size),
            },
        )
