"""The home visits' pages (/visits): the classes and coverage, a class's roster, a student, the
visit record's form for a teacher's phone (附表1), a record with its tickets' state, the roster
import. Each handler: parse → one service call → template."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from ...domain.enums import Role
from ...domain.errors import DomainError, Invalid, NotPermitted
from ...domain.visits import GROUP_LABELS, VisitForm
from ...edge.errors import path_ints_in_range
from ...services import student_file, visits
from ...services import visit_schemas as vs
from ..i18n import translate as t
from ..routes import CtxDep
from ..staff.pages import StaffPages, page
from ..staff.session import FORM_LIMIT, UPLOAD_LIMIT, StaffDep, read_form, read_upload_form

# The visit-record page's subnav: (path, catalogue key).
NAV = (
    ("/visits", "visits.nav.home"),
    ("/visits/followups", "visits.nav.followups"),
    ("/visits/campaigns", "visits.nav.campaigns"),
    ("/visits/mine", "visits.nav.mine"),
    ("/visits/grids", "grids.nav"),
    ("/visits/import", "visits.nav.import"),
    ("/visits/promotion", "promotion.nav"),
    ("/visits/access", "access.nav"),
)
LEADERS_ONLY = frozenset({"/visits/import", "/visits/promotion", "/visits/access"})
OPINION_SLOTS = 3
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELD = re.compile(r"`([a-z_.]+)")
# A service's refusal names its field in backticks: the form's field and the sentence.
FIELDS = {
    "visited_at": ("visited_at", "visits.error.visited_at"),
    "teachers": ("teachers", "visits.error.teachers"),
    "form": ("form", "visits.error.form"),
    "opinions": ("opinion_1", "visits.error.opinion"),
    "opinions.ticket.guardian": ("opinion_1", "visits.error.opinion"),
    "opinions.ticket.consent": ("opinion_1", "visits.error.opinion"),
    **{
        name: (name, "visits.error.too_long")
        for name in (
            "family_members_met",
            "family_situation",
            "student_at_home",
            "effect",
            "reflection",
            "campaign",
        )
    },
}


def visits_page(name: str, request: Request[Any, Any, State], staff: Any, **context: Any) -> Response[Any]:
    # The import, the promotion and the access log are a leader's; a grid member (a parent
    # volunteer) has their grids only.
    if staff.acting.role is Role.GRID_MEMBER:
        nav = [(p, key) for p, key in NAV if p == "/visits/grids"]
    else:
        nav = [(p, key) for p, key in NAV if p not in LEADERS_ONLY or _leads_school(staff)]
    current = max((p for p, _ in nav if request.url.path.startswith(p)), key=len, default="/visits")
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return page(
        name,
        request,
        staff,
        nav=nav,
        current=current,
        group_labels={g.value: label for g, label in GROUP_LABELS.items()},
        **context,
    )


def _local_input(value: str, tz: Any) -> datetime | None:
    """A datetime-local input's value ("2026-12-04T19:30") in the bureau's zone."""
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=tz)


def _refusal(exc: DomainError) -> dict[str, str]:
    found = FIELD.search(exc.message)
    key = found.group(1) if found else ""
    if key in FIELDS:
        field, message = FIELDS[key]
        return {field: t(message)}
    return {"visited_at": t("visits.error.invalid")}


class VisitPages(StaffPages):
    path = "/visits"

    @get("/")
    async def home(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        org = request.query_params.get("org", "").strip() or None
        view = await visits.home(ctx, staff.principal, org)
        return visits_page("visits/home.html", request, staff, **view)

    @get("/mine")
    async def mine(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        records = await visits.my_visits(ctx, staff.principal)
        return visits_page("visits/mine.html", request, staff, records=records)

    @get("/classes/{class_id:int}", guards=[path_ints_in_range])
    async def roster(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, class_id: FromPath[int]
    ) -> Response[Any]:
        view = await visits.class_page(ctx, staff.principal, class_id)
        return visits_page("visits/roster.html", request, staff, **view)

    @get("/classes/{class_id:int}/ledger.xlsx", guards=[path_ints_in_range])
    async def ledger(self, ctx: CtxDep, staff: StaffDep, class_id: FromPath[int]) -> Response[bytes]:
        name, content = await visits.class_ledger(ctx, staff.principal, class_id)
        return Response(
            content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @get("/students/{student_id:int}", guards=[path_ints_in_range])
    async def student(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, student_id: FromPath[int]
    ) -> Response[Any]:
        view = await student_file.student_file(ctx, staff.principal, student_id)
        return visits_page("visits/student.html", request, staff, pupil=view, revealed=False)

    @post("/students/{student_id:int}/reveal", request_max_body_size=FORM_LIMIT, guards=[path_ints_in_range])
    async def reveal(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, student_id: FromPath[int]
    ) -> Response[Any]:
        await read_form(request, staff)
        view = await student_file.student_file_revealed(ctx, staff.principal, student_id)
        return visits_page("visits/student.html", request, staff, pupil=view, revealed=True)

    @get("/students/{student_id:int}/new", guards=[path_ints_in_range])
    async def new(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, student_id: FromPath[int]
    ) -> Response[Any]:
        form = await visits.visit_form(ctx, staff.principal, student_id)
        now = ctx.now.astimezone(ctx.settings.timezone).strftime("%Y-%m-%dT%H:%M")
        return visits_page(
            "visits/new.html",
            request,
            staff,
            values={"visited_at": now, "form": "home", "client_key": secrets.token_urlsafe(16)},
            slots=OPINION_SLOTS,
            **form,
        )

    @post("/students/{student_id:int}/new", request_max_body_size=FORM_LIMIT, guards=[path_ints_in_range])
    async def record(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, student_id: FromPath[int]
    ) -> Response[Any]:
        fields = await read_form(request, staff)
        values = fields.first()
        errors: dict[str, str] = {}
        visited_at = _local_input(values.get("visited_at", ""), ctx.settings.timezone)
        if visited_at is None:
            errors["visited_at"] = t("visits.error.visited_at")
        if values.get("form") not in {f.value for f in VisitForm}:
            errors["form"] = t("visits.error.form")
        opinions = []
        for n in range(1, OPINION_SLOTS + 1):
            text = values.get(f"opinion_{n}", "").strip()
            if not text:
                continue
            ticket = None
            if values.get(f"ticket_{n}"):
                ticket = vs.TicketFromOpinion(consent=True, category=values.get(f"category_{n}") or "其他")
            opinions.append(vs.OpinionIn(text=text, ticket=ticket))
        if not errors:
            try:
                data = msgspec.convert(
                    {
                        "student_id": student_id,
                        "visited_at": visited_at,
                        "form": values["form"],
                        "campaign": values.get("campaign", "").strip() or None,
                        "teachers": fields.getall("teachers"),
                        "family_members_met": values.get("family_members_met", ""),
                        "family_situation": values.get("family_situation", ""),
                        "student_at_home": values.get("student_at_home", ""),
                        "opinions": [msgspec.to_builtins(o) for o in opinions],
                        "effect": values.get("effect", ""),
                        "reflection": values.get("reflection", ""),
                        "client_key": values.get("client_key") or None,
                    },
                    vs.VisitCreate,
                )
                record = await visits.create_visit(ctx, staff.principal, data)
            except msgspec.ValidationError as exc:
                errors = _refusal(Invalid(f"`{str(exc).rsplit('$.', 1)[-1].split('[')[0].rstrip('`')}"))
            except Invalid as exc:
                errors = _refusal(exc)
            else:
                return visits_page(
                    "visits/record.html",
                    request,
                    staff,
                    record=record,
                    receipts=record["receipts"],
                    created=True,
                )
        form = await visits.visit_form(ctx, staff.principal, student_id)
        values["teachers"] = fields.getall("teachers")  # type: ignore[assignment]
        return visits_page(
            "visits/new.html",
            request,
            staff,
            status=400,
            errors=errors,
            values=values,
            slots=OPINION_SLOTS,
            **form,
        )

    @get("/{visit_id:int}", guards=[path_ints_in_range])
    async def visit(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, visit_id: FromPath[int]
    ) -> Response[Any]:
        record = await visits.get_visit(ctx, staff.principal, visit_id)
        return visits_page("visits/record.html", request, staff, record=record, receipts=[], created=False)

    @get("/template.xlsx")
    async def template(self, staff: StaffDep) -> Response[bytes]:
        del staff
        return Response(
            visits.roster_template(),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="roster-template.xlsx"'},
        )

    @get("/import")
    async def import_form(self, request: Request[Any, Any, State], staff: StaffDep) -> Response[Any]:
        return visits_page("visits/import.html", request, staff, report=None, leader=_leads_school(staff))

    @post("/import", request_max_body_size=UPLOAD_LIMIT)
    async def import_file(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        form = await read_upload_form(request, staff)
        errors: dict[str, str] = {}
        report = None
        school = _leads_school(staff)
        if school is None:
            raise NotPermitted("Only a leader of a school may import its roster.")
        if not form.files:
            errors["files"] = t("visits.import.need_file")
        else:
            try:
                report = await visits.import_roster(ctx, staff.principal, school, form.files[0][1])
            except Invalid:
                errors["files"] = t("visits.import.not_xlsx")
        status = 400 if errors or (report and not report.imported) else 200
        return visits_page(
            "visits/import.html",
            request,
            staff,
            status=status,
            errors=errors,
            report=report.as_dict() if report else None,
            leader=school,
        )


def _leads_school(staff: Any) -> str | None:
    """The school the caller acts for as its leader, if they do."""
    grant = staff.acting
    return grant.org_code if grant.role is Role.LEADER and grant.leaf else None
