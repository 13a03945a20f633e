"""Offline intake at the staff desk (/staff/intake): what the form offers the caller, and one
ticket recorded with its channel's facts. The hotline's "当场答复" registers and answers the new
ticket in the same transaction, through the lifecycle (a registrar may answer from registered)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..db import repo
from ..db import trust as trust_db
from ..domain.access import Principal
from ..domain.enums import Action, OrgKind, Role, Status
from ..domain.errors import NotPermitted
from . import schemas as s
from . import tickets
from .context import Ctx
from .intake import STAFF_INTAKE_ROLES, Upload, intake
from .reference import categories

# Who may register a ticket and answer it at once (domain/lifecycle.py: register, then respond).
ANSWER_AT_ONCE_ROLES = frozenset({Role.REGISTRAR, Role.LEADER})


@dataclass(frozen=True, slots=True)
class School:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class DeskOptions:
    schools: list[School]  # where the caller may file (one, for a school's own staff)
    categories: list[str]  # the bureau's list
    can_answer: bool  # may register and answer at once
    # The school's staff a complaint may name (id, name), when the caller files at one school.
    staff: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DeskReceipt:
    number: str
    access_code: str
    status: str
    respond_due_at: datetime
    answered: bool


async def options(ctx: Ctx, principal: Principal) -> DeskOptions:
    """The schools, categories and choices of the intake form; a role that may not record
    tickets is refused (inspectors, admins)."""
    roles = {grant.role for grant in principal.grants}
    if not roles & STAFF_INTAKE_ROLES:
        raise NotPermitted(
            "Your role may not record tickets; registrars, leaders, handlers and grid members may."
        )
    orgs = [org for org, _ in await repo.orgs_in(ctx.session, principal) if org.kind == OrgKind.SCHOOL]
    schools = [School(org.code, org.name) for org in orgs]
    root_id = int(principal.grants[0].org_path.strip("/").split("/")[0])
    staff: dict[int, str] = {}
    if len(orgs) == 1:
        staff = {r.id: r.display_name for r in await trust_db.staff_of_school(ctx.session, orgs[0].id)}
    return DeskOptions(
        schools, await categories(ctx, root_id), bool(roles & ANSWER_AT_ONCE_ROLES), list(staff.items())
    )


async def record(
    ctx: Ctx,
    principal: Principal,
    data: s.StaffTicketCreate,
    *,
    uploads: Sequence[Upload] = (),
    internal_note: str | None = None,
    source: dict[str, str] | None = None,
    answer: str | None = None,
    idempotency_key: str | None = None,
) -> DeskReceipt:
    """One offline ticket; with `answer`, registered and answered at once by the caller. A
    replayed key answers the first receipt and answers nothing twice."""
    if answer is not None and not {g.role for g in principal.grants} & ANSWER_AT_ONCE_ROLES:
        raise NotPermitted("Only registrars and leaders may register and answer a ticket at once.")
    receipt = await intake(
        ctx,
        data,
        principal=principal,
        idempotency_key=idempotency_key,
        uploads=uploads,
        internal_note=internal_note,
        source=source,
    )
    status, due = receipt.status, receipt.respond_due_at
    if answer is not None:
        view = await tickets.get_ticket(ctx, principal, receipt.number)
        if view.status == Status.COLLECTED:
            await tickets.act(ctx, principal, receipt.number, Action.REGISTER, s.RegisterRequest())
            view = await tickets.act(
                ctx, principal, receipt.number, Action.RESPOND, s.RespondRequest(text=answer)
            )
        status, due = view.status, view.respond_due_at
    return DeskReceipt(receipt.number, receipt.access_code, status, due, status == Status.RESPONDED)
