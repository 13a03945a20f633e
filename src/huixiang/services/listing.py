"""The staff list (keyset pagination, one statement) and the XLSX export of the same selection."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ..db import fast
from ..db import listing as db
from ..domain import words
from ..domain.access import Principal
from ..domain.enums import Channel, Kind, Status
from ..domain.errors import Invalid
from ..domain.lifecycle import is_overdue
from . import replica, stats
from . import schemas as s
from .context import Ctx
from .cursors import decode_cursor, encode_cursor
from .reference import districts_under, org_info
from .tickets import staff_view

MAX_LIMIT = 100
# An export reads its rows this many at a time from a server-side cursor and writes them to a
# workbook on disk (openpyxl's write-only mode): its memory does not grow with its rows.
EXPORT_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class TicketFilter:
    status: Status | None = None
    school_code: str | None = None
    channel: Channel | None = None
    kind: Kind | None = None
    overdue: bool = False
    assignee_me: bool = False
    escalated: bool = False  # the bureau's overdue board: 2 working days past due, still open


async def selection(ctx: Ctx, principal: Principal, f: TicketFilter) -> db.Selection:
    """The filter, resolved: tenancy as repo.in_scope() says it (the subtrees Principal.scope_paths
    decides), each subtree as schools' paths and districts' ids (a bureau: the districts below it)."""
    leaves = principal.leaf_paths()
    districts = {g.org_path: g.org_id for g in principal.grants if g.district}
    school_paths: list[str] = []
    district_ids: list[int] = []
    for path in principal.scope_paths():
        if path in leaves:
            school_paths.append(path)
        elif path in districts:
            district_ids.append(districts[path])
        else:
            district_ids += await districts_under(ctx, path)
    school_id = None
    if f.school_code:
        school = await org_info(ctx, f.school_code)
        # An unknown school simply matches nothing, like one outside the scope.
        school_id = school.id if school else -1
    return db.Selection(
        school_paths,
        district_ids,
        status=f.status.value if f.status else None,
        school_id=school_id,
        channel=f.channel.value if f.channel else None,
        kind=f.kind.value if f.kind else None,
        overdue_at=ctx.now if f.overdue else None,
        escalated=f.escalated,
        assignee_id=principal.user_id if f.assignee_me else None,
        viewer_id=principal.user_id,
    )


def _ticket(row: Any) -> SimpleNamespace:
    values = dict(row)
    for name in ("contact", "student"):
        if isinstance(values[name], str):
            values[name] = json.loads(values[name])
    return SimpleNamespace(**values)


async def list_tickets(
    ctx: Ctx, principal: Principal, f: TicketFilter, *, limit: int, cursor: str | None
) -> s.TicketPage:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"`limit` must be between 1 and {MAX_LIMIT}.")
    after = decode_cursor(cursor) if cursor else None
    found = await db.page(await fast.driver(ctx), await selection(ctx, principal, f), after, limit + 1)
    page = [_ticket(row) for row in found[:limit]]
    next_cursor = encode_cursor(page[-1].collected_at, page[-1].id) if len(found) > limit else None
    views = [staff_view(principal, t, t.school_code, t.assignee, ctx.now, t.merged_into) for t in page]
    return s.TicketPage(views, next_cursor)


# ---- the export -------------------------------------------------------------------------------

# (header, value of a row); a header with "{zone}" holds a time in the bureau's zone.
Column = tuple[str, Callable[[Any], Any]]


def _word(table: dict[Any, str]) -> Callable[[Any], str | None]:
    return lambda code: None if code is None else table.get(code, code)


_status, _channel, _kind = _word(words.STAFF_STATUS), _word(words.CHANNEL), _word(words.KIND)
_priority, _rating = _word(words.PRIORITY), _word(words.RATING)


def _columns(now: datetime) -> list[Column]:
    return [
        ("编号", lambda r: r["number"]),
        ("学校", lambda r: r["school_name"]),
        ("渠道", lambda r: _channel(r["channel"])),
        ("类型", lambda r: _kind(r["kind"])),
        ("类别", lambda r: r["category"]),
        ("紧急程度", lambda r: _priority(r["priority"])),
        ("状态", lambda r: _status(r["status"])),
        ("标题", lambda r: r["title"]),
        ("内容", lambda r: r["content"]),
        ("收集时间 {zone}", lambda r: r["collected_at"]),
        ("登记期限 {zone}", lambda r: r["register_due_at"]),
        ("答复期限 {zone}", lambda r: r["respond_due_at"]),
        ("是否逾期", lambda r: words.YES_NO[is_overdue(Status(r["status"]), r["respond_due_at"], now)]),
        ("督办", lambda r: words.YES_NO[bool(r["supervised"])]),
        ("承办人", lambda r: r["assignee_name"]),
        ("答复", lambda r: r["response_text"]),
        ("答复时间 {zone}", lambda r: r["responded_at"] if r["response_text"] is not None else None),
        ("评价", lambda r: _rating(r["rating"]) if r["rated_at"] is not None else None),
    ]


def zone_label(now: datetime, tz: Any) -> str:
    """ "(UTC+08:00)": the bureau's offset, as the export's time headers say it."""
    offset = now.astimezone(tz).strftime("%z")
    return f"(UTC{offset[:3]}:{offset[3:]})"


def text_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """Text is always text (a parent's "=HYPERLINK(…)" stays words, never a formula), with the
    characters a workbook cannot hold left out; other values as they are. Every workbook we
    write (the export, the monthly 通报, the 家访台账) puts typed text through this."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def _cell(sheet: WriteOnlyWorksheet, value: Any, tz: Any) -> Any:
    """A text cell (text_cell), or a time shown in the bureau's zone, to the second."""
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None, microsecond=0)
    return text_cell(sheet, value)


# The breakdown sheets: (dimension, sheet and first header, the words for a code if any).
BREAKDOWNS: tuple[tuple[str, str, Callable[[Any], str | None] | None], ...] = (
    ("school", "按学校", None),
    ("channel", "按渠道", _channel),
    ("kind", "按类型", _kind),
    ("category", "按类别", None),
)
# Each breakdown row's figures: (header, key in services/stats' rows, a rate?).
FIGURES = (
    ("收件", "total", False),
    ("已反馈", "responded", False),
    ("反馈率", "response_rate", True),
    ("按时反馈", "responded_on_time", False),
    ("按时反馈率", "on_time_rate", True),
    ("已评价", "rated", False),
    ("满意率", "satisfaction_rate", True),
    ("重办", "reopened", False),
    ("重办率", "reopen_rate", True),
    ("超期未办", "overdue_open", False),
    ("答复用时中位数（小时）", "median_hours_to_response", False),
)


class _Book:
    """The export's workbook in openpyxl's write-only mode: each row goes to a temporary file as
    it is appended and `save` zips them, so only the rows being written are in memory. Not
    thread-safe: one thread at a time (the export hands it to one worker thread per chunk)."""

    def __init__(self, tz: Any, now: datetime) -> None:
        self.tz, self.now = tz, now
        self.workbook = Workbook(write_only=True)
        self.columns = _columns(now)
        self.tickets = self._sheet("工单", [h.format(zone=zone_label(now, tz)) for h, _ in self.columns])
        self.written = 0

    def _sheet(self, title: str, header: Sequence[str]) -> WriteOnlyWorksheet:
        sheet: WriteOnlyWorksheet = self.workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        sheet.append([_cell(sheet, name, self.tz) for name in header])
        return sheet

    def add_tickets(self, rows: Sequence[Any]) -> None:
        sheet, tz = self.tickets, self.tz
        for row in rows:
            sheet.append([_cell(sheet, value(row), tz) for _, value in self.columns])
        self.written += len(rows)

    def add_breakdowns(self, figures: dict[str, list[dict[str, Any]]]) -> None:
        for by, title, word in BREAKDOWNS:
            sheet = self._sheet(title, [title.removeprefix("按"), *(h for h, _, _ in FIGURES)])
            for row in figures[by]:
                name = word(row["key"]) if word else row["name"]
                sheet.append(
                    [_cell(sheet, name, self.tz), *(_figure(sheet, row[k], rate) for _, k, rate in FIGURES)]
                )
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(FIGURES) + 1)}{len(figures[by]) + 1}"

    def save(self, path: str) -> None:
        self.tickets.auto_filter.ref = f"A1:{get_column_letter(len(self.columns))}{self.written + 1}"
        self.workbook.save(path)


def _figure(sheet: WriteOnlyWorksheet, value: Any, rate: bool) -> Any:
    if not rate or value is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "0.0%"
    return cell


async def export_xlsx(ctx: Ctx, principal: Principal, f: TicketFilter) -> BinaryIO:
    """The tickets in scope that match the filter, as a workbook in a temporary file, open for
    reading and already deleted (gone once the caller closes it, however the sending ends):
    sheet 工单 with words instead of codes, times in the bureau's zone (named in the headers), a
    frozen header row with filters; then one sheet of figures per school,
    channel, kind and category over the same tickets. Never cut, however many match: rows are
    read in chunks from a server-side cursor on the replica (or the primary) and written to disk,
    each chunk in a worker thread so the event loop keeps serving others meanwhile."""
    chosen = await selection(ctx, principal, f)
    fd, name = tempfile.mkstemp(prefix="hx-export-", suffix=".xlsx")
    os.close(fd)
    try:
        async with replica.reading(ctx) as reader:
            book = _Book(ctx.settings.timezone, ctx.now)
            async for rows in db.export_rows(await fast.driver(reader), chosen, EXPORT_CHUNK):
                await asyncio.to_thread(book.add_tickets, rows)
            book.add_breakdowns(await stats.export_breakdowns(reader, db.clause(chosen)))
        await asyncio.to_thread(book.save, name)
        # The caller streams and closes it; deleted below, it lives on as long as it is open.
        return await asyncio.to_thread(open, name, "rb")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
