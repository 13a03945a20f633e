"""The audited reveal of who wrote a ticket: the contact and the student in full."""

from __future__ import annotations

from ...domain.access import REVEAL_ACTORS, Principal, may_reveal
from ...domain.enums import Action, Status
from ...domain.errors import Invalid, NotPermitted
from .. import schemas as s
from ..context import Ctx
from .records import append_event, scoped
from .views import identity


async def reveal(ctx: Ctx, principal: Principal, number: str, request: s.RevealRequest) -> s.IdentityView:
    """The full contact and student, for the ticket's assignee, a registrar or a leader; the
    reveal, with its reason, is an event the bureau's inspectors see in the archive."""
    reason = request.reason.strip()
    if not reason:
        raise Invalid("`reason` must say why you need the parent's identity.")
    # Locked: the event takes the next seq, and two reveals at once must not take the same one.
    ticket, _, _ = await scoped(ctx, principal, number, for_update=True)
    actors = principal.actors_for(ticket.org_path, ticket.assignee_id)
    if not may_reveal(actors):
        raise NotPermitted("Only the ticket's assignee, a registrar or a leader may reveal who wrote it.")
    status = Status(ticket.status)
    contact, student = identity(ticket)
    await append_event(
        ctx,
        ticket,
        Action.REVEAL,
        status,
        status,
        actor=(principal.display_name, sorted(actors & REVEAL_ACTORS)[0], principal.user_id),
        internal_note=reason,
        data={"fields": [name for name, part in (("contact", contact), ("student", student)) if part]},
    )
    return s.IdentityView(ticket.number, ticket.anonymous, contact, student)
