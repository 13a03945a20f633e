"""A student's file (一生一档, 嘉教〔2021〕86号: "建立教师联系家长档案，实行一生一档"): every year's
class, every visit record, every grid contact and every ticket about the student, kept across
class changes; and the school's report of who opened which file.

Protection: the file (its groups, the family situation in the records) opens only for the
student's current class's teachers and the school's leaders — a teacher of another class, or of
the student's class of a past year, gets 404 — and every opening is a row of roster_access,
reported to the school's leaders (access_report)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from ..db import grids as db
from ..domain.access import Principal
from ..domain.enums import Role
from ..domain.errors import Invalid, NotPermitted
from ..domain.grids import CONTACT_LABELS, ContactForm
from .context import Ctx
from .stats import instant
from .visits import _school, _student_access, student, student_revealed

MAX_REPORT_ROWS = 2000


async def _extras(ctx: Ctx, principal: Principal, view: dict[str, Any]) -> dict[str, Any]:
    found, _ = await _student_access(ctx, principal, view["id"])
    years = await db.enrolments(ctx.session, found.id)
    tickets = await db.student_tickets(
        ctx.session, found.id, found.school_id, found.name, [y[3] for y in years]
    )
    view["years"] = [
        {"class_id": c, "school_year": y, "grade": g, "class_name": n, "new_intake": new}
        for c, y, g, n, new in years
    ]
    view["grid"] = (await db.student_grids(ctx.session, [found.id])).get(found.id)
    view["contacts"] = [
        {
            "contacted_at": c.contacted_at,
            "form_label": CONTACT_LABELS[ContactForm(c.form)],
            "by": c.by_name,
            "note": c.note,
            "matter": c.matter,
            "ticket": c.number,
        }
        for c in await db.student_contacts(ctx.session, found.id)
    ]
    view["tickets"] = [
        {
            "number": t.number,
            "channel": t.channel,
            "category": t.category,
            "status": t.status,
            "collected_at": t.collected_at,
            "respond_due_at": t.respond_due_at,
            "responded_at": t.responded_at,
            "via": t.via,  # visit | grid | named (the ticket names the student and a class of theirs)
        }
        for t in tickets
    ]
    return view  # its 附表2 talk records (`talks`) come with the student (services/visits.py)


async def student_file(ctx: Ctx, principal: Principal, student_id: int) -> dict[str, Any]:
    """The whole file; the opening is logged (services/visits.student)."""
    return await _extras(ctx, principal, await student(ctx, principal, student_id))


async def student_file_revealed(ctx: Ctx, principal: Principal, student_id: int) -> dict[str, Any]:
    return await _extras(ctx, principal, await student_revealed(ctx, principal, student_id))


async def access_report(
    ctx: Ctx, principal: Principal, school_code: str, start: str | None = None, end: str | None = None
) -> dict[str, Any]:
    """Who opened which student's file or revealed a family's phone at the school, newest first
    (the last 30 days when no period is given): for the school's leaders."""
    school, roles = await _school(ctx, principal, school_code)
    if Role.LEADER not in roles:
        raise NotPermitted("Only a leader of the school may read who opened its students' files.")
    tz = ctx.settings.timezone
    since, until = instant(start, "from", tz, end=False), instant(end, "to", tz, end=True)
    today = datetime.combine(ctx.now.astimezone(tz).date() + timedelta(days=1), time(0), tzinfo=tz)
    until = until or today
    since = since or until - timedelta(days=30)
    if since >= until:
        raise Invalid("`from` must be before `to`.")
    rows = await db.access_report(ctx.session, school.id, since, until, MAX_REPORT_ROWS + 1)
    return {
        "school_code": school.code,
        "from": since,
        "to": until,
        "truncated": len(rows) > MAX_REPORT_ROWS,
        "items": [
            {
                "at": r.at,
                "by": r.display_name,
                "username": r.username,
                "student_id": r.student_id,
                "student_name": r.student_name,
                "class_name": r.class_name,
                "action": r.action,
            }
            for r in rows[:MAX_REPORT_ROWS]
        ],
    }
