"""The staff queue page (/staff): the saved views of the role acted as with their bounded
counts, one view's page (filters, search, keyset, supervised on top, a deadline chip per row),
what bulk actions the role may take, and a leader's figures of the month. One call per page.

Also the bulk actions (交办, 归档 of ticked rows): each ticket through `tickets.act` in its own
savepoint, so one refusal does not undo the others; the answer says which and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from ..db import fast
from ..db import grids as grids_db
from ..db import queues as db
from ..domain import lifecycle
from ..domain.access import Principal
from ..domain.due import DueChip, due_chip, due_within
from ..domain.enums import Action, Channel, Kind, Role, Status
from ..domain.errors import Conflict, DomainError, IllegalTransition, Invalid, NotFound, NotPermitted
from . import schemas as s
from . import stats as stats_service
from . import tickets
from .context import Ctx
from .cursors import decode_cursor, encode_cursor
from .listing import TicketFilter, selection
from .reference import categories, clock_for

VIEWS = (
    "collected",
    "registered",
    "submitted",
    "mine",
    "helping",
    "grid",
    "assigned",
    "signing",
    "due_soon",
    "overdue",
    "supervised",
    "unrated",
    "archived",
    "held",  # 挂起: the clock stopped
)
# The views each role sees, its default first. A handler's views are their own tickets only.
ROLE_VIEWS: dict[Role, tuple[str, ...]] = {
    Role.REGISTRAR: (
        "collected",
        "registered",
        "assigned",
        "due_soon",
        "overdue",
        "supervised",
        "unrated",
        "archived",
    ),
    Role.LEADER: (
        "submitted",
        "signing",
        "assigned",
        "collected",
        "registered",
        "due_soon",
        "overdue",
        "supervised",
        "held",
        "unrated",
        "archived",
    ),
    Role.HANDLER: (
        "mine",
        "helping",
        "grid",
        "due_soon",
        "overdue",
        "supervised",
        "held",
        "unrated",
        "archived",
    ),
    Role.GRID_MEMBER: ("grid", "collected", "due_soon", "overdue", "archived"),
    Role.INSPECTOR: ("overdue", "due_soon", "supervised", "unrated", "archived"),
    Role.ADMIN: (
        "collected",
        "registered",
        "submitted",
        "due_soon",
        "overdue",
        "supervised",
        "unrated",
        "archived",
    ),
}
PAGE_SIZE = 30  # rows per page: a city's page stays well under 50 KB
PINNED_LIMIT = 10  # supervised rows on top of the first page (with 30 rows: under 50 KB)
BULK_ACTIONS = (Action.ASSIGN, Action.ARCHIVE)
BULK_LIMIT = 100  # ticked rows per bulk action (two pages)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    channel: Channel | None = None
    kind: Kind | None = None
    category: str | None = None
    class_name: str | None = None
    start: date | None = None  # collected on or after this day (the bureau's zone)
    end: date | None = None  # collected on or before this day
    number: str | None = None
    words: str | None = None


@dataclass(frozen=True, slots=True)
class Count:
    code: str
    count: int
    capped: bool  # at the cap: shown as "999+"


@dataclass(frozen=True, slots=True)
class Row:
    number: str
    title: str
    channel: str
    kind: str
    category: str
    status: str
    priority: str
    assignee: str | None
    school: str
    supervised: bool
    collected_at: datetime
    chip: DueChip | None
    bulk: tuple[Action, ...]  # the bulk actions the caller may take on it now


@dataclass(frozen=True, slots=True)
class Handler:
    username: str
    name: str
    open: int


@dataclass(frozen=True, slots=True)
class Queue:
    role: Role
    view: str
    counts: list[Count]
    pinned: list[Row]
    rows: list[Row]
    next_cursor: str | None
    bulk: tuple[Action, ...]  # what the acting role may do in bulk here
    handlers: list[Handler] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    figures: bool = False  # the page loads the leader's figures of the month on its own (month_figures)


def role_of(principal: Principal) -> Role:
    """The role acted as (the staff pages narrow a principal to one grant)."""
    return principal.grants[0].role if principal.grants else Role.HANDLER


def views_for(principal: Principal, *, grid_member: bool = True) -> tuple[str, ...]:
    """The role's views; 我的网格 only for who looks after a grid (a teacher may, or not)."""
    codes = ROLE_VIEWS.get(role_of(principal), ROLE_VIEWS[Role.HANDLER])
    return codes if grid_member else tuple(c for c in codes if c != "grid")


def _bulk_for(role: Role) -> tuple[Action, ...]:
    actors = frozenset({role.value})
    may = []
    if Action.ASSIGN in lifecycle.allowed_actions(Status.SUBMITTED, actors):
        may.append(Action.ASSIGN)
    if Action.ARCHIVE in lifecycle.allowed_actions(Status.RESPONDED, actors):
        may.append(Action.ARCHIVE)
    return tuple(may)


def _instants(ctx: Ctx, f: QueueFilter) -> tuple[datetime | None, datetime | None]:
    tz = ctx.settings.timezone
    start = datetime.combine(f.start, time(0), tzinfo=tz) if f.start else None
    end = datetime.combine(f.end + timedelta(days=1), time(0), tzinfo=tz) if f.end else None
    return start, end


async def queue(
    ctx: Ctx,
    principal: Principal,
    view: str | None,
    f: QueueFilter,
    *,
    cursor: str | None = None,
) -> Queue:
    """One view of the caller's queues (the role's default when `view` is None or not theirs)."""
    role = role_of(principal)
    codes = views_for(
        principal,
        grid_member=role_of(principal) is Role.GRID_MEMBER
        or await grids_db.looks_after_a_grid(ctx.session, principal.user_id),
    )
    chosen = view if view in codes else codes[0]
    after = decode_cursor(cursor) if cursor else None
    resolved = await selection(ctx, principal, TicketFilter())
    scope = db.Scope(resolved.school_paths, resolved.district_ids, resolved.viewer_id)
    clock = await clock_for(ctx, principal.grants[0].org_path if principal.grants else "/")
    soon = due_within(ctx.now, clock)
    mine = role is Role.HANDLER

    def as_view(code: str) -> db.View:
        return db.View(code, ctx.now, soon, principal.user_id, mine=mine)

    connection = await fast.driver(ctx)

    async def count() -> dict[str, int]:
        return await db.counts(connection, scope, [as_view(c) for c in codes])

    # Reused a few seconds per scope and views (and per handler, whose views are their own):
    # the counts statement is a third of a page's database time (docs/benchmarks.md).
    # Per caller: the counts leave out the tickets that name them (a conflict of interest), and
    # a handler's views and 我的网格 are the caller's own.
    reuse = (tuple(scope.school_paths), tuple(scope.district_ids), codes, principal.user_id)
    counted: dict[str, int] = await ctx.caches.counts.get(reuse, count)
    start, end = _instants(ctx, f)
    filters = db.Filters(
        channel=f.channel.value if f.channel else None,
        kind=f.kind.value if f.kind else None,
        category=f.category,
        class_name=f.class_name,
        start=start,
        end=end,
        number=f.number,
        words=f.words,
    )
    current = as_view(chosen)
    pinned = (
        [] if after else await db.page(connection, scope, current, filters, None, PINNED_LIMIT, pinned=True)
    )
    found = await db.page(connection, scope, current, filters, after, PAGE_SIZE + 1)
    page = found[:PAGE_SIZE]
    key = db.sort_key(current)
    next_cursor = encode_cursor(page[-1][key], page[-1]["id"]) if len(found) > PAGE_SIZE else None
    bulk = _bulk_for(role)
    handlers: list[Handler] = []
    if Action.ASSIGN in bulk and principal.grants:
        handlers = [
            Handler(r["username"], r["display_name"], int(r["open"]))
            for r in await db.handlers_of(connection, principal.grants[0].org_id)
        ]

    # Rows repeat a few (status, actors) pairs: each pair's bulk actions are decided once.
    decided: dict[tuple[str, frozenset[str]], tuple[Action, ...]] = {}

    def bulk_of(status: Status, r: Any) -> tuple[Action, ...]:
        if not bulk:
            return ()
        actors = principal.actors_for(r["org_path"], r["assignee_id"])
        found = decided.get((status, actors))
        if found is None:
            allowed = lifecycle.allowed_actions(status, actors)
            found = decided[(status, actors)] = tuple(a for a in bulk if a in allowed)
        return found

    def row(r: Any) -> Row:
        status = Status(r["status"])
        return Row(
            number=r["number"],
            title=r["title"] or r["excerpt"],
            channel=r["channel"],
            kind=r["kind"],
            category=r["category"],
            status=r["status"],
            priority=r["priority"],
            assignee=r["assignee_name"],
            school=r["school_name"],
            supervised=bool(r["supervised"]),
            collected_at=r["collected_at"],
            chip=due_chip(status, r["register_due_at"], r["respond_due_at"], ctx.now, clock),
            bulk=bulk_of(status, r),
        )

    root = int(principal.grants[0].org_path.strip("/").split("/")[0]) if principal.grants else 0
    return Queue(
        role=role,
        view=chosen,
        counts=[Count(c, min(counted[c], db.COUNT_CAP - 1), counted[c] >= db.COUNT_CAP) for c in codes],
        pinned=[row(r) for r in pinned],
        rows=[row(r) for r in page],
        next_cursor=next_cursor,
        bulk=bulk,
        handlers=handlers,
        categories=await categories(ctx, root) if root else [],
        figures=role is Role.LEADER,
    )


async def month_figures(ctx: Ctx, principal: Principal) -> dict[str, Any]:
    """A leader's figures of this month in the bureau's zone (收件, 反馈率, 按时反馈率, 满意率,
    超期未办): two aggregates over the month's tickets, so reused for a minute per scope and
    month (Caches.figures; the panel says so). Only leaders see them."""
    if role_of(principal) is not Role.LEADER:
        raise NotPermitted("Only a leader sees the figures of the month.")
    month = ctx.now.astimezone(ctx.settings.timezone).date().replace(day=1)

    async def load() -> dict[str, Any]:
        return await stats_service.stats(ctx, principal, org_code=None, start=month.isoformat(), end=None)

    key = (tuple(g.org_path for g in principal.grants), month)
    figures: dict[str, Any] = await ctx.caches.figures.get(key, load)
    return figures


# ---- bulk actions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refusal:
    number: str
    reason: str  # not_found | not_permitted | changed | conflict | assignee


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    action: Action
    done: list[str]
    refused: list[Refusal]


def _reason(exc: Exception) -> str:
    if isinstance(exc, NotFound):
        return "not_found"
    if isinstance(exc, NotPermitted):
        return "not_permitted"
    if isinstance(exc, IllegalTransition):
        return "changed"
    if isinstance(exc, Conflict | StaleDataError):
        return "conflict"
    if isinstance(exc, Invalid):
        return "assignee"
    return "conflict"


async def bulk(
    ctx: Ctx, principal: Principal, action: Action, numbers: Sequence[str], *, assignee: str | None = None
) -> BulkOutcome:
    """交办 (to `assignee`) or 归档 each ticket, each in its own savepoint: a refused one (out of
    scope, changed meanwhile, not this role's) is reported and the others still happen."""
    if action not in BULK_ACTIONS:
        raise Invalid("`action` must be assign or archive.")
    chosen = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    if not chosen:
        raise Invalid("Tick at least one ticket.")
    if len(chosen) > BULK_LIMIT:
        raise Invalid(f"At most {BULK_LIMIT} tickets at once.")
    if action is Action.ASSIGN and not assignee:
        raise Invalid("`assignee` is required to assign.")
    request: s.ActionInput = (
        s.AssignRequest(assignee=assignee or "") if action is Action.ASSIGN else s.NoteRequest()
    )
    done: list[str] = []
    refused: list[Refusal] = []
    for number in chosen:
        queued = len(ctx.deliveries)
        savepoint = await ctx.session.begin_nested()
        try:
            await tickets.act(ctx, principal, number, action, request)
            await savepoint.commit()
            done.append(number)
        except (DomainError, StaleDataError) as exc:
            await savepoint.rollback()
            del ctx.deliveries[queued:]
            refused.append(Refusal(number, _reason(exc)))
    return BulkOutcome(action, done, refused)
