"""Notifications, the delivery log, figures and exports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Annotated, Any, BinaryIO, Literal

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, Parameter, QueryParameter
from litestar.response import Stream

from ..db import repo
from ..domain.enums import Role
from ..domain.errors import NotPermitted
from ..edge.errors import path_ints_in_range
from ..services import listing, notices, stats
from ..services.notices import describe_target
from .deps import (
    LISTING_DEPS,
    CtxDep,
    FilterDep,
    PrincipalDep,
)
from .guards import ADMIN_LOG
from .openapi import DATE_OR_TIME, SIGNED_IN, STAFF, errors

PERIOD_START = (
    "Collected from: a date (2026-11-01, from the start of that day in the bureau's time zone) "
    "or a time with its offset."
)
PERIOD_END = (
    "Collected until: a date (2026-11-30, to the end of that day in the bureau's time zone) "
    "or a time with its offset (excluded)."
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# A period's bounds as the figures' endpoints take them (`from` is a Python keyword).
PeriodFrom = Annotated[
    str | None, QueryParameter(name="from", description=PERIOD_START, schema_extra=DATE_OR_TIME)
]
PeriodTo = Annotated[str | None, QueryParameter(description=PERIOD_END, schema_extra=DATE_OR_TIME)]


class ReportController(Controller):
    path = "/api/v1"
    tags = ["reports"]
    security = STAFF
    dependencies = LISTING_DEPS

    @get("/notifications", operation_id="listNotifications", responses=errors(400, 401))
    async def notifications(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: Annotated[
            str | None, QueryParameter(description="`next_cursor` of the page before: older notices.")
        ] = None,
    ) -> dict[str, Any]:
        """The caller's notices, newest first, a page at a time (`next_cursor` while there are more)."""
        return await notices.notifications(ctx, principal, limit, cursor)

    @post(
        "/notifications/{notification_id:int}/read",
        operation_id="readNotification",
        status_code=204,
        guards=[path_ints_in_range],  # an id beyond int64: 404
        responses=errors(400, 401, 404),
    )
    async def read(self, ctx: CtxDep, principal: PrincipalDep, notification_id: FromPath[int]) -> None:
        await notices.mark_read(ctx, principal, notification_id)

    @get("/deliveries", operation_id="listDeliveries", guards=[ADMIN_LOG], responses=errors(400, *SIGNED_IN))
    async def deliveries(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        status: FromQuery[Literal["pending", "sent", "failed"] | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """The outbox, for admins: what was sent, what waits for a retry, what failed for good.
        Targets masked (describe_target); an error is our own words, never the remote reply."""
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

    @get("/stats", operation_id="stats", responses=errors(400, *SIGNED_IN, 404))
    async def stats(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        org_code: FromQuery[str | None] = None,
        start: PeriodFrom = None,
        to: PeriodTo = None,
    ) -> dict[str, Any]:
        return await stats.stats(ctx, principal, org_code=org_code, start=start, end=to)

    @get("/stats/trends", operation_id="statsTrends", responses=errors(400, *SIGNED_IN, 404))
    async def trends(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        every: Annotated[
            Literal["week", "month"],
            QueryParameter(description="Weeks (from Monday) or months of collection."),
        ] = "month",
        org_code: FromQuery[str | None] = None,
        start: Annotated[
            str | None,
            QueryParameter(
                name="from",
                description=PERIOD_START + " Default: 26 weeks or 12 months back.",
                schema_extra=DATE_OR_TIME,
            ),
        ] = None,
        to: PeriodTo = None,
    ) -> dict[str, Any]:
        """The stats' figures per week or month of collection, oldest first, from the rollups:
        `{every, items: [{period, total, responded, …}]}`."""
        return await stats.trends(ctx, principal, org_code=org_code, start=start, end=to, every=every)

    @get("/stats/breakdowns", operation_id="statsBreakdowns", responses=errors(400, *SIGNED_IN, 404))
    async def breakdowns(
        self,
        ctx: CtxDep,
        principal: PrincipalDep,
        org_code: FromQuery[str | None] = None,
        start: PeriodFrom = None,
        to: PeriodTo = None,
    ) -> dict[str, Any]:
        """The stats' figures per channel, kind and category, largest first:
        `{by_channel: [{channel, total, …}], by_kind: […], by_category: […]}`."""
        return await stats.breakdowns(ctx, principal, org_code=org_code, start=start, end=to)

    @get(
        "/exports/tickets.xlsx",
        operation_id="exportTickets",
        media_type=XLSX,
        responses=errors(400, *SIGNED_IN),
    )
    async def export(self, ctx: CtxDep, principal: PrincipalDep, selection: FilterDep) -> Stream:
        """Streamed from a temporary file that is deleted already: its space is freed when the
        stream closes it, sent or not."""
        if (
            not principal.grants
            or principal.scope_paths([Role.LEADER, Role.INSPECTOR, Role.ADMIN, Role.REGISTRAR]) == []
        ):
            raise NotPermitted("Only leaders, registrars, inspectors and admins may export.")
        workbook = await listing.export_xlsx(ctx, principal, selection)
        stamp = ctx.now.astimezone(ctx.settings.timezone).strftime("%Y%m%d-%H%M")
        return Stream(
            _chunks(workbook),
            media_type=XLSX,
            headers={
                "Content-Disposition": f'attachment; filename="tickets-{stamp}.xlsx"',
                "Content-Length": str(os.fstat(workbook.fileno()).st_size),
            },
        )


def _chunks(file: BinaryIO, size: int = 1 << 16) -> Iterator[bytes]:
    """A file's bytes, closing it at the end or when the stream is dropped (Litestar iterates a
    plain iterator in a worker thread)."""
    with file:
        while data := file.read(size):
            yield data
