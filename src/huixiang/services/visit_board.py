"""The bureau's home-visit board (/bureau/visits): a unit's coverage this school year and its
units one level down (district → school → class), in aggregate only — no names of students, no
groups — on the same coverage service as GET /api/v1/visits/coverage."""

from __future__ import annotations

from typing import Any

from ..db import visits as db
from ..domain.access import Principal
from ..domain.visits import COVERAGE_ROLES
from .context import Ctx
from .reference import org_info
from .visits import coverage


async def board(ctx: Ctx, principal: Principal, org_code: str | None = None) -> dict[str, Any]:
    figures = await coverage(ctx, principal, org_code=org_code)
    unit = await org_info(ctx, figures["org_code"])
    assert unit is not None
    up = None
    if unit.parent_id is not None:
        parent = await db.org_by_id(ctx.session, unit.parent_id)
        if parent is not None and principal.roles_over(parent.path) & COVERAGE_ROLES:
            up = {"code": parent.code, "name": parent.name}
    return {"unit": {"code": unit.code, "name": unit.name, "kind": unit.kind}, "up": up, "coverage": figures}
