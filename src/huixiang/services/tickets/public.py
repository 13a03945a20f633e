"""The parent's side of a ticket: the view by number and access code, and the rating."""

from __future__ import annotations

from ...db import fast, repo
from ...db.models import Ticket
from ...domain import lifecycle
from ...domain.enums import Action, Actor, Status
from ...domain.errors import Conflict, NotFound
from .. import schemas as s
from ..context import Ctx
from ..secrets import code_matches
from .records import commit_action, send_back

NOT_FOUND_PUBLIC = "No ticket matches this number and access code."
# The steps the parent sees on the timeline, each with its public note; supervision stays between
# the school and the bureau unless an inspector wrote the parent a public note with it.
PUBLIC_ACTIONS = frozenset(
    {
        Action.INTAKE,
        Action.REGISTER,
        Action.MERGE,
        Action.SUBMIT,
        Action.ASSIGN,
        Action.RESPOND,
        Action.EXTEND,
        Action.RATE,
        Action.ARCHIVE,
        Action.REOPEN,
        Action.INSPECT,
        Action.APPROVE,  # 签发: the answer the parent reads (an answer under review is not shown)
    }
)
PUBLIC_ACTION_NAMES = sorted(a.value for a in PUBLIC_ACTIONS)


def _check_code(ctx: Ctx, code: str, stored: bytes | None) -> None:
    # Compared in every case, so a wrong code and an unknown number take the same path.
    if not code_matches(ctx.settings.secret_key, code, stored or bytes(32)) or stored is None:
        raise NotFound(NOT_FOUND_PUBLIC)


async def _ticket_by_code(ctx: Ctx, number: str, code: str) -> Ticket:
    ticket = await repo.ticket_by_number(ctx.session, number)
    _check_code(ctx, code, ticket.access_code_hash if ticket else None)
    assert ticket is not None
    return ticket


async def public_view(ctx: Ctx, number: str, code: str) -> s.PublicTicketView:
    row = await fast.track_row(await fast.driver(ctx), number, PUBLIC_ACTION_NAMES)
    _check_code(ctx, code, row["access_code_hash"] if row else None)
    merged = row["primary_number"] is not None
    answer = (
        (row["primary_text"], row["primary_responded_at"])
        if merged
        else (row["response_text"], row["responded_at"])
    )
    timeline = [
        s.TimelineItem(at, action, note)
        for at, action, note in zip(row["ats"] or (), row["actions"] or (), row["notes"] or (), strict=True)
    ]
    # An answer waiting for a leader's 签发 is the school's business: the parent's ticket is
    # still being handled (办理中), as it was before the answer was written.
    status = Status.ASSIGNED.value if row["status"] == Status.REVIEWING.value else row["status"]
    return s.PublicTicketView(
        number=row["number"],
        status=status,
        kind=row["kind"],
        category=row["category"],
        content=row["content"],
        collected_at=row["collected_at"],
        respond_due_at=row["primary_due_at"] if merged else row["respond_due_at"],
        timeline=timeline,
        response=s.ResponseView(answer[0], answer[1]) if answer[0] is not None else None,
        rating=s.RatingView(row["rating"], row["rating_comment"], row["rated_at"])
        if row["rating"] is not None
        else None,
        merged_into=row["primary_number"],
        to_bureau=row["to_bureau"],
    )


async def rate(ctx: Ctx, number: str, request: s.RatingRequest) -> s.PublicTicketView:
    ticket = await _ticket_by_code(ctx, number, request.code)
    status = Status(ticket.status)
    if (
        status is Status.RESPONDED
        and ticket.rated_at
        and ticket.responded_at
        and (ticket.rated_at >= ticket.responded_at)
    ):
        raise Conflict("This answer has already been rated.")
    rework = lifecycle.rating_reopens(request.value, ticket.reopened_by_rating)
    target = lifecycle.transition(status, Action.RATE, frozenset({Actor.PARENT}), rework=rework)
    ticket.rating = request.value.value
    ticket.rating_comment = request.comment
    ticket.rated_at = ctx.now
    if target is Status.ASSIGNED:
        ticket.reopened_by_rating = True
        await send_back(ctx, ticket)
    await commit_action(
        ctx,
        ticket,
        Action.RATE,
        status,
        target,
        actor=("parent", Actor.PARENT, None),
        note=request.comment,
        data={"value": request.value.value},
    )
    return await public_view(ctx, number, request.code)
