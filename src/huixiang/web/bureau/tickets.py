"""工单明细 (/bureau/tickets?figure=…&org=…&from=…&to=…[&channel=…&kind=…&category=…]): the
tickets behind one figure of the overview, newest first, 50 to a page, with their count — the
figure itself (tests/integration/test_figures.py holds them equal)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State

from ...domain.errors import Invalid
from ...services import stats
from ..routes import CtxDep
from ..staff.pages import StaffPages
from ..staff.session import StaffDep
from .common import bureau_of, bureau_page

FACETS = ("channel", "kind", "category")


def _after(value: str) -> tuple[datetime, int] | None:
    """The keyset cursor `<collected_at ISO>_<id>` of the next page; anything else: the first page."""
    at, _, ticket_id = value.rpartition("_")
    try:
        return datetime.fromisoformat(at), int(ticket_id)
    except ValueError:
        return None


class BureauTickets(StaffPages):
    path = "/bureau/tickets"

    @get("/")
    async def tickets(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        principal = bureau_of(staff)
        query = request.query_params
        values = {name: query.get(name, "").strip() for name in ("figure", "org", "from", "to", *FACETS)}
        facets = {name: values[name] for name in FACETS if values[name]}
        try:
            found = await stats.tickets_behind(
                ctx,
                principal,
                figure=values["figure"] or "total",
                org_code=values["org"] or None,
                start=values["from"] or None,
                end=values["to"] or None,
                facets=facets,
                after=_after(query.get("after", "")),
            )
        except Invalid:
            return bureau_page("bureau/tickets.html", request, staff, status=400, values=values, found=None)
        cursor = None
        if found["next"] is not None:
            at, ticket_id = found["next"]
            cursor = {**{k: v for k, v in values.items() if v}, "after": f"{at.isoformat()}_{ticket_id}"}
        return bureau_page("bureau/tickets.html", request, staff, values=values, found=found, cursor=cursor)
