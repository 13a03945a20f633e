"""退单 and 挂起, the lifecycle's side roads (the table in domain/lifecycle.py decides the status).

退单 sends a misrouted ticket back to whoever routed it: the assignee's return goes to the leader
who assigned it (the ticket waits to be assigned again); a return by the school's registrar or
leader sends a ticket filed at the school up to its district, whose staff route it again. Each
return counts; the third one (BOUNCE_ALERT_AT) sets `bounced_at`, which the sweep's `bounced`
rule fires for once, telling the district's inspectors.

挂起 stops the clock: the assignee asks (request_hold), a leader holds (approving the request or
at once) or denies. While held the ticket awaits no response, so it is neither overdue nor
reminded; 恢复办理 (a leader, the assignee, or the sweep on the expected day) moves the respond
deadline later by the working days the hold took (domain/deadlines.Clock.resumed_due)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ...db import fast, repo
from ...db import holds as db
from ...db import notices as notices_db
from ...db.models import Ticket
from ...domain import lifecycle
from ...domain.access import Principal
from ...domain.deadlines import Clock
from ...domain.enums import Action, Actor, ReturnReason, Role, Status
from ...domain.errors import Conflict, Invalid
from ...domain.words import RETURN_REASON
from .. import schemas as s
from ..context import Ctx
from ..notices import SUBJECTS, local, ticket_text
from ..reference import clock_for
from .outcome import Handler, Outcome
from .records import ActorRef, commit_action, tell_parent

# The return that alerts the district: "a ticket that bounces more than twice".
BOUNCE_ALERT_AT = 3
SYSTEM_ACTOR: ActorRef = ("system", str(Actor.SYSTEM), None)


# ---- 退单 --------------------------------------------------------------------------------------


async def _return(ctx: Ctx, principal: Principal, ticket: Ticket, r: s.ReturnRequest) -> Outcome:
    reason = RETURN_REASON[ReturnReason(r.reason_code)]
    data: dict[str, Any] = {"reason_code": r.reason_code.value}
    public = None
    if ticket.status == Status.ASSIGNED.value:
        # The assignee gives it back to the leader who assigned it, to be assigned again.
        leader_id = await db.last_assigner(ctx.session, ticket.id)
        data |= {"to": "leader", "previous": await repo.username_of(ctx.session, ticket.assignee_id or 0)}
        ticket.assignee_id = None
        target: dict[str, Any] = (
            {"user_ids": [leader_id]}
            if leader_id
            else {"org_id": ticket.org_id, "roles": [Role.LEADER.value]}
        )
    else:
        if ticket.org_id != ticket.school_id or ticket.district_id is None:
            raise Conflict(
                f"Cannot return ticket {ticket.number} upward: it is filed at the district already; "
                "its leader assigns it or answers it."
            )
        district = await repo.org_by_id(ctx.session, ticket.district_id)
        assert district is not None  # a foreign key
        ticket.org_id, ticket.org_path = district.id, district.path
        data |= {"to": "district", "district": district.code}
        target = {"org_id": district.id, "roles": [Role.REGISTRAR.value, Role.LEADER.value]}
        public = f"学校已将您的留言转交{district.name}重新分派办理。"
    ticket.return_count += 1
    data["count"] = ticket.return_count
    if ticket.return_count == BOUNCE_ALERT_AT:
        ticket.bounced_at = ctx.now  # the sweep's `bounced` rule fires for it once
    ticket.hold_request = None
    await _notify(ctx, ticket, "returned", f"{reason}，第 {ticket.return_count} 次", **target)
    return Outcome(internal_note=r.note, data=data, public_note=public)


# ---- 挂起 --------------------------------------------------------------------------------------


def _check_running(ctx: Ctx, ticket: Ticket) -> None:
    """A hold stops a running clock; it cannot take back a deadline already missed (the figures
    would lose the lateness)."""
    if ctx.now > ticket.respond_due_at:
        due = local(ticket.respond_due_at, ctx.settings.timezone)
        raise Conflict(
            f"Cannot hold ticket {ticket.number}: it is overdue since {due}; a hold stops the "
            "clock only while the deadline has not passed."
        )


async def _request_hold(ctx: Ctx, principal: Principal, ticket: Ticket, r: s.HoldRequest) -> Outcome:
    _check_running(ctx, ticket)
    if ticket.hold_request:
        raise Conflict(f"A hold of ticket {ticket.number} was asked for already and awaits a leader.")
    if not (r.reason and r.reason.strip()):
        raise Invalid("`reason` is required: say why the ticket should be held.")
    clock = await clock_for(ctx, ticket.org_path)
    if r.until is not None:
        clock.hold_ends(r.until, ctx.now)  # checked now, and again when a leader approves
    ticket.hold_request = {
        "reason": r.reason.strip(),
        "until": r.until.isoformat() if r.until else None,
        "by": principal.user_id,
        "by_name": principal.display_name,
        "at": ctx.now.isoformat(),
    }
    await _notify(ctx, ticket, "hold_requested", r.reason.strip(), org_id=ticket.org_id, roles=[Role.LEADER])
    return Outcome(internal_note=r.reason, data={"until": ticket.hold_request["until"]})


async def _hold(ctx: Ctx, principal: Principal, ticket: Ticket, r: s.HoldRequest) -> Outcome:
    _check_running(ctx, ticket)
    asked = ticket.hold_request or {}
    reason = (r.reason or "").strip() or asked.get("reason")
    if not reason:
        raise Invalid("`reason` is required: say why the ticket is held.")
    until = r.until or (datetime.fromisoformat(asked["until"]).date() if asked.get("until") else None)
    clock = await clock_for(ctx, ticket.org_path)
    ticket.hold_until = clock.hold_ends(until, ctx.now) if until else None
    ticket.held_at, ticket.hold_reason, ticket.hold_request = ctx.now, reason, None
    expected = f"预计 {until.isoformat()} 恢复办理，" if until else ""
    public = f"{expected}暂停期间不计答复期限，恢复后相应顺延。"
    await tell_parent(ctx, ticket, "paused", public)
    if ticket.assignee_id and ticket.assignee_id != principal.user_id:
        await _notify(ctx, ticket, "held", reason, user_ids=[ticket.assignee_id])
    data = {"until": until.isoformat() if until else None, "requested_by": asked.get("by_name")}
    return Outcome(internal_note=reason, data=data, public_note=public)


async def _deny_hold(ctx: Ctx, principal: Principal, ticket: Ticket, r: s.DenyHoldRequest) -> Outcome:
    asked = ticket.hold_request
    if not asked:
        raise Conflict(f"No hold of ticket {ticket.number} awaits a decision.")
    ticket.hold_request = None
    if asked.get("by") and asked["by"] != principal.user_id:
        await _notify(ctx, ticket, "hold_denied", r.reason, user_ids=[asked["by"]])
    return Outcome(internal_note=r.reason, data={"requested_by": asked.get("by_name")})


async def _resume(ctx: Ctx, principal: Principal, ticket: Ticket, r: s.ResumeRequest) -> Outcome:
    outcome = await resumed(ctx, ticket, await clock_for(ctx, ticket.org_path))
    if ticket.assignee_id and ticket.assignee_id != principal.user_id:
        await _notify(ctx, ticket, "hold_resumed", "", user_ids=[ticket.assignee_id])
    outcome.internal_note = r.note
    return outcome


async def resumed(ctx: Ctx, ticket: Ticket, clock: Clock) -> Outcome:
    """End the hold in force: the deadline later by the working days it took; the parent told."""
    held_at = ticket.held_at or ctx.now
    days = clock.held_workdays(held_at, ctx.now)
    previous = ticket.respond_due_at
    ticket.respond_due_at = clock.resumed_due(previous, held_at, ctx.now)
    ticket.held_days += days
    ticket.held_at = ticket.hold_until = ticket.hold_reason = None
    tz = ctx.settings.timezone
    public = f"答复期限顺延至 {local(ticket.respond_due_at, tz)}。" if days else "答复期限不变。"
    await tell_parent(ctx, ticket, "resumed", public)
    data = {
        "held_days": days,
        "from": previous.astimezone(tz).isoformat(),
        "to": ticket.respond_due_at.astimezone(tz).isoformat(),
    }
    return Outcome(data=data, public_note=public)


async def resume_due_holds(ctx: Ctx, root_path: str, limit: int = 2000) -> int:
    """The sweep's part: the holds under `root_path` whose expected day has come end by
    themselves (an event by `system`)."""
    tickets = await db.lock_holds_due(ctx.session, ctx.now, root_path, limit)
    clock = await clock_for(ctx, root_path) if tickets else None
    for ticket in tickets:
        assert clock is not None
        target = lifecycle.transition(Status.HELD, Action.RESUME, frozenset({Actor.SYSTEM}))
        outcome = await resumed(ctx, ticket, clock)
        if ticket.assignee_id:
            await _notify(ctx, ticket, "hold_resumed", "", user_ids=[ticket.assignee_id])
        await commit_action(
            ctx,
            ticket,
            Action.RESUME,
            Status.HELD,
            target,
            actor=SYSTEM_ACTOR,
            note=outcome.public_note,
            internal_note="挂起到期，自动恢复办理。",
            data=outcome.data,
        )
    return len(tickets)


async def _notify(
    ctx: Ctx,
    ticket: Ticket,
    rule: str,
    extra: str,
    *,
    org_id: int | None = None,
    roles: list[str] | None = None,
    user_ids: list[int] | None = None,
) -> None:
    """A notice at once, in this transaction (once per user, ticket, rule and instant)."""
    text = ticket_text(rule, ticket.number, None, ctx.settings.timezone, extra)
    ctx.deliveries += await notices_db.notify_staff(
        await fast.driver(ctx),
        org_id=org_id,
        roles=[str(r) for r in roles or ()],
        user_ids=user_ids or [],
        ticket_id=ticket.id,
        rule=rule,
        deadline=ctx.now,
        body=text,
        subject=SUBJECTS[rule],
        data=json.dumps({"body": text, "number": ticket.number}, ensure_ascii=False),
        now=ctx.now,
    )


HANDLERS: dict[Action, Handler] = {
    Action.RETURN: _return,
    Action.REQUEST_HOLD: _request_hold,
    Action.HOLD: _hold,
    Action.DENY_HOLD: _deny_hold,
    Action.RESUME: _resume,
}

REQUESTS: dict[Action, type[s.ActionInput]] = {
    Action.RETURN: s.ReturnRequest,
    Action.REQUEST_HOLD: s.HoldRequest,
    Action.HOLD: s.HoldRequest,
    Action.DENY_HOLD: s.DenyHoldRequest,
    Action.RESUME: s.ResumeRequest,
}
