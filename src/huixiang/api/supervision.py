"""督办 and 催办: a ticket's supervision orders, the orders in scope, one order and its chase,
and the bureau's overdue board. Orders are made by `POST /tickets/{number}/supervise`; a ticket
is chased by `POST /tickets/{number}/chase` (api/tickets.py, the lifecycle's actions)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, QueryParameter

from ..domain.enums import Role
from ..edge.body import decode_json
from ..edge.errors import path_ints_in_range
from ..services import schemas as s
from ..services import supervision
from .deps import SIGNED_IN_DEPS, CtxDep, PrincipalDep
from .guards import requires_role
from .openapi import BODY, SIGNED_IN, STAFF, errors, reads

BUREAU = requires_role(
    Role.INSPECTOR,
    Role.LEADER,
    refusal="Only inspectors and leaders see supervision orders and the overdue board.",
)
CHASERS = requires_role(Role.INSPECTOR, refusal="Only an inspector may chase (催办) a supervision order.")


class SupervisionController(Controller):
    path = "/api/v1"
    tags = ["supervision"]
    security = STAFF
    dependencies = SIGNED_IN_DEPS

    @get(
        "/tickets/{number:str}/orders",
        operation_id="ticketOrders",
        responses=errors(400, *SIGNED_IN, 404),
    )
    async def ticket_orders(self, ctx: CtxDep, principal: PrincipalDep, number: FromPath[str]) -> s.OrderList:
        """The ticket's 督办 orders, newest first, for anyone who reaches the ticket."""
        return await supervision.ticket_orders(ctx, principal, number)

    @get(
        "/supervision/orders",
        operation_id="listOrders",
        guards=[BUREAU],
        responses=errors(400, *SIGNED_IN),
    )
    async def orders(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        # `state` is Litestar's reserved name for the app state: the parameter is renamed.
        order_state: Annotated[
            Literal["open", "answered", "overdue"] | None,
            QueryParameter(name="state", description="Only the orders in this state."),
        ] = None,
    ) -> s.OrderPage:
        """The orders on tickets in the caller's scope, newest first (at most 200), and the
        count in each state."""
        found = await supervision.orders(ctx, principal, order_state)
        return s.OrderPage(found.items, found.counts)

    @get(
        "/supervision/orders/{order_id:int}",
        operation_id="getOrder",
        guards=[BUREAU, path_ints_in_range],
        responses=errors(400, *SIGNED_IN, 404),
    )
    async def order(self, ctx: CtxDep, principal: PrincipalDep, order_id: FromPath[int]) -> s.OrderView:
        return await supervision.order(ctx, principal, order_id)

    @post(
        "/supervision/orders/{order_id:int}/chase",
        operation_id="chaseOrder",
        status_code=200,
        operation_class=reads(s.OrderChaseRequest),
        guards=[CHASERS, path_ints_in_range],
        responses=errors(*BODY, *SIGNED_IN, 404, 409),
    )
    async def chase(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        principal: PrincipalDep,
        order_id: FromPath[int],
    ) -> s.OrderView:
        """催办 of one order not answered yet: the school's leaders and the assignee are told
        again, and the ticket's archive logs the chase."""
        data = decode_json(await request.body() or b"{}", s.OrderChaseRequest)
        return await supervision.chase_order(ctx, principal, order_id, data.note)

    @get(
        "/supervision/overdue",
        operation_id="overdueBoard",
        guards=[BUREAU],
        responses=errors(400, *SIGNED_IN),
    )
    async def overdue(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        school_code: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> s.OverdueBoard:
        """The overdue board: every ticket in scope awaiting an answer past its deadline, by
        school, with its working days overdue and who holds it; 500 tickets a page, the longest
        overdue first (`next_cursor` while `truncated`), of one school with `school_code`."""
        return await supervision.overdue_board(ctx, principal, school_code=school_code, cursor=cursor)
