"""Staff endpoints on tickets: offline intake, lists, one ticket, its events, attachments, actions."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from ..domain.access import REVEAL_ROLES
from ..domain.enums import Action
from ..domain.errors import NotFound
from ..edge.body import decode_json
from ..edge.errors import path_ints_in_range
from ..services import cohandling_schemas as cs
from ..services import listing, tickets
from ..services import schemas as s
from ..services.intake import STAFF_INTAKE_ROLES
from ..services.intake import intake as record_ticket
from ..services.tickets import cohandling
from .deps import (
    HOT,
    LISTING_DEPS,
    CtxDep,
    FilterDep,
    PrincipalDep,
)
from .guards import requires_role
from .openapi import BODY, SIGNED_IN, STAFF, ActionOperation, AttachmentOperation, errors, reads

# Who may call an endpoint at all, before its body is read; which tickets (the scope) and, for a
# reveal, whether the caller is the ticket's assignee, the services decide.
RECORDERS = requires_role(
    *STAFF_INTAKE_ROLES,
    refusal="Your role may not record tickets; registrars, leaders, handlers and grid members may.",
)
REVEALERS = requires_role(
    *sorted(REVEAL_ROLES),
    refusal="Only the ticket's assignee, a registrar or a leader may reveal who wrote it.",
)


class TicketController(Controller):
    path = "/api/v1/tickets"
    tags = ["tickets"]
    security = STAFF
    dependencies = LISTING_DEPS

    @post(
        "/",
        operation_id="staffIntake",
        status_code=201,
        guards=[RECORDERS],
        responses=errors(*BODY, *SIGNED_IN, 404),
    )
    async def intake(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[s.StaffTicketCreate]
    ) -> s.TicketView:
        receipt = await record_ticket(ctx, data, principal=principal)
        return await tickets.get_ticket(ctx, principal, receipt.number)

    @get("/", operation_id="listTickets", dependencies=HOT, responses=errors(400, *SIGNED_IN))
    async def list(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        selection: FilterDep,
        limit: Annotated[int, Parameter(ge=1, le=listing.MAX_LIMIT)] = 20,
        cursor: FromQuery[str | None] = None,
    ) -> s.TicketPage:
        return await listing.list_tickets(ctx, principal, selection, limit=limit, cursor=cursor)

    @get("/{number:str}", operation_id="getTicket", responses=errors(400, *SIGNED_IN, 404))
    async def get_one(self, ctx: CtxDep, principal: PrincipalDep, number: FromPath[str]) -> s.TicketView:
        return await tickets.get_ticket(ctx, principal, number)

    @get("/{number:str}/events", operation_id="ticketEvents", responses=errors(400, *SIGNED_IN, 404))
    async def events(self, ctx: CtxDep, principal: PrincipalDep, number: FromPath[str]) -> s.EventLog:
        return await tickets.events(ctx, principal, number)

    @get("/{number:str}/drafts", operation_id="ticketDrafts", responses=errors(400, *SIGNED_IN, 404))
    async def drafts(self, ctx: CtxDep, principal: PrincipalDep, number: FromPath[str]) -> cs.DraftList:
        """The draft answers on a ticket (主办/协办): for its lead, its helpers and leaders."""
        return await cohandling.drafts(ctx, principal, number)

    @put(
        "/{number:str}/draft",
        operation_id="saveDraft",
        status_code=200,
        operation_class=reads(cs.DraftRequest),
        responses=errors(*BODY, *SIGNED_IN, 404, 409),
    )
    async def save_draft(
        self, request: Request[Any, Any, State], ctx: CtxDep, principal: PrincipalDep, number: FromPath[str]
    ) -> cs.DraftList:
        """The caller's draft answer (a blank text deletes it): the lead, a helper or a leader,
        while the ticket is being handled. A draft is working text: no event, nothing public."""
        data = decode_json(await request.body() or b"{}", cs.DraftRequest)
        return await cohandling.save_draft(ctx, principal, number, data)

    @get(
        "/{number:str}/attachments", operation_id="ticketAttachments", responses=errors(400, *SIGNED_IN, 404)
    )
    async def attachments(
        self, ctx: CtxDep, principal: PrincipalDep, number: FromPath[str]
    ) -> s.AttachmentList:
        return await tickets.attachments(ctx, principal, number)

    @get(
        "/{number:str}/attachments/{attachment_id:int}",
        operation_id="ticketAttachment",
        operation_class=AttachmentOperation,  # answered in the file's own type
        guards=[path_ints_in_range],  # an id beyond int64: 404
        responses=errors(400, *SIGNED_IN, 404),
    )
    async def attachment(
        self, ctx: CtxDep, principal: PrincipalDep, number: FromPath[str], attachment_id: FromPath[int]
    ) -> Response[bytes]:
        found = await tickets.attachment_file(ctx, principal, number, attachment_id)
        return Response(
            found.data,
            media_type=found.content_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
            },
        )

    @post(
        "/{number:str}/reveal",
        operation_id="revealIdentity",
        status_code=200,
        operation_class=reads(s.RevealRequest),
        guards=[REVEALERS],
        responses=errors(*BODY, *SIGNED_IN, 404, 409),
    )
    async def reveal(
        self, request: Request[Any, Any, State], ctx: CtxDep, principal: PrincipalDep, number: FromPath[str]
    ) -> s.IdentityView:
        """Who wrote, in full (an audited event): the ticket's assignee, registrars, leaders."""
        data = decode_json(await request.body() or b"{}", s.RevealRequest)
        return await tickets.reveal(ctx, principal, number, data)

    @post(
        "/{number:str}/{action:str}",
        operation_id="ticketAction",
        status_code=200,
        operation_class=ActionOperation,  # the body is read by hand: its schema depends on the action
        responses=errors(*BODY, *SIGNED_IN, 404, 409),
    )
    async def act(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        principal: PrincipalDep,
        number: FromPath[str],
        action: FromPath[str],
    ) -> s.TicketView:
        try:
            chosen = Action(action)
        except ValueError:
            chosen = None
        if chosen is None or chosen not in tickets.REQUESTS:
            raise NotFound(
                f"'{action}' is not a staff action; use one of: "
                + ", ".join(a.value for a in tickets.REQUESTS)
                + "."
            )
        raw = await request.body()
        request_data = decode_json(raw or b"{}", tickets.REQUESTS[chosen])
        return await tickets.act(ctx, principal, number, chosen, request_data)
