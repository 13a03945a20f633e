"""回访 use cases: the policies, a callback falling due at an answer, the caller's queue, the
recorded outcome (through the lifecycle's `callback` action, services/tickets/actions.py), the
caller's audited reveal of the phone, and the console's figures."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from ..db import callbacks as db
from ..db import fast
from ..db import notices as notices_db
from ..db.models import Ticket
from ..domain.access import CONTACT_MASKS, Principal, masked, may_see_identity
from ..domain.callbacks import CALLER_ROLES, CallbackPolicy, CallbackTally, Caller, Outcome, may_call
from ..domain.enums import Action, OrgKind, Rating, Role, Status
from ..domain.errors import Conflict, Invalid, NotFound, NotPermitted
from . import audit
from . import schemas as s
from .accounts import require_admin_over
from .context import Ctx
from .notices import SUBJECTS
from .reference import org_info
from .tickets.records import append_event, scoped, send_back

QUEUE_LIMIT = 200
DEFAULT_DAYS = 30  # the figures' period when none is given: the last 30 days up to today
RETALIATION_RULE = "retaliation"


def _ids_of(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


async def policy_for(ctx: Ctx, org_path: str) -> CallbackPolicy:
    """The policy in force for a ticket filed at `org_path`: the nearest unit above it with
    one (a district's before its bureau's), else the default (the school office, all)."""
    ids = _ids_of(org_path)
    found = await db.policies_on(ctx.session, ids)
    for org_id in reversed(ids):
        if org_id in found:
            return CallbackPolicy.from_json(found[org_id])
    return CallbackPolicy()


async def due_after_answer(ctx: Ctx, ticket: Ticket) -> None:
    """An answer to a parent who left a phone falls due for a callback when the policy draws it
    (once: a pending one stays pending through a second answer)."""
    if ticket.anonymous or not (ticket.contact or {}).get("phone"):
        return
    policy = await policy_for(ctx, ticket.org_path)
    if policy.percent and policy.draws(ticket.number):
        await db.add_pending(ctx.session, ticket.id, policy.caller.value, ctx.now)


# ---- policies (admins) --------------------------------------------------------------------


async def set_policy(ctx: Ctx, principal: Principal, org_code: str, data: dict[str, Any]) -> dict[str, Any]:
    """Replace a bureau's or district's 回访 policy; fields left out take the defaults."""
    org = await org_info(ctx, org_code)
    if org is None:
        raise NotFound(f"No org unit {org_code!r} in your scope.")
    require_admin_over(principal, org.path)
    if org.kind == OrgKind.SCHOOL:
        raise Invalid("`org_code` must be a bureau or a district: schools follow their district's policy.")
    policy = CallbackPolicy.from_json(data).to_json()
    await db.put_policy(ctx.session, org.id, policy, ctx.now)
    await audit.record(ctx, principal, "callback_policy_set", org.path, org.code, policy=policy)
    return {"org_code": org_code, "policy": policy}


async def get_policy(ctx: Ctx, principal: Principal, org_code: str) -> dict[str, Any]:
    """The policy in force at a unit (its own or inherited) for its admin."""
    org = await org_info(ctx, org_code)
    if org is None:
        raise NotFound(f"No org unit {org_code!r} in your scope.")
    require_admin_over(principal, org.path)
    own = (await db.policies_on(ctx.session, [org.id])).get(org.id)
    policy = await policy_for(ctx, org.path)
    return {"org_code": org_code, "org_kind": org.kind, "policy": policy.to_json(), "inherited": own is None}


# ---- the caller's queue ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueItem:
    number: str
    school_code: str
    school_name: str
    subject: str
    kind: str
    status: str
    due_since: datetime
    responded_at: datetime | None
    response: str | None
    rating: str | None
    assignee_name: str | None
    contact: dict[str, str] | None  # as the caller's role sees it (masked for inspectors)
    masked: bool


def _callers(principal: Principal) -> list[tuple[Caller, list[Role]]]:
    """Which callers' queues this principal works: the school office's, the bureau's, or both."""
    held = {g.role for g in principal.grants}
    return [(caller, sorted(roles & held)) for caller, roles in CALLER_ROLES.items() if roles & held]


async def queue(ctx: Ctx, principal: Principal, limit: int = QUEUE_LIMIT) -> list[QueueItem]:
    """回访待办: the pending callbacks this principal may record, oldest first."""
    items: list[QueueItem] = []
    for caller, roles in _callers(principal):
        for r in await db.queue(ctx.session, principal, roles, caller.value, limit):
            full = may_see_identity(principal.roles_over(r.org_path))
            items.append(
                QueueItem(
                    r.number,
                    r.school_code,
                    r.school_name,
                    r.title or r.content[:80],
                    r.kind,
                    r.status,
                    r.created_at,
                    r.responded_at,
                    r.response_text,
                    r.rating,
                    r.assignee_name,
                    dict(r.contact) if full and r.contact else masked(r.contact, CONTACT_MASKS),
                    not full,
                )
            )
    return sorted(items, key=lambda i: i.due_since)[:limit]


def queue_view(items: list[QueueItem]) -> dict[str, Any]:
    """The API's answer for `GET /callbacks`."""
    return {
        "items": [
            {
                "number": i.number,
                "school_code": i.school_code,
                "subject": i.subject,
                "status": i.status,
                "due_since": i.due_since,
                "responded_at": i.responded_at,
                "assignee": i.assignee_name,
                "contact": i.contact,
            }
            for i in items
        ]
    }


# ---- recording the call (the lifecycle's `callback`) -------------------------------------------


async def record_outcome(
    ctx: Ctx, principal: Principal, ticket: Ticket, r: s.CallbackRequest
) -> dict[str, Any]:
    """Close the ticket's pending callback with what the parent said; 未解决 sends the ticket
    back for rework (the caller's act() takes the rework branch), a sign of retaliation tells
    the district's inspectors at once. Answers the event's data."""
    pending = await db.pending_of(ctx.session, ticket.id)
    if pending is None:
        raise Conflict(f"Ticket {ticket.number} has no callback due: it was not drawn, or it was recorded.")
    caller = Caller(pending.caller)
    if not may_call(caller, principal.roles_over(ticket.org_path)):
        who = (
            "the school office (registrars, leaders)"
            if caller is Caller.SCHOOL
            else "the bureau's inspectors"
        )
        raise NotPermitted(f"This ticket's callback is made by {who}, by the policy.")
    outcome = Outcome(r.resolved, Rating(r.satisfaction), r.treated_differently)
    pending.done_at = ctx.now
    pending.done_by_id = principal.user_id
    pending.done_by = principal.display_name
    pending.resolved = outcome.resolved
    pending.satisfaction = outcome.satisfaction.value
    pending.treated_differently = outcome.treated_differently
    pending.note = (r.note or "").strip() or None
    if outcome.rework:
        await send_back(ctx, ticket)
    if outcome.treated_differently:
        await _tell_inspectors(ctx, ticket)
    return {
        "resolved": outcome.resolved,
        "satisfaction": outcome.satisfaction.value,
        "treated_differently": outcome.treated_differently,
        "caller": caller.value,
    }


async def _tell_inspectors(ctx: Ctx, ticket: Ticket) -> None:
    """A sign of retaliation goes straight to the inspectors of the ticket's district."""
    if ticket.district_id is None:
        return
    body = f"工单 {ticket.number} 回访时家长反映孩子此后受到不同对待，请督查员立即核查。"
    ctx.deliveries += await notices_db.notify_staff(
        await fast.driver(ctx),
        org_id=ticket.district_id,
        roles=[Role.INSPECTOR.value],
        ticket_id=ticket.id,
        rule=RETALIATION_RULE,
        deadline=ctx.now,
        body=body,
        subject=SUBJECTS[RETALIATION_RULE],
        data=json.dumps({"body": body, "number": ticket.number}, ensure_ascii=False),
        now=ctx.now,
    )


async def reveal_for_callback(ctx: Ctx, principal: Principal, number: str) -> s.IdentityView:
    """The phone in full for the bureau's caller of a pending callback (an inspector sees it
    masked otherwise); the reveal is an event like every other (the 查看记录 report lists it)."""
    ticket, _, _ = await scoped(ctx, principal, number, for_update=True)
    pending = await db.pending_of(ctx.session, ticket.id)
    roles = principal.roles_over(ticket.org_path)
    if pending is None:
        raise Conflict(f"Ticket {number} has no callback due: there is no one to call back.")
    if not may_call(Caller(pending.caller), roles) or ticket.assignee_id == principal.user_id:
        raise NotPermitted("Only this ticket's callers may reveal the phone for its callback.")
    status = Status(ticket.status)
    contact = dict(ticket.contact) if ticket.contact else None
    await append_event(
        ctx,
        ticket,
        Action.REVEAL,
        status,
        status,
        actor=(
            principal.display_name,
            sorted(roles & CALLER_ROLES[Caller(pending.caller)])[0],
            principal.user_id,
        ),
        internal_note="回访",
        data={"fields": ["contact"] if contact else []},
    )
    return s.IdentityView(ticket.number, ticket.anonymous, contact, None)


# ---- figures for the console --------------------------------------------------------------------


@dataclass
class SchoolFigures:
    school_code: str
    school_name: str
    tally: CallbackTally


@dataclass
class Figures:
    start: date
    end: date
    total: CallbackTally = field(default_factory=CallbackTally)
    by_school: list[SchoolFigures] = field(default_factory=list)
    signs: list[Any] = field(default_factory=list)  # callbacks that found a sign of retaliation


def period(ctx: Ctx, start: date | None, end: date | None) -> tuple[date, date, datetime, datetime]:
    """Days in the bureau's zone, both included (default: the last 30 days), and their instants."""
    tz = ctx.settings.timezone
    today = ctx.now.astimezone(tz).date()
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise Invalid("`from` must be on or before `to`.")
    return (
        start,
        end,
        datetime.combine(start, time(), tz),
        datetime.combine(end + timedelta(days=1), time(), tz),
    )


def _tally(r: Any) -> CallbackTally:
    return CallbackTally(
        pending=r.pending,
        made=r.made,
        resolved=int(r.resolved),
        satisfied=r.satisfied,
        basically_satisfied=r.basically_satisfied,
        unsatisfied=r.unsatisfied,
        treated_differently=r.treated_differently,
    )


async def figures(
    ctx: Ctx, principal: Principal, start: date | None = None, end: date | None = None
) -> Figures:
    """Callbacks made in the period, resolved rate, satisfaction and signs of retaliation, per
    school in scope and in all (pending: as of now)."""
    first, last, since, until = period(ctx, start, end)
    found = Figures(first, last)
    for r in await db.figures_by_school(ctx.session, principal, since, until):
        tally = _tally(r)
        found.by_school.append(SchoolFigures(r.school_code, r.school_name, tally))
        for name in ("pending", "made", "resolved", "satisfied", "basically_satisfied", "unsatisfied"):
            setattr(found.total, name, getattr(found.total, name) + getattr(tally, name))
        found.total.treated_differently += tally.treated_differently
    found.signs = list(await db.retaliation_signs(ctx.session, principal, since, until, 100))
    return found


def _tally_view(t: CallbackTally) -> dict[str, Any]:
    return {
        "pending": t.pending,
        "made": t.made,
        "resolved": t.resolved,
        "resolved_rate": t.resolved_rate,
        "satisfied": t.satisfied,
        "basically_satisfied": t.basically_satisfied,
        "unsatisfied": t.unsatisfied,
        "satisfaction_rate": t.satisfaction_rate,
        "treated_differently": t.treated_differently,
    }


def figures_view(f: Figures) -> dict[str, Any]:
    """The API's answer for `GET /callbacks/figures`."""
    return {
        "from": f.start.isoformat(),
        "to": f.end.isoformat(),
        **_tally_view(f.total),
        "by_school": [{"school_code": b.school_code, **_tally_view(b.tally)} for b in f.by_school],
        "retaliation": [{"number": r.number, "school": r.school_name, "at": r.done_at} for r in f.signs],
    }
