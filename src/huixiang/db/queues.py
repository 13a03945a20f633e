"""The staff queues (/staff): each saved view's bounded count, a page of one view with its
filters, its supervised tickets pinned on top, and a school's handlers. Plain SQL on asyncpg.

Every statement is built per scope branch (a school's path, a district's id), each branch
served by an index of migration 0007 in (collected_at, id) order; counts stop at COUNT_CAP rows
("999+"), so no count walks a whole scope however many tickets are archived there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from ..domain.enums import AWAITING_RESPONSE, OPEN_STATUSES
from .repo import NOT_NAMED_SQL

COUNT_CAP = 1000  # a count at the cap is shown as "999+"


def _in(values: Sequence[str]) -> str:
    """`t.status IN (…)` with the values inline: a partial index's predicate is proven from
    constants only (a parameter would leave the planner a plain scan)."""
    return "t.status IN (" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


AWAITING = _in([s.value for s in AWAITING_RESPONSE])
OPEN = _in([s.value for s in OPEN_STATUSES])
DONE = _in(["archived", "inspected"])

ROW_COLUMNS = """
t.id, t.number, t.org_path, t.title, left(t.content, 80) AS excerpt, t.channel, t.kind, t.category,
t.priority, t.status, t.supervised, t.collected_at, t.register_due_at, t.respond_due_at,
t.assignee_id, a.display_name AS assignee_name, s.name AS school_name, t.version
"""


@dataclass(frozen=True, slots=True)
class Scope:
    """The caller's subtrees as index branches (services/listing.selection resolves them)."""

    school_paths: Sequence[str]
    district_ids: Sequence[int]
    # The caller: the tickets that name them are left out of every count and page.
    viewer_id: int | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """Resolved filters: None is "any". `start`/`end` bound collected_at as instants [start, end)."""

    channel: str | None = None
    kind: str | None = None
    category: str | None = None
    class_name: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    number: str | None = None
    words: str | None = None  # two characters or more: the bigram index; one: LIKE within scope


@dataclass(frozen=True, slots=True)
class View:
    """A saved view's condition, in resolved values."""

    code: str
    now: datetime
    soon_until: datetime  # the end of the next working day (domain/due.due_within)
    user_id: int
    mine: bool = False  # only the caller's assigned tickets (a handler's queues)


@dataclass
class _Sql:
    args: list[Any] = field(default_factory=list)

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"


def _branches(sql: _Sql, scope: Scope) -> list[str]:
    return [f"t.org_path = {sql.arg(p)}" for p in scope.school_paths] + [
        f"t.district_id = {sql.arg(d)}" for d in scope.district_ids
    ]


def _viewer(sql: _Sql, scope: Scope) -> list[str]:
    if scope.viewer_id is None:
        return []
    return [NOT_NAMED_SQL.format(ticket="t.id", user=sql.arg(scope.viewer_id))]


def _view(sql: _Sql, view: View) -> list[str]:
    code, arg = view.code, sql.arg
    conditions: list[str]
    if code in ("collected", "registered", "submitted"):
        conditions = [f"t.status = {arg(code)}"]
    elif code == "assigned":
        conditions = ["t.status = 'assigned'"]
    elif code == "mine":
        conditions = ["t.status = 'assigned'", f"t.assignee_id = {arg(view.user_id)}"]
    elif code == "helping":  # 协办: the caller helps on it, while it awaits its answer
        conditions = [
            AWAITING,
            "EXISTS (SELECT 1 FROM ticket_helpers h "
            f"WHERE h.ticket_id = t.id AND h.user_id = {arg(view.user_id)})",
        ]
    elif code == "signing":  # 待签发: answers waiting for a leader's sign-off
        conditions = ["t.status = 'reviewing'"]
    elif code == "due_soon":
        conditions = [
            AWAITING,
            f"t.respond_due_at >= {arg(view.now)}",
            f"t.respond_due_at < {arg(view.soon_until)}",
        ]
    elif code == "overdue":
        conditions = [AWAITING, f"t.respond_due_at < {arg(view.now)}"]
    elif code == "supervised":
        conditions = [f"t.supervised AND {OPEN}"]
    elif code == "unrated":
        # Not rated since the answer in force: a rework's new answer waits for a rating again,
        # as the parents' site says (services/tickets/public.py).
        conditions = ["t.status = 'responded'", "(t.rated_at IS NULL OR t.rated_at < t.responded_at)"]
    elif code == "archived":
        conditions = [DONE]
    elif code == "held":
        conditions = ["t.status = 'held'"]
    elif code == "grid":
        conditions = [OPEN, GRID.format(user=arg(view.user_id))]
    else:
        raise ValueError(f"unknown view {code!r}")
    if view.mine and code not in ("mine", "helping", "grid"):
        conditions.append(f"t.assignee_id = {arg(view.user_id)}")
    return conditions


# 我的网格: the open tickets of the caller's grids (网格连心) — those raised at a contact of the
# grid's file, those of channel `grid` the member recorded, and those naming a family of the grid
# (the student and class as the ticket says them, at the class's school).
GRID = """(t.id IN (SELECT gc.ticket_id FROM grid_contacts gc JOIN grids g ON g.id = gc.grid_id
             WHERE g.member_id = {user} AND gc.ticket_id IS NOT NULL)
 OR (t.channel = 'grid' AND t.created_by_id = {user})
 OR EXISTS (SELECT 1 FROM grids g
            JOIN grid_families f ON f.grid_id = g.id
            JOIN students st ON st.id = f.student_id AND st.class_id = g.class_id
            JOIN visit_classes c ON c.id = g.class_id
            JOIN orgs o ON o.id = c.school_id
            WHERE g.member_id = {user} AND o.path = t.org_path
              AND t.student ->> 'name' = st.name AND t.student ->> 'class_name' = c.name))"""


def _like(words: str) -> str:
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


TEXT = "(coalesce(t.title, '') || ' ' || t.content)"


def _filters(sql: _Sql, f: Filters) -> list[str]:
    arg, out = sql.arg, []
    if f.channel is not None:
        out.append(f"t.channel = {arg(f.channel)}")
    if f.kind is not None:
        out.append(f"t.kind = {arg(f.kind)}")
    if f.category is not None:
        out.append(f"t.category = {arg(f.category)}")
    if f.class_name is not None:
        out.append(f"t.student ->> 'class_name' = {arg(f.class_name)}")
    if f.start is not None:
        out.append(f"t.collected_at >= {arg(f.start)}")
    if f.end is not None:
        out.append(f"t.collected_at < {arg(f.end)}")
    if f.number is not None:
        out.append(f"t.number = {arg(f.number)}")
    if f.words:
        if len(f.words) >= 2:
            # The same expression as ix_tickets_words (migration 0006), so the GIN index serves it.
            out.append(f"hx_bigrams(coalesce(t.title, '') || ' ' || t.content) @> hx_bigrams({arg(f.words)})")
        out.append(f"{TEXT} ILIKE {arg(_like(f.words))}")  # bigrams are lower-cased
    return out


def _bounded_count(branches: list[str], conditions: list[str]) -> str:
    where = "".join(f" AND {c}" for c in conditions)
    parts = [f"(SELECT 1 FROM tickets t WHERE {b}{where} LIMIT {COUNT_CAP})" for b in branches]
    union = " UNION ALL ".join(parts)
    return f"(SELECT count(*) FROM (SELECT 1 FROM ({union}) AS b LIMIT {COUNT_CAP}) AS c)"


def counts_sql(scope: Scope, views: Sequence[View]) -> tuple[str, list[Any]]:
    """One statement: each view's count, bounded at COUNT_CAP."""
    sql = _Sql()
    branches = _branches(sql, scope)
    viewer = _viewer(sql, scope)
    columns = [f"{_bounded_count(branches, _view(sql, v) + viewer)} AS {v.code}" for v in views]
    return f"SELECT {', '.join(columns)}", sql.args


async def counts(connection: asyncpg.Connection, scope: Scope, views: Sequence[View]) -> dict[str, int]:
    if not views:
        return {}
    if not scope.school_paths and not scope.district_ids:
        return {v.code: 0 for v in views}
    statement, args = counts_sql(scope, views)
    row = await connection.fetchrow(statement, *args)
    assert row is not None
    return {v.code: int(row[v.code]) for v in views}


PINNED = f"t.supervised AND {OPEN}"


# The deadline views list the most urgent first, by deadline (the ix_tickets_*_due indexes'
# order); every other view the newest first.
BY_DEADLINE = frozenset({"due_soon", "overdue"})


def sort_key(view: View) -> str:
    """The row's column the view is ordered by (with id): its keyset cursor holds that value."""
    return "respond_due_at" if view.code in BY_DEADLINE else "collected_at"


def page_sql(
    scope: Scope, view: View, f: Filters, after: tuple[datetime, int] | None, limit: int, *, pinned: bool
) -> tuple[str, list[Any]]:
    """One page after the keyset `after`; `pinned` reads only the view's open supervised
    tickets (shown on top of the first page), else the rest of the view without them."""
    sql = _Sql()
    branches = _branches(sql, scope)
    conditions = _view(sql, view) + _filters(sql, f) + _viewer(sql, scope)
    conditions.append(PINNED if pinned else f"NOT ({PINNED})")
    column = f"t.{sort_key(view)}"
    ascending = view.code in BY_DEADLINE
    if after is not None:
        sign = ">" if ascending else "<"
        conditions.append(f"({column}, t.id) {sign} ({sql.arg(after[0])}, {sql.arg(after[1])})")
    where = "".join(f" AND {c}" for c in conditions)
    direction = "ASC" if ascending else "DESC"
    order = f"ORDER BY {column} {direction}, t.id {direction} LIMIT {int(limit)}"
    union = " UNION ALL ".join(
        f"(SELECT t.id, {column} FROM tickets t WHERE {b}{where} {order})" for b in branches
    )
    source = f"(SELECT t.id FROM ({union}) AS t {order})"
    statement = (
        f"SELECT {ROW_COLUMNS} FROM {source} AS page JOIN tickets t ON t.id = page.id "
        "JOIN orgs s ON s.id = t.school_id LEFT JOIN users a ON a.id = t.assignee_id "
        f"{order}"
    )
    return statement, sql.args


async def page(
    connection: asyncpg.Connection,
    scope: Scope,
    view: View,
    f: Filters,
    after: tuple[datetime, int] | None,
    limit: int,
    *,
    pinned: bool = False,
) -> list[Any]:
    if not scope.school_paths and not scope.district_ids:
        return []
    statement, args = page_sql(scope, view, f, after, limit, pinned=pinned)
    return list(await connection.fetch(statement, *args))


async def handlers_of(connection: asyncpg.Connection, org_id: int) -> list[Any]:
    """The active handlers of one unit, with how many tickets each holds assigned now."""
    return list(
        await connection.fetch(
            "SELECT u.id, u.username, u.display_name, "
            "(SELECT count(*) FROM tickets t WHERE t.assignee_id = u.id AND t.status = 'assigned') AS open "
            "FROM role_grants g JOIN users u ON u.id = g.user_id "
            "WHERE g.org_id = $1 AND g.role = 'handler' AND u.is_active ORDER BY u.display_name, u.id",
            org_id,
        )
    )


async def explain(connection: asyncpg.Connection, statement: str, args: Sequence[Any]) -> str:
    """The plan of a statement (tests and the benchmark check that each count uses an index)."""
    rows = await connection.fetch(f"EXPLAIN {statement}", *args)
    return "\n".join(row[0] for row in rows)
