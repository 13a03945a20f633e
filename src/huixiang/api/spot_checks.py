"""Spot checks (抽查): draws of archived tickets per school, their checks, results per school.
Inspectors draw and check; a leader reads the items and results of their schools."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from ..domain.enums import Role
from ..edge.errors import path_ints_in_range
from ..services import spot_checks
from .deps import SIGNED_IN_DEPS, CtxDep, PrincipalDep
from .guards import requires_role
from .openapi import BODY, SIGNED_IN, STAFF, errors

INSPECTORS = requires_role(Role.INSPECTOR, refusal="Only inspectors draw and check spot checks.")
READERS = requires_role(
    Role.INSPECTOR,
    Role.LEADER,
    refusal="Only inspectors and leaders see spot checks (leaders: their schools').",
)
FROM = "Draws whose period starts on or after this day (the bureau's days)."
TO = "Draws whose period ends on or before this day."


class SpotCheckController(Controller):
    path = "/api/v1/spot-checks"
    tags = ["spot checks"]
    security = STAFF
    dependencies = SIGNED_IN_DEPS

    @post(
        "/",
        operation_id="drawSpotCheck",
        status_code=201,
        guards=[INSPECTORS],
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def draw(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[spot_checks.DrawRequest]
    ) -> spot_checks.DrawView:
        """Draw and record a sample of archived tickets per school; the same `seed` over the same
        eligible tickets draws the same sample."""
        return await spot_checks.draw(ctx, principal, data)

    @get("/", operation_id="listSpotChecks", guards=[READERS], responses=errors(*SIGNED_IN))
    async def list(self, ctx: CtxDep, principal: PrincipalDep) -> spot_checks.DrawList:
        return await spot_checks.list_draws(ctx, principal)

    @get(
        "/results", operation_id="spotCheckResults", guards=[READERS], responses=errors(400, *SIGNED_IN, 404)
    )
    async def results(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        org_code: FromQuery[str | None] = None,
        start: Annotated[date | None, QueryParameter(name="from", description=FROM)] = None,
        to: Annotated[date | None, QueryParameter(description=TO)] = None,
    ) -> spot_checks.PeriodResults:
        """Results per school of the draws under a unit whose period lies within [from, to]."""
        return await spot_checks.period_results(ctx, principal, org_code=org_code, start=start, end=to)

    @get(
        "/{draw_id:int}",
        operation_id="getSpotCheck",
        guards=[READERS, path_ints_in_range],
        responses=errors(400, *SIGNED_IN, 404),
    )
    async def get_one(
        self, ctx: CtxDep, principal: PrincipalDep, draw_id: FromPath[int]
    ) -> spot_checks.DrawView:
        return await spot_checks.get_draw(ctx, principal, draw_id)

    @post(
        "/{draw_id:int}/items/{number:str}",
        operation_id="checkSpotCheckItem",
        status_code=200,
        guards=[INSPECTORS, path_ints_in_range],
        responses=errors(*BODY, *SIGNED_IN, 404, 409),
    )
    async def check(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        draw_id: FromPath[int],
        number: FromPath[str],
        data: JSONBody[spot_checks.CheckRequest],
    ) -> spot_checks.ItemView:
        """通过 or 整改 for one sampled ticket: the ticket's `inspect` action (an event on its
        chain; 整改 sends it back with the rework deadline) and the draw's record of it."""
        return await spot_checks.check(ctx, principal, draw_id, number, data)
