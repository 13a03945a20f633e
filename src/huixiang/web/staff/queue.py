"""The caller's queues (/staff). A first list; the queues, counts and filters grow here."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import Provide

from ...services import listing
from ..routes import CtxDep
from .pages import error_page, page
from .session import StaffDep, provide_staff


class StaffQueue(Controller):
    path = "/staff"
    include_in_schema = False
    exception_handlers = {Exception: error_page}
    dependencies = {"staff": Provide(provide_staff)}

    @get("/")
    async def queue(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        found = await listing.list_tickets(
            ctx, staff.principal, listing.TicketFilter(), limit=50, cursor=None
        )
        return page("staff/queue.html", request, staff, tickets=found.items)
