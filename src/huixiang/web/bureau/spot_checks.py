"""抽查 (/bureau/spot-checks): the draws under the inspector's units with a form to draw a
sample, the results per school for a period; one draw (/bureau/spot-checks/{id}) with its sample,
each ticket's state and a 通过 / 整改 form per ticket. A school's leader reads the same pages
over their school's items, without the forms."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from ...domain import spot_checks as rules
from ...domain.enums import Verdict
from ...domain.errors import Invalid
from ...edge.errors import path_ints_in_range
from ...services import spot_checks
from ..i18n import translate as t
from ..routes import CtxDep
from ..staff.pages import StaffPages, redirect
from ..staff.session import FORM_LIMIT, StaffDep, read_form
from .common import bureau_of, bureau_page

NOTE_MAX = 5000
# A service's refusal names its field in backticks: the form's field and its sentence.
DRAW_FIELDS = {
    "from": ("from", "bureau.spot_checks.error.period"),
    "to": ("from", "bureau.spot_checks.error.period"),
    "size": ("size", "bureau.spot_checks.error.size"),
    "seed": ("seed", "bureau.spot_checks.error.seed"),
}


def _last_month(today: date) -> tuple[str, str]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1).isoformat(), end.isoformat()


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


class BureauSpotChecks(StaffPages):
    path = "/bureau/spot-checks"

    async def _list(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        *,
        status: int = 200,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> Response[Any]:
        principal = bureau_of(staff)
        query = request.query_params
        today = ctx.now.astimezone(ctx.settings.timezone).date()
        start, end = _last_month(today)
        own = next((g.org_code for g in principal.grants), "")
        shown = {
            "r_org": query.get("r_org", "").strip() or own,
            "r_from": query.get("r_from", "").strip() or today.replace(month=1, day=1).isoformat(),
            "r_to": query.get("r_to", "").strip() or today.isoformat(),
        }
        page_errors = dict(errors or {})
        first, last = _day(shown["r_from"]), _day(shown["r_to"])
        if first is None or last is None or first > last:
            page_errors["r_from"] = t("bureau.spot_checks.error.period")
            first = last = None
        console = await spot_checks.console(
            ctx, principal, results_org=shown["r_org"], start=first, end=last, results=first is not None
        )
        draw_values = {
            "org": own,
            "from": start,
            "to": end,
            "size": "5",
            "size_unit": "per_school",
            "seed": "",
        }
        draw_values.update(values or {})
        if "r_from" in page_errors:
            status = max(status, 400)
        return bureau_page(
            "bureau/spot_checks.html",
            request,
            staff,
            status=status,
            console=console,
            values=draw_values,
            shown=shown,
            errors=page_errors,
            may_check=spot_checks.may_check(principal),
        )

    @get("/")
    async def index(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        return await self._list(request, ctx, staff)

    @post("/", request_max_body_size=FORM_LIMIT)
    async def draw(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        principal = bureau_of(staff)
        spot_checks.inspector_only(principal)
        fields = await read_form(request, staff)
        values = {n: fields.get(n).strip() for n in ("org", "from", "to", "size", "size_unit", "seed")}
        errors: dict[str, str] = {}
        start, end = _day(values["from"]), _day(values["to"])
        if start is None or end is None or start > end:
            errors["from"] = t("bureau.spot_checks.error.period")
        size = int(values["size"]) if values["size"].isdigit() and len(values["size"]) <= 4 else None
        if size is None:
            errors["size"] = t("bureau.spot_checks.error.size")
        if values["size_unit"] not in {u.value for u in rules.SizeUnit}:
            errors["size_unit"] = t("bureau.spot_checks.error.size_unit")
        if not values["org"]:
            errors["org"] = t("bureau.spot_checks.error.unit")
        if not errors:
            assert start is not None and end is not None and size is not None
            try:
                made = await spot_checks.draw(
                    ctx,
                    principal,
                    spot_checks.DrawRequest(
                        start=start,
                        end=end,
                        size=size,
                        size_unit=rules.SizeUnit(values["size_unit"]),
                        org_code=values["org"],
                        seed=values["seed"] or None,
                    ),
                )
            except Invalid as exc:
                errors = _refusal(exc)
            else:
                return redirect(request, f"/bureau/spot-checks/{made.draw.id}")
        return await self._list(request, ctx, staff, status=400, values=values, errors=errors)

    @get("/{draw_id:int}", guards=[path_ints_in_range])
    async def one(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, draw_id: FromPath[int]
    ) -> Response[Any]:
        principal = bureau_of(staff)
        view = await spot_checks.get_draw(ctx, principal, draw_id)
        return bureau_page(
            "bureau/spot_check.html",
            request,
            staff,
            view=view,
            may_check=spot_checks.may_check(principal),
            checked=request.query_params.get("checked", ""),
            errors={},
            values={},
        )

    @post("/{draw_id:int}/items/{number:str}", request_max_body_size=FORM_LIMIT, guards=[path_ints_in_range])
    async def check(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        draw_id: FromPath[int],
        number: FromPath[str],
    ) -> Response[Any]:
        principal = bureau_of(staff)
        spot_checks.inspector_only(principal)
        fields = await read_form(request, staff)
        verdict, note = fields.get("verdict").strip(), fields.get("note").strip()
        errors: dict[str, str] = {}
        if verdict not in {v.value for v in Verdict}:
            errors[f"verdict-{number}"] = t("bureau.spot_checks.error.verdict")
        if not note:
            errors[f"note-{number}"] = t("bureau.spot_checks.error.note")
        elif len(note) > NOTE_MAX:
            errors[f"note-{number}"] = t("bureau.spot_checks.error.note_long")
        if not errors:
            await spot_checks.check(
                ctx,
                principal,
                draw_id,
                number,
                spot_checks.CheckRequest(verdict=Verdict(verdict), note=note),
            )
            return redirect(request, f"/bureau/spot-checks/{draw_id}?checked={number}#item-{number}")
        view = await spot_checks.get_draw(ctx, principal, draw_id)
        return bureau_page(
            "bureau/spot_check.html",
            request,
            staff,
            status=400,
            view=view,
            may_check=True,
            checked="",
            errors=errors,
            values={f"verdict-{number}": verdict, f"note-{number}": note},
        )


def _refusal(exc: Invalid) -> dict[str, str]:
    """The field a draw's refusal concerns and its sentence beside it."""
    if "nothing to draw" in exc.message:
        return {"from": t("bureau.spot_checks.error.nothing")}
    for name, (field, key) in DRAW_FIELDS.items():
        if f"`{name}`" in exc.message:
            return {field: t(key)}
    return {"from": t("bureau.spot_checks.error.period")}
