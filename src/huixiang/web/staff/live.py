"""Live parts of the staff pages: who else has a ticket open (polled by the ticket page)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.params import FromPath

from ...services import presence
from ..routes import CtxDep
from .pages import StaffPages, page
from .session import StaffDep


class StaffLive(StaffPages):
    path = "/staff/tickets"

    @get("/{number:str}/presence")
    async def presence(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, number: FromPath[str]
    ) -> Response[Any]:
        """Marks the caller as viewing the ticket; the fragment names the others (or is empty)."""
        names = await presence.viewing(ctx, staff.principal, number)
        return page("staff/presence.html", request, staff, block="presence", names=names)
