"""查看记录: who saw which parent's or student's personal data, when and why — for the bureau's
inspectors over their scope (a school's leader over the school), as a page, JSON and XLSX."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook

from ..db import reveals as db
from ..domain import words
from ..domain.access import Principal
from ..domain.enums import Role
from ..domain.errors import Invalid, NotFound, NotPermitted
from .callbacks import period
from .context import Ctx
from .listing import text_cell
from .reference import org_info

LIMIT = 5000
READERS = frozenset({Role.INSPECTOR, Role.LEADER})
FIELD_WORDS = {"contact": "家长联系方式", "student": "学生信息"}


@dataclass(frozen=True, slots=True)
class RevealRow:
    at: datetime
    actor: str
    username: str | None
    role: str
    school: str
    subject: str  # "工单 2026-000123" or "学生 #17（三年级2班）"
    what: str  # which data was shown
    reason: str


@dataclass
class Report:
    start: date
    end: date
    rows: list[RevealRow]
    truncated: bool


def _role_word(role: str) -> str:
    try:
        return words.ROLE[Role(role)]
    except ValueError:
        return "承办人" if role == "assignee" else role


async def report(
    ctx: Ctx,
    principal: Principal,
    start: date | None = None,
    end: date | None = None,
    school_code: str | None = None,
    username: str | None = None,
) -> Report:
    """Every reveal in scope in the period (both days included; default the last 30), newest
    first, filtered by school and by the user who revealed."""
    if not any(g.role in READERS for g in principal.grants):
        raise NotPermitted("Only inspectors and leaders read who revealed personal data.")
    first, last, since, until = period(ctx, start, end)
    school_id = None
    if school_code:
        school = await org_info(ctx, school_code)
        if school is None or not principal.roles_over(school.path) or school.kind != "school":
            raise Invalid(f"`school_code` names no school in your scope: {school_code!r}.")
        school_id = school.id
    user_id = None
    if username:
        user_id = await db.user_id_of(ctx.session, username)
        if user_id is None:
            raise NotFound(f"No user {username!r}.")
    args: dict[str, Any] = {"school_id": school_id, "user_id": user_id, "limit": LIMIT + 1}
    rows = [
        RevealRow(
            r.at,
            r.actor,
            r.username,
            _role_word(r.actor_role),
            r.school_name,
            f"工单 {r.number}",
            "、".join(FIELD_WORDS.get(f, f) for f in (r.data or {}).get("fields", [])) or "—",
            r.reason or "",
        )
        for r in await db.ticket_reveals(ctx.session, principal, since, until, **args)
    ]
    rows += [
        RevealRow(
            r.at,
            r.actor,
            r.username,
            "",
            r.school_name,
            f"学生 #{r.student_id}（{r.class_name}）",
            "家长电话（家访名册）",
            "",
        )
        for r in await db.roster_reveals(ctx.session, principal, since, until, **args)
    ]
    rows.sort(key=lambda row: row.at, reverse=True)
    return Report(first, last, rows[:LIMIT], len(rows) > LIMIT)


def report_view(found: Report) -> dict[str, Any]:
    return {
        "from": found.start.isoformat(),
        "to": found.end.isoformat(),
        "truncated": found.truncated,
        "items": [
            {
                "at": r.at,
                "user": r.username,
                "name": r.actor,
                "role": r.role,
                "school": r.school,
                "subject": r.subject,
                "what": r.what,
                "reason": r.reason,
            }
            for r in found.rows
        ],
    }


def workbook(found: Report, tz: Any) -> bytes:
    """The report as XLSX; every typed text (names, reasons) through text_cell."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("查看记录")
    sheet.freeze_panes = "A2"
    header = ["时间", "查看人", "用户名", "身份", "学校", "对象", "查看内容", "原因"]
    sheet.append([text_cell(sheet, h) for h in header])
    for r in found.rows:
        at = r.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        values = [at, r.actor, r.username or "", r.role, r.school, r.subject, r.what, r.reason]
        sheet.append([text_cell(sheet, v) for v in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
