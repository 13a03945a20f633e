"""Retention (docs/privacy.md): after the configured period (HUIXIANG_RETENTION_DAYS), the
sweep anonymises each closed ticket once — who wrote, what they wrote and their files go; the
kind, category, channel, school, dates, statuses, rating and deadlines stay, so every figure
(the rollups) is the same before and after.

What goes: `contact`, `student`, `title`, `content` and the answer (a placeholder), the rating's
comment, the 督办 note on the ticket, the attachments, the callbacks' notes, the parent's
delivery addresses, an identity held in escrow, and the free text of every event (`note`,
`internal_note`, the answer in `data`). Events keep their hashes; an `anonymise` event appended
to the chain records a digest of each redacted event, so the chain still verifies
(domain/chain.py)."""

from __future__ import annotations

from datetime import timedelta

from ..db import repo
from ..db import retention as db
from ..db.models import Ticket
from ..domain.chain import HASHED_FIELDS, REDACTED, redact_fields, redaction_digest
from ..domain.enums import Action, Status
from .context import Ctx
from .tickets.records import append_event
from .tickets.system import SYSTEM_ACTOR

BATCH = 500


async def anonymise_expired(ctx: Ctx, root_path: str, limit: int = BATCH) -> int:
    """Anonymise the closed tickets under a root whose loop closed more than the retention
    period ago, at most `limit` of them (the next sweep takes the rest). Idempotent: a ticket
    anonymised once is never read again (anonymised_at)."""
    days = ctx.settings.retention_days
    if days <= 0:
        return 0
    tickets = await db.lock_expired(ctx.session, ctx.now - timedelta(days=days), root_path, limit)
    if tickets:
        await db.allow_redaction(ctx.session)
    for ticket in tickets:
        await anonymise(ctx, ticket)
    return len(tickets)


async def anonymise(ctx: Ctx, ticket: Ticket) -> None:
    """Remove who wrote and what they wrote from one ticket (locked by the caller, with
    redaction allowed in this transaction), and say so in its archive."""
    redacted: dict[str, str] = {}
    for event in await repo.events_of(ctx.session, ticket.id):
        fields = {name: getattr(event, name) for name in HASHED_FIELDS}
        changed = redact_fields(fields)
        if changed != fields:
            await db.redact_event(ctx.session, event.id, changed)
            redacted[str(event.seq)] = redaction_digest(ticket.number, changed)
    ticket.contact = None
    ticket.student = None
    ticket.title = None
    ticket.content = REDACTED
    if ticket.response_text is not None:
        ticket.response_text = REDACTED
    ticket.rating_comment = None
    if ticket.supervise_note is not None:
        ticket.supervise_note = REDACTED
    ticket.idempotency_key = None
    ticket.request_hash = None
    ticket.anonymised_at = ctx.now
    await db.forget_around(ctx.session, ticket.id)
    status = Status(ticket.status)
    await append_event(
        ctx,
        ticket,
        Action.ANONYMISE,
        status,
        status,
        actor=SYSTEM_ACTOR,
        data={"redacted": redacted, "retention_days": ctx.settings.retention_days},
    )
