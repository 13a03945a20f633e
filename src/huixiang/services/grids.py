"""Parent grids (网格连心): a class's families in grids, each looked after by a grid member (a
teacher, or a parent volunteer with a login of role grid_member at the school); the grid's file
(一格一人: every contact and the matter it raised, a matter the family agrees to send becoming a
`grid` ticket); the grid's figures this term. The tickets of a grid wait in its member's 我的网格
queue (db/queues.GRID) until answered.

Who sees what (domain/grids.py): the school's leaders and the class's teachers see the class's
grids; a member sees their own grid — its families by name, never their groups, guardians'
phones or situation; leaders and the head teacher set grids up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..db import accounts as accounts_db
from ..db import grids as db
from ..db import visits as visits_db
from ..domain.access import Principal
from ..domain.enums import Channel, Role
from ..domain.errors import Invalid, NotFound, NotPermitted
from ..domain.grids import (
    CONTACT_LABELS,
    MAX_GRIDS_PER_CLASS,
    ContactForm,
    may_run_grids,
    may_see_grid,
    term_bounds,
    valid_grid_name,
)
from . import audit
from . import grid_schemas as gs
from . import schemas as s
from .context import Ctx
from .intake import intake
from .reference import categories, org_info
from .secrets import hash_password
from .visits import INT4_MAX, MAX_BACKDATE, _class, _roles_at, list_classes

MEMBER_ROLES = frozenset({Role.LEADER.value, Role.HANDLER.value, Role.GRID_MEMBER.value})


@dataclass(frozen=True, slots=True)
class GridAccess:
    grid: db.GridRow
    klass: visits_db.ClassRow
    roles: frozenset[Role]
    teaches: bool
    runs: bool  # may set it up (leader, head teacher)
    member: bool


async def _grid(ctx: Ctx, principal: Principal, grid_id: int) -> GridAccess:
    """A grid the caller may see, else 404 (never telling out of scope apart from unknown)."""
    found = await db.grid(ctx.session, grid_id) if 0 < grid_id <= INT4_MAX else None
    klass = await visits_db.class_row(ctx.session, found.class_id) if found else None
    if found is None or klass is None:
        raise NotFound(f"No grid {grid_id} in your scope.")
    roles = _roles_at(principal, klass.school_path)
    teaches = await visits_db.teaches(ctx.session, klass.id, principal.user_id)
    member = found.member_id == principal.user_id and bool(roles)
    if not may_see_grid(roles, teaches, member):
        raise NotFound(f"No grid {grid_id} in your scope.")
    runs = may_run_grids(roles, klass.head_teacher_id == principal.user_id)
    return GridAccess(found, klass, roles, teaches, runs, member)


def _check_contacted_at(at: datetime, now: datetime) -> datetime:
    if at.tzinfo is None:
        raise Invalid("`contacted_at` must carry a time zone offset, e.g. 2026-10-09T19:00:00+08:00.")
    if at > now + timedelta(minutes=5):
        raise Invalid("`contacted_at` cannot be in the future.")
    if at < now - MAX_BACKDATE:
        raise Invalid("`contacted_at` cannot be more than a year ago.")
    return at


def _term(ctx: Ctx) -> tuple[datetime, datetime]:
    tz = ctx.settings.timezone
    first, after = term_bounds(ctx.now.astimezone(tz).date())
    return datetime.combine(first, datetime.min.time(), tzinfo=tz), datetime.combine(
        after, datetime.min.time(), tzinfo=tz
    )


def _figures(figures: db.GridFigures | None, families: int) -> dict[str, Any]:
    f = figures or db.GridFigures(0, 0, 0, 0, 0)
    return {
        "families": families,
        "contacts": f.contacts,
        "families_reached": f.families_reached,
        "matters": f.matters,
        "tickets": f.tickets,
        "answered": f.answered,
    }


async def _views(ctx: Ctx, rows: list[db.GridRow]) -> list[dict[str, Any]]:
    start, end = _term(ctx)
    figures = await db.figures(ctx.session, [g.id for g in rows], start, end)
    return [
        {
            "id": g.id,
            "class_id": g.class_id,
            "name": g.name,
            "member": {"username": g.member_username, "name": g.member_name},
            "figures": _figures(figures.get(g.id), g.families),
        }
        for g in rows
    ]


async def list_grids(ctx: Ctx, principal: Principal, class_id: int | None = None) -> dict[str, Any]:
    """A class's grids with their figures this term (for its teachers and the school's leaders),
    or, without a class, the grids the caller looks after."""
    start, end = _term(ctx)
    if class_id is None:
        rows = [g for g in await db.grids_of_member(ctx.session, principal.user_id) if principal.grants]
        return {
            "term_from": start,
            "term_to": end,
            "term_last": end - timedelta(days=1),
            "class": None,
            "may_run": False,
            "items": await _views(ctx, rows),
        }
    access = await _class(ctx, principal, class_id)
    runs = may_run_grids(access.roles, access.row.head_teacher_id == principal.user_id)
    return {
        "term_from": start,
        "term_to": end,
        "term_last": end - timedelta(days=1),
        "class": {"id": access.row.id, "name": access.row.name, "school_code": access.row.school_code},
        "may_run": runs,
        "items": await _views(ctx, await db.grids_of_class(ctx.session, class_id)),
    }


async def _member(ctx: Ctx, principal: Principal, klass: visits_db.ClassRow, spec: gs.MemberIn) -> int:
    """The member's user id: an account holding a role at the school, or a parent volunteer's new
    login with the grid_member role there (its creation is in the admin's audit log)."""
    user = await db.user_by_username(ctx.session, spec.username)
    if user is not None:
        if spec.password is not None:
            raise Invalid(f"`member.username`: {spec.username!r} exists already; leave out the password.")
        if not await db.roles_at(ctx.session, user.id, klass.school_id) & MEMBER_ROLES or not user.is_active:
            raise Invalid(
                f"`member.username`: {spec.username!r} is not a teacher or grid member of this school."
            )
        return user.id
    if not spec.display_name or not spec.password:
        raise Invalid(
            "`member.password`: a new grid member (a parent volunteer) needs `display_name` and a "
            "password of 8 characters or more."
        )
    made = await accounts_db.add_user(
        ctx.session,
        username=spec.username,
        password_hash=hash_password(spec.password),
        display_name=spec.display_name.strip(),
    )
    if made is None:  # taken meanwhile
        raise Invalid(f"`member.username`: {spec.username!r} is taken.")
    await accounts_db.add_grants(ctx.session, made.id, [(Role.GRID_MEMBER.value, klass.school_id)])
    await audit.record(
        ctx,
        principal,
        "user_created",
        klass.school_path,
        made.username,
        roles=[f"{Role.GRID_MEMBER.value}@{klass.school_code}"],
        by="grid",
    )
    return made.id


async def _check_families(ctx: Ctx, class_id: int, student_ids: list[int]) -> list[int]:
    chosen = list(dict.fromkeys(student_ids))
    ours = {st.id for st in await visits_db.students_of(ctx.session, class_id)}
    for student_id in chosen:
        if student_id not in ours:  # an id beyond any student's range too
            raise Invalid(f"`students`: {student_id} is not a student of this class.")
    return chosen


async def create_grid(ctx: Ctx, principal: Principal, data: gs.GridCreate) -> dict[str, Any]:
    access = await _class(ctx, principal, data.class_id)
    if not may_run_grids(access.roles, access.row.head_teacher_id == principal.user_id):
        raise NotPermitted("Only a leader of the school or the class's head teacher may set up its grids.")
    name = data.name.strip()
    if not valid_grid_name(name):
        raise Invalid("`name`: give the grid a name of 1 to 32 characters, e.g. 第一网格.")
    if await db.grid_named(ctx.session, data.class_id, name) is not None:
        raise Invalid(f"`name`: the class already has a grid {name!r}.")
    if len(await db.grids_of_class(ctx.session, data.class_id)) >= MAX_GRIDS_PER_CLASS:
        raise Invalid(f"`name`: a class has at most {MAX_GRIDS_PER_CLASS} grids.")
    families = await _check_families(ctx, data.class_id, data.students)
    member = await _member(ctx, principal, access.row, data.member)
    grid_id = await db.add_grid(ctx.session, data.class_id, name, member)
    await db.set_families(ctx.session, grid_id, data.class_id, families)
    return await grid_file(ctx, principal, grid_id)


async def update_grid(ctx: Ctx, principal: Principal, grid_id: int, data: gs.GridUpdate) -> dict[str, Any]:
    """Another member, or the grid's families instead of the ones it had."""
    access = await _grid(ctx, principal, grid_id)
    if not access.runs:
        raise NotPermitted("Only a leader of the school or the class's head teacher may change a grid.")
    if data.students is not None:
        families = await _check_families(ctx, access.klass.id, data.students)
        await db.set_families(ctx.session, grid_id, access.klass.id, families)
    if data.member is not None:
        await db.set_member(ctx.session, grid_id, await _member(ctx, principal, access.klass, data.member))
    return await grid_file(ctx, principal, grid_id)


def _contact_view(c: db.ContactRow) -> dict[str, Any]:
    return {
        "id": c.id,
        "contacted_at": c.contacted_at,
        "form": c.form,
        "form_label": CONTACT_LABELS[ContactForm(c.form)],
        "student_id": c.student_id,
        "student_name": c.student_name,
        "by": c.by_name,
        "note": c.note,
        "matter": c.matter,
        "ticket": None
        if c.number is None
        else {
            "number": c.number,
            "status": c.status,
            "respond_due_at": c.respond_due_at,
            "responded_at": c.responded_at,
        },
    }


async def grid_file(ctx: Ctx, principal: Principal, grid_id: int) -> dict[str, Any]:
    """The grid's file (一格一人): its member, families (by name), every contact with the matter it
    raised and its ticket's state, and the figures of this term."""
    access = await _grid(ctx, principal, grid_id)
    view = (await _views(ctx, [access.grid]))[0]
    start, end = _term(ctx)
    view.update(
        {
            "class": {
                "id": access.klass.id,
                "name": access.klass.name,
                "school_code": access.klass.school_code,
            },
            "term_from": start,
            "term_to": end,
            "term_last": end - timedelta(days=1),
            "families": [{"student_id": i, "name": n} for i, n in await db.families(ctx.session, grid_id)],
            "contacts": [_contact_view(c) for c in await db.contacts(ctx.session, grid_id)],
            "may_run": access.runs,
            # A class's teachers and leaders open a family's student file; a volunteer does not.
            "may_open_students": access.teaches or Role.LEADER in access.roles,
        }
    )
    return view


async def add_contact(ctx: Ctx, principal: Principal, grid_id: int, data: gs.ContactCreate) -> dict[str, Any]:
    """A line of the grid's file. A matter the family agrees to send becomes a ticket of channel
    `grid` in the same transaction, through the offline intake; its number and access code come
    back in `receipt` (to give the family), and it waits in the member's 我的网格 queue."""
    access = await _grid(ctx, principal, grid_id)
    contacted_at = _check_contacted_at(data.contacted_at, ctx.now)
    pupil = None
    if data.student_id is not None:
        if data.student_id not in {i for i, _ in await db.families(ctx.session, grid_id)}:
            raise Invalid(f"`student_id`: {data.student_id} is not a family of this grid.")
        pupil = await visits_db.student(ctx.session, data.student_id)
    matter = data.matter.strip()
    if data.ticket is not None:
        if not data.ticket.consent:
            raise Invalid(
                "`ticket.consent` must be true: send a matter as a ticket only when the family agrees."
            )
        if not matter:
            raise Invalid("`matter`: write the matter the family raised to send it as a ticket.")
    if not matter and not data.note.strip():
        raise Invalid("`note`: write what the contact was about (or the matter raised).")
    contact_id = await db.add_contact(
        ctx.session,
        {
            "grid_id": grid_id,
            "student_id": data.student_id,
            "contacted_at": contacted_at.replace(microsecond=0),
            "form": data.form.value,
            "note": data.note.strip(),
            "matter": matter,
            "by_id": principal.user_id,
            "created_at": ctx.now,
        },
    )
    receipt = None
    if data.ticket is not None:
        contact = None
        if data.ticket.with_contact and pupil is not None:
            guardians = (await visits_db.guardians_of(ctx.session, [pupil.id]))[pupil.id]
            if guardians:
                g = guardians[0]
                contact = s.Contact(name=g.name, phone=g.phone or None, relation=g.relation or None)
        ticket = s.StaffTicketCreate(
            school_code=access.klass.school_code,
            kind=data.ticket.kind,
            category=data.ticket.category,
            content=matter,
            consent=True,
            title=data.ticket.title,
            contact=contact,
            student=s.Student(name=pupil.name, class_name=access.klass.name) if pupil else None,
            channel=Channel.GRID,
            collected_at=contacted_at if contacted_at <= ctx.now else ctx.now,
        )
        made = await intake(ctx, ticket, principal=principal, source={"grid": str(grid_id)})
        await db.link_contact_ticket(ctx.session, contact_id, made.number)
        receipt = {
            "number": made.number,
            "access_code": made.access_code,
            "respond_due_at": made.respond_due_at,
        }
    contacts = [c for c in await db.contacts(ctx.session, grid_id, limit=20) if c.id == contact_id]
    return {**_contact_view(contacts[0]), "receipt": receipt}


# ---- what the pages need besides the endpoints' answers --------------------------------------


async def grids_page(ctx: Ctx, principal: Principal, class_id: int | None) -> dict[str, Any]:
    """/visits/grids: the caller's grids, or a class's with, for who runs them, its students for
    the new grid's form."""
    view = await list_grids(ctx, principal, class_id)
    students: list[tuple[int, str]] = []
    classes: list[dict[str, Any]] = []
    if class_id is not None and view["may_run"]:
        students = [(st.id, st.name) for st in await visits_db.students_of(ctx.session, class_id)]
    if class_id is None:  # the classes whose grids the caller may open (none for a volunteer)
        classes = [c for c in await list_classes(ctx, principal) if c["roster_visible"]]
    return {**view, "students": students, "classes": classes}


async def grid_page(ctx: Ctx, principal: Principal, grid_id: int) -> dict[str, Any]:
    """The grid's file with the contact form's choices (the bureau's categories)."""
    view = await grid_file(ctx, principal, grid_id)
    school = await org_info(ctx, view["class"]["school_code"])
    assert school is not None
    return {**view, "categories": await categories(ctx, school.root_id), "forms": list(ContactForm)}
