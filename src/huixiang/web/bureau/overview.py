"""概览 (/bureau): the headline figures of the caller's scope, or of one unit in it, for a period
(this month unless the form says otherwise), and the same figures per school."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State

from ...domain.errors import Invalid
from ...services import stats
from ..routes import CtxDep
from ..staff.pages import StaffPages
from ..staff.session import StaffDep
from .common import bureau_of, bureau_page


class BureauOverview(StaffPages):
    path = "/bureau"

    @get("/")
    async def overview(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        principal = bureau_of(staff)
        query = request.query_params
        today = ctx.now.astimezone(ctx.settings.timezone).date()
        values = {
            "org": query.get("org", "").strip(),
            "from": query.get("from", "").strip() or today.replace(day=1).isoformat(),
            "to": query.get("to", "").strip() or today.isoformat(),
        }
        try:
            figures = await stats.stats(
                ctx, principal, org_code=values["org"] or None, start=values["from"], end=values["to"]
            )
        except Invalid:
            return bureau_page(
                "bureau/overview.html", request, staff, status=400, values=values, figures=None
            )
        return bureau_page("bureau/overview.html", request, staff, values=values, figures=figures)
