"""The bureau's settings: 问题类别 (categories), 办理时限 (deadline policies per unit), 节假日
(the calendar's overrides) and 群机器人 (a unit's group robots)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery

from ...domain.enums import Kind
from ...domain.errors import Invalid
from ...edge.errors import path_ints_in_range
from ...services import admin, callbacks, policies
from ..i18n import translate as t
from ..routes import CtxDep
from ..staff.pages import StaffPages, redirect
from ..staff.session import FORM_LIMIT, StaffDep, read_form
from .common import admin_of, admin_page, refusal, whole

POLICY_FIELDS = {name: f"{name}:admin.policy.bad_number" for name in admin.POLICY_FIELDS}
ROBOT_FIELDS = {"kind": "kind:admin.reason.robot_kind", "url": "url:admin.reason.scheme"}


def _unit_or_own(staff: StaffDep, org: str) -> str:
    return org.strip() or staff.acting.org_code


class AdminSettings(StaffPages):
    path = "/admin"

    # ---- categories ------------------------------------------------------------------------

    async def _categories(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        status: int = 200,
        **context: Any,
    ) -> Response[Any]:
        found = await admin.category_list(ctx, admin_of(staff))
        context.setdefault("done", request.query_params.get("done", ""))
        return admin_page("admin/categories.html", request, staff, status=status, found=found, **context)

    @get("/categories")
    async def categories(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        return await self._categories(request, ctx, staff)

    @post("/categories", request_max_body_size=FORM_LIMIT)
    async def add_category(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        name = fields.get("name")
        try:
            await admin.add_category(ctx, principal, name)
        except Invalid as exc:
            errors = {"new-" + k: v for k, v in refusal(exc, {}, "name").items()}
            return await self._categories(
                request, ctx, staff, status=400, errors=errors, values={"new-name": name}
            )
        return redirect(request, "/admin/categories?done=added")

    @post(
        "/categories/{category_id:int}/rename", request_max_body_size=FORM_LIMIT, guards=[path_ints_in_range]
    )
    async def rename_category(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, category_id: FromPath[int]
    ) -> Response[Any]:
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        name = fields.get("name")
        try:
            await admin.rename_category(ctx, principal, category_id, name)
        except Invalid as exc:
            field = f"name-{category_id}"
            errors = {field: next(iter(refusal(exc, {}, "name").values()))}
            return await self._categories(
                request, ctx, staff, status=400, errors=errors, values={field: name}
            )
        return redirect(request, "/admin/categories?done=renamed")

    @post(
        "/categories/{category_id:int}/retire", request_max_body_size=FORM_LIMIT, guards=[path_ints_in_range]
    )
    async def retire_category(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, category_id: FromPath[int]
    ) -> Response[Any]:
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        retired = fields.get("retired") != "0"
        try:
            await admin.retire_category(ctx, principal, category_id, retired)
        except Invalid as exc:
            field = f"retire-{category_id}"
            errors = {field: next(iter(refusal(exc, {}, "category").values()))}
            return await self._categories(request, ctx, staff, status=400, errors=errors)
        return redirect(request, f"/admin/categories?done={'retired' if retired else 'restored'}")

    # ---- deadline policies -----------------------------------------------------------------

    async def _policy(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        org: str,
        status: int = 200,
        **context: Any,
    ) -> Response[Any]:
        principal = admin_of(staff)
        view = await admin.policy_view(ctx, principal, org)
        units = await admin.org_tree(ctx, principal)
        callback = await callbacks.get_policy(ctx, principal, org)  # 回访 (issue 12)
        context.setdefault("done", request.query_params.get("done", ""))
        return admin_page(
            "admin/policy.html",
            request,
            staff,
            status=status,
            view=view,
            units=units,
            names=admin.POLICY_FIELDS,
            callback=callback,
            kinds=[k.value for k in Kind],
            **context,
        )

    @get("/policies")
    async def policy(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, org: FromQuery[str] = ""
    ) -> Response[Any]:
        return await self._policy(request, ctx, staff, _unit_or_own(staff, org))

    @post("/policies/{org_code:str}", request_max_body_size=FORM_LIMIT)
    async def set_policy(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, org_code: FromPath[str]
    ) -> Response[Any]:
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        values = {name: fields.get(name).strip() for name in admin.POLICY_FIELDS}
        changes: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, value in values.items():
            number = whole(value)
            if number is None or not 1 <= number <= 365:
                errors[name] = t("admin.policy.bad_number")
            else:
                changes[name] = number
        # 审核签发: the ticked kinds (the form sends every box, so none ticked is none).
        reviewed = fields.getall("review")
        changes["review_required_by_kind"] = {kind: True for kind in reviewed}
        if not errors:
            try:
                await admin.update_policy(ctx, principal, org_code, changes)
            except Invalid as exc:
                errors = refusal(exc, POLICY_FIELDS, "respond_days")
        if errors:
            return await self._policy(request, ctx, staff, org_code, status=400, errors=errors, values=values)
        return redirect(request, f"/admin/policies?org={org_code}&done=saved")

    @post("/policies/{org_code:str}/callbacks", request_max_body_size=FORM_LIMIT)
    async def set_callback_policy(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, org_code: FromPath[str]
    ) -> Response[Any]:
        """回访: who calls back (the school office or the bureau) and the share of answers."""
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        values = {"cb-caller": fields.get("caller"), "cb-percent": fields.get("percent").strip()}
        percent = whole(values["cb-percent"])
        try:
            if percent is None:
                raise Invalid("`percent` must be a whole number from 0 to 100.")
            await callbacks.set_policy(
                ctx, principal, org_code, {"caller": values["cb-caller"], "percent": percent}
            )
        except Invalid as exc:
            field = next((f for f in ("caller", "percent") if f"`{f}`" in exc.message), "percent")
            errors = {f"cb-{field}": t(f"callbacks.admin.bad.{field}")}
            return await self._policy(request, ctx, staff, org_code, status=400, errors=errors, values=values)
        return redirect(request, f"/admin/policies?org={org_code}&done=callback_saved")

    # ---- the calendar ----------------------------------------------------------------------

    async def _calendar(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        status: int = 200,
        **context: Any,
    ) -> Response[Any]:
        view = await admin.calendar_view(ctx, admin_of(staff))
        context.setdefault("done", request.query_params.get("done", ""))
        return admin_page("admin/calendar.html", request, staff, status=status, view=view, **context)

    @get("/calendar")
    async def calendar(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        return await self._calendar(request, ctx, staff)

    @post("/calendar", request_max_body_size=FORM_LIMIT)
    async def set_day(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        values = {n: fields.get(n).strip() for n in ("day", "is_workday", "note")}
        errors: dict[str, str] = {}
        day: date | None = None
        try:
            day = date.fromisoformat(values["day"])
        except ValueError:
            errors["day"] = t("admin.calendar.bad_day")
        if values["is_workday"] not in ("1", "0"):
            errors["is_workday"] = t("admin.calendar.bad_kind")
        if len(values["note"]) > 200:
            errors["note"] = t("admin.error.too_long", n=200)
        if not errors and day is not None:
            try:
                await policies.set_calendar_day(
                    ctx, principal, day, {"is_workday": values["is_workday"] == "1", "note": values["note"]}
                )
            except Invalid as exc:
                errors = refusal(exc, {"note": "note:admin.error.invalid"}, "day")
        if errors:
            return await self._calendar(request, ctx, staff, status=400, errors=errors, values=values)
        return redirect(request, "/admin/calendar?done=saved")

    @post("/calendar/{day:date}/clear", request_max_body_size=FORM_LIMIT)
    async def clear_day(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, day: FromPath[date]
    ) -> Response[Any]:
        principal = admin_of(staff)
        await read_form(request, staff)
        await policies.clear_calendar_day(ctx, principal, day)
        return redirect(request, "/admin/calendar?done=cleared")

    # ---- group robots ----------------------------------------------------------------------

    async def _robots(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        org: str,
        status: int = 200,
        **context: Any,
    ) -> Response[Any]:
        principal = admin_of(staff)
        found = await admin.robots_of(ctx, principal, org)
        units = await admin.org_tree(ctx, principal)
        context.setdefault("done", request.query_params.get("done", ""))
        return admin_page(
            "admin/robots.html",
            request,
            staff,
            status=status,
            found=found,
            units=units,
            kinds=admin.ROBOT_KINDS,
            **context,
        )

    @get("/robots")
    async def robots(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, org: FromQuery[str] = ""
    ) -> Response[Any]:
        return await self._robots(request, ctx, staff, _unit_or_own(staff, org))

    @post("/robots/{org_code:str}", request_max_body_size=FORM_LIMIT)
    async def add_robot(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, org_code: FromPath[str]
    ) -> Response[Any]:
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        values = {n: fields.get(n).strip() for n in ("kind", "url", "replaces")}
        replaces = int(values["replaces"]) if values["replaces"].isdigit() else None
        try:
            await admin.add_robot(ctx, principal, org_code, values["kind"], values["url"], replaces)
        except Invalid as exc:
            errors = refusal(exc, ROBOT_FIELDS, "url")
            if replaces is not None:  # the row's own form: its fields are named by the robot
                errors = {f"{k}-{replaces}": v for k, v in errors.items()}
                values = {f"{k}-{replaces}": v for k, v in values.items()}
            return await self._robots(request, ctx, staff, org_code, status=400, errors=errors, values=values)
        return redirect(
            request, f"/admin/robots?org={org_code}&done={'replaced' if replaces else 'robot_added'}"
        )

    @post(
        "/robots/{org_code:str}/{hook_id:int}/remove",
        request_max_body_size=FORM_LIMIT,
        guards=[path_ints_in_range],
    )
    async def remove_robot(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        org_code: FromPath[str],
        hook_id: FromPath[int],
    ) -> Response[Any]:
        principal = admin_of(staff)
        await read_form(request, staff)
        await admin.remove_robot(ctx, principal, org_code, hook_id)
        return redirect(request, f"/admin/robots?org={org_code}&done=removed")
