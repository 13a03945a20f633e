"""操作记录 (/admin/audit): the admins' changes about units under the caller's, newest first."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State

from ...services import audit
from ..routes import CtxDep
from ..staff.pages import StaffPages
from ..staff.session import StaffDep
from .common import admin_of, admin_page


class AdminAuditLog(StaffPages):
    path = "/admin/audit"

    @get("/")
    async def log(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        raw = request.query_params.get("before", "")
        before = int(raw) if raw.isdigit() and len(raw) < 19 else None
        found = await audit.log(ctx, admin_of(staff), before)
        return admin_page("admin/audit.html", request, staff, found=found, paged=before is not None)
