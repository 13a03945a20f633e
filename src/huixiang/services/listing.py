"""The staff list (keyset pagination, one statement) and the XLSX export of the same selection."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from openpyxl import Workbook

from ..db import fast
from ..domain.access import Principal
from ..domain.enums import AWAITING_RESPONSE, Channel, Kind, Status
from ..domain.errors import Invalid
from . import schemas as s
from .context import Ctx
from .reference import districts_under, org_info
from .tickets import staff_view

MAX_LIMIT = 100
EXPORT_LIMIT = 100_000
EXPORT_PAGE = 1000


@dataclass(frozen=True, slots=True)
class TicketFilter:
    status: Status | None = None
    school_code: str | None = None
    channel: Channel | None = None
    kind: Kind | None = None
    overdue: bool = False
    assignee_me: bool = False
    escalated: bool = False  # the bureau's overdue board: 2 working days past due, still open


class Where:
    """The raw list statement's scope branches and filters over `t`, with positional parameters."""

    def __init__(self) -> None:
        self.branches: list[str] = []
        self.conditions: list[str] = []
        self.args: list[Any] = []

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, condition: str) -> None:
        self.conditions.append(condition)


async def scope(ctx: Ctx, where: Where, principal: Principal) -> None:
    """Tenancy, as repo.in_scope() says it for SQLAlchemy: the subtrees the principal reaches
    (decided by Principal.scope_paths), each said the way an index serves it in list order: a
    school's path, a district's id, and a bureau as the districts below it. Every ticket is
    filed at a school or a district, so these cover the subtree exactly."""
    leaves = principal.leaf_paths()
    districts = {g.org_path: g.org_id for g in principal.grants if g.district}
    for path in principal.scope_paths():
        if path in leaves:
            where.branches.append(f"t.org_path = {where.arg(path)}")
        elif path in districts:
            where.branches.append(f"t.district_id = {where.arg(districts[path])}")
        else:
            for district_id in await districts_under(ctx, path):
                where.branches.append(f"t.district_id = {where.arg(district_id)}")


async def _where(ctx: Ctx, principal: Principal, f: TicketFilter) -> Where:
    where = Where()
    await scope(ctx, where, principal)
    if f.status:
        where.add(f"t.status = {where.arg(f.status.value)}")
    if f.school_code:
        school = await org_info(ctx, f.school_code)
        # An unknown school simply matches nothing, like one outside the scope.
        where.add(f"t.school_id = {where.arg(school.id if school else -1)}")
    if f.channel:
        where.add(f"t.channel = {where.arg(f.channel.value)}")
    if f.kind:
        where.add(f"t.kind = {where.arg(f.kind.value)}")
    if f.overdue:
        awaiting = where.arg([s.value for s in AWAITING_RESPONSE])
        where.add(f"t.status = ANY({awaiting}::text[]) AND t.respond_due_at < {where.arg(ctx.now)}")
    if f.escalated:
        awaiting = where.arg([s.value for s in AWAITING_RESPONSE])
        where.add(f"t.status = ANY({awaiting}::text[]) AND t.escalated_for = t.respond_due_at")
    if f.assignee_me:
        where.add(f"t.assignee_id = {where.arg(principal.user_id)}")
    return where


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


async def _page(ctx: Ctx, where: Where, after: tuple[datetime, int] | None, limit: int) -> list[Any]:
    conditions, args = list(where.conditions), list(where.args)
    if after is not None:
        args += [after[0], after[1]]
        conditions.append(f"(t.collected_at, t.id) < (${len(args) - 1}, ${len(args)})")
    rows = await fast.list_rows(await fast.driver(ctx), where.branches, conditions, args, limit)
    return [_ticket(row) for row in rows]


def _ticket(row: Any) -> SimpleNamespace:
    values = dict(row)
    for name in ("contact", "student"):
        if isinstance(values[name], str):
            values[name] = json.loads(values[name])
    return SimpleNamespace(**values)


def _view(principal: Principal, ticket: SimpleNamespace, now: datetime) -> s.TicketView:
    return staff_view(principal, ticket, ticket.school_code, ticket.assignee, now, ticket.merged_into)


async def list_tickets(
    ctx: Ctx, principal: Principal, f: TicketFilter, *, limit: int, cursor: str | None
) -> s.TicketPage:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"`limit` must be between 1 and {MAX_LIMIT}.")
    after = decode_cursor(cursor) if cursor else None
    rows = await _page(ctx, await _where(ctx, principal, f), after, limit + 1)
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].collected_at, page[-1].id) if len(rows) > limit else None
    return s.TicketPage([_view(principal, t, ctx.now) for t in page], next_cursor)


COLUMNS = (
    ("编号", "number"),
    ("学校", "school_code"),
    ("渠道", "channel"),
    ("类型", "kind"),
    ("类别", "category"),
    ("紧急程度", "priority"),
    ("状态", "status"),
    ("标题", "title"),
    ("内容", "content"),
    ("收集时间", "collected_at"),
    ("登记期限", "register_due_at"),
    ("答复期限", "respond_due_at"),
    ("是否逾期", "overdue"),
    ("督办", "supervised"),
    ("承办人", "assignee"),
)


async def export_xlsx(ctx: Ctx, principal: Principal, f: TicketFilter) -> bytes:
    """The tickets in scope that match the filter, as a workbook (times in the bureau's zone)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单")
    sheet.append([title for title, _ in COLUMNS] + ["答复", "答复时间", "评价"])
    where = await _where(ctx, principal, f)
    tz = ctx.settings.timezone

    def local(value: datetime) -> datetime:
        return value.astimezone(tz).replace(tzinfo=None)

    after, written = None, 0
    while written < EXPORT_LIMIT:
        rows = await _page(ctx, where, after, EXPORT_PAGE)
        for ticket in rows:
            view = _view(principal, ticket, ctx.now)
            values = [getattr(view, name) for _, name in COLUMNS]
            sheet.append(
                [local(v) if isinstance(v, datetime) else v for v in values]
                + [
                    view.response.text if view.response else None,
                    local(view.response.at) if view.response else None,
                    view.rating.value if view.rating else None,
                ]
            )
        written += len(rows)
        if len(rows) < EXPORT_PAGE:
            break
        after = (rows[-1].collected_at, rows[-1].id)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
