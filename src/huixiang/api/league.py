"""League tables: the ranked schools of a unit for a period, the assessment a bureau sets, and
the 限期整改 orders in reach (docs/api.md, "League tables")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, get, put
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from msgspec import Meta

from ..services import league
from ..services.schemas import Input
from .deps import SIGNED_IN_DEPS, CtxDep, PrincipalDep
from .openapi import BODY, SIGNED_IN, STAFF, errors

Points = Annotated[int, Meta(ge=0, le=100)]


class Weights(Input):
    """Points per figure, adding up to 100."""

    response: Points
    on_time: Points
    satisfaction: Points
    reopen: Points
    overdue: Points


class AssessmentIn(Input):
    weights: Weights
    passing_line: Points = 60
    rectify_days: Annotated[int, Meta(ge=1, le=60)] = 10


class LeagueController(Controller):
    path = "/api/v1/league"
    tags = ["league"]
    security = STAFF
    dependencies = SIGNED_IN_DEPS

    @get("/", operation_id="leagueTable", responses=errors(400, *SIGNED_IN, 404))
    async def table(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        org_code: FromQuery[str | None] = None,
        period: Annotated[
            Literal["month", "term", "year"], Parameter(description="Rank by month, school term or year.")
        ] = "month",
        key: Annotated[
            str | None,
            Parameter(
                description="Which one: 2026-11, 2026-2027-1 (first term; 2: second) or 2026. "
                "None: the period today falls in.",
                max_length=16,
            ),
        ] = None,
    ) -> dict[str, Any]:
        """The schools of a unit in the caller's scope (default: their own) ranked by the
        bureau's 100-point assessment. A leader gets their school alone, with its rank among
        the schools of its root bureau (`among`, `ranked`)."""
        found = await league.table(ctx, principal, org_code=org_code, period=period, key=key)
        return league.table_json(found)

    @put(
        "/assessment/{org_code:str}",
        operation_id="setLeagueAssessment",
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def set_assessment(
        self, ctx: CtxDep, principal: PrincipalDep, org_code: FromPath[str], data: JSONBody[AssessmentIn]
    ) -> dict[str, Any]:
        """Set a bureau's or district's weights (adding up to 100), passing line and the
        working days a 限期整改 order gives; admins over the unit and city inspectors."""
        return await league.set_assessment(
            ctx,
            principal,
            org_code,
            {
                "weights": {name: getattr(data.weights, name) for name in Weights.__struct_fields__},
                "passing_line": data.passing_line,
                "rectify_days": data.rectify_days,
            },
        )

    @get("/orders", operation_id="listRectificationOrders", responses=errors(400, *SIGNED_IN))
    async def orders(self, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
        """限期整改 orders of the schools in the caller's scope, open and overdue first."""
        return {"items": [league.order_json(o) for o in await league.orders(ctx, principal)]}
