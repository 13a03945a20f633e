"""The demo's 退单 and 挂起 (issue 12), after the planned events: at 第一实验小学, a hold the
first handler asked for and the leader granted (it ends by itself in a few days), holds the
leader put at once on the second handler's ticket and on one handed to the office, a hold asked for and
awaiting the leader, and a ticket the second handler returned; at 第二中学, a ticket its
registrar sent up to the district as not the school's (非本校职责)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..db import holds as db
from ..domain.access import Principal
from ..domain.due import due_within
from ..domain.enums import Action, ReturnReason
from ..services import schemas as s
from ..services import tickets
from ..services.context import Ctx
from ..services.reference import clock_for, org_info

SCHOOL, OTHER = "demo-shiyan", "demo-erzhong"
LEADER, HANDLERS = "demo-shiyan-leader", ("demo-shiyan-handler1", "demo-shiyan-handler2")
OFFICE = "demo-shiyan-office"  # the registrar who also handles


async def load_holds(ctx: Ctx, principals: dict[str, Principal]) -> None:
    tz = ctx.settings.timezone
    today = ctx.now.astimezone(tz).date()
    first, second = HANDLERS
    rows = list(await db.assigned_with_last_event(ctx.session, SCHOOL))

    # None due soon: the handlers' 即将超期 keeps what it holds.
    school = await org_info(ctx, SCHOOL)
    soon = due_within(ctx.now, await clock_for(ctx, school.path)) if school else ctx.now
    keep = {r.number for r in rows if ctx.now <= r.respond_due_at < soon}

    def pick(username: str, before: datetime) -> str | None:
        """The user's assigned ticket untouched since `before` and due latest after it (the
        one whose leaving least changes the handler's 即将超期 and 已超期 queues)."""
        mine = [
            r
            for r in rows
            if r.username == username and r.last_at < before < r.respond_due_at and r.number not in keep
        ]
        if not mine:
            return None
        row = max(mine, key=lambda r: r.respond_due_at)
        rows.remove(row)
        return str(row.number)

    async def act(at: datetime, who: str, number: str, action: Action, request: Any) -> None:
        past = Ctx(ctx.session, ctx.settings, ctx.caches, at)
        await tickets.act(past, principals[who], number, action, request)

    two_days = ctx.now - timedelta(days=2)
    yesterday = ctx.now - timedelta(days=1)
    asked_at = two_days
    number = pick(first, two_days) or pick(first, asked_at := yesterday)
    if number:
        reason = "需等待区疾控中心对食堂留样的检测报告，报告出具后再答复家长。"
        until = today + timedelta(days=5)
        await act(asked_at, first, number, Action.REQUEST_HOLD, s.HoldRequest(reason=reason, until=until))
        await act(asked_at + timedelta(hours=1), LEADER, number, Action.HOLD, s.HoldRequest())
    if number := pick(second, yesterday):
        reason = "涉事教师病假，返校后当面核实情况。"
        await act(yesterday, LEADER, number, Action.HOLD, s.HoldRequest(reason=reason))
    if number := pick(first, yesterday) or pick(second, yesterday):  # handed to the office, then held
        note = "涉及课后服务收费，请办公室核实。"
        await act(yesterday, LEADER, number, Action.ASSIGN, s.AssignRequest(assignee=OFFICE, note=note))
        reason = "已约家长本周内来校面谈，面谈后再答复。"
        hold = s.HoldRequest(reason=reason, until=today + timedelta(days=3))
        await act(yesterday + timedelta(hours=2), LEADER, number, Action.HOLD, hold)
    hours_ago = ctx.now - timedelta(hours=3)
    if number := pick(first, hours_ago):
        reason = "家长反映的校车线路调整需区交通部门答复。"
        await act(hours_ago, first, number, Action.REQUEST_HOLD, s.HoldRequest(reason=reason))
    if number := pick(second, hours_ago):
        request = s.ReturnRequest(reason_code=ReturnReason.NOT_MINE, note="属总务处职责，请改交后勤负责人。")
        await act(hours_ago + timedelta(minutes=20), second, number, Action.RETURN, request)
    for row in await db.registered_with_last_event(ctx.session, OTHER):
        if row.last_at < hours_ago:
            request = s.ReturnRequest(
                reason_code=ReturnReason.NOT_OURS, note="反映的是区少年宫的课程，非本校组织。"
            )
            await act(hours_ago, "demo-erzhong-registrar", str(row.number), Action.RETURN, request)
            break
