"""The deadline sweep: what is due now is derived from the database, decided at most once per
ticket, rule and deadline, and recorded as in-app notices and outbox deliveries in the same
transaction. Run every minute by the scheduler (or `huixiang sweep --now`); any number of sweeps
may run at once: the rows they fire are locked and skipped, the fired deadline is written on the
ticket, and unique keys guard the notices and deliveries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import asyncpg

from ..db import fast
from ..db import reminders as db
from ..db import supervision as orders_db
from ..domain.enums import Role, Status
from . import followups, league_report
from .context import Ctx
from .notices import Notice, local, record, record_for_orgs, ticket_text
from .reference import clock_for
from .retention import anonymise_expired
from .tickets import archive_expired, resume_due_holds

DIGEST_AT = time(8, 0)
# A pending delivery already handed to the queue is handed to it again at most once in this
# window: two sweep intervals of the scheduler (which passes its own), so workers that are down
# or busy are not sent a copy at every sweep, and a message lost with Redis is sent again well
# before /health counts it late (5 minutes).
REQUEUE_AFTER = timedelta(minutes=2)


@dataclass
class SweepReport:
    fired: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    notices: int = 0
    archived: int = 0
    anonymised: int = 0  # closed tickets past the retention period (services/retention.py)
    deliveries: list[int] = field(default_factory=list)  # new and due-again, to enqueue after commit

    def summary(self) -> str:
        fired = ", ".join(f"{rule} {n}" for rule, n in sorted(self.fired.items())) or "nothing due"
        anonymised = f", {self.anonymised} anonymised" if self.anonymised else ""
        return (
            f"sweep: {fired}; {self.notices} notices, {self.archived} archived{anonymised}, "
            f"{len(self.deliveries)} deliveries to send"
        )


async def sweep(ctx: Ctx, requeue_after: timedelta = REQUEUE_AFTER) -> SweepReport:
    """Fire what is due, record its notices and deliveries, and answer them with the pending
    deliveries due again (not queued since their time came, or not within `requeue_after`)."""
    report = SweepReport()
    connection = await fast.driver(ctx)
    await db.begin_sweep(connection)
    for root_path in await db.roots(connection):
        clock = await clock_for(ctx, root_path)
        policy, now = clock.policy, ctx.now
        instants = {
            "now": now,
            "soon": clock.shift_keeping_time(now, policy.due_soon_days),
            "urgent_soon": now + timedelta(hours=policy.due_soon_urgent_hours),
            "escalate": clock.shift_keeping_time(now, -policy.escalate_after_days),
        }
        for rule in db.RULES:
            while True:
                fired = await db.fire(connection, rule, instants, root_path)
                if fired:
                    report.fired[rule] += len(fired)
                    await _notify(ctx, connection, rule, fired, report)
                if len(fired) < db.BATCH:
                    break
        if resumed := await resume_due_holds(ctx, root_path):
            report.fired["hold_ended"] += resumed  # 挂起 whose expected day came
        report.archived += await archive_expired(
            ctx, now - timedelta(days=policy.rating_window_days), root_path
        )
        report.anonymised += await anonymise_expired(ctx, root_path)
        await _digests(ctx, connection, clock, root_path, report)
        report.deliveries += await league_report.monthly_reports(ctx, connection, clock, root_path)
        fired_orders, deliveries = await league_report.overdue_orders(ctx, connection, root_path)
        if fired_orders:
            report.fired[league_report.ORDER_OVERDUE_RULE] += fired_orders
        report.deliveries += deliveries
        told = await followups.sweep_root(ctx, connection, root_path)
        for rule, count in (("followup_due", told.due), ("followup_overdue", told.overdue)):
            if count:
                report.fired[rule] += count
        report.notices += told.notices
        report.deliveries += told.deliveries or []
    await _orders_overdue(ctx, connection, report)
    due_again = await db.requeue_due(connection, ctx.now, requeue_after)
    report.deliveries = sorted(set(report.deliveries) | set(due_again))
    return report


async def _notify(
    ctx: Ctx, connection: asyncpg.Connection, rule: str, fired: list[Any], report: SweepReport
) -> None:
    org_ids = {row["org_id"] for row in fired} | {row["district_id"] for row in fired if row["district_id"]}
    roles = [Role.REGISTRAR.value, Role.LEADER.value, Role.INSPECTOR.value]
    staff = await db.staff_of(connection, sorted(org_ids), roles)
    tz = ctx.settings.timezone
    notices, robots = [], []
    for row in fired:
        extra = str(row["return_count"]) if rule == "bounced" else ""
        text = ticket_text(rule, row["number"], row["deadline"], tz, extra)
        for user_id in _recipients(rule, row, staff):
            notices.append(Notice(user_id, row["id"], rule, row["deadline"], text, {"number": row["number"]}))
        to_district = rule in ("escalated", "bounced") and row["district_id"]
        robot_org = row["district_id"] if to_district else row["org_id"]
        robots.append((row["id"], rule, row["deadline"], text, [robot_org]))
    new = await record(connection, notices, ctx.now)
    report.notices += len(notices)
    report.deliveries += new
    report.deliveries += await record_for_orgs(connection, robots, ctx.now)


async def _orders_overdue(ctx: Ctx, connection: asyncpg.Connection, report: SweepReport) -> None:
    """督办 orders still open past their deadline become overdue, each once; the school's
    leaders (where the ticket is filed) and the issuing inspector are told."""
    while True:
        fired = await orders_db.fire_overdue(connection, ctx.now)
        if fired:
            report.fired["order_overdue"] += len(fired)
            leaders = await db.staff_of(connection, sorted({r["org_id"] for r in fired}), [Role.LEADER.value])
            notices = []
            for row in fired:
                due = local(row["deadline"], ctx.settings.timezone)
                text = f"工单 {row['number']} 的督办已超过期限（{due}），请立即办结并答复家长。"
                issuer = [row["issued_by_id"]] if row["issued_by_id"] else []
                data = {"number": row["number"], "order_id": row["id"]}
                for user_id in sorted({*leaders.get((row["org_id"], Role.LEADER), []), *issuer}):
                    notices.append(
                        Notice(user_id, row["ticket_id"], "order_overdue", row["deadline"], text, data)
                    )
            report.deliveries += await record(connection, notices, ctx.now)
            report.notices += len(notices)
        if len(fired) < orders_db.BATCH:
            break


def _recipients(rule: str, row: Any, staff: dict[tuple[int, str], list[int]]) -> set[int]:
    org, assignee = row["org_id"], row["assignee_id"]
    registrars, leaders = staff.get((org, Role.REGISTRAR), []), staff.get((org, Role.LEADER), [])
    if rule == "register_overdue":
        return {*registrars, *leaders}
    if rule == "overdue":
        return {*leaders, *([assignee] if assignee else [])}
    if rule in ("escalated", "bounced"):
        return set(staff.get((row["district_id"], Role.INSPECTOR), []))
    # due soon: whoever holds the ticket now (an answer waiting for 签发: the leaders). A
    # ticket's helpers (协办) get no reminders: one deadline, one lead answerable for it.
    if row["status"] == Status.REVIEWING.value:
        return set(leaders)
    if assignee:
        return {assignee}
    return set(registrars if row["status"] in ("collected", "registered") else leaders)


async def _digests(
    ctx: Ctx, connection: asyncpg.Connection, clock: Any, root_path: str, report: SweepReport
) -> None:
    """Each working morning, each leader: open, due today, overdue in their unit."""
    local_now = ctx.now.astimezone(clock.tz)
    if not clock.calendar.is_workday(local_now.date()) or local_now.time() < DIGEST_AT:
        return
    morning = datetime.combine(local_now.date(), DIGEST_AT, tzinfo=clock.tz)
    evening = datetime.combine(local_now.date(), time(23, 59, 59), tzinfo=clock.tz)
    notices = []
    for leader in await db.leaders_without_digest(connection, root_path, morning):
        # Per leader: a ticket that names them is in no figure of theirs.
        f = await db.open_figures(connection, leader["path"], evening, ctx.now, leader["user_id"])
        text = f"待办 {f['open']} 件，今日到期 {f['due_today']} 件，已逾期 {f['overdue']} 件。"
        notices.append(Notice(leader["user_id"], None, "digest", morning, text, dict(f)))
    report.deliveries += await record(connection, notices, ctx.now)
    report.notices += len(notices)
