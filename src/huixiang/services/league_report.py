"""The monthly 通报 and the 限期整改 deadline rule, both run by the deadline sweep
(services/reminders.py), like the daily digest.

On the first working day of each month (from the digest's hour; a scheduler that was down
catches up later that month), each unit that set an assessment of its own gets the previous
month's 通报, exactly once: the (unit, month) row is claimed first under a unique key, so a
second scheduler, concurrent or later, finds it and does nothing. In the same transaction:
the workbook and the summary the printable page shows are stored, the schools under the line
get their 限期整改 orders (once per unit, school and month), their leaders are told, and the
unit's robots and its inspectors' email get a notice with the link to the page."""

from __future__ import annotations

import io
import json
from datetime import datetime, time
from typing import Any

import asyncpg
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..db import fast
from ..db import league as db
from ..db import notices as notices_db
from ..domain.access import Principal
from ..domain.deadlines import Clock
from ..domain.enums import Role
from ..domain.errors import NotFound
from ..domain.league import FIGURES, Assessment, Period, first_workday, report_due
from .context import Ctx
from .league import Row, ranked_rows, source_for, title
from .listing import text_cell
from .notices import SUBJECTS, Notice, local, record
from .reference import OrgInfo, clock_for

REPORT_AT = time(8, 0)  # the daily digest's hour
RULE = "league_report"
ORDER_RULE = "rectification"
ORDER_OVERDUE_RULE = "rectification_overdue"
FIGURE_WORDS = {
    "response": "反馈率",
    "on_time": "按时反馈率",
    "satisfaction": "满意率",
    "reopen": "重办率（越低越好）",
    "overdue": "超期未办占比（越低越好）",
}


def report_path(report_id: int) -> str:
    return f"/bureau/league/reports/{report_id}"


def _link(ctx: Ctx, report_id: int) -> str:
    base = (ctx.settings.public_url or "").rstrip("/")
    return f"{base}{report_path(report_id)}"


# ---- the sweep's part ---------------------------------------------------------------------


async def monthly_reports(
    ctx: Ctx, connection: asyncpg.Connection, clock: Clock, root_path: str
) -> list[int]:
    """Make the 通报 due now under a root; answers the deliveries to queue after the commit."""
    local_now = ctx.now.astimezone(clock.tz)
    if local_now.time() < REPORT_AT:
        return []
    period = report_due(local_now.date(), clock.calendar)
    if period is None:
        return []
    # A unit that first sets its assessment later in the month waits for next month's 通报.
    today = local_now.date()
    fell_due = datetime.combine(first_workday(today.year, today.month, clock.calendar), REPORT_AT, clock.tz)
    deliveries: list[int] = []
    for unit in await db.units_due_a_report(connection, root_path, period.first, fell_due):
        report_id = await db.claim_report(connection, unit["id"], period.first, ctx.now)
        if report_id is None:
            continue
        org = OrgInfo(unit["id"], unit["code"], unit["name"], unit["kind"], unit["path"], None)
        assessment = Assessment.from_json(unit["assessment"])
        deliveries += await _make(ctx, connection, clock, org, period, assessment, report_id)
    return deliveries


async def make_report(ctx: Ctx, org: OrgInfo, period: Period) -> int | None:
    """The 通报 of one unit for one month at once, as the monthly job makes it (the demo's and
    an operator's way in): its id, or None when that month's was made already. Deliveries go
    to ctx.deliveries, queued after the commit."""
    connection = await fast.driver(ctx)
    report_id = await db.claim_report(connection, org.id, period.first, ctx.now)
    if report_id is None:
        return None
    source = await source_for(ctx, org)
    clock = await clock_for(ctx, org.path)
    ctx.deliveries += await _make(ctx, connection, clock, org, period, source.assessment, report_id)
    return report_id


async def _make(
    ctx: Ctx,
    connection: asyncpg.Connection,
    clock: Clock,
    org: OrgInfo,
    period: Period,
    assessment: Assessment,
    report_id: int,
) -> list[int]:
    rows, figures = await ranked_rows(ctx, org, period, assessment)
    due_at = clock.after_workdays(ctx.now, assessment.rectify_days)
    below = [r for r in rows if r.below_line and r.score is not None]
    schools = {s.code: s for s in await db.schools_under(ctx.session, org.path)}
    new = await db.insert_orders(
        connection,
        [
            (
                report_id,
                org.id,
                schools[r.school_code].id,
                schools[r.school_code].path,
                period.key,
                r.score,
                assessment.passing_line,
                due_at,
                ctx.now,
            )
            for r in below
        ],
    )
    summary = _summary(ctx, org, period, assessment, rows, figures, due_at)
    await db.fill_report(connection, report_id, json.dumps(summary, ensure_ascii=False), workbook(summary))
    deliveries = await _tell_leaders(ctx, connection, new, {s.id: s.name for s in schools.values()})
    deliveries += await _announce(ctx, connection, org, period, report_id, len(below))
    return deliveries


def _summary(
    ctx: Ctx,
    org: OrgInfo,
    period: Period,
    assessment: Assessment,
    rows: list[Row],
    figures: dict[str, Any],
    due_at: datetime,
) -> dict[str, Any]:
    """What the printable page and the workbook show, as it was when the 通报 was made."""
    districts: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = districts.setdefault(r.district_name or org.name, {"schools": 0, "scores": [], "below": 0})
        d["schools"] += 1
        if r.score is not None:
            d["scores"].append(r.score)
        d["below"] += int(r.below_line)
    headline = {k: figures.get(k) for k in ("total", "response_rate", "on_time_rate", "satisfaction_rate")}
    return {
        "title": title(org.name, period.key),
        "org_code": org.code,
        "org_name": org.name,
        "period": {"key": period.key, "from": period.first.isoformat(), "to": period.last.isoformat()},
        "made_at": ctx.now.isoformat(),
        "due_at": due_at.isoformat(),
        # As the pages show them: in the bureau's zone.
        "made_at_local": local(ctx.now, ctx.settings.timezone),
        "due_local": local(due_at, ctx.settings.timezone),
        "assessment": assessment.to_json(),
        "headline": {
            **headline,
            "reopen_rate": figures.get("reopen_rate"),
            "overdue_open": figures.get("overdue_open"),
        },
        "rows": [_row(r) for r in rows],
        "districts": [
            {
                "name": name,
                "schools": d["schools"],
                "scored": len(d["scores"]),
                "mean_score": round(sum(d["scores"]) / len(d["scores"]), 1) if d["scores"] else None,
                "below": d["below"],
            }
            for name, d in districts.items()
        ],
        "below": [
            {"school_code": r.school_code, "school_name": r.school_name, "score": r.score}
            for r in rows
            if r.below_line
        ],
    }


def _row(r: Row) -> dict[str, Any]:
    return {
        "rank": r.rank,
        "school_code": r.school_code,
        "school_name": r.school_name,
        "district_name": r.district_name,
        "score": r.score,
        "below_line": r.below_line,
        **r.figures,
    }


async def _tell_leaders(
    ctx: Ctx, connection: asyncpg.Connection, new: list[Any], names: dict[int, str]
) -> list[int]:
    if not new:
        return []
    leaders = await db.staff_at(connection, [o["school_id"] for o in new], Role.LEADER.value)
    tz = ctx.settings.timezone
    notices = [
        Notice(
            leader["id"],
            None,
            ORDER_RULE,
            order["due_at"],
            f"{names[order['school_id']]}上月考核得分低于合格线，"
            f"请于 {local(order['due_at'], tz)} 前完成整改，"
            "并在“排名通报”页面标记整改完成。",
            {"order_id": order["id"]},
        )
        for order in new
        for leader in leaders
        if leader["org_id"] == order["school_id"]
    ]
    return await record(connection, notices, ctx.now)


async def _announce(
    ctx: Ctx, connection: asyncpg.Connection, org: OrgInfo, period: Period, report_id: int, below: int
) -> list[int]:
    """The unit's group robots and its inspectors (in-app, and email where they chose it)."""
    link = _link(ctx, report_id)
    body = (
        f"《{title(org.name, period.key)}》已生成，{below} 所学校低于合格线、须限期整改。查看与下载：{link}"
    )
    subject = SUBJECTS[RULE]
    deadline = datetime.combine(period.first, time(0), tzinfo=ctx.settings.timezone)
    rows: list[db.LinkedRow] = [
        (RULE, f"org:{org.id}:{hook['id']}", hook["kind"], hook["url"], deadline, body, subject, link)
        for hook in await notices_db.robots(connection, [org.id])
    ]
    inspectors = await db.staff_at(connection, [org.id], Role.INSPECTOR.value)
    fresh = await notices_db.insert_notifications(
        connection,
        [
            (i["id"], None, RULE, ctx.now, deadline, json.dumps({"body": body, "report_id": report_id}))
            for i in inspectors
        ],
    )
    for i in inspectors:
        if (
            (i["id"], None, RULE, deadline) in fresh
            and "email" in (i["notify_channels"] or ())
            and i["email"]
        ):
            rows.append((RULE, f"user:{i['id']}", "email", i["email"], deadline, body, subject, link))
    return await db.insert_linked_deliveries(connection, rows, ctx.now)


async def overdue_orders(ctx: Ctx, connection: asyncpg.Connection, root_path: str) -> tuple[int, list[int]]:
    """The 限期整改 rule: open orders past their deadline turn overdue, once; the school's
    leaders and the issuing unit's inspectors are told. Answers (fired, deliveries)."""
    fired = await db.fire_overdue(connection, root_path, ctx.now)
    if not fired:
        return 0, []
    leaders = await db.staff_at(connection, [o["school_id"] for o in fired], Role.LEADER.value)
    inspectors = await db.staff_at(connection, [o["issuer_id"] for o in fired], Role.INSPECTOR.value)
    tz = ctx.settings.timezone
    notices = []
    for order in fired:
        text = f"{order['period']} 限期整改已超过期限（{local(order['due_at'], tz)}），尚未标记整改完成。"
        for person in [*leaders, *inspectors]:
            if person["org_id"] in (order["school_id"], order["issuer_id"]):
                notices.append(
                    Notice(
                        person["id"],
                        None,
                        ORDER_OVERDUE_RULE,
                        order["due_at"],
                        text,
                        {"order_id": order["id"]},
                    )
                )
    return len(fired), await record(connection, notices, ctx.now)


# ---- the workbook -----------------------------------------------------------------------------


def _sheet(book: Workbook, name: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(name)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    sheet.append([text_cell(sheet, h) for h in header])
    for row in rows:
        sheet.append([text_cell(sheet, v) for v in row])


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def workbook(summary: dict[str, Any]) -> bytes:
    """The 通报 as XLSX: one sheet per breakdown (schools ranked, districts, 限期整改, the
    weights), each with a frozen header row and filters; rates in percent."""
    book = Workbook(write_only=True)
    _sheet(
        book,
        "学校排名",
        [
            "名次",
            "学校",
            "所属区县",
            "得分",
            "低于合格线",
            "收件",
            "反馈率%",
            "按时反馈率%",
            "满意率%",
            "重办率%",
            "超期未办",
        ],
        [
            [
                r["rank"],
                r["school_name"],
                r["district_name"] or "",
                r["score"],
                "是" if r["below_line"] else "否",
                r["total"],
                _pct(r["response_rate"]),
                _pct(r["on_time_rate"]),
                _pct(r["satisfaction_rate"]),
                _pct(r["reopen_rate"]),
                r["overdue_open"],
            ]
            for r in summary["rows"]
        ],
    )
    _sheet(
        book,
        "区县汇总",
        ["区县", "学校数", "参与评分", "平均得分", "低于合格线"],
        [[d["name"], d["schools"], d["scored"], d["mean_score"], d["below"]] for d in summary["districts"]],
    )
    _sheet(
        book,
        "限期整改",
        ["学校", "得分", "合格线", "整改期限"],
        [
            [b["school_name"], b["score"], summary["assessment"]["passing_line"], summary["due_at"][:10]]
            for b in summary["below"]
        ],
    )
    weights = summary["assessment"]["weights"]
    _sheet(
        book,
        "评分权重",
        ["指标", "分值"],
        [
            *([FIGURE_WORDS[name], weights[name]] for name in FIGURES),
            ["合格线", summary["assessment"]["passing_line"]],
            ["整改期限（工作日）", summary["assessment"]["rectify_days"]],
        ],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- reading a 通报 -----------------------------------------------------------------------------


def _may_read(principal: Principal, org_path: str) -> bool:
    return bool(principal.roles_over(org_path) & {Role.INSPECTOR, Role.ADMIN})


async def report(ctx: Ctx, principal: Principal, report_id: int) -> tuple[int, dict[str, Any], bytes]:
    """A 通报 the caller reaches (inspectors and admins at its unit or above; else 404)."""
    found = await db.report_by_id(ctx.session, report_id)
    if found is None or not _may_read(principal, found.path) or not found[0].summary:
        raise NotFound("No such report in your scope.")
    return found[0].id, found[0].summary, found[0].xlsx


def report_filename(summary: dict[str, Any]) -> str:
    return f"league-{summary['org_code']}-{summary['period']['key']}.xlsx"
