"""督办 orders and 催办 inside the ticket actions: an order made by `supervise`, a chase checked
against the order it names, the school told (its leaders and the assignee, in-app, on their
channels and its robots), and a ticket's orders as the pages and the API show them. The
actions that answer a ticket answer its pending orders (records.commit_action)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ...db import fast
from ...db import notices as notices_db
from ...db import supervision as db
from ...db.models import SupervisionOrder, Ticket
from ...domain.access import Principal
from ...domain.enums import Role
from ...domain.errors import Invalid
from ...domain.supervision import OrderState, check_chase, check_order_due
from .. import notices
from .. import schemas as s
from ..context import Ctx
from .records import scoped


def issuing_unit(principal: Principal, org_path: str) -> int:
    """The unit an inspector issues an order for: the nearest of their inspector grants above
    the ticket (a district's inspector for a district, the city's for the city)."""
    reaching = [g for g in principal.grants if g.role is Role.INSPECTOR and org_path.startswith(g.org_path)]
    if not reaching:  # the lifecycle let only an inspector in scope come here
        raise Invalid("Only an inspector of a unit above the ticket may issue a supervision order.")
    return max(reaching, key=lambda g: len(g.org_path)).org_id


async def carry_over(ctx: Ctx, duplicate: Ticket, primary: Ticket) -> int:
    """A merge moves the duplicate's orders not answered yet to the ticket it joins, which
    shows them on top until its answer answers them: merging never closes a 督办."""
    moved = await db.move_pending(ctx.session, duplicate.id, primary.id)
    if moved and not primary.supervised:
        primary.supervised = True
        primary.supervise_note = duplicate.supervise_note
        primary.supervise_due_at = duplicate.supervise_due_at
    return moved


async def issue(
    ctx: Ctx, principal: Principal, ticket: Ticket, note: str, due_at: datetime | None
) -> SupervisionOrder:
    """A new open order; the ticket shows the newest order in force (its flat fields)."""
    check_order_due(due_at, ctx.now)
    order = await db.add_order(
        ctx.session,
        SupervisionOrder(
            ticket_id=ticket.id,
            issued_by_id=principal.user_id,
            issued_by_name=principal.display_name,
            issuer_org_id=issuing_unit(principal, ticket.org_path),
            note=note,
            due_at=due_at,
            state=OrderState.OPEN.value,
            created_at=ctx.now,
        ),
    )
    ticket.supervised = True
    ticket.supervise_note = note
    ticket.supervise_due_at = due_at
    due = notices.local(due_at, ctx.settings.timezone) if due_at else None
    text = f"工单 {ticket.number} 收到教育局督办" + (f"，请于 {due} 前办结。" if due else "，请抓紧办理。")
    await tell_school(ctx, ticket, "supervised", text)
    return order


async def chase(ctx: Ctx, principal: Principal, ticket: Ticket, order_id: int | None) -> int | None:
    """催办: the named order (one of this ticket's, not answered yet) counts the chase; the
    school is told again. Answers the order's id."""
    if order_id is not None:
        found = await db.scoped_order(ctx.session, principal, order_id, for_update=True)
        if found is None or found[0].ticket_id != ticket.id:
            raise Invalid(f"`order_id` names no supervision order of ticket {ticket.number}.")
        order: SupervisionOrder = found[0]
        check_chase(OrderState(order.state))
        order.chases += 1
        order.chased_at = ctx.now
        await ctx.session.flush()
    text = f"教育局催办：工单 {ticket.number} 尚未办结，请立即办理并答复家长。"
    await tell_school(ctx, ticket, "chased", text)
    return order_id


async def tell_school(ctx: Ctx, ticket: Ticket, rule: str, text: str) -> None:
    """The ticket's leaders (at the unit it is filed at) and its assignee, in-app and on the
    channels each chose, and the unit's group robots; once per person and instant."""
    connection = await fast.driver(ctx)
    data = json.dumps({"body": text, "number": ticket.number}, ensure_ascii=False)
    # Each order and each chase is a notice of its own: its instant is the notice's deadline key.
    for org_id, user_ids in ((ticket.org_id, []), (None, [ticket.assignee_id] if ticket.assignee_id else [])):
        if org_id is None and not user_ids:
            continue
        ctx.deliveries += await notices_db.notify_staff(
            connection,
            org_id=org_id,
            roles=[Role.LEADER.value],
            user_ids=user_ids,
            ticket_id=ticket.id,
            rule=rule,
            deadline=ctx.now,
            body=text,
            subject=notices.SUBJECTS[rule],
            data=data,
            now=ctx.now,
        )
    ctx.deliveries += await notices.record_for_orgs(
        connection, [(ticket.id, rule, ctx.now, text, [ticket.org_id])], ctx.now
    )


def order_view(row: Any) -> s.OrderView:
    """An order as db.supervision's order select reads it."""
    order = row[0]
    return s.OrderView(
        id=order.id,
        ticket_number=row.number,
        school_code=row.school_code,
        school_name=row.school_name,
        note=order.note,
        due_at=order.due_at,
        state=order.state,
        issued_by=order.issued_by_name,
        issuer_org=row.issuer_org_name,
        created_at=order.created_at,
        answered_at=order.answered_at,
        overdue_at=order.overdue_at,
        chases=order.chases,
        chased_at=order.chased_at,
    )


async def ticket_orders(ctx: Ctx, principal: Principal, number: str) -> s.OrderList:
    """A ticket's orders, newest first, for anyone who reaches the ticket (the school sees them
    on top of its page); out of scope 404."""
    ticket, _, _ = await scoped(ctx, principal, number)
    return s.OrderList([order_view(r) for r in await db.orders_of_ticket(ctx.session, ticket.id)])
