"""回访 and 查看记录: the callers' queue and the console's callback figures, the callback
policies (admins), and the bureau's report of who revealed whose personal data. A callback
itself is recorded with the lifecycle's action, `POST /tickets/{number}/callback`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from ..domain.enums import Role
from ..services import callbacks, reveals
from ..services import schemas as s
from .deps import SIGNED_IN_DEPS, CtxDep, PrincipalDep
from .guards import requires_role
from .openapi import BODY, SIGNED_IN, STAFF, errors
from .reports import XLSX

CALLERS = requires_role(
    Role.REGISTRAR,
    Role.LEADER,
    Role.INSPECTOR,
    refusal="Only the school office (registrars, leaders) and the bureau's inspectors make callbacks.",
)
READERS = requires_role(
    Role.INSPECTOR, Role.LEADER, refusal="Only inspectors and leaders read the callback figures and reveals."
)
ADMINS = requires_role(Role.ADMIN, refusal="Only an admin sets callback policies.")
FROM = "From this day (the bureau's days, both included). Default: 30 days before `to`."
TO = "Until this day, included. Default: today."
Start = Annotated[date | None, QueryParameter(name="from", description=FROM)]
End = Annotated[date | None, QueryParameter(description=TO)]


class CallbackController(Controller):
    path = "/api/v1/callbacks"
    tags = ["callbacks"]
    security = STAFF
    dependencies = SIGNED_IN_DEPS

    @get("/", operation_id="listCallbacks", guards=[CALLERS], responses=errors(*SIGNED_IN))
    async def queue(self, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
        """回访待办: the pending callbacks the caller may record (never a ticket they handle),
        oldest first: `{items: [{number, school_code, subject, status, due_since, responded_at,
        assignee, contact}]}` (the contact as the caller's role sees it)."""
        return callbacks.queue_view(await callbacks.queue(ctx, principal))

    @get("/figures", operation_id="callbackFigures", guards=[READERS], responses=errors(400, *SIGNED_IN))
    async def figures(
        self, ctx: CtxDep, principal: PrincipalDep, from_: Start = None, to: End = None
    ) -> dict[str, Any]:
        """Callbacks made in the period, resolved rate, satisfaction, signs of retaliation, by
        school in scope (pending: as of now)."""
        return callbacks.figures_view(await callbacks.figures(ctx, principal, from_, to))

    @post(
        "/{number:str}/reveal",
        operation_id="revealForCallback",
        status_code=200,
        guards=[CALLERS],
        responses=errors(400, *SIGNED_IN, 404, 409),
    )
    async def reveal(self, ctx: CtxDep, principal: PrincipalDep, number: FromPath[str]) -> s.IdentityView:
        """The parent's contact in full for the caller of a pending callback (an audited reveal)."""
        return await callbacks.reveal_for_callback(ctx, principal, number)

    @get(
        "/policies/{org_code:str}",
        operation_id="getCallbackPolicy",
        guards=[ADMINS],
        responses=errors(400, *SIGNED_IN, 404),
    )
    async def get_policy(
        self, ctx: CtxDep, principal: PrincipalDep, org_code: FromPath[str]
    ) -> dict[str, Any]:
        return await callbacks.get_policy(ctx, principal, org_code)

    @put(
        "/policies/{org_code:str}",
        operation_id="setCallbackPolicy",
        guards=[ADMINS],
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def set_policy(
        self, ctx: CtxDep, principal: PrincipalDep, org_code: FromPath[str], data: JSONBody[dict[str, Any]]
    ) -> dict[str, Any]:
        """`{caller: school|bureau, percent: 0..100, seed?}` for a bureau or district."""
        return await callbacks.set_policy(ctx, principal, org_code, data)


class RevealController(Controller):
    path = "/api/v1/reveals"
    tags = ["privacy"]
    security = STAFF
    dependencies = SIGNED_IN_DEPS

    @get("/", operation_id="listReveals", guards=[READERS], responses=errors(400, *SIGNED_IN, 404))
    async def list(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        from_: Start = None,
        to: End = None,
        school_code: FromQuery[str | None] = None,
        user: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        """查看记录: every reveal of a parent's or a student's data in scope, newest first."""
        found = await reveals.report(ctx, principal, from_, to, school_code, user)
        return reveals.report_view(found)

    @get(
        "/export.xlsx",
        operation_id="exportReveals",
        media_type=XLSX,
        guards=[READERS],
        responses=errors(400, *SIGNED_IN, 404),
    )
    async def export(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        from_: Start = None,
        to: End = None,
        school_code: FromQuery[str | None] = None,
        user: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        found = await reveals.report(ctx, principal, from_, to, school_code, user)
        body = reveals.workbook(found, ctx.settings.timezone)
        name = f"reveals-{found.start.isoformat()}-{found.end.isoformat()}.xlsx"
        return Response(
            body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )
