"""家访 (/bureau/visits?org=…): the home-visit coverage of the caller's unit this school year and
of its units one level down, drilling from a city to its districts, schools and classes; the
figures only, never a student (services/visit_board.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State

from ...services import visit_board
from ..routes import CtxDep
from ..staff.pages import StaffPages
from ..staff.session import StaffDep
from .common import bureau_of, bureau_page


class BureauVisits(StaffPages):
    path = "/bureau/visits"

    @get("/")
    async def board(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        principal = bureau_of(staff)
        org = request.query_params.get("org", "").strip() or None
        view = await visit_board.board(ctx, principal, org)
        return bureau_page("bureau/visits.html", request, staff, **view)
