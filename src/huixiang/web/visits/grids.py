"""The grids' pages (/visits/grids): the caller's grids or a class's, a new grid (a teacher or
a parent volunteer as member), the grid's file (一格一人) with its contact form. Each handler:
parse → one service call → template."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from ...domain.errors import Invalid
from ...edge.errors import path_ints_in_range
from ...services import grid_schemas as gs
from ...services import grids
from ..i18n import translate as t
from ..routes import CtxDep
from ..staff.pages import StaffPages, redirect
from ..staff.session import FORM_LIMIT, StaffDep, read_form
from .pages import _local_input, visits_page

# A service's refusal names its field in backticks: the form's field and the sentence.
CONTACT_FIELDS = {
    "contacted_at": ("contacted_at", "grids.error.when"),
    "student_id": ("student_id", "grids.error.student"),
    "note": ("note", "grids.error.note"),
    "matter": ("matter", "grids.error.matter"),
    "ticket.consent": ("matter", "grids.error.matter"),
}
GRID_FIELDS = {
    "name": ("name", "grids.error.name"),
    "member.username": ("member_username", "grids.error.member"),
    "member.password": ("member_username", "grids.error.member"),
    "member.display_name": ("member_username", "grids.error.member"),
    "students": ("students", "grids.error.students"),
}


def _field(exc: Exception, table: dict[str, tuple[str, str]], default: str) -> dict[str, str]:
    """The form's field a refusal names (a service's `field`, msgspec's `$.field`) and its
    sentence; a refusal naming none is put beside `default` with that field's sentence."""
    text = exc.message if isinstance(exc, Invalid) else str(exc)
    for key, (field, message) in sorted(table.items(), key=lambda kv: -len(kv[0])):
        if f"`{key}" in text or f"$.{key}" in text:
            return {field: t(message)}
    fallback = next(message for field, message in table.values() if field == default)
    return {default: t(fallback)}


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 16]


class GridPages(StaffPages):
    path = "/visits/grids"

    @get("/")
    async def grids(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        raw = request.query_params.get("class", "")
        class_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
        view = await grids.grids_page(ctx, staff.principal, class_id)
        return visits_page("visits/grids.html", request, staff, **view)

    @post("/", request_max_body_size=FORM_LIMIT)
    async def create(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        fields = await read_form(request, staff)
        values = fields.first()
        raw = values.get("class_id", "")
        class_id = int(raw) if raw.isdigit() and len(raw) < 10 else 0
        member: dict[str, Any] = {"username": values.get("member_username", "").strip()}
        if values.get("member_password"):
            member.update(
                display_name=values.get("member_name", "").strip(), password=values["member_password"]
            )
        try:
            data = msgspec.convert(
                {
                    "class_id": class_id,
                    "name": values.get("name", "").strip(),
                    "member": member,
                    "students": _ids(fields.getall("students")),
                },
                gs.GridCreate,
            )
            made = await grids.create_grid(ctx, staff.principal, data)
        except (msgspec.ValidationError, Invalid) as exc:
            view = await grids.grids_page(ctx, staff.principal, class_id)
            values.pop("member_password", None)
            chosen = set(fields.getall("students"))
            return visits_page(
                "visits/grids.html",
                request,
                staff,
                status=400,
                errors=_field(exc, GRID_FIELDS, "name"),
                values={**values, "students": chosen},
                **view,
            )
        return redirect(request, f"/visits/grids/{made['id']}")

    @get("/{grid_id:int}", guards=[path_ints_in_range])
    async def grid(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, grid_id: FromPath[int]
    ) -> Response[Any]:
        view = await grids.grid_page(ctx, staff.principal, grid_id)
        return visits_page("visits/grid.html", request, staff, grid=view, values=_fresh(ctx), receipt=None)

    @post("/{grid_id:int}/contacts", request_max_body_size=FORM_LIMIT, guards=[path_ints_in_range])
    async def contact(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, grid_id: FromPath[int]
    ) -> Response[Any]:
        fields = await read_form(request, staff)
        values = fields.first()
        errors: dict[str, str] = {}
        at = _local_input(values.get("contacted_at", ""), ctx.settings.timezone)
        raw = values.get("student_id", "")
        ticket = None
        if values.get("ticket"):
            ticket = {
                "consent": True,
                "category": values.get("category") or "其他",
                "with_contact": bool(values.get("with_contact")),
            }
        receipt = None
        if at is None:
            errors["contacted_at"] = t("grids.error.when")
        else:
            try:
                data = msgspec.convert(
                    {
                        "contacted_at": at,
                        "form": values.get("form", ""),
                        "student_id": int(raw) if raw.isdigit() and len(raw) < 16 else None,
                        "note": values.get("note", ""),
                        "matter": values.get("matter", ""),
                        "ticket": ticket,
                    },
                    gs.ContactCreate,
                )
                made = await grids.add_contact(ctx, staff.principal, grid_id, data)
                receipt = made["receipt"]
            except (msgspec.ValidationError, Invalid) as exc:
                errors = _field(exc, CONTACT_FIELDS, "note")
        view = await grids.grid_page(ctx, staff.principal, grid_id)
        return visits_page(
            "visits/grid.html",
            request,
            staff,
            status=400 if errors else 200,
            errors=errors,
            grid=view,
            values=values if errors else _fresh(ctx),
            receipt=receipt,
            saved=not errors,
        )


def _fresh(ctx: Any) -> dict[str, str]:
    now: datetime = ctx.now
    return {"contacted_at": now.astimezone(ctx.settings.timezone).strftime("%Y-%m-%dT%H:%M"), "form": "phone"}
