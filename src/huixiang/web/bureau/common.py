"""What every bureau page shares: who may open them, the nav and the page with it."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import State

from ...domain.access import Principal
from ...domain.enums import Role
from ...domain.errors import NotPermitted
from ..staff.pages import page
from ..staff.session import Staff

# The console's pages in the nav's order: (path, catalogue key). Each page adds its own line.
NAV = (
    ("/bureau", "bureau.nav.overview"),
    ("/bureau/overdue", "bureau.supervision.nav.overdue"),
    ("/bureau/supervision", "bureau.supervision.nav.orders"),
    ("/bureau/spot-checks", "bureau.spot_checks.nav"),
    ("/bureau/league", "bureau.league.nav"),
    ("/bureau/callbacks", "callbacks.figures.nav"),
    ("/bureau/reveals", "reveals.nav"),
    ("/bureau/visits", "bureau.visits.nav"),
)
# Inspectors see their district or city; a school's leader sees the same pages for the school.
ROLES = frozenset({Role.INSPECTOR, Role.LEADER})


def bureau_of(staff: Staff) -> Principal:
    """The caller acting as an inspector or a leader, else 403 (the page says their role may not)."""
    if staff.acting.role not in ROLES:
        raise NotPermitted("Only inspectors and leaders open the bureau's console.")
    return staff.principal


def bureau_page(
    name: str, request: Request[Any, Any, State], staff: Staff, *, status: int = 200, **context: Any
) -> Response[Any]:
    current = max((p for p, _ in NAV if request.url.path.startswith(p)), key=len, default="/bureau")
    return page(name, request, staff, status=status, nav=NAV, current=current, **context)
