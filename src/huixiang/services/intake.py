"""Intake: a new ticket online from a parent or offline from staff, with its deadlines, its
number, its access code and its first event, written in one statement (db/fast.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from ..db import fast
from ..domain.access import Principal
from ..domain.chain import GENESIS, event_hash
from ..domain.enums import (
    OFFLINE_CHANNELS,
    Action,
    Actor,
    Channel,
    OrgKind,
    Priority,
    Role,
    Status,
)
from ..domain.errors import (
    Conflict,
    IdempotencyMismatch,
    Invalid,
    NotFound,
    NotPermitted,
    TooManyRequests,
)
from ..settings import Settings
from . import schemas as s
from . import throttle
from .context import Ctx
from .notices import ticket_received
from .reference import OrgInfo, categories, clock_for, org_info, parent_info
from .secrets import access_code_hash, derived_access_code, new_access_code
from .trust import after_intake, check_intake

STAFF_INTAKE_ROLES = frozenset({Role.REGISTRAR, Role.LEADER, Role.HANDLER, Role.GRID_MEMBER})
MAX_BACKDATE = timedelta(days=366)
# Public intake per address: settings.intake_limit tickets in this window (HUIXIANG_INTAKE_LIMIT).
INTAKE_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str  # sniffed from the content
    data: bytes


async def admit(redis: Any, settings: Settings, address: str) -> None:
    """Count one public submission from `address`, before its body is read; past the limit of
    the window, refuse it (429). Redis down: no limit (services/throttle.py)."""
    limit = settings.intake_limit
    if limit <= 0:
        return
    counter = throttle.key(settings.secret_key, "intake", address)
    if await throttle.hit(redis, counter, INTAKE_WINDOW) > limit:
        raise TooManyRequests(
            f"Too many tickets from your address: at most {limit} a minute. Try again in a minute."
        )


async def intake(
    ctx: Ctx,
    data: s.PublicTicketCreate,
    *,
    principal: Principal | None = None,
    idempotency_key: str | None = None,
    uploads: Sequence[Upload] = (),
    internal_note: str | None = None,
    source: dict[str, str] | None = None,
) -> s.IntakeReceipt:
    """A new ticket, online from a parent (no principal) or offline from staff. Staff may add
    what the channel told them that has no column (who received the parent, the caller's line):
    `source` is kept in the intake event's data, `internal_note` is its internal note."""
    channel = data.channel if isinstance(data, s.StaffTicketCreate) else Channel.ONLINE
    if not data.consent:
        raise Invalid("`consent` must be true: the parent has to accept how the data is used.")
    if not data.content.strip():
        raise Invalid("`content` is blank: write what happened and what you expect.")
    if data.anonymous and (data.contact is not None or data.student is not None):
        raise Invalid(
            "`contact` and `student` must be empty when `anonymous` is true: "
            "an anonymous ticket keeps no identity."
        )
    school = await org_info(ctx, data.school_code)
    if school is None or school.kind != OrgKind.SCHOOL:
        raise Invalid(f"`school_code` {data.school_code!r} names no school.")
    if data.category not in await categories(ctx, school.root_id):
        raise Invalid(f"`category` {data.category!r} is not one of this bureau's categories.")
    trusted = await check_intake(ctx, data, school)
    filed = await _filing_unit(ctx, school, trusted.to_bureau)

    collected_at = ctx.now
    if principal is not None:
        assert isinstance(data, s.StaffTicketCreate)
        _check_staff_intake(principal, school, channel)
        if data.collected_at is not None:
            collected_at = _check_collected_at(data.collected_at, ctx.now)

    clock = await clock_for(ctx, filed.path)
    register_due = clock.register_due(collected_at)
    respond_due = clock.respond_due(collected_at, data.kind, Priority.NORMAL)

    request_hash = _request_hash(data, uploads)
    if idempotency_key:
        # A replay answers the first receipt before taking a number: a retry uses none up.
        if (first := await fast.keyed_ticket(await fast.driver(ctx), school.id, idempotency_key)) is not None:
            return _replayed(ctx, first, idempotency_key, request_hash)
        code = derived_access_code(ctx.settings.secret_key, idempotency_key, request_hash)
    else:
        code = new_access_code()
    number = await _next_number(ctx, collected_at)

    if principal is None:
        actor, role = "parent", str(Actor.PARENT)
    else:
        actor = principal.display_name
        role = sorted(principal.roles_over(school.path) & STAFF_INTAKE_ROLES)[0]
    ticket = {
        "number": number,
        "access_code_hash": access_code_hash(ctx.settings.secret_key, code),
        "org_id": filed.id,
        "org_path": filed.path,
        "school_id": school.id,
        "district_id": filed.id if filed.kind == OrgKind.DISTRICT else filed.parent_id,
        "to_bureau": trusted.to_bureau,
        "channel": channel.value,
        "kind": data.kind.value,
        "category": data.category,
        "priority": Priority.NORMAL.value,
        "status": Status.COLLECTED.value,
        "title": data.title,
        "content": data.content,
        "anonymous": data.anonymous,
        "escrowed": data.escrow,
        # Escrowed: kept in sealed_identities (services/trust.after_intake), never on the ticket.
        "contact": None if data.escrow else _json(_clean(data.contact)),
        "student": None if data.escrow else _json(_clean(data.student)),
        "collected_at": collected_at,
        "register_due_at": register_due,
        "respond_due_at": respond_due,
        "created_by_id": principal.user_id if principal else None,
        "idempotency_key": idempotency_key,
        "request_hash": request_hash,
        "version": 1,
    }
    fields = {
        "seq": 1,
        "at": ctx.now,
        "action": Action.INTAKE.value,
        "actor": actor,
        "actor_role": role,
        "from_status": None,
        "to_status": Status.COLLECTED.value,
        "note": None,
        "internal_note": internal_note or None,
        "data": {
            "channel": channel.value,
            "files": len(uploads),
            **({"source": source} if source else {}),
            **({"named_staff": len(trusted.named)} if trusted.named else {}),
            **({"escrow": True} if data.escrow else {}),
        },
    }
    event = {
        **fields,
        "data": _json(fields["data"]),
        "actor_id": principal.user_id if principal else None,
        "prev_hash": GENESIS,
        "hash": event_hash(GENESIS, number, fields),
    }
    files = [
        (u.filename, u.content_type, len(u.data), hashlib.sha256(u.data).digest(), u.data) for u in uploads
    ]
    notice = ticket_received(ctx, number, filed, register_due)
    connection = await fast.driver(ctx)
    if trusted.named or data.escrow:
        # One transaction: the ticket, who it names and the sealed identity; its new-ticket
        # notice after them, so that it leaves out the staff it names.
        sealed = (_json(_clean(data.contact)), _json(_clean(data.student))) if data.escrow else None
        async with connection.transaction():
            ticket_id, deliveries = await fast.insert_intake(
                connection, ticket, event, [*notice[:-1], []], files
            )
            if ticket_id is not None:
                deliveries += await after_intake(connection, ticket_id, trusted.named, sealed, notice)
    else:
        ticket_id, deliveries = await fast.insert_intake(connection, ticket, event, notice, files)
    if ticket_id is None:  # a concurrent twin with the same key committed first
        assert idempotency_key is not None
        first = await fast.keyed_ticket(await fast.driver(ctx), school.id, idempotency_key)
        if first is None:  # the twin rolled back; the client should simply retry
            raise Conflict("A request with this Idempotency-Key is still being processed; retry.")
        return _replayed(ctx, first, idempotency_key, request_hash)
    ctx.deliveries += deliveries
    return s.IntakeReceipt(number, code, Status.COLLECTED.value, register_due, respond_due)


async def _filing_unit(ctx: Ctx, school: OrgInfo, to_bureau: bool) -> OrgInfo:
    if not to_bureau:
        return school
    district = await parent_info(ctx, school)
    if district is None:
        raise Invalid("`to_bureau` is not possible: this school has no bureau above it.")
    return district


def _check_staff_intake(principal: Principal, school: OrgInfo, channel: Channel) -> None:
    roles = principal.roles_over(school.path)
    if not roles:
        raise NotFound(f"No school {school.code!r} in your scope.")
    if not roles & STAFF_INTAKE_ROLES:
        raise NotPermitted(
            "Your role may not record tickets; registrars, leaders, handlers and grid members may."
        )
    if channel not in OFFLINE_CHANNELS:
        raise Invalid(
            "`channel` must be an offline channel: "
            + ", ".join(sorted(c.value for c in OFFLINE_CHANNELS))
            + "."
        )


def _check_collected_at(collected_at: datetime, now: datetime) -> datetime:
    if collected_at.tzinfo is None:
        raise Invalid("`collected_at` must carry a time zone offset, e.g. 2026-10-09T09:00:00+08:00.")
    if collected_at > now + timedelta(minutes=5):
        raise Invalid("`collected_at` cannot be in the future.")
    if collected_at < now - MAX_BACKDATE:
        raise Invalid("`collected_at` cannot be more than a year ago.")
    return collected_at


def _clean(part: msgspec.Struct | None) -> dict[str, str] | None:
    if part is None:
        return None
    values = {k: v.strip() for k, v in msgspec.structs.asdict(part).items() if v and v.strip()}
    return values or None


def _request_hash(data: s.PublicTicketCreate, uploads: Sequence[Upload]) -> bytes:
    body = json.dumps(msgspec.to_builtins(data), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(body.encode())
    for upload in uploads:
        digest.update(hashlib.sha256(upload.data).digest())
    return digest.digest()


def _replayed(ctx: Ctx, first: Any, key: str, request_hash: bytes) -> s.IntakeReceipt:
    """The first receipt again, for the same key and body (keys are per school: another
    school's ticket with the same key is never found, so it is never told about)."""
    if bytes(first["request_hash"]) != request_hash:
        raise IdempotencyMismatch(
            "This Idempotency-Key was already used with a different request body; "
            "send a new key for a new ticket."
        )
    code = derived_access_code(ctx.settings.secret_key, key, request_hash)
    tz = ctx.settings.timezone  # as the first answer gave them, not in the database's UTC
    return s.IntakeReceipt(
        first["number"],
        code,
        Status.COLLECTED.value,
        first["register_due_at"].astimezone(tz),
        first["respond_due_at"].astimezone(tz),
    )


NUMBER_BLOCK = 50


async def _next_number(ctx: Ctx, collected_at: datetime) -> str:
    """A readable number, unique and counted per year: 2026-000123. Each process takes the
    sequence in blocks, so most intakes need no round trip for it (numbers stay unique; the
    order across processes is roughly, not strictly, by time)."""
    year = collected_at.astimezone(ctx.settings.timezone).year
    sequence = f"ticket_number_{year}"
    block = ctx.caches.numbers.setdefault(year, [])
    if not block:
        connection = await fast.driver(ctx)
        if year not in ctx.caches.sequences:
            if not await _ensure_sequence(connection, sequence):
                # Made inside this request's transaction: others see it only at the commit, and
                # a rollback takes it back, so neither remember it nor keep a block from it.
                return f"{year}-{(await fast.next_numbers(connection, sequence, 1))[0]:06d}"
            ctx.caches.sequences.add(year)
        numbers = await fast.next_numbers(connection, sequence, NUMBER_BLOCK)
        block.extend(reversed(numbers))
    return f"{year}-{block.pop():06d}"


async def _ensure_sequence(connection: asyncpg.Connection, sequence: str) -> bool:
    """Create the year's sequence once, on the request's own connection: a second connection
    from the same pool can deadlock a burst of first intakes (every request holding one and
    waiting for another), and concurrent CREATEs race on the catalog. True when the sequence
    is committed; False when it was just made inside the caller's open transaction."""
    if await fast.sequence_exists(connection, sequence):
        return True
    outer = connection.is_in_transaction()
    try:
        await fast.create_sequence(connection, sequence)
    except (asyncpg.UniqueViolationError, asyncpg.DuplicateTableError):
        return True  # a concurrent twin created it first and committed
    return not outer


def _json(value: object) -> str | None:
    """JSON text for jsonb parameters on the raw connection (SQLAlchemy's codec expects text)."""
    return None if value is None else json.dumps(value, ensure_ascii=False)
