"""Parents' trust, the use cases: staff named in a complaint (at intake, or marked later by the
registrar or a leader), the ticket sent past the school when its leader is named, identities
held in escrow for the district, and the designated reviewer's audited unseal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from ..db import notices as notices_db
from ..db import repo
from ..db import trust as db
from ..domain import trust
from ..domain.access import Principal
from ..domain.enums import Action, Kind, OrgKind, Role, Status
from ..domain.errors import Invalid, NotFound, NotPermitted
from . import audit
from . import schemas as s
from .context import Ctx
from .reference import OrgInfo, org_info, parent_info
from .tickets.records import append_event, scoped


@dataclass(frozen=True, slots=True)
class StaffChoice:
    """One name on a school's staff list (the parents' picker shows names only)."""

    id: int
    name: str
    leads: bool  # holds the leader role at the school


async def school_staff(ctx: Ctx, school: OrgInfo) -> list[StaffChoice]:
    rows = await db.staff_of_school(ctx.session, school.id)
    people: dict[int, StaffChoice] = {}
    for user_id, name, role in rows:
        leads = role == Role.LEADER.value or (people[user_id].leads if user_id in people else False)
        people[user_id] = StaffChoice(user_id, name, leads)
    return list(people.values())


async def staff_choices(ctx: Ctx, school_code: str) -> list[StaffChoice]:
    """The school's staff for the public form's picker (an unknown school: none)."""
    school = await org_info(ctx, school_code)
    if school is None or school.kind != OrgKind.SCHOOL:
        return []
    return await school_staff(ctx, school)


@dataclass(frozen=True, slots=True)
class IntakeTrust:
    named: list[int]
    to_bureau: bool  # a named person leads the school: filed at the district


async def check_intake(ctx: Ctx, data: s.PublicTicketCreate, school: OrgInfo) -> IntakeTrust:
    named = data.named_staff or []
    staff = await school_staff(ctx, school) if named else []
    chosen = trust.check_request(
        data.kind,
        named,
        data.escrow,
        anonymous=data.anonymous,
        has_contact=bool(data.contact and (data.contact.phone or data.contact.email)),
        school_staff=[p.id for p in staff],
    )
    leads = trust.leader_named(chosen, {p.id for p in staff if p.leads})
    return IntakeTrust(chosen, data.to_bureau or leads)


async def after_intake(
    connection: asyncpg.Connection,
    ticket_id: int,
    named: list[int],
    sealed: tuple[str | None, str | None] | None,
    notice: list[Any],
) -> list[int]:
    """On the intake's connection, in its transaction: who the ticket names, the sealed identity,
    then the new-ticket notice (held back from the intake's statement) to the unit's staff less
    the named. Answers the new delivery ids."""
    await db.add_named_raw(connection, ticket_id, named, notice[1])
    if sealed is not None:
        await db.seal_raw(connection, ticket_id, sealed[0], sealed[1], notice[1])
    rule, now, deadline, data, body, subject, org_id, roles = notice
    return await notices_db.notify_staff(
        connection,
        org_id=org_id,
        roles=roles,
        ticket_id=ticket_id,
        rule=rule,
        deadline=deadline,
        body=body,
        subject=subject,
        data=data,
        now=now,
    )


async def name_staff(
    ctx: Ctx, principal: Principal, number: str, request: s.NameStaffRequest
) -> s.NamedStaffView:
    """The registrar or a leader marks the staff a complaint names; a named leader sends the
    ticket to the district at once. An event in the archive says who was named."""
    ticket, _, _ = await scoped(ctx, principal, number, for_update=True)
    roles = principal.roles_over(ticket.org_path) & {Role.REGISTRAR, Role.LEADER}
    if not roles:
        raise NotPermitted("Only a registrar or a leader may name the staff a complaint concerns.")
    school = await repo.org_by_id(ctx.session, ticket.school_id)
    assert school is not None
    info = await org_info(ctx, school.code)
    assert info is not None
    staff = await school_staff(ctx, info)
    chosen = trust.check_request(
        Kind(ticket.kind),
        request.named_staff,
        False,
        anonymous=ticket.anonymous,
        has_contact=True,
        school_staff=[p.id for p in staff],
    )
    status = Status(ticket.status)
    trust.check_naming(status, chosen, ticket.assignee_id)
    await db.add_named(ctx.session, ticket.id, chosen, ctx.now)
    moved = False
    if trust.leader_named(chosen, {p.id for p in staff if p.leads}) and not ticket.to_bureau:
        district = await parent_info(ctx, info)
        if district is None:
            raise Invalid("`named_staff` names the school's leader, and this school has no bureau above it.")
        ticket.org_id, ticket.org_path, ticket.district_id = district.id, district.path, district.id
        ticket.to_bureau = moved = True
        ticket.updated_at = ctx.now
    names = {p.id: p.name for p in staff}
    await append_event(
        ctx,
        ticket,
        Action.NAME_STAFF,
        status,
        status,
        actor=(principal.display_name, sorted(roles)[0], principal.user_id),
        internal_note=request.note,
        data={"named": [names[i] for i in chosen], "to_bureau": moved},
    )
    await ctx.session.flush()
    return s.NamedStaffView(ticket.number, chosen, ticket.to_bureau)


async def unseal(ctx: Ctx, principal: Principal, number: str, request: s.UnsealRequest) -> s.IdentityView:
    """A designated reviewer of the district reads an escrowed parent's identity, with a reason;
    the unsealing is an event inspectors see in the archive."""
    reason = request.reason.strip()
    if not reason:
        raise Invalid("`reason` must say why the parent's identity is unsealed.")
    ticket, _, _ = await scoped(ctx, principal, number, for_update=True)
    reviewer = await db.is_reviewer(ctx.session, principal.user_id)
    trust.check_unseal(reviewer, principal.grants, ticket.org_path, ticket.escrowed)
    found = await db.sealed(ctx.session, ticket.id)
    contact = dict(found.contact) if found and found.contact else None
    student = dict(found.student) if found and found.student else None
    status = Status(ticket.status)
    await append_event(
        ctx,
        ticket,
        Action.UNSEAL,
        status,
        status,
        actor=(principal.display_name, Role.INSPECTOR.value, principal.user_id),
        internal_note=reason,
        data={"fields": [name for name, part in (("contact", contact), ("student", student)) if part]},
    )
    return s.IdentityView(ticket.number, ticket.anonymous, contact, student)


async def set_reviewer(
    ctx: Ctx, principal: Principal, username: str, request: s.ReviewerRequest
) -> dict[str, Any]:
    """An admin designates (or stops designating) a reviewer: a user with an inspector's role at
    a district or above, within the admin's scope."""
    user = await repo.user_by_username(ctx.session, username)
    grants = (await repo.grants_of(ctx.session, [user.id]))[user.id] if user else []
    admin_paths = principal.scope_paths([Role.ADMIN])
    reachable = [g for g in grants if any(g.org_path.startswith(p) for p in admin_paths)]
    if user is None or not reachable:
        raise NotFound(f"No user {username!r} in your scope.")
    if request.identity_reviewer and not any(g.role is Role.INSPECTOR and not g.leaf for g in grants):
        raise Invalid("`identity_reviewer` needs an inspector of a district or a bureau.")
    await db.set_reviewer(ctx.session, user.id, request.identity_reviewer)
    await audit.record(
        ctx,
        principal,
        "identity_reviewer",
        reachable[0].org_path,
        user.username,
        value=request.identity_reviewer,
    )
    return {"username": user.username, "identity_reviewer": request.identity_reviewer}
