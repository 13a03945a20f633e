"""The 教师家访统计表 as XLSX: per teacher of a school year, the students of the classes they
teach, those visited (and the 新生 among them), the records they were present at by form. Every
cell through listing.text_cell; written to a temporary file that is deleted at once and streamed
like the tickets' export."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from typing import Any, BinaryIO

from openpyxl import Workbook

from ..db import grids as db
from ..domain.access import Principal
from ..domain.enums import Role
from ..domain.errors import NotPermitted
from ..domain.visits import FORM_LABELS, VisitForm, rate
from .context import Ctx
from .listing import text_cell
from .visits import _school, _year_period, current_school_year

HEADER = ("教师", "账号", "任教学生", "已家访学生", "家访率", "新生", "已家访新生", "新生家访率", "家访记录")


def _write(path: str, title: str, rows: list[Any]) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("教师家访统计表")
    forms = [f"{FORM_LABELS[f]}（次）" for f in VisitForm]
    sheet.append([text_cell(sheet, title)])
    sheet.append([text_cell(sheet, h) for h in (*HEADER, *forms)])
    for r in rows:
        values = (
            r.display_name,
            r.username,
            r.students,
            r.visited,
            rate(r.visited, r.students),
            r.new_students,
            r.new_visited,
            rate(r.new_visited, r.new_students),
            r.records,
            *(getattr(r, f"form_{f.value}") for f in VisitForm),
        )
        sheet.append([text_cell(sheet, v) for v in values])
    book.save(path)


async def teacher_stats_xlsx(
    ctx: Ctx, principal: Principal, school_code: str, school_year: int | None = None
) -> tuple[str, BinaryIO]:
    """For the school's leaders (it names teachers; the bureau sees coverage in aggregate)."""
    school, roles = await _school(ctx, principal, school_code)
    if Role.LEADER not in roles:
        raise NotPermitted("Only a leader of the school may download the teachers' visit figures.")
    year = school_year or current_school_year(ctx)
    start, end = _year_period(ctx, year)
    rows = await db.teacher_stats(ctx.session, school.id, year, start, end, [f.value for f in VisitForm])
    title = f"{school.name} 教师家访统计表（{year}—{year + 1}学年）"
    fd, name = tempfile.mkstemp(prefix="hx-teachers-", suffix=".xlsx")
    os.close(fd)
    try:
        await asyncio.to_thread(_write, name, title, rows)
        return f"teacher-visits-{school.code}-{year}.xlsx", await asyncio.to_thread(open, name, "rb")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
