"""主办/协办: a ticket's helpers and the draft answers kept on it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import AnswerDraft, Ticket, TicketHelper, User


async def helpers_of(session: AsyncSession, ticket_id: int) -> list[Any]:
    """The ticket's helpers: (user_id, username, display_name), by name."""
    query = (
        select(User.id.label("user_id"), User.username, User.display_name)
        .join(TicketHelper, TicketHelper.user_id == User.id)
        .where(TicketHelper.ticket_id == ticket_id)
        .order_by(User.display_name, User.id)
    )
    return list((await session.execute(query)).all())


async def helper_ids(session: AsyncSession, ticket_id: int) -> frozenset[int]:
    query = select(TicketHelper.user_id).where(TicketHelper.ticket_id == ticket_id)
    return frozenset((await session.execute(query)).scalars().all())


async def set_helpers(session: AsyncSession, ticket_id: int, user_ids: Sequence[int], now: datetime) -> None:
    """Exactly these helpers on the ticket (those kept keep the time they were named)."""
    await session.execute(
        delete(TicketHelper).where(TicketHelper.ticket_id == ticket_id, TicketHelper.user_id.not_in(user_ids))
    )
    if user_ids:
        rows = [{"ticket_id": ticket_id, "user_id": u, "added_at": now} for u in user_ids]
        await session.execute(pg_insert(TicketHelper).values(rows).on_conflict_do_nothing())


async def drafts_of(session: AsyncSession, ticket_id: int) -> list[Any]:
    """The ticket's drafts with their authors, the latest first."""
    query = (
        select(
            AnswerDraft.author_id, User.username, User.display_name, AnswerDraft.text, AnswerDraft.updated_at
        )
        .join(User, User.id == AnswerDraft.author_id)
        .where(AnswerDraft.ticket_id == ticket_id)
        .order_by(AnswerDraft.updated_at.desc(), AnswerDraft.author_id)
    )
    return list((await session.execute(query)).all())


async def put_draft(session: AsyncSession, ticket_id: int, author_id: int, text: str, now: datetime) -> None:
    await session.execute(
        pg_insert(AnswerDraft)
        .values(ticket_id=ticket_id, author_id=author_id, text=text, updated_at=now)
        .on_conflict_do_update(
            index_elements=["ticket_id", "author_id"], set_={"text": text, "updated_at": now}
        )
    )


async def delete_draft(session: AsyncSession, ticket_id: int, author_id: int) -> None:
    await session.execute(
        delete(AnswerDraft).where(AnswerDraft.ticket_id == ticket_id, AnswerDraft.author_id == author_id)
    )


async def delete_drafts(session: AsyncSession, ticket_id: int) -> None:
    """Once the answer is out, the drafts toward it are done."""
    await session.execute(delete(AnswerDraft).where(AnswerDraft.ticket_id == ticket_id))


async def assigned_of_school(session: AsyncSession, school_id: int) -> list[Any]:
    """The school's assigned tickets with their assignee (the demo picks among them):
    (number, kind, username, respond_due_at, supervised), oldest first."""
    query = (
        select(Ticket.number, Ticket.kind, User.username, Ticket.respond_due_at, Ticket.supervised)
        .join(User, User.id == Ticket.assignee_id)
        .where(Ticket.school_id == school_id, Ticket.org_id == school_id, Ticket.status == "assigned")
        .order_by(Ticket.id)
    )
    return list((await session.execute(query)).all())
