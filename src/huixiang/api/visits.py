"""Home visits (家访): the roster, its XLSX import, visit records and the coverage figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, cast

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter

from ..domain.errors import Invalid, TooLarge
from ..edge.errors import path_ints_in_range
from ..edge.uploads import FILE_FIELD, parse_form
from ..services import student_file, visits
from ..services import visit_schemas as vs
from .deps import SIGNED_IN_DEPS, CtxDep, PrincipalDep
from .openapi import BODY, DATE_OR_TIME, SIGNED_IN, STAFF, errors
from .reports import XLSX

VISITS_FROM = "Visits from: a date or a time with its offset; the school year's start when left out."
VISITS_TO = "Visits until: a date (included) or a time (excluded); the school year's end when left out."
IMPORT_BODY = visits.MAX_IMPORT_BYTES + 64 * 1024


@dataclass
class RosterImportOperation(Operation):
    """The roster import reads a multipart body by hand: one XLSX in the `files` field."""

    def __post_init__(self) -> None:
        schema = {
            "type": "object",
            "required": [FILE_FIELD],
            "properties": {
                FILE_FIELD: {
                    "type": "string",
                    "format": "binary",
                    "description": "The roster as XLSX, from GET /api/v1/visits/roster-template.xlsx.",
                }
            },
        }
        self.request_body = RequestBody(
            required=True, content={"multipart/form-data": OpenAPIMediaType(schema=cast(Schema, schema))}
        )


class VisitController(Controller):
    path = "/api/v1/visits"
    tags = ["visits"]
    security = STAFF
    dependencies = SIGNED_IN_DEPS

    @get("/coverage", operation_id="visitCoverage", responses=errors(400, *SIGNED_IN, 404))
    async def coverage(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        org_code: FromQuery[str | None] = None,
        campaign: Annotated[str | None, Parameter(max_length=64)] = None,
        start: Annotated[
            str | None,
            QueryParameter(
                name="from",
                description=VISITS_FROM,
                schema_extra=DATE_OR_TIME,
            ),
        ] = None,
        to: Annotated[
            str | None,
            QueryParameter(
                description=VISITS_TO,
                schema_extra=DATE_OR_TIME,
            ),
        ] = None,
    ) -> dict[str, Any]:
        """Students, visited, 家访率 and 新生家访率 of a unit in scope, and one level down."""
        return await visits.coverage(
            ctx, principal, org_code=org_code, campaign=campaign, start=start, end=to
        )

    @get("/classes", operation_id="listVisitClasses", responses=errors(400, 401, 404))
    async def classes(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        org_code: FromQuery[str | None] = None,
        school_year: Annotated[int | None, Parameter(ge=2000, le=2100)] = None,
    ) -> dict[str, Any]:
        return {
            "items": await visits.list_classes(ctx, principal, org_code=org_code, school_year=school_year)
        }

    @post(
        "/classes", operation_id="createVisitClass", status_code=201, responses=errors(*BODY, *SIGNED_IN, 404)
    )
    async def create_class(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[vs.ClassCreate]
    ) -> dict[str, Any]:
        return await visits.create_class(ctx, principal, data)

    @get(
        "/classes/{class_id:int}/students",
        operation_id="classRoster",
        guards=[path_ints_in_range],
        responses=errors(400, 401, 404),
    )
    async def roster(self, ctx: CtxDep, principal: PrincipalDep, class_id: FromPath[int]) -> dict[str, Any]:
        return await visits.roster(ctx, principal, class_id)

    @get(
        "/classes/{class_id:int}/ledger.xlsx",
        operation_id="classLedger",
        media_type=XLSX,
        guards=[path_ints_in_range],
        responses=errors(400, 401, 404),
    )
    async def ledger(self, ctx: CtxDep, principal: PrincipalDep, class_id: FromPath[int]) -> Response[bytes]:
        """The class's 家访台账: a row per visit record of its school year; never visited, said so."""
        name, content = await visits.class_ledger(ctx, principal, class_id)
        return Response(
            content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @post(
        "/students", operation_id="createStudent", status_code=201, responses=errors(*BODY, *SIGNED_IN, 404)
    )
    async def create_student(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[vs.StudentCreate]
    ) -> dict[str, Any]:
        return await visits.add_student(ctx, principal, data)

    @get(
        "/students/{student_id:int}",
        operation_id="getStudent",
        guards=[path_ints_in_range],
        responses=errors(400, 401, 404),
    )
    async def student(
        self, ctx: CtxDep, principal: PrincipalDep, student_id: FromPath[int]
    ) -> dict[str, Any]:
        """The student's file (一生一档): every year's class, visit, grid contact and ticket; the
        opening is logged. For the current class's teachers and the school's leaders only."""
        return await student_file.student_file(ctx, principal, student_id)

    @post(
        "/students/{student_id:int}/reveal",
        operation_id="revealGuardians",
        status_code=200,
        guards=[path_ints_in_range],
        responses=errors(400, 401, 404),
    )
    async def reveal(self, ctx: CtxDep, principal: PrincipalDep, student_id: FromPath[int]) -> dict[str, Any]:
        """The guardians' phones in full; every reveal is logged with who and when."""
        return await visits.reveal_guardians(ctx, principal, student_id)

    @get(
        "/students/{student_id:int}/access",
        operation_id="studentAccessLog",
        guards=[path_ints_in_range],
        responses=errors(400, *SIGNED_IN, 404),
    )
    async def access(self, ctx: CtxDep, principal: PrincipalDep, student_id: FromPath[int]) -> dict[str, Any]:
        return {"items": await visits.access_log(ctx, principal, student_id)}

    @get("/roster-template.xlsx", operation_id="rosterTemplate", media_type=XLSX, responses=errors(401))
    async def template(self, principal: PrincipalDep) -> Response[bytes]:
        del principal
        return Response(
            visits.roster_template(),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="roster-template.xlsx"'},
        )

    @post(
        "/roster-import",
        operation_id="importRoster",
        status_code=200,
        request_max_body_size=IMPORT_BODY,
        operation_class=RosterImportOperation,
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def import_roster(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        principal: PrincipalDep,
        school_code: Annotated[str, Parameter(min_length=1, max_length=64)],
        school_year: Annotated[int | None, Parameter(ge=2000, le=2100)] = None,
    ) -> dict[str, Any]:
        """All or nothing: `imported` false with every fault (row, column, sentence), or the
        counts of what was written."""
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            raise Invalid(f"Send the roster as multipart/form-data, the XLSX in the `{FILE_FIELD}` field.")
        try:
            form = await parse_form(
                content_type, request.stream(), max_files=1, max_file_bytes=visits.MAX_IMPORT_BYTES
            )
        except TooLarge as exc:
            if "headers" in exc.message:  # a part without its headers: malformed, not large
                raise Invalid("The multipart body is malformed.") from None
            raise
        if not form.files:
            raise Invalid(f"`{FILE_FIELD}`: attach the roster as an XLSX file.")
        report = await visits.import_roster(ctx, principal, school_code, form.files[0][1], school_year)
        return report.as_dict()

    @get("/", operation_id="listVisits", responses=errors(400, 401, 404))
    async def list_visits(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        class_id: Annotated[int | None, Parameter(ge=1, le=2**31 - 1)] = None,
        student_id: Annotated[int | None, Parameter(ge=1, le=2**53 - 1)] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        items = await visits.list_visits(
            ctx, principal, class_id=class_id, student_id=student_id, limit=limit
        )
        return {"items": items}

    @post("/", operation_id="createVisit", status_code=201, responses=errors(*BODY, *SIGNED_IN, 404))
    async def create_visit(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[vs.VisitCreate]
    ) -> dict[str, Any]:
        """A visit record (附表1); each opinion with `ticket` (the family agreeing) becomes a ticket
        of channel `home_visit`, whose number and access code come back in `receipts`."""
        return await visits.create_visit(ctx, principal, data)

    @get(
        "/{visit_id:int}",
        operation_id="getVisit",
        guards=[path_ints_in_range],
        responses=errors(400, 401, 404),
    )
    async def visit(self, ctx: CtxDep, principal: PrincipalDep, visit_id: FromPath[int]) -> dict[str, Any]:
        return await visits.get_visit(ctx, principal, visit_id)

    @post(
        "/{visit_id:int}/opinions/{opinion_id:int}/ticket",
        operation_id="opinionToTicket",
        status_code=201,
        guards=[path_ints_in_range],
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def to_ticket(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        visit_id: FromPath[int],
        opinion_id: FromPath[int],
        data: JSONBody[vs.TicketFromOpinion],
    ) -> dict[str, Any]:
        return await visits.opinion_to_ticket(ctx, principal, visit_id, opinion_id, data)
