"""Staff reads of one ticket: the view (masked by role), its events, its attachments."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import msgspec

from ...db import cohandling as cohandling_db
from ...db import repo
from ...db import trust as trust_db
from ...db.models import Ticket
from ...domain import lifecycle
from ...domain.access import CONTACT_MASKS, STUDENT_MASKS, Principal, masked, may_see_identity
from ...domain.chain import HASHED_FIELDS, verify_chain
from ...domain.enums import Status
from ...domain.errors import NotFound
from .. import schemas as s
from ..context import Ctx
from .records import scoped


async def get_ticket(ctx: Ctx, principal: Principal, number: str) -> s.TicketView:
    ticket, school_code, assignee = await scoped(ctx, principal, number)
    return await view_of(ctx, principal, ticket, school_code, assignee)


async def view_of(
    ctx: Ctx, principal: Principal, ticket: Ticket, school_code: str, assignee: str | None
) -> s.TicketView:
    merged_into = None
    if ticket.merged_into_id is not None:
        primary = await repo.ticket_by_id(ctx.session, ticket.merged_into_id)
        merged_into = primary.number if primary else None
    view = staff_view(principal, ticket, school_code, assignee, ctx.now, merged_into)
    named = await trust_db.named_of(ctx.session, ticket.id)
    helpers = [r.username for r in await cohandling_db.helpers_of(ctx.session, ticket.id)]
    pending = None
    if ticket.pending_text is not None and ticket.pending_at is not None:
        by = await repo.username_of(ctx.session, ticket.pending_by_id) if ticket.pending_by_id else None
        pending = s.PendingAnswer(ticket.pending_text, ticket.pending_note, by, ticket.pending_at)
    return msgspec.structs.replace(
        view, named_staff=[r.id for r in named] if named else None, helpers=helpers, pending=pending
    )


def staff_view(
    principal: Principal,
    ticket: Any,
    school_code: str,
    assignee: str | None,
    now: datetime,
    merged_into: str | None = None,
) -> s.TicketView:
    """The staff's view of a ticket (a row of the list or the ORM object: the same fields), with
    the parent's and the student's identity masked unless the caller's roles there see it."""
    if may_see_identity(principal.roles_over(ticket.org_path)):
        contact, student = identity(ticket)
    else:
        contact = masked(ticket.contact, CONTACT_MASKS)
        student = masked(ticket.student, STUDENT_MASKS)
    return s.TicketView(
        number=ticket.number,
        school_code=school_code,
        channel=ticket.channel,
        kind=ticket.kind,
        category=ticket.category,
        priority=ticket.priority,
        status=ticket.status,
        title=ticket.title,
        content=ticket.content,
        anonymous=ticket.anonymous,
        to_bureau=ticket.to_bureau,
        contact=contact,
        student=student,
        collected_at=ticket.collected_at,
        register_due_at=ticket.register_due_at,
        respond_due_at=ticket.respond_due_at,
        overdue=lifecycle.is_overdue(Status(ticket.status), ticket.respond_due_at, now),
        supervised=ticket.supervised,
        supervision=s.Supervision(ticket.supervise_note, ticket.supervise_due_at)
        if ticket.supervised
        else None,
        assignee=assignee,
        response=_response(ticket),
        rating=_rating(ticket),
        extended=ticket.extended,
        merged_into=merged_into,
        version=ticket.version,
        return_count=ticket.return_count,
        hold=_hold(ticket),
        hold_request=_hold_request(ticket),
        escrowed=bool(getattr(ticket, "escrowed", False)),
    )


def _hold(ticket: Any) -> s.HoldView | None:
    if ticket.status != Status.HELD.value or ticket.held_at is None:
        return None
    return s.HoldView(ticket.hold_reason, ticket.held_at, ticket.hold_until)


def _hold_request(ticket: Any) -> s.HoldAsk | None:
    asked = ticket.hold_request
    if isinstance(asked, str):  # a list row: jsonb as text
        asked = json.loads(asked)
    if not asked or ticket.status != Status.ASSIGNED.value:
        return None
    until = date.fromisoformat(asked["until"]) if asked.get("until") else None
    return s.HoldAsk(asked["reason"], until, asked["by_name"], datetime.fromisoformat(asked["at"]))


def identity(ticket: Any) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """The contact and the student in full (copies)."""
    return (
        dict(ticket.contact) if ticket.contact else None,
        dict(ticket.student) if ticket.student else None,
    )


def _response(ticket: Any) -> s.ResponseView | None:
    if ticket.response_text is None or ticket.responded_at is None:
        return None
    return s.ResponseView(ticket.response_text, ticket.responded_at)


def _rating(ticket: Any) -> s.RatingView | None:
    if ticket.rating is None or ticket.rated_at is None:
        return None
    return s.RatingView(ticket.rating, ticket.rating_comment, ticket.rated_at)


async def events(ctx: Ctx, principal: Principal, number: str) -> s.EventLog:
    ticket, _, _ = await scoped(ctx, principal, number)
    rows = await repo.events_of(ctx.session, ticket.id)
    chain_ok = verify_chain(
        ticket.number,
        [{name: getattr(e, name) for name in (*HASHED_FIELDS, "prev_hash", "hash")} for e in rows],
    )
    items = [
        s.EventView(
            e.seq,
            e.at,
            e.action,
            e.actor,
            e.actor_role,
            e.from_status,
            e.to_status,
            e.note,
            e.internal_note,
            e.data,
        )
        for e in rows
    ]
    return s.EventLog(items, chain_ok)


async def attachments(ctx: Ctx, principal: Principal, number: str) -> s.AttachmentList:
    ticket, _, _ = await scoped(ctx, principal, number)
    rows = await repo.attachments_of(ctx.session, ticket.id)
    return s.AttachmentList([s.AttachmentView(r.id, r.filename, r.content_type, r.size) for r in rows])


async def attachment_file(
    ctx: Ctx, principal: Principal, number: str, attachment_id: int
) -> s.AttachmentFile:
    found = await repo.scoped_ticket(ctx.session, principal, number)
    in_range = 0 < attachment_id < 2**63  # a larger id would overflow bigint: it names nothing
    row = await repo.attachment(ctx.session, found[0].id, attachment_id) if found and in_range else None
    if row is None:
        raise NotFound("No such attachment.")
    return s.AttachmentFile(row.filename, row.content_type, row.data)
