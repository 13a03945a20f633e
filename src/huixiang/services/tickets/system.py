"""The system's own actions on tickets (the worker's, not a person's)."""

from __future__ import annotations

from datetime import datetime

from ...db import repo
from ...domain import lifecycle
from ...domain.enums import Action, Actor, Status
from ..context import Ctx
from .records import ActorRef, commit_action

SYSTEM_ACTOR: ActorRef = ("system", str(Actor.SYSTEM), None)


async def archive_expired(ctx: Ctx, responded_before: datetime, root_path: str, limit: int = 2000) -> int:
    """Close the loop on answers whose rating window has passed (the worker's archive)."""
    tickets = await repo.lock_rating_expired(ctx.session, responded_before, root_path, limit)
    for ticket in tickets:
        target = lifecycle.transition(Status.RESPONDED, Action.ARCHIVE, frozenset({Actor.SYSTEM}))
        ticket.archived_at = ctx.now
        await commit_action(
            ctx,
            ticket,
            Action.ARCHIVE,
            Status.RESPONDED,
            target,
            actor=SYSTEM_ACTOR,
            note="评价期已满，自动办结。",
        )
    return len(tickets)
