"""The staff list and the export's rows, in plain SQL on asyncpg (the list is a hot
path, see db/fast.py). A `Selection` says what to read in resolved values; this module turns it
into one statement's WHERE with positional parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import and_, false, or_

from ..domain.enums import AWAITING_RESPONSE
from . import fast
from .models import Ticket
from .repo import NOT_NAMED_SQL, not_named

AWAITING = sorted(s.value for s in AWAITING_RESPONSE)


@dataclass(frozen=True, slots=True)
class Selection:
    """Tickets filed at these schools (by path) or in these districts (by id), and matching the
    filters that are set. Every ticket is filed at a school or a district, so the two lists say
    any subtree exactly, each the way an index serves it in list order."""

    school_paths: Sequence[str]
    district_ids: Sequence[int]
    status: str | None = None
    school_id: int | None = None
    channel: str | None = None
    kind: str | None = None
    overdue_at: datetime | None = None  # still awaiting a response, past its deadline at this instant
    escalated: bool = False  # on the bureau's overdue board
    assignee_id: int | None = None
    # The caller: the tickets that name them are left out (repo.in_scope says the same).
    viewer_id: int | None = None


class _Where:
    def __init__(self) -> None:
        self.branches: list[str] = []
        self.conditions: list[str] = []
        self.args: list[Any] = []

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"


def _where(selection: Selection) -> _Where:
    where = _Where()
    for path in selection.school_paths:
        where.branches.append(f"t.org_path = {where.arg(path)}")
    for district_id in selection.district_ids:
        where.branches.append(f"t.district_id = {where.arg(district_id)}")
    add = where.conditions.append
    if selection.status is not None:
        add(f"t.status = {where.arg(selection.status)}")
    if selection.school_id is not None:
        add(f"t.school_id = {where.arg(selection.school_id)}")
    if selection.channel is not None:
        add(f"t.channel = {where.arg(selection.channel)}")
    if selection.kind is not None:
        add(f"t.kind = {where.arg(selection.kind)}")
    if selection.overdue_at is not None:
        awaiting = where.arg(AWAITING)
        add(f"t.status = ANY({awaiting}::text[]) AND t.respond_due_at < {where.arg(selection.overdue_at)}")
    if selection.escalated:
        add(f"t.status = ANY({where.arg(AWAITING)}::text[]) AND t.escalated_for = t.respond_due_at")
    if selection.assignee_id is not None:
        add(f"t.assignee_id = {where.arg(selection.assignee_id)}")
    if selection.viewer_id is not None:
        add(NOT_NAMED_SQL.format(ticket="t.id", user=where.arg(selection.viewer_id)))
    return where


def _after(where: _Where, after: tuple[datetime, int] | None) -> tuple[list[str], list[Any]]:
    conditions, args = list(where.conditions), list(where.args)
    if after is not None:
        args += [after[0], after[1]]
        conditions.append(f"(t.collected_at, t.id) < (${len(args) - 1}, ${len(args)})")
    return conditions, args


async def page(
    connection: asyncpg.Connection, selection: Selection, after: tuple[datetime, int] | None, limit: int
) -> list[Any]:
    """Newest first, the `limit` tickets after the keyset `after` (collected_at, id)."""
    where = _where(selection)
    conditions, args = _after(where, after)
    return await fast.list_rows(connection, where.branches, conditions, args, limit)


EXPORT_SQL = """
SELECT {columns}, s.name AS school_name, a.display_name AS assignee_name
FROM tickets t
JOIN orgs s ON s.id = t.school_id
LEFT JOIN users a ON a.id = t.assignee_id
LEFT JOIN tickets m ON m.id = t.merged_into_id
WHERE ({branches}){filters}
ORDER BY t.collected_at DESC, t.id DESC
"""


async def export_rows(
    connection: asyncpg.Connection, selection: Selection, chunk: int
) -> AsyncIterator[list[Any]]:
    """The list's tickets, newest first, with the names a spreadsheet shows (the school's, the
    assignee's), in chunks of `chunk` rows from a server-side cursor: one statement and one
    snapshot however many rows match, and never more than a chunk in memory. A cursor lives in
    a transaction: the caller's, else one of its own (rolled back: it only reads)."""
    where = _where(selection)
    if not where.branches:
        return
    sql = EXPORT_SQL.format(
        columns=fast.LIST_COLUMNS,
        branches=" OR ".join(where.branches),
        filters="".join(f" AND {c}" for c in where.conditions),
    )
    own = None if connection.is_in_transaction() else connection.transaction(readonly=True)
    if own is not None:
        await own.start()
    try:
        cursor = await connection.cursor(sql, *where.args)
        while rows := await cursor.fetch(chunk):
            yield rows
    finally:
        if own is not None:
            await own.rollback()


def clause(selection: Selection) -> Any:
    """The same selection as a SQLAlchemy condition on Ticket, for the figures over it
    (db/figures.breakdown): what _where() says in plain SQL."""
    branches = [Ticket.org_path == p for p in selection.school_paths]
    branches += [Ticket.district_id == d for d in selection.district_ids]
    conditions: list[Any] = [or_(*branches) if branches else false()]
    if selection.status is not None:
        conditions.append(Ticket.status == selection.status)
    if selection.school_id is not None:
        conditions.append(Ticket.school_id == selection.school_id)
    if selection.channel is not None:
        conditions.append(Ticket.channel == selection.channel)
    if selection.kind is not None:
        conditions.append(Ticket.kind == selection.kind)
    if selection.overdue_at is not None:
        conditions += [Ticket.status.in_(AWAITING), Ticket.respond_due_at < selection.overdue_at]
    if selection.escalated:
        conditions += [Ticket.status.in_(AWAITING), Ticket.escalated_for == Ticket.respond_due_at]
    if selection.assignee_id is not None:
        conditions.append(Ticket.assignee_id == selection.assignee_id)
    if selection.viewer_id is not None:
        conditions.append(not_named(selection.viewer_id))
    return and_(*conditions)
