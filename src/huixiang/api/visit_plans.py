"""Home visits, the remainder: follow-ups of the six groups and their cadences, campaigns and
their plans per class, the class's 家访台账 as JSON, talk records (附表2)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from msgspec import UNSET

from ..edge.errors import path_ints_in_range
from ..services import campaigns, followups, talks, visits
from ..services import visit_schemas as vs
from .deps import SIGNED_IN_DEPS, CtxDep, PrincipalDep
from .openapi import BODY, SIGNED_IN, STAFF, errors

OrgCode = Annotated[str, Parameter(min_length=1, max_length=64)]


class VisitPlanController(Controller):
    path = "/api/v1/visits"
    tags = ["visits"]
    security = STAFF
    dependencies = SIGNED_IN_DEPS

    @get("/followups", operation_id="listFollowups", responses=errors(400, 401, 404))
    async def followups(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        class_id: Annotated[int | None, Parameter(ge=1, le=2**31 - 1)] = None,
        upcoming: FromQuery[bool] = False,
    ) -> dict[str, Any]:
        """The six groups' follow-ups of the caller's classes (a leader: the school's), due or
        overdue, or every one with `upcoming`; each student listed is logged."""
        items = await followups.list_followups(ctx, principal, class_id=class_id, upcoming=upcoming)
        return {"items": items, **followups.counts(items)}

    @get("/cadences", operation_id="getFollowupCadences", responses=errors(400, 401, 404))
    async def cadences(self, ctx: CtxDep, principal: PrincipalDep, org_code: OrgCode) -> dict[str, Any]:
        """A unit's days between follow-ups per group, and whose row decides each."""
        return await followups.cadences(ctx, principal, org_code)

    @put("/cadences", operation_id="setFollowupCadences", responses=errors(*BODY, *SIGNED_IN, 404))
    async def set_cadences(
        self, ctx: CtxDep, principal: PrincipalDep, org_code: OrgCode, data: JSONBody[vs.CadencesIn]
    ) -> dict[str, Any]:
        """A leader of the unit sets its cadences; null hands a group back to the unit above."""
        days = {
            name: value
            for name in vs.Cadences.__struct_fields__
            if (value := getattr(data.cadences, name)) is not UNSET
        }
        return await followups.set_cadences(ctx, principal, org_code, days)

    @get("/campaigns", operation_id="listCampaigns", responses=errors(400, 401))
    async def campaigns(self, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
        return {"items": await campaigns.list_campaigns(ctx, principal)}

    @post(
        "/campaigns", operation_id="createCampaign", status_code=201, responses=errors(*BODY, *SIGNED_IN, 404)
    )
    async def create_campaign(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[vs.CampaignCreate]
    ) -> dict[str, Any]:
        """A campaign (e.g. 2026秋季家访月) of a unit, for the schools under it."""
        return await campaigns.create_campaign(ctx, principal, data)

    @get(
        "/campaigns/{campaign_id:int}",
        operation_id="getCampaign",
        guards=[path_ints_in_range],
        responses=errors(400, 401, 404),
    )
    async def campaign(
        self, ctx: CtxDep, principal: PrincipalDep, campaign_id: FromPath[int]
    ) -> dict[str, Any]:
        """The campaign and each class's progress: students, planned, visited, late."""
        return await campaigns.campaign(ctx, principal, campaign_id)

    @get(
        "/campaigns/{campaign_id:int}/classes/{class_id:int}/plan",
        operation_id="getVisitPlan",
        guards=[path_ints_in_range],
        responses=errors(400, 401, 404),
    )
    async def plan(
        self, ctx: CtxDep, principal: PrincipalDep, campaign_id: FromPath[int], class_id: FromPath[int]
    ) -> dict[str, Any]:
        """A class's plan: per student the teacher, the day, the visit and its state."""
        return await campaigns.plan(ctx, principal, campaign_id, class_id)

    @put(
        "/campaigns/{campaign_id:int}/classes/{class_id:int}/plan",
        operation_id="setVisitPlan",
        guards=[path_ints_in_range],
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def set_plan(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        campaign_id: FromPath[int],
        class_id: FromPath[int],
        data: JSONBody[vs.PlanIn],
    ) -> dict[str, Any]:
        """The head teacher (or the school's leader) replaces the class's plan."""
        return await campaigns.set_plan(ctx, principal, campaign_id, class_id, data)

    @get(
        "/classes/{class_id:int}/ledger",
        operation_id="classLedgerRows",
        guards=[path_ints_in_range],
        responses=errors(400, 401, 404),
    )
    async def ledger(self, ctx: CtxDep, principal: PrincipalDep, class_id: FromPath[int]) -> dict[str, Any]:
        """The class's 家访台账 as the XLSX has it: title, columns and a row per record."""
        return await visits.ledger(ctx, principal, class_id)

    @post("/talks", operation_id="createTalk", status_code=201, responses=errors(*BODY, *SIGNED_IN, 404))
    async def create_talk(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[vs.TalkCreate]
    ) -> dict[str, Any]:
        """A talk record (附表2); the same `client_key` again answers the one made."""
        return await talks.create_talk(ctx, principal, data)

    @get("/talks", operation_id="listTalks", responses=errors(400, 401, 404))
    async def list_talks(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        student_id: Annotated[int, Parameter(ge=1, le=2**53 - 1)],
    ) -> dict[str, Any]:
        return {"items": await talks.list_talks(ctx, principal, student_id)}

    @get(
        "/talks/{talk_id:int}",
        operation_id="getTalk",
        guards=[path_ints_in_range],
        responses=errors(400, 401, 404),
    )
    async def talk(self, ctx: CtxDep, principal: PrincipalDep, talk_id: FromPath[int]) -> dict[str, Any]:
        """One talk record; each opening is logged."""
        return await talks.get_talk(ctx, principal, talk_id)
