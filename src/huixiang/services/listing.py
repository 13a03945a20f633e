"""The staff list (keyset pagination) and the XLSX export of the same selection."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from sqlalchemy import ColumnElement

from ..db import repo
from ..db.models import Ticket
from ..domain.access import Principal
from ..domain.enums import Channel, Kind, Status
from ..domain.errors import Invalid
from . import schemas as s
from .context import Ctx
from .reference import org_info
from .tickets import staff_view

MAX_LIMIT = 100
EXPORT_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class TicketFilter:
    status: Status | None = None
    school_code: str | None = None
    channel: Channel | None = None
    kind: Kind | None = None
    overdue: bool = False
    assignee_me: bool = False


async def _conditions(ctx: Ctx, principal: Principal, f: TicketFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.status:
        conditions.append(Ticket.status == f.status.value)
    if f.school_code:
        school = await org_info(ctx, f.school_code)
        # An unknown school simply matches nothing, like one outside the scope.
        conditions.append(Ticket.school_id == (school.id if school else -1))
    if f.channel:
        conditions.append(Ticket.channel == f.channel.value)
    if f.kind:
        conditions.append(Ticket.kind == f.kind.value)
    if f.overdue:
        conditions.append(repo.overdue_clause(ctx.now))
    if f.assignee_me:
        conditions.append(Ticket.assignee_id == principal.user_id)
    return conditions


def encode_cursor(collected_at: datetime, ticket_id: int) -> str:
    raw = f"{collected_at.isoformat()}|{ticket_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, ticket_id = raw.split("|")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError
        return parsed, int(ticket_id)
    except ValueError:
        raise Invalid("`cursor` is not a cursor this server gave out.") from None


async def list_tickets(
    ctx: Ctx, principal: Principal, f: TicketFilter, *, limit: int, cursor: str | None
) -> s.TicketPage:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"`limit` must be between 1 and {MAX_LIMIT}.")
    after = decode_cursor(cursor) if cursor else None
    rows = await repo.list_tickets(
        ctx.session, principal, filters=await _conditions(ctx, principal, f), after=after,
        limit=limit + 1,
    )
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1][0]
        next_cursor = encode_cursor(last.collected_at, last.id)
    return s.TicketPage(
        [staff_view(principal, t, code, assignee, ctx.now) for t, code, assignee in page],
        next_cursor,
    )


COLUMNS = (
    ("编号", "number"), ("学校", "school_code"), ("渠道", "channel"), ("类型", "kind"),
    ("类别", "category"), ("紧急程度", "priority"), ("状态", "status"), ("标题", "title"),
    ("内容", "content"), ("收集时间", "collected_at"), ("登记期限", "register_due_at"),
    ("答复期限", "respond_due_at"), ("是否逾期", "overdue"), ("督办", "supervised"),
    ("承办人", "assignee"),
)


async def export_xlsx(ctx: Ctx, principal: Principal, f: TicketFilter) -> bytes:
    """The tickets in scope that match the filter, as a workbook (times in the bureau's zone)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单")
    sheet.append([title for title, _ in COLUMNS] + ["答复", "答复时间", "评价"])
    conditions = await _conditions(ctx, principal, f)
    after, written, tz = None, 0, ctx.settings.timezone
    while written < EXPORT_LIMIT:
        rows = await repo.list_tickets(ctx.session, principal, filters=conditions, after=after,
                                       limit=1000)
        for ticket, code, assignee in rows:
            view = staff_view(principal, ticket, code, assignee, ctx.now)
            values: list[object] = []
            for _, name in COLUMNS:
                value = getattr(view, name)
                if isinstance(value, datetime):
                    value = value.astimezone(tz).replace(tzinfo=None)
                values.append(value)
            values += [
                view.response.text if view.response else None,
                view.response.at.astimezone(tz).replace(tzinfo=None) if view.response else None,
                view.rating.value if view.rating else None,
            ]
            sheet.append(values)
        written += len(rows)
        if len(rows) < 1000:
            break
        after = (rows[-1][0].collected_at, rows[-1][0].id)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
