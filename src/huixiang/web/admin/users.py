"""用户与角色 (/admin/users): the users in scope with their roles, a new user, and one user's
page (disable or enable, a new password, roles given and taken back)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery

from ...domain.enums import Role
from ...domain.errors import Conflict, Invalid
from ...edge.errors import path_ints_in_range
from ...services import accounts, admin, users
from ...services import schemas as s
from ..i18n import translate as t
from ..routes import CtxDep
from ..staff.pages import StaffPages, redirect
from ..staff.session import FORM_LIMIT, StaffDep, read_form
from .common import USERNAME, admin_of, admin_page, refusal

ROLE_ROWS = 3  # role rows on the new user's form (blank ones are ignored)
USER_FIELDS = {"roles": "role_0:admin.users.bad_org"}
GRANT_FIELDS = {"org_code": "org_code:admin.users.bad_org"}


def _password_errors(password: str, repeat: str, field: str) -> dict[str, str]:
    if not accounts.MIN_PASSWORD <= len(password) <= users.MAX_PASSWORD:
        return {field: t("admin.reason.password_length")}
    if password != repeat:
        return {f"{field}_repeat": t("admin.users.mismatch")}
    return {}


class AdminUsers(StaffPages):
    path = "/admin/users"

    @get("/")
    async def list(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        q: FromQuery[str] = "",
        after: FromQuery[str] = "",
    ) -> Response[Any]:
        found = await users.list_users(ctx, admin_of(staff), q=q, after=after)
        return admin_page("admin/users.html", request, staff, found=found, q=q, after=after)

    async def _new_form(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        status: int = 200,
        **context: Any,
    ) -> Response[Any]:
        units = await admin.org_tree(ctx, admin_of(staff))
        return admin_page(
            "admin/user_new.html",
            request,
            staff,
            status=status,
            units=units,
            role_choices=list(Role),
            rows=range(ROLE_ROWS),
            **context,
        )

    @get("/new")
    async def new(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        return await self._new_form(request, ctx, staff)

    @post("/", request_max_body_size=FORM_LIMIT)
    async def create(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        values = {n: fields.get(n).strip() for n in ("username", "display_name")}
        grants: list[s.GrantIn] = []
        errors: dict[str, str] = {}
        for i in range(ROLE_ROWS):
            role, org = fields.get(f"role_{i}").strip(), fields.get(f"org_{i}").strip()
            values[f"role_{i}"], values[f"org_{i}"] = role, org
            if not role and not org:
                continue
            if role not in {r.value for r in Role} or not org:
                errors[f"role_{i}"] = t("admin.users.bad_grant")
            else:
                grants.append(s.GrantIn(role=Role(role), org_code=org))
        if not USERNAME.match(values["username"]):
            errors["username"] = t("admin.users.bad_username")
        if not values["display_name"]:
            errors["display_name"] = t("admin.error.required")
        elif len(values["display_name"]) > 100:
            errors["display_name"] = t("admin.error.too_long", n=100)
        errors.update(_password_errors(fields.get("password"), fields.get("password_repeat"), "password"))
        if not grants and "role_0" not in errors:
            errors["role_0"] = t("admin.users.need_role")
        if not errors:
            try:
                await accounts.create_user(
                    ctx,
                    principal,
                    s.UserCreate(
                        username=values["username"],
                        password=fields.get("password"),
                        display_name=values["display_name"],
                        roles=grants,
                    ),
                )
            except Conflict:
                errors["username"] = t("admin.users.taken")
            except Invalid as exc:
                errors = refusal(exc, USER_FIELDS, "username")
        if errors:
            return await self._new_form(request, ctx, staff, status=400, errors=errors, values=values)
        return redirect(request, f"/admin/users/{values['username']}?done=created")

    async def _user(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        username: str,
        status: int = 200,
        **context: Any,
    ) -> Response[Any]:
        principal = admin_of(staff)
        user = await users.user_detail(ctx, principal, username)
        units = await admin.org_tree(ctx, principal)
        context.setdefault("done", request.query_params.get("done", ""))
        return admin_page(
            "admin/user.html",
            request,
            staff,
            status=status,
            user=user,
            units=units,
            role_choices=list(Role),
            **context,
        )

    @get("/{username:str}")
    async def user(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, username: FromPath[str]
    ) -> Response[Any]:
        return await self._user(request, ctx, staff, username)

    @post("/{username:str}/active", request_max_body_size=FORM_LIMIT)
    async def active(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, username: FromPath[str]
    ) -> Response[Any]:
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        active = fields.get("active") == "1"
        try:
            await users.set_active(ctx, principal, username, active)
        except users.Refused as exc:
            return await self._user(
                request, ctx, staff, username, status=400, errors=refusal(exc, {}, "active")
            )
        return redirect(request, f"/admin/users/{username}?done={'enabled' if active else 'disabled'}")

    @post("/{username:str}/password", request_max_body_size=FORM_LIMIT)
    async def password(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, username: FromPath[str]
    ) -> Response[Any]:
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        errors = _password_errors(fields.get("password"), fields.get("password_repeat"), "password")
        if not errors:
            try:
                await users.set_password(ctx, principal, username, fields.get("password"))
            except users.Refused as exc:
                errors = refusal(exc, {}, "password")
        if errors:
            return await self._user(request, ctx, staff, username, status=400, errors=errors)
        return redirect(request, f"/admin/users/{username}?done=password")

    @post("/{username:str}/roles", request_max_body_size=FORM_LIMIT)
    async def add_role(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, username: FromPath[str]
    ) -> Response[Any]:
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        values = {"role": fields.get("role").strip(), "org_code": fields.get("org_code").strip()}
        errors: dict[str, str] = {}
        if values["role"] not in {r.value for r in Role}:
            errors["role"] = t("admin.users.bad_role")
        if not values["org_code"]:
            errors["org_code"] = t("admin.users.bad_org")
        if not errors:
            try:
                await users.add_grant(ctx, principal, username, Role(values["role"]), values["org_code"])
            except Conflict:
                errors["role"] = t("admin.users.has_role")
            except Invalid as exc:
                errors = refusal(exc, GRANT_FIELDS, "org_code")
        if errors:
            return await self._user(request, ctx, staff, username, status=400, errors=errors, values=values)
        return redirect(request, f"/admin/users/{username}?done=role_added")

    @post(
        "/{username:str}/roles/{grant_id:int}/remove",
        request_max_body_size=FORM_LIMIT,
        guards=[path_ints_in_range],
    )
    async def remove_role(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        username: FromPath[str],
        grant_id: FromPath[int],
    ) -> Response[Any]:
        principal = admin_of(staff)
        await read_form(request, staff)
        try:
            await users.remove_grant(ctx, principal, username, grant_id)
        except users.Refused as exc:
            return await self._user(
                request, ctx, staff, username, status=400, errors=refusal(exc, {}, "grant")
            )
        return redirect(request, f"/admin/users/{username}?done=role_removed")
