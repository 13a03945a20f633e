"""Controllers: parse → one service call → schema. Paths and shapes follow CONTRACT.md."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, JSONBody, Parameter, QueryParameter
from sqlalchemy import text, update

from ..db import repo
from ..db.models import Notification
from ..domain.access import Principal
from ..domain.enums import Action, Channel, Kind, Role, Status
from ..domain.errors import Invalid, NotFound, NotPermitted, Unauthenticated
from ..domain.files import MAX_FILE_BYTES, MAX_FILES, safe_filename, sniff
from ..services import accounts, listing, policies, stats, tickets
from ..services import schemas as s
from ..services.context import Ctx
from ..services.intake import Upload
from ..services.intake import intake as record_ticket
from ..services.notices import describe_target
from .body import convert, decode_json, form_to_object
from .deps import SESSION_COOKIE, credentials, provide_hot_ctx, provide_principal
from .multipart import parse_form

JSON_LIMIT = 256 * 1024
CtxDep = NamedDependency[Ctx]
# Single-statement endpoints run on a pooled connection of their own (db/fast.py).
HOT = {"ctx": Provide(provide_hot_ctx)}
PrincipalDep = NamedDependency[Principal]
FilterDep = NamedDependency[listing.TicketFilter]
UPLOAD_LIMIT = MAX_FILES * MAX_FILE_BYTES + 256 * 1024
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", operation_id="login", status_code=200)
    async def login(
        self, request: Request, ctx: CtxDep, data: JSONBody[s.LoginRequest]
    ) -> Response[s.LoginResult]:
        address = request.client.host if request.client else "unknown"
        try:
            outcome = await accounts.login(
                ctx, data, address=address, replaces=request.cookies.get(SESSION_COOKIE)
            )
        except Unauthenticated:
            await ctx.session.commit()  # keep the failure counters that drive the lockout
            raise
        secure = ctx.settings.secure_cookies or request.url.scheme == "https"
        cookie = Cookie(
            key=SESSION_COOKIE,
            value=outcome.token,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
            max_age=int(accounts.TOKEN_LIFETIME["api"].total_seconds()),
        )
        return Response(s.LoginResult(outcome.token, outcome.user), cookies=[cookie])

    @post("/logout", operation_id="logout", status_code=204)
    async def logout(self, request: Request, ctx: CtxDep) -> Response[None]:
        if token := credentials(request):
            await accounts.logout(ctx, token)
        return Response(None, status_code=204, cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0)])


class AdminController(Controller):
    path = "/api/v1"
    tags = ["admin"]
    dependencies = {"principal": Provide(provide_principal)}

    @post("/orgs", operation_id="createOrg", status_code=201)
    async def create_org(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[s.OrgCreate]
    ) -> s.OrgRead:
        return await accounts.create_org(ctx, principal, data)

    @get("/orgs", operation_id="listOrgs")
    async def list_orgs(self, ctx: CtxDep, principal: PrincipalDep) -> dict[str, list[s.OrgRead]]:
        return {"items": await accounts.list_orgs(ctx, principal)}

    @put("/orgs/{org_code:str}/webhooks", operation_id="setWebhooks")
    async def set_webhooks(
        self, ctx: CtxDep, principal: PrincipalDep, org_code: str, data: JSONBody[s.WebhooksIn]
    ) -> dict[str, Any]:
        return await accounts.set_webhooks(ctx, principal, org_code, data)

    @put("/me/notifications", operation_id="setMyNotifications")
    async def set_my_notifications(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[s.NotifySettings]
    ) -> dict[str, Any]:
        return await accounts.set_notify(ctx, principal, data)

    @post("/users", operation_id="createUser", status_code=201)
    async def create_user(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[s.UserCreate]
    ) -> s.UserRead:
        return await accounts.create_user(ctx, principal, data)


async def _read_intake(request: Request[Any, Any, State]) -> tuple[s.PublicTicketCreate, list[Upload]]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await parse_form(
            content_type,
            request.stream(),
            file_field="files",
            max_files=MAX_FILES,
            max_file_bytes=MAX_FILE_BYTES,
        )
        obj = form_to_object(form.fields, booleans={"anonymous", "consent", "to_bureau"})
        data = convert(obj, s.PublicTicketCreate)
        uploads = []
        for name, content in form.files:
            kind = sniff(content[:16])
            if kind is None:
                raise Invalid(
                    f"`files`: {name or 'a file'} is not an image (JPEG, PNG, GIF, WebP, HEIC) or a PDF."
                )
            uploads.append(Upload(safe_filename(name, kind), kind, content))
        return data, uploads
    if content_type and not content_type.startswith("application/json"):
        raise Invalid("Send the ticket as application/json or multipart/form-data.")
    raw = await request.body()
    if len(raw) > JSON_LIMIT:
        raise Invalid("The request body is too large for a ticket.")
    return decode_json(raw, s.PublicTicketCreate), []


class PublicController(Controller):
    path = "/api/v1/public/tickets"
    tags = ["public"]

    @post(
        "/",
        operation_id="publicIntake",
        status_code=201,
        request_max_body_size=UPLOAD_LIMIT,
        dependencies=HOT,
    )
    async def intake(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", pattern=KEY_PATTERN)
        ] = None,
    ) -> s.IntakeReceipt:
        data, uploads = await _read_intake(request)
        return await record_ticket(ctx, data, idempotency_key=idempotency_key, uploads=uploads)

    @get("/{number:str}", operation_id="publicTrack", dependencies=HOT)
    async def track(
        self, ctx: CtxDep, number: str, code: Annotated[str, Parameter(max_length=32)]
    ) -> s.PublicTicketView:
        return await tickets.public_view(ctx, number, code)

    @post("/{number:str}/rating", operation_id="publicRate", status_code=200)
    async def rate(self, ctx: CtxDep, number: str, data: JSONBody[s.RatingRequest]) -> s.PublicTicketView:
        return await tickets.rate(ctx, number, data)


def provide_filter(
    status: Status | None = None,
    school_code: str | None = None,
    channel: Channel | None = None,
    kind: Kind | None = None,
    overdue: bool = False,
    escalated: bool = False,
    assignee: str | None = None,
) -> listing.TicketFilter:
    """The list's and the export's query parameters, said once."""
    if assignee not in (None, "", "me"):
        raise Invalid("`assignee` accepts only `me`.")
    return listing.TicketFilter(status, school_code, channel, kind, overdue, assignee == "me", escalated)


class TicketController(Controller):
    path = "/api/v1/tickets"
    tags = ["tickets"]
    dependencies = {
        "principal": Provide(provide_principal),
        "selection": Provide(provide_filter, sync_to_thread=False),
    }

    @post("/", operation_id="staffIntake", status_code=201)
    async def intake(
        self, ctx: CtxDep, principal: PrincipalDep, data: JSONBody[s.StaffTicketCreate]
    ) -> s.TicketView:
        receipt = await record_ticket(ctx, data, principal=principal)
        return await tickets.get_ticket(ctx, principal, receipt.number)

    @get("/", operation_id="listTickets", dependencies=HOT)
    async def list(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        selection: FilterDep,
        limit: Annotated[int, Parameter(ge=1, le=listing.MAX_LIMIT)] = 20,
        cursor: str | None = None,
    ) -> s.TicketPage:
        return await listing.list_tickets(ctx, principal, selection, limit=limit, cursor=cursor)

    @get("/{number:str}", operation_id="getTicket")
    async def get_one(self, ctx: CtxDep, principal: PrincipalDep, number: str) -> s.TicketView:
        return await tickets.get_ticket(ctx, principal, number)

    @get("/{number:str}/events", operation_id="ticketEvents")
    async def events(self, ctx: CtxDep, principal: PrincipalDep, number: str) -> s.EventLog:
        return await tickets.events(ctx, principal, number)

    @get("/{number:str}/attachments", operation_id="ticketAttachments")
    async def attachments(self, ctx: CtxDep, principal: PrincipalDep, number: str) -> dict[str, Any]:
        ticket = await tickets.get_ticket(ctx, principal, number)
        found = await repo.scoped_ticket(ctx.session, principal, ticket.number)
        assert found is not None
        rows = await repo.attachments_of(ctx.session, found[0].id)
        return {
            "items": [
                {"id": r.id, "filename": r.filename, "content_type": r.content_type, "size": r.size}
                for r in rows
            ]
        }

    @get("/{number:str}/attachments/{attachment_id:int}", operation_id="ticketAttachment")
    async def attachment(
        self, ctx: CtxDep, principal: PrincipalDep, number: str, attachment_id: int
    ) -> Response[bytes]:
        found = await repo.scoped_ticket(ctx.session, principal, number)
        row = await repo.attachment(ctx.session, found[0].id, attachment_id) if found else None
        if row is None:
            raise NotFound("No such attachment.")
        return Response(
            row.data,
            media_type=row.content_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, max-age=3600",
            },
        )

    @post("/{number:str}/{action:str}", operation_id="ticketAction", status_code=200)
    async def act(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        principal: PrincipalDep,
        number: str,
        action: str,
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


class ReportController(Controller):
    path = "/api/v1"
    tags = ["reports"]
    dependencies = {
        "principal": Provide(provide_principal),
        "selection": Provide(provide_filter, sync_to_thread=False),
    }

    @get("/notifications", operation_id="listNotifications")
    async def notifications(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        rows = await repo.notifications_of(ctx.session, principal.user_id, limit)
        return {
            "items": [
                {
                    "id": r.id,
                    "rule": r.rule,
                    "ticket_number": r.number,
                    "at": r.at,
                    "read": r.read_at is not None,
                }
                for r in rows
            ]
        }

    @post("/notifications/{notification_id:int}/read", operation_id="readNotification", status_code=204)
    async def read(self, ctx: CtxDep, principal: PrincipalDep, notification_id: int) -> None:
        result = await ctx.session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.user_id == principal.user_id)
            .values(read_at=ctx.now)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound("No such notification.")

    @get("/deliveries", operation_id="listDeliveries")
    async def deliveries(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        status: Literal["pending", "sent", "failed"] | None = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """The outbox, for admins: what was sent, what waits for a retry, what failed for good."""
        if not principal.has_role(Role.ADMIN):
            raise NotPermitted("Only an admin may see the delivery log.")
        rows = await repo.deliveries_in(ctx.session, principal, status, limit)
        return {
            "items": [
                {
                    "id": d.id,
                    "ticket_number": number,
                    "rule": d.rule,
                    "channel": d.channel,
                    "target": describe_target(d.channel, d.target),
                    "status": d.status,
                    "attempts": d.attempts,
                    "next_attempt_at": d.next_attempt_at,
                    "last_error": d.last_error,
                    "sent_at": d.sent_at,
                }
                for d, number in rows
            ]
        }

    @get("/stats", operation_id="stats")
    async def stats(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        org_code: str | None = None,
        from_: Annotated[datetime | None, QueryParameter(name="from")] = None,
        to: datetime | None = None,
    ) -> dict[str, Any]:
        if not principal.grants:
            raise NotPermitted("You hold no role.")
        return await stats.stats(ctx, principal, org_code=org_code, start=from_, end=to)

    @get("/exports/tickets.xlsx", operation_id="exportTickets")
    async def export(self, ctx: CtxDep, principal: PrincipalDep, selection: FilterDep) -> Response[bytes]:
        if (
            not principal.grants
            or principal.scope_paths([Role.LEADER, Role.INSPECTOR, Role.ADMIN, Role.REGISTRAR]) == []
        ):
            raise NotPermitted("Only leaders, registrars, inspectors and admins may export.")
        content = await listing.export_xlsx(ctx, principal, selection)
        stamp = ctx.now.astimezone(ctx.settings.timezone).strftime("%Y%m%d-%H%M")
        return Response(
            content,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="tickets-{stamp}.xlsx"'},
        )


DELIVERY_FIGURES = text(
    "SELECT (SELECT count(*) FROM deliveries WHERE status = 'failed'), "
    "(SELECT count(*) FROM deliveries WHERE status = 'pending' "
    "AND next_attempt_at < now() - interval '5 minutes')"
)


@get("/health", operation_id="health", tags=["health"])
async def health(state: State) -> Response[dict[str, Any]]:
    """Each part answers within two seconds or is reported down (503)."""
    parts: dict[str, Any] = {"status": "ok", "database": "ok", "broker": "ok"}
    try:
        async with asyncio.timeout(2), state.sessionmaker() as session:
            failed, late = (await session.execute(DELIVERY_FIGURES)).one()
        # Notices that could not be delivered stay visible here, never silent.
        parts["deliveries"] = {"failed": failed, "late": late}
    except Exception:  # noqa: BLE001 - any failure means the part is down
        parts["database"] = "down"
    try:
        async with asyncio.timeout(2):
            await state.redis.ping()
    except Exception:  # noqa: BLE001
        parts["broker"] = "down"
    down = [name for name in ("database", "broker") if parts[name] != "ok"]
    if down:
        parts["status"] = "down"
        parts["detail"] = f"Unavailable: {', '.join(down)}."
    return Response(parts, status_code=503 if down else 200)


@put(
    "/api/v1/policies/{org_code:str}",
    operation_id="setPolicy",
    tags=["admin"],
    dependencies={"principal": Provide(provide_principal)},
)
async def set_policy(
    ctx: CtxDep, principal: PrincipalDep, org_code: str, data: JSONBody[dict[str, Any]]
) -> dict[str, Any]:
    return await policies.set_policy(ctx, principal, org_code, data)


@put(
    "/api/v1/calendar/{day:date}",
    operation_id="setCalendarDay",
    tags=["admin"],
    dependencies={"principal": Provide(provide_principal)},
)
async def set_calendar_day(
    ctx: CtxDep, principal: PrincipalDep, day: date, data: JSONBody[dict[str, Any]]
) -> dict[str, Any]:
    return await policies.set_calendar_day(ctx, principal, day, data)


ROUTES = [
    AuthController,
    AdminController,
    PublicController,
    TicketController,
    ReportController,
    health,
    set_policy,
    set_calendar_day,
]
