"""Admin endpoints: the org tree, users, channels, policies and the calendar. The guards let
admins in; the services keep each admin to the units under them."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Router, delete, get, post, put
from litestar.params import FromPath, JSONBody

from ..services import accounts, policies
from ..services import schemas as s
from .deps import SIGNED_IN_DEPS, CtxDep, PrincipalDep
from .guards import ADMIN
from .openapi import BODY, SIGNED_IN, STAFF, errors


class AdminController(Controller):
    path = "/api/v1"
    tags = ["admin"]
    security = STAFF
    dependencies = SIGNED_IN_DEPS

    @post(
        "/orgs",
        operation_id="createOrg",
        status_code=201,
        guards=[ADMIN],
        responses=errors(*BODY, *SIGNED_IN, 404, 409),
    )
    async def create_org(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[s.OrgCreate]
    ) -> s.OrgRead:
        return await accounts.create_org(ctx, principal, data)

    @get("/orgs", operation_id="listOrgs", responses=errors(401))
    async def list_orgs(self, ctx: CtxDep, principal: PrincipalDep) -> dict[str, list[s.OrgRead]]:
        """Every caller sees the units of their own scope."""
        return {"items": await accounts.list_orgs(ctx, principal)}

    @put(
        "/orgs/{org_code:str}/webhooks",
        operation_id="setWebhooks",
        guards=[ADMIN],
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def set_webhooks(
        self, ctx: CtxDep, principal: PrincipalDep, org_code: FromPath[str], data: JSONBody[s.WebhooksIn]
    ) -> dict[str, Any]:
        return await accounts.set_webhooks(ctx, principal, org_code, data)

    @put("/me/notifications", operation_id="setMyNotifications", responses=errors(*BODY, 401))
    async def set_my_notifications(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[s.NotifySettings]
    ) -> dict[str, Any]:
        return await accounts.set_notify(ctx, principal, data)

    @post(
        "/users",
        operation_id="createUser",
        status_code=201,
        guards=[ADMIN],
        responses=errors(*BODY, *SIGNED_IN, 404, 409),
    )
    async def create_user(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[s.UserCreate]
    ) -> s.UserRead:
        return await accounts.create_user(ctx, principal, data)


@put("/policies/{org_code:str}", operation_id="setPolicy", responses=errors(*BODY, *SIGNED_IN, 404))
async def set_policy(
    ctx: CtxDep, principal: PrincipalDep, org_code: FromPath[str], data: JSONBody[dict[str, Any]]
) -> dict[str, Any]:
    return await policies.set_policy(ctx, principal, org_code, data)


@put("/calendar/{day:date}", operation_id="setCalendarDay", responses=errors(*BODY, *SIGNED_IN, 404))
async def set_calendar_day(
    ctx: CtxDep, principal: PrincipalDep, day: FromPath[date], data: JSONBody[dict[str, Any]]
) -> dict[str, Any]:
    return await policies.set_calendar_day(ctx, principal, day, data)


@delete(
    "/calendar/{day:date}",
    operation_id="clearCalendarDay",
    status_code=204,
    responses=errors(400, *SIGNED_IN, 404),
)
async def clear_calendar_day(ctx: CtxDep, principal: PrincipalDep, day: FromPath[date]) -> None:
    await policies.clear_calendar_day(ctx, principal, day)


# The policies and the calendar: a router rather than AdminController's methods, which Litestar
# would order by name (the OpenAPI document lists them in this order).
POLICIES = Router(
    "/api/v1",
    route_handlers=[set_policy, set_calendar_day, clear_calendar_day],
    tags=["admin"],
    security=STAFF,
    dependencies=SIGNED_IN_DEPS,
    guards=[ADMIN],
)
