"""组织架构 (/admin): the units under the admin as a tree, and a new unit under one of them."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State

from ...domain.enums import OrgKind
from ...domain.errors import Conflict, Invalid
from ...services import accounts, admin
from ...services import schemas as s
from ..i18n import translate as t
from ..routes import CtxDep
from ..staff.pages import StaffPages, redirect
from ..staff.session import FORM_LIMIT, StaffDep, read_form
from .common import CODE, admin_of, admin_page, refusal

# A service's Invalid names its field in backticks: the form's field and the sentence.
ORG_FIELDS = {"parent_code": "parent_code:admin.org.bad_parent", "kind": "kind:admin.org.bad_kind"}


class AdminOrg(StaffPages):
    path = "/admin"

    async def _tree(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        status: int = 200,
        **context: Any,
    ) -> Response[Any]:
        nodes = await admin.org_tree(ctx, admin_of(staff))
        return admin_page(
            "admin/org.html", request, staff, status=status, nodes=nodes, kinds=list(OrgKind), **context
        )

    @get("/")
    async def tree(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        return await self._tree(request, ctx, staff, added=request.query_params.get("added", ""))

    @post("/orgs", request_max_body_size=FORM_LIMIT)
    async def add(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        principal = admin_of(staff)
        fields = await read_form(request, staff)
        values = {n: fields.get(n).strip() for n in ("parent_code", "code", "name", "kind")}
        errors: dict[str, str] = {}
        if not values["parent_code"]:
            errors["parent_code"] = t("admin.org.need_parent")
        if not CODE.match(values["code"]):
            errors["code"] = t("admin.org.bad_code")
        if not values["name"]:
            errors["name"] = t("admin.error.required")
        elif len(values["name"]) > 200:
            errors["name"] = t("admin.error.too_long", n=200)
        if values["kind"] not in {k.value for k in OrgKind}:
            errors["kind"] = t("admin.org.bad_kind")
        if not errors:
            try:
                await accounts.create_org(
                    ctx,
                    principal,
                    s.OrgCreate(
                        code=values["code"],
                        name=values["name"],
                        kind=OrgKind(values["kind"]),
                        parent_code=values["parent_code"],
                    ),
                )
            except Conflict:
                errors["code"] = t("admin.org.code_taken")
            except Invalid as exc:
                errors = refusal(exc, ORG_FIELDS, "code")
        if errors:
            return await self._tree(request, ctx, staff, status=400, errors=errors, values=values)
        return redirect(request, f"/admin?added={values['code']}")
