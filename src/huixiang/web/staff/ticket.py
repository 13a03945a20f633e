"""One ticket for staff (/staff/tickets/{number}). A first view; the actions grow here."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import FromPath

from ...services import tickets
from ..routes import CtxDep
from .pages import error_page, page
from .session import StaffDep, provide_staff


class StaffTicket(Controller):
    path = "/staff/tickets"
    include_in_schema = False
    exception_handlers = {Exception: error_page}
    dependencies = {"staff": Provide(provide_staff)}

    @get("/{number:str}")
    async def ticket(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, number: FromPath[str]
    ) -> Response[Any]:
        view = await tickets.get_ticket(ctx, staff.principal, number)
        return page("staff/ticket.html", request, staff, ticket=view)
