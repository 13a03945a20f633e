"""The public intake, tracking and rating (no login)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath, HeaderParameter, JSONBody, Parameter

from ..edge.uploads import MAX_UPLOAD_BODY, read_ticket
from ..services import schemas as s
from ..services import tickets
from ..services.intake import admit
from ..services.intake import intake as record_ticket
from .deps import HOT, KEY_PATTERN, CtxDep
from .openapi import BODY, IntakeOperation, errors


async def intake_limit(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Tickets per address and minute (settings.intake_limit), counted before the body is read."""
    state = connection.app.state
    address = connection.client.host if connection.client else "unknown"
    await admit(state.redis, state.settings, address)


class PublicController(Controller):
    path = "/api/v1/public/tickets"
    tags = ["public"]

    @post(
        "/",
        operation_id="publicIntake",
        status_code=201,
        request_max_body_size=MAX_UPLOAD_BODY,
        dependencies=HOT,
        guards=[intake_limit],
        operation_class=IntakeOperation,  # the body is read by hand: JSON or multipart
        responses=errors(*BODY, 422, 429),
    )
    async def intake(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", pattern=KEY_PATTERN)
        ] = None,
    ) -> s.IntakeReceipt:
        data, uploads = await read_ticket(request)
        return await record_ticket(ctx, data, idempotency_key=idempotency_key, uploads=uploads)

    @get("/{number:str}", operation_id="publicTrack", dependencies=HOT, responses=errors(400, 404, 429))
    async def track(
        self, ctx: CtxDep, number: FromPath[str], code: Annotated[str, Parameter(max_length=32)]
    ) -> s.PublicTicketView:
        return await tickets.public_view(ctx, number, code)

    @post(
        "/{number:str}/rating",
        operation_id="publicRate",
        status_code=200,
        responses=errors(*BODY, 404, 409, 429),
    )
    async def rate(
        self, ctx: CtxDep, number: FromPath[str], data: JSONBody[s.RatingRequest]
    ) -> s.PublicTicketView:
        return await tickets.rate(ctx, number, data)
