"""督办 and 催办 for the bureau's pages and the API: the overdue board, the orders in scope, one
order and its printable notice (督办通知书), and a chase of one order. Orders are made and
answered by the ticket actions (services/tickets/orders.py); the sweep watches their deadlines
(services/reminders.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..db import callbacks as callbacks_db
from ..db import supervision as db
from ..domain import supervision as rules
from ..domain.access import Principal
from ..domain.deadlines import Clock
from ..domain.enums import Action, Status
from ..domain.errors import Invalid, NotFound
from . import schemas as s
from .context import Ctx
from .cursors import decode_cursor, encode_cursor
from .reference import clock_for
from .tickets import act, get_ticket
from .tickets.orders import order_view, ticket_orders

__all__ = ["board_page", "chase_order", "notice", "order", "orders", "overdue_board", "ticket_orders"]

BOARD_LIMIT = 500  # tickets on one board; more are said, not shown
ORDERS_LIMIT = 200
EXCERPT = 60


@dataclass(frozen=True, slots=True)
class Orders:
    items: list[s.OrderView]
    counts: dict[str, int]  # per state, in the whole scope
    state: str | None  # the state shown, or all


def parse_state(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return rules.OrderState(value).value
    except ValueError:
        allowed = ", ".join(v.value for v in rules.OrderState)
        raise Invalid(f"`state` must be one of: {allowed}; got {value!r}.") from None


async def orders(ctx: Ctx, principal: Principal, state: str | None = None) -> Orders:
    """The orders on tickets in scope, newest first (of one state, when given)."""
    chosen = parse_state(state)
    rows = await db.orders_in_scope(ctx.session, principal, chosen, ORDERS_LIMIT)
    counts = await db.state_counts(ctx.session, principal)
    return Orders(
        [order_view(r) for r in rows],
        {st.value: counts.get(st.value, 0) for st in rules.OrderState},
        chosen,
    )


async def order(ctx: Ctx, principal: Principal, order_id: int) -> s.OrderView:
    row = await db.scoped_order(ctx.session, principal, order_id)
    if row is None:
        raise NotFound(f"Supervision order {order_id} was not found.")
    return order_view(row)


async def chase_order(ctx: Ctx, principal: Principal, order_id: int, note: str | None = None) -> s.OrderView:
    """催办 of one order: the ticket's chase, naming the order (logged on the ticket)."""
    found = await order(ctx, principal, order_id)
    request = s.ChaseRequest(order_id=order_id, note=(note or "").strip() or None)
    await act(ctx, principal, found.ticket_number, Action.CHASE, request)
    return await order(ctx, principal, order_id)


@dataclass(frozen=True, slots=True)
class PrintedNotice:
    """督办通知书: the order, its ticket as the caller sees it (the contact masked), the school."""

    order: s.OrderView
    ticket: s.TicketView


async def notice(ctx: Ctx, principal: Principal, order_id: int) -> PrintedNotice:
    found = await order(ctx, principal, order_id)
    return PrintedNotice(found, await get_ticket(ctx, principal, found.ticket_number))


async def overdue_board(
    ctx: Ctx, principal: Principal, *, school_code: str | None = None, cursor: str | None = None
) -> s.OverdueBoard:
    """Every ticket in scope awaiting an answer past its deadline, by school, with its working
    days overdue, who holds it, its pending orders and chases; escalated ones marked. The
    longest overdue first, BOARD_LIMIT a page (`next_cursor` the next), of one school when
    given."""
    after = decode_cursor(cursor) if cursor else None
    rows = await db.overdue_board(
        ctx.session, principal, ctx.now, BOARD_LIMIT + 1, school_code=school_code or None, after=after
    )
    truncated = len(rows) > BOARD_LIMIT
    rows = rows[:BOARD_LIMIT]
    last = rows[-1] if truncated else None
    clocks: dict[str, Clock] = {}
    for row in rows:
        if row.org_path not in clocks:
            clocks[row.org_path] = await clock_for(ctx, row.org_path)
    tickets = [
        rules.BoardTicket(
            number=r.number,
            status=Status(r.status),
            title=r.title,
            content=r.content,
            school_code=r.school_code,
            school_name=r.school_name,
            org_path=r.org_path,
            to_bureau=r.to_bureau,
            respond_due_at=r.respond_due_at,
            escalated=bool(r.escalated),
            assignee_name=r.assignee_name,
            pending_orders=int(r.pending_orders),
            chases=int(r.chases),
        )
        for r in rows
    ]
    groups = rules.board(tickets, ctx.now, clocks.__getitem__)
    schools = [
        s.BoardSchool(
            g.school_code,
            g.school_name,
            [
                s.BoardItem(
                    number=line.ticket.number,
                    status=line.ticket.status.value,
                    title=line.ticket.title or _excerpt(line.ticket.content),
                    respond_due_at=line.ticket.respond_due_at,
                    days_overdue=line.days_overdue,
                    escalated=line.ticket.escalated,
                    holder=line.holder,
                    holder_role=line.holder_role.value if line.holder_role else None,
                    pending_orders=line.ticket.pending_orders,
                    chases=line.ticket.chases,
                    to_bureau=line.ticket.to_bureau,
                )
                for line in g.lines
            ],
        )
        for g in groups
    ]
    signs = [
        s.RetaliationSign(r.number, r.school_name, r.status, r.done_at, r.done_by)
        for r in await callbacks_db.retaliation_open(ctx.session, principal, BOARD_LIMIT)
    ]
    return s.OverdueBoard(
        schools,
        total=sum(len(g.items) for g in schools),
        escalated=sum(item.escalated for g in schools for item in g.items),
        truncated=truncated,
        next_cursor=encode_cursor(last.respond_due_at, last.id) if last is not None else None,
        retaliation=signs,
    )


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


@dataclass(frozen=True, slots=True)
class BoardPage:
    board: s.OverdueBoard
    today: date  # in the bureau's zone: the earliest day an order may be due
    default_due: date  # the 督办 form's deadline unless changed: the rework rule's working days


async def board_page(
    ctx: Ctx, principal: Principal, *, school_code: str | None = None, cursor: str | None = None
) -> BoardPage:
    """The overdue board for the page, with the 督办 form's first and suggested deadline day."""
    board = await overdue_board(ctx, principal, school_code=school_code, cursor=cursor)
    paths = principal.scope_paths()
    if not paths:  # a caller without a grant reaches nothing
        raise NotFound("Nothing is in your scope.")
    clock = await clock_for(ctx, paths[0])
    today = clock.local_day(ctx.now)
    return BoardPage(board, today, clock.calendar.shift(today, clock.policy.rework_days))
