"""Parents' trust endpoints: naming the staff a complaint concerns, the district reviewer's
audited unseal of an escrowed identity, and an admin's designation of reviewers."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from ..domain.enums import Role
from ..edge.body import decode_json
from ..services import schemas as s
from ..services import trust
from .deps import SIGNED_IN_DEPS, CtxDep, PrincipalDep
from .guards import ADMIN, requires_role
from .openapi import BODY, SIGNED_IN, STAFF, errors, reads

NAMERS = requires_role(
    Role.REGISTRAR,
    Role.LEADER,
    refusal="Only a registrar or a leader may name the staff a complaint concerns.",
)
REVIEWERS = requires_role(
    Role.INSPECTOR,
    refusal="Only a designated reviewer of the district may unseal a parent's identity.",
)


class TrustController(Controller):
    path = "/api/v1"
    tags = ["tickets"]
    security = STAFF
    dependencies = SIGNED_IN_DEPS

    @post(
        "/tickets/{number:str}/named-staff",
        operation_id="nameStaff",
        status_code=200,
        guards=[NAMERS],
        responses=errors(*BODY, *SIGNED_IN, 404, 409),
    )
    async def name_staff(
        self, ctx: CtxDep, principal: PrincipalDep, number: FromPath[str], data: JSONBody[s.NameStaffRequest]
    ) -> s.NamedStaffView:
        """Staff the complaint names (from the school's staff list): they never see it again; a
        named leader sends it to the district at once."""
        return await trust.name_staff(ctx, principal, number, data)

    @post(
        "/tickets/{number:str}/unseal",
        operation_id="unsealIdentity",
        status_code=200,
        operation_class=reads(s.UnsealRequest),
        guards=[REVIEWERS],
        responses=errors(*BODY, *SIGNED_IN, 404, 409),
    )
    async def unseal(
        self, request: Request[Any, Any, State], ctx: CtxDep, principal: PrincipalDep, number: FromPath[str]
    ) -> s.IdentityView:
        """An escrowed parent's identity, for a designated reviewer of the district, with a reason
        (an event in the archive)."""
        data = decode_json(await request.body() or b"{}", s.UnsealRequest)
        return await trust.unseal(ctx, principal, number, data)

    @put(
        "/users/{username:str}/identity-reviewer",
        operation_id="setIdentityReviewer",
        guards=[ADMIN],
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def set_reviewer(
        self, ctx: CtxDep, principal: PrincipalDep, username: FromPath[str], data: JSONBody[s.ReviewerRequest]
    ) -> dict[str, Any]:
        return await trust.set_reviewer(ctx, principal, username, data)
