"""Home visits (家访): the roster, its XLSX import, visit records (附表1) whose opinions become
tickets through the offline intake, and the coverage figures. One call per endpoint or page.

Who sees what (domain/visits.py): a school's leaders and the class's own teachers see a class's
students; another teacher of the school sees its classes and coverage, not its students (404);
the bureau's inspectors see coverage only. Guardians' phones are masked but for leaders; a class's
teacher reveals them, and each reveal is logged (roster_access)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..db import campaigns as campaigns_db
from ..db import talks as talks_db
from ..db import visits as db
from ..domain.access import Principal, mask_phone
from ..domain.enums import Channel, OrgKind, Role
from ..domain.errors import Invalid, NotFound, NotPermitted
from ..domain.visits import (
    COLUMNS,
    COVERAGE_ROLES,
    FORM_LABELS,
    GROUP_LABELS,
    Group,
    RowError,
    VisitForm,
    may_see_class,
    parse_roster,
    rate,
    school_year_bounds,
    school_year_of,
    sees_phones,
)
from . import followups
from . import schemas as s
from . import visit_schemas as vs
from .context import Ctx
from .intake import intake
from .listing import text_cell
from .reference import OrgInfo, categories, org_info
from .stats import instant

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_BACKDATE = timedelta(days=366)
XLSX_MAGIC = b"PK\x03\x04"
INT4_MAX = 2**31 - 1


def current_school_year(ctx: Ctx) -> int:
    return school_year_of(ctx.now.astimezone(ctx.settings.timezone).date())


# ---- scope ---------------------------------------------------------------------------------


def _roles_at(principal: Principal, path: str) -> frozenset[Role]:
    """The roles held at the school itself: a district's or the city's leader reaches the school's
    tickets, but a minor's data stays with the school (the bureau sees visits in aggregate)."""
    return frozenset(g.role for g in principal.grants if g.org_path == path)


async def _school(ctx: Ctx, principal: Principal, code: str) -> tuple[OrgInfo, frozenset[Role]]:
    """A school in scope, and the roles the caller holds at it."""
    school = await org_info(ctx, code)
    reach = principal.roles_over(school.path) if school else frozenset()
    if school is None or school.kind != OrgKind.SCHOOL or not reach & COVERAGE_ROLES:
        raise NotFound(f"No school {code!r} in your scope.")
    return school, _roles_at(principal, school.path)


@dataclass(frozen=True, slots=True)
class ClassAccess:
    row: db.ClassRow
    roles: frozenset[Role]
    teaches: bool


async def _class(ctx: Ctx, principal: Principal, class_id: int) -> ClassAccess:
    """A class whose students the caller may see, else 404 (never telling out of scope apart)."""
    if not 0 < class_id <= INT4_MAX:  # a class's id is an int4: beyond it names no class
        raise NotFound(f"No class {class_id} in your scope.")
    row = await db.class_row(ctx.session, class_id)
    roles = _roles_at(principal, row.school_path) if row else frozenset()
    teaches = bool(row) and await db.teaches(ctx.session, class_id, principal.user_id)
    if row is None or not may_see_class(roles, teaches):
        raise NotFound(f"No class {class_id} in your scope.")
    return ClassAccess(row, roles, teaches)


# ---- classes -------------------------------------------------------------------------------


async def _schools_in_scope(ctx: Ctx, principal: Principal, org_code: str | None) -> list[int]:
    if org_code:
        org = await org_info(ctx, org_code)
        if org is None or not principal.roles_over(org.path) & COVERAGE_ROLES:
            raise NotFound(f"No org unit {org_code!r} in your scope.")
        paths = [org.path]
    else:
        paths = principal.scope_paths(COVERAGE_ROLES)
    return await db.schools_under(ctx.session, paths)


def _class_view(row: db.ClassRow, visible: bool) -> dict[str, Any]:
    return {
        "id": row.id,
        "school_code": row.school_code,
        "school_year": row.school_year,
        "grade": row.grade,
        "name": row.name,
        "head_teacher": row.head_teacher,
        "students": row.students,
        "roster_visible": visible,  # whether the caller may open its students
    }


async def list_classes(
    ctx: Ctx, principal: Principal, *, org_code: str | None = None, school_year: int | None = None
) -> list[dict[str, Any]]:
    year = school_year or current_school_year(ctx)
    rows = await db.classes_of(ctx.session, await _schools_in_scope(ctx, principal, org_code), year)
    taught = await db.taught_classes(ctx.session, principal.user_id)
    return [
        _class_view(row, may_see_class(_roles_at(principal, row.school_path), row.id in taught))
        for row in rows
    ]


async def create_class(ctx: Ctx, principal: Principal, data: vs.ClassCreate) -> dict[str, Any]:
    school, roles = await _school(ctx, principal, data.school_code)
    if Role.LEADER not in roles:
        raise NotPermitted("Only a leader of the school may set up its classes.")
    year = data.school_year or current_school_year(ctx)
    if await db.class_by_name(ctx.session, school.id, year, data.name) is not None:
        raise Invalid(f"`name`: the school already has a class {data.name!r} in {year}.")
    teachers = await db.school_teachers(ctx.session, school.id)
    for username in [data.head_teacher or "", *(t.username for t in data.teachers)]:
        if username and username not in teachers:
            raise Invalid(f"`teachers`: {username!r} is not a teacher (handler or leader) of this school.")
    class_id = await db.add_class(
        ctx.session, school.id, year, data.grade, data.name, teachers.get(data.head_teacher or "")
    )
    await db.set_subject_teachers(
        ctx.session, class_id, [(teachers[t.username], t.subject) for t in data.teachers]
    )
    row = await db.class_row(ctx.session, class_id)
    assert row is not None
    return await _class_detail(ctx, row, True)


async def _class_detail(ctx: Ctx, row: db.ClassRow, visible: bool) -> dict[str, Any]:
    teachers = await db.subject_teachers(ctx.session, row.id)
    return {
        **_class_view(row, visible),
        "teachers": [{"username": u, "name": n, "subject": subj} for _, u, n, subj in teachers],
    }


# ---- students ------------------------------------------------------------------------------


def _guardians(guardians: list[Any], full: bool) -> list[dict[str, str]]:
    return [
        {
            "name": g.name,
            "relation": g.relation,
            "phone": g.phone if full or not g.phone else mask_phone(g.phone),
        }
        for g in guardians
    ]


def _student_view(
    student: Any, guardians: list[Any], full: bool, visits: tuple[int, datetime] | None
) -> dict[str, Any]:
    return {
        "id": student.id,
        "class_id": student.class_id,
        "name": student.name,
        "new_intake": student.new_intake,
        "groups": list(student.groups),
        "guardians": _guardians(guardians, full),
        "visits_this_year": visits[0] if visits else 0,
        "last_visit_at": visits[1] if visits else None,
    }


async def roster(ctx: Ctx, principal: Principal, class_id: int) -> dict[str, Any]:
    access = await _class(ctx, principal, class_id)
    students = await db.students_of(ctx.session, class_id)
    ids = [st.id for st in students]
    guardians = await db.guardians_of(ctx.session, ids)
    start, end = _year_period(ctx, access.row.school_year)
    counts = await db.visit_counts(ctx.session, ids, start, end)
    full = sees_phones(access.roles)
    return {
        "class": await _class_detail(ctx, access.row, True),
        "phones_masked": not full,
        "students": [_student_view(st, guardians[st.id], full, counts.get(st.id)) for st in students],
    }


async def add_student(ctx: Ctx, principal: Principal, data: vs.StudentCreate) -> dict[str, Any]:
    access = await _class(ctx, principal, data.class_id)
    names = {st.name for st in await db.students_of(ctx.session, data.class_id)}
    if data.name in names:
        raise Invalid(f"`name`: the class already has a student {data.name!r}; tell them apart.")
    student_id = await db.add_student(
        ctx.session,
        access.row.school_id,
        data.class_id,
        data.name.strip(),
        data.new_intake,
        [g.value for g in dict.fromkeys(data.groups)],
        [(g.name.strip(), g.relation.strip(), (g.phone or "").replace(" ", "")) for g in data.guardians],
        ctx.now,
    )
    return await _student_file(ctx, principal, student_id)


async def _student_access(ctx: Ctx, principal: Principal, student_id: int) -> tuple[Any, ClassAccess]:
    found = await db.student(ctx.session, student_id)
    if found is None:
        raise NotFound(f"No student {student_id} in your scope.")
    try:
        access = await _class(ctx, principal, found.class_id)
    except NotFound:
        raise NotFound(f"No student {student_id} in your scope.") from None
    return found, access


async def student(ctx: Ctx, principal: Principal, student_id: int) -> dict[str, Any]:
    """One student with guardians (masked as the caller's role says) and every visit record.
    Each opening of the file is logged (PIPL art. 31: a minor's data, every view reportable)."""
    view = await _student_file(ctx, principal, student_id)
    await db.log_access(ctx.session, principal.user_id, view["id"], "view", ctx.now)
    return view


async def _student_file(ctx: Ctx, principal: Principal, student_id: int) -> dict[str, Any]:
    found, access = await _student_access(ctx, principal, student_id)
    guardians = (await db.guardians_of(ctx.session, [found.id]))[found.id]
    start, end = _year_period(ctx, access.row.school_year)
    counts = await db.visit_counts(ctx.session, [found.id], start, end)
    view = _student_view(found, guardians, sees_phones(access.roles), counts.get(found.id))
    view["class"] = _class_view(access.row, True)
    view["visits"] = await _visit_views(ctx, await db.visits_of(ctx.session, student_id=found.id))
    view["followup"] = await followups.of_student(ctx, found.id, found.class_id, access.row.school_path)
    view["talks"] = [
        {"id": t.id, "talked_at": t.talked_at, "topic": t.topic, "teacher": author}
        for t, author in await talks_db.talks_of(ctx.session, found.id)
    ]
    return view


async def reveal_guardians(ctx: Ctx, principal: Principal, student_id: int) -> dict[str, Any]:
    """The guardians' phones in full, for the school's leaders and the class's teachers; logged."""
    found, _ = await _student_access(ctx, principal, student_id)
    await db.log_access(ctx.session, principal.user_id, found.id, "reveal", ctx.now)
    guardians = (await db.guardians_of(ctx.session, [found.id]))[found.id]
    return {"student_id": found.id, "guardians": _guardians(guardians, True)}


async def access_log(ctx: Ctx, principal: Principal, student_id: int) -> list[dict[str, Any]]:
    found, access = await _student_access(ctx, principal, student_id)
    if Role.LEADER not in access.roles:
        raise NotPermitted("Only a leader of the school may read who revealed a family's phone.")
    return [
        {"at": at, "by": by, "action": action}
        for at, by, action in await db.access_log(ctx.session, found.id)
    ]


# ---- the roster import ---------------------------------------------------------------------


def roster_template() -> bytes:
    """The import's template: the header, one example row, and a sheet that says how to fill it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "花名册"
    sheet.append(list(COLUMNS))
    sheet.append(
        [
            3,
            "三年级（2）班",
            "张小明",
            "否",
            "留守/单亲",
            "张建国",
            "父亲",
            "13800000000",
            "李芳",
            "母亲",
            "",
            "",
        ]
    )
    for column in "ABCDEFGHIJKL":
        sheet.column_dimensions[column].width = 14
    notes = book.create_sheet("填写说明")
    for line in (
        ["每行一名学生；表头请勿修改；示例行请删除后再导入。"],
        ["年级：1 到 12，或 一年级、初一、高一 等。"],
        ["新生：是 / 否（不填即为否）。"],
        ["特殊群体：可填多项，用顿号分隔：" + "、".join(GROUP_LABELS.values()) + "。"],
        ["监护人电话：11位手机号或座机号（如 0514-87654321）。"],
        ["班主任账号：本校教师的登录账号，可不填。"],
        ["同一文件中任何一行有误，整份文件都不导入；改正后重新上传。"],
        ["同一班级中已有同名学生时，按本文件更新其新生标记、特殊群体和监护人。"],
    ):
        notes.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class ImportReport:
    imported: bool
    classes_created: int = 0
    students_created: int = 0
    students_updated: int = 0
    errors: tuple[RowError, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "classes_created": self.classes_created,
            "students_created": self.students_created,
            "students_updated": self.students_updated,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        }


def _sheet_rows(content: bytes) -> tuple[list[Any], list[tuple[Any, ...]]]:
    if not content.startswith(XLSX_MAGIC):
        raise Invalid("`file` is not an XLSX workbook: download the template and save it as .xlsx.")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise Invalid("`file` is not an XLSX workbook: download the template and save it as .xlsx.") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = list(next(rows, ()))
        return header, [tuple(r) for r in rows]
    finally:
        book.close()


async def import_roster(
    ctx: Ctx, principal: Principal, school_code: str, content: bytes, school_year: int | None = None
) -> ImportReport:
    """A whole file or nothing: every row is checked first and each fault reported with its row
    number, column and a sentence; only a file without one is written."""
    school, roles = await _school(ctx, principal, school_code)
    if Role.LEADER not in roles:
        raise NotPermitted("Only a leader of the school may import its roster.")
    if len(content) > MAX_IMPORT_BYTES:
        raise Invalid(f"`file` is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB.")
    header, rows = _sheet_rows(content)
    teachers = await db.school_teachers(ctx.session, school.id)
    parsed = parse_roster(header, rows, teachers)
    if parsed.errors:
        return ImportReport(False, errors=tuple(parsed.errors))
    year = school_year or current_school_year(ctx)
    made, created, updated = await db.import_roster(
        ctx.session, school.id, year, parsed.rows, teachers, ctx.now
    )
    return ImportReport(True, made, created, updated)


# ---- visit records -------------------------------------------------------------------------


def _check_visited_at(at: datetime, now: datetime) -> datetime:
    if at.tzinfo is None:
        raise Invalid("`visited_at` must carry a time zone offset, e.g. 2026-10-09T19:00:00+08:00.")
    if at > now + timedelta(minutes=5):
        raise Invalid("`visited_at` cannot be in the future.")
    if at < now - MAX_BACKDATE:
        raise Invalid("`visited_at` cannot be more than a year ago.")
    return at


async def create_visit(ctx: Ctx, principal: Principal, data: vs.VisitCreate) -> dict[str, Any]:
    """A visit record; the opinions the family agreed to send become tickets (channel home_visit)
    in the same transaction, each linked to its opinion, so the record shows their state."""
    found, access = await _student_access(ctx, principal, data.student_id)
    if data.client_key and (known := await db.keyed_visit(ctx.session, principal.user_id, data.client_key)):
        view = await get_visit(ctx, principal, known)
        view["receipts"] = []  # given once, with the first answer
        view["replayed"] = True
        return view
    visited_at = _check_visited_at(data.visited_at, ctx.now)
    teachers = await db.school_teachers(ctx.session, access.row.school_id)
    present = [principal.user_id]
    for username in data.teachers:
        if username not in teachers:
            raise Invalid(f"`teachers`: {username!r} is not a teacher of this school.")
        if teachers[username] not in present:
            present.append(teachers[username])
    for opinion in data.opinions:
        if opinion.ticket is not None and not opinion.ticket.consent:
            raise Invalid(
                "`opinions.ticket.consent` must be true: send an opinion as a ticket only when the "
                "family agrees."
            )
    values = {
        "student_id": found.id,
        "class_id": found.class_id,
        "school_id": access.row.school_id,
        "visited_at": visited_at,
        "form": data.form.value,
        "campaign": (data.campaign or "").strip() or None,
        "family_members_met": data.family_members_met.strip(),
        "family_situation": data.family_situation.strip(),
        "student_at_home": data.student_at_home.strip(),
        "effect": data.effect.strip(),
        "reflection": data.reflection.strip(),
        "created_by_id": principal.user_id,
        "client_key": data.client_key,
        "created_at": ctx.now,
    }
    visit_id, opinion_ids = await db.add_visit(
        ctx.session, values, present, [o.text.strip() for o in data.opinions]
    )
    receipts = []
    for opinion, opinion_id in zip(data.opinions, opinion_ids, strict=True):
        if opinion.ticket is not None:
            receipt = await _ticket(
                ctx, principal, visit_id, opinion_id, opinion.text.strip(), opinion.ticket
            )
            receipts.append({"opinion_id": opinion_id, **_receipt(receipt)})
    view = await get_visit(ctx, principal, visit_id)
    view["receipts"] = receipts  # the numbers and access codes to give the family (shown once)
    view["replayed"] = False
    return view


def _receipt(receipt: s.IntakeReceipt) -> dict[str, Any]:
    return {
        "number": receipt.number,
        "access_code": receipt.access_code,
        "respond_due_at": receipt.respond_due_at,
    }


async def _ticket(
    ctx: Ctx, principal: Principal, visit_id: int, opinion_id: int, content: str, spec: vs.TicketFromOpinion
) -> s.IntakeReceipt:
    visit = await db.visit(ctx.session, visit_id)
    assert visit is not None
    found = await db.student(ctx.session, visit.student_id)
    row = await db.class_row(ctx.session, visit.class_id)
    assert found is not None and row is not None
    guardians = (await db.guardians_of(ctx.session, [found.id]))[found.id]
    contact = None
    if spec.with_contact and guardians:
        if spec.guardian >= len(guardians):
            raise Invalid(f"`opinions.ticket.guardian`: the student has {len(guardians)} guardian(s).")
        g = guardians[spec.guardian]
        contact = s.Contact(name=g.name, phone=g.phone or None, relation=g.relation or None)
    data = s.StaffTicketCreate(
        school_code=row.school_code,
        kind=spec.kind,
        category=spec.category,
        content=content,
        consent=True,
        title=spec.title,
        contact=contact,
        student=s.Student(name=found.name, class_name=row.name),
        channel=Channel.HOME_VISIT,
        collected_at=visit.visited_at if visit.visited_at <= ctx.now else ctx.now,
    )
    receipt = await intake(ctx, data, principal=principal, source={"visit": str(visit_id)})
    await db.link_ticket(ctx.session, opinion_id, receipt.number)
    return receipt


async def opinion_to_ticket(
    ctx: Ctx, principal: Principal, visit_id: int, opinion_id: int, spec: vs.TicketFromOpinion
) -> dict[str, Any]:
    """An opinion of a record becomes a ticket later (the family agreed after the visit)."""
    await _visit_access(ctx, principal, visit_id)
    opinion = await db.opinion(ctx.session, visit_id, opinion_id)
    if opinion is None:
        raise NotFound(f"No opinion {opinion_id} on visit {visit_id}.")
    if opinion.ticket_id is not None:
        raise Invalid("`opinion_id`: this opinion is already a ticket.")
    if not spec.consent:
        raise Invalid("`consent` must be true: send an opinion as a ticket only when the family agrees.")
    receipt = await _ticket(ctx, principal, visit_id, opinion_id, opinion.text, spec)
    return {"opinion_id": opinion_id, **_receipt(receipt)}


async def _visit_access(ctx: Ctx, principal: Principal, visit_id: int) -> Any:
    found = await db.visit(ctx.session, visit_id)
    if found is None:
        raise NotFound(f"No visit {visit_id} in your scope.")
    try:  # the student's current class decides (一生一档: a past year's teacher no longer sees it)
        await _student_access(ctx, principal, found.student_id)
    except NotFound:
        raise NotFound(f"No visit {visit_id} in your scope.") from None
    return found


async def _visit_views(ctx: Ctx, visits: Any) -> list[dict[str, Any]]:
    ids = [v.id for v in visits]
    teachers = await db.teachers_at(ctx.session, ids)
    opinions = await db.opinions_of(ctx.session, ids)
    return [
        {
            "id": v.id,
            "student_id": v.student_id,
            "class_id": v.class_id,
            "visited_at": v.visited_at,
            "form": v.form,
            "form_label": FORM_LABELS[VisitForm(v.form)],
            "campaign": v.campaign,
            "teachers": [{"username": u, "name": n} for u, n in teachers[v.id]],
            "family_members_met": v.family_members_met,
            "family_situation": v.family_situation,
            "student_at_home": v.student_at_home,
            "opinions": [
                {
                    "id": o.id,
                    "text": o.text,
                    "ticket": None
                    if o.number is None
                    else {
                        "number": o.number,
                        "status": o.status,
                        "respond_due_at": o.respond_due_at,
                        "responded_at": o.responded_at,
                    },
                }
                for o in opinions[v.id]
            ],
            "effect": v.effect,
            "reflection": v.reflection,
            "created_at": v.created_at,
        }
        for v in visits
    ]


async def get_visit(ctx: Ctx, principal: Principal, visit_id: int) -> dict[str, Any]:
    found = await _visit_access(ctx, principal, visit_id)
    view = (await _visit_views(ctx, [found]))[0]
    pupil = await db.student(ctx.session, found.student_id)
    view["student_name"] = pupil.name if pupil else ""
    return view


async def list_visits(
    ctx: Ctx,
    principal: Principal,
    *,
    class_id: int | None = None,
    student_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    if student_id is not None:
        found, _ = await _student_access(ctx, principal, student_id)
        if class_id is not None and class_id != found.class_id:
            return []
        return await _visit_views(ctx, await db.visits_of(ctx.session, student_id=student_id, limit=limit))
    if class_id is None:  # the caller's own: the visits they were present at
        return await _visit_views(
            ctx, await db.visits_of(ctx.session, teacher_id=principal.user_id, limit=limit)
        )
    access = await _class(ctx, principal, class_id)
    found = await db.visits_of(ctx.session, class_id=class_id, limit=limit)
    if Role.LEADER not in access.roles:  # a class's teachers see the records of its students now
        current = {st.id for st in await db.students_of(ctx.session, class_id)}
        found = [v for v in found if v.student_id in current]
    return await _visit_views(ctx, found)


# ---- coverage ------------------------------------------------------------------------------


def _year_period(ctx: Ctx, year: int) -> tuple[datetime, datetime]:
    tz = ctx.settings.timezone
    first, after = school_year_bounds(year)
    return datetime.combine(first, datetime.min.time(), tzinfo=tz), datetime.combine(
        after, datetime.min.time(), tzinfo=tz
    )


def school_year_start(ctx: Ctx, year: int) -> datetime:
    return _year_period(ctx, year)[0]


FIGURES = ("students", "visited", "new_students", "new_visited", "home_visits")


def _figures(row: db.CoverageRow | None, followed: Any = None) -> dict[str, Any]:
    values = {name: getattr(row, name) if row else 0 for name in FIGURES}
    group_students = followed.students if followed else 0
    overdue = followed.overdue if followed else 0
    return {
        "students": values["students"],
        "visited": values["visited"],
        "visit_rate": rate(values["visited"], values["students"]),
        "new_students": values["new_students"],
        "new_visited": values["new_visited"],
        "new_visit_rate": rate(values["new_visited"], values["new_students"]),
        "home_visits": values["home_visits"],
        # The six groups' follow-ups as of the period's end (or now): services/followups.py.
        "followups_due": followed.due if followed else 0,
        "followups_overdue": overdue,
        "followup_students": group_students,
        "followups_on_time": group_students - overdue,
        "followup_on_time_rate": rate(group_students - overdue, group_students),
    }


async def coverage(
    ctx: Ctx,
    principal: Principal,
    *,
    org_code: str | None = None,
    campaign: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> dict[str, Any]:
    """The contract's coverage: the students of the unit's classes in the period's school year,
    how many were visited within the period (of the campaign, if named), and the same one level
    down. The period defaults to the current school year; a bound left out is the school year's."""
    org: Any
    if org_code:
        org = await org_info(ctx, org_code)
        if org is None or not principal.roles_over(org.path) & COVERAGE_ROLES:
            raise NotFound(f"No org unit {org_code!r} in your scope.")
    else:
        paths = principal.scope_paths(COVERAGE_ROLES)
        if not paths:
            raise NotPermitted("Only leaders, teachers and inspectors see home-visit coverage.")
        if len(paths) > 1:
            raise Invalid("`org_code`: you hold roles in several units; name the one to count.")
        org = await db.org_at(ctx.session, paths[0])
    tz = ctx.settings.timezone
    since, until = instant(start, "from", tz, end=False), instant(end, "to", tz, end=True)
    name = (campaign or "").strip() or None
    if name is not None and (found_campaign := await campaign_period(ctx, org.path, name)):
        # A campaign of the unit or one above it: its days are the period's default.
        since = since or found_campaign[0]
        until = until or found_campaign[1]
    if since is not None:
        year = school_year_of(since.astimezone(tz).date())
    elif until is not None:
        year = school_year_of((until - timedelta(microseconds=1)).astimezone(tz).date())
    else:
        year = current_school_year(ctx)
    first, after = _year_period(ctx, year)
    since, until = since or first, until or after
    if since >= until:
        raise Invalid("`from` must be before `to`.")
    by_class = org.kind == OrgKind.SCHOOL
    rows = await db.coverage(
        ctx.session,
        org.path,
        by_class=by_class,
        school_year=year,
        start=since,
        end=until,
        campaign=name,
    )
    found = {row.unit: row for row in rows}
    followed = await followups.figures(ctx, org.path, by_class=by_class, school_year=year, until=until)
    if by_class:
        units = [(c.id, c.school_code, c.name) for c in await db.classes_of(ctx.session, [org.id], year)]
    else:
        units = await db.child_units(ctx.session, org.id)
    by_unit = []
    for unit_id, code, name in units:
        entry: dict[str, Any] = {"org_code": code, "name": name}
        if by_class:
            entry["class_id"] = unit_id
        by_unit.append({**entry, **_figures(found.get(unit_id), followed.get(unit_id))})
    return {
        "org_code": org.code,
        "school_year": year,
        "from": since,
        "to": until,
        "campaign": name,
        **_figures(found.get(None), followed.get(None)),
        "by_unit": by_unit,
    }


async def campaign_period(ctx: Ctx, path: str, name: str) -> tuple[datetime, datetime] | None:
    """The days of the campaign of that name run by the unit at `path` or one above it (the
    nearest), as instants in the bureau's zone: its first day's start, the day after its last."""
    found = await db.campaign_days(ctx.session, path, name)
    if found is None:
        return None
    tz = ctx.settings.timezone
    first, last = found
    return (
        datetime.combine(first, datetime.min.time(), tzinfo=tz),
        datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz),
    )


def group_label(code: str) -> str:
    try:
        return GROUP_LABELS[Group(code)]
    except ValueError:
        return code


# ---- what the pages need besides the endpoints' answers --------------------------------------


async def home(ctx: Ctx, principal: Principal, org_code: str | None = None) -> dict[str, Any]:
    """The /visits page: the coverage of the caller's unit (or of one unit in it: the drill-down
    from a city to its districts, schools and classes) this school year, and its classes."""
    figures = await coverage(ctx, principal, org_code=org_code)
    unit = await org_info(ctx, figures["org_code"])
    assert unit is not None
    school = unit.kind == OrgKind.SCHOOL  # above a school, the units' table is the way down
    return {
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "classes": await list_classes(ctx, principal, org_code=unit.code) if school else [],
        "coverage": figures,
        "may_import": principal.has_role(Role.LEADER) and bool(principal.leaf_paths()),
    }


async def visit_form(ctx: Ctx, principal: Principal, student_id: int) -> dict[str, Any]:
    """A visit record's form for one student: the student, the school's other teachers, the
    bureau's categories (for an opinion that becomes a ticket)."""
    found, access = await _student_access(ctx, principal, student_id)
    school = await org_info(ctx, access.row.school_code)
    assert school is not None
    teachers = await db.school_teacher_names(ctx.session, access.row.school_id)
    today = ctx.now.astimezone(ctx.settings.timezone).date()
    running = [
        c.name
        for c in await campaigns_db.campaigns_for(ctx.session, [access.row.school_path])
        if c.starts_on <= today <= c.ends_on
    ]
    return {
        "campaigns": list(dict.fromkeys(running)),
        "student": {
            "id": found.id,
            "name": found.name,
            "class_name": access.row.name,
            "class_id": found.class_id,
        },
        "teachers": [(u, n) for u, n in teachers if u != principal.username],
        "categories": await categories(ctx, school.root_id),
        "forms": list(VisitForm),
    }


async def my_visits(ctx: Ctx, principal: Principal) -> list[dict[str, Any]]:
    views = await list_visits(ctx, principal)
    names = await db.student_names(ctx.session, [v["student_id"] for v in views])
    for view in views:
        view["student_name"] = names.get(view["student_id"], "")
    return views


async def class_page(ctx: Ctx, principal: Principal, class_id: int) -> dict[str, Any]:
    """A class's roster and its latest visit records."""
    view = await roster(ctx, principal, class_id)
    records = await list_visits(ctx, principal, class_id=class_id, limit=50)
    names = {st["id"]: st["name"] for st in view["students"]}
    for record in records:
        record["student_name"] = names.get(record["student_id"], "")
    view["visits"] = records
    return view


async def student_revealed(ctx: Ctx, principal: Principal, student_id: int) -> dict[str, Any]:
    """The student's page with the guardians' phones in full (the reveal is logged, once)."""
    revealed = await reveal_guardians(ctx, principal, student_id)
    view = await _student_file(ctx, principal, student_id)
    view["guardians"] = revealed["guardians"]
    return view


LEDGER_COLUMNS = (
    "学生",
    "新生",
    "关注群体",
    "家访时间",
    "形式",
    "家访教师",
    "见到的家庭成员",
    "家长意见及建议",
    "工单",
    "家访效果",
)


async def ledger(ctx: Ctx, principal: Principal, class_id: int) -> dict[str, Any]:
    """The class's 家访台账: a row per visit record of the school year (oldest first), a student
    never visited as a row that says so. The page and the XLSX are both these rows, as text.
    For whoever may see the class's students."""
    access = await _class(ctx, principal, class_id)
    students = await db.students_of(ctx.session, class_id)
    start, end = _year_period(ctx, access.row.school_year)
    records = [
        v
        for v in await _visit_views(ctx, await db.visits_of(ctx.session, class_id=class_id, limit=100_000))
        if start <= v["visited_at"] < end
    ]
    by_student: dict[int, list[dict[str, Any]]] = {}
    for record in sorted(records, key=lambda r: r["visited_at"]):
        by_student.setdefault(record["student_id"], []).append(record)
    tz = ctx.settings.timezone
    rows: list[dict[str, Any]] = []
    for pupil in students:
        facts = [
            pupil.name,
            "是" if pupil.new_intake else "",
            "、".join(group_label(g) for g in pupil.groups),
        ]
        visits_of_student = by_student.get(pupil.id, [])
        if not visits_of_student:
            rows.append({"student_id": pupil.id, "visit_id": None, "cells": [*facts, "未家访"]})
        for v in visits_of_student:
            tickets = [
                f"{o['ticket']['number']}（{o['ticket']['status']}）" for o in v["opinions"] if o["ticket"]
            ]
            cells = [
                *facts,
                v["visited_at"].astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                v["form_label"],
                "、".join(t["name"] for t in v["teachers"]),
                v["family_members_met"],
                "\n".join(o["text"] for o in v["opinions"]),
                "、".join(tickets),
                v["effect"],
            ]
            rows.append({"student_id": pupil.id, "visit_id": v["id"], "cells": cells})
    return {
        "class": _class_view(access.row, True),
        "title": f"{access.row.name} 家访台账（{access.row.school_year}学年）",
        "columns": list(LEDGER_COLUMNS),
        "rows": rows,
        "students": len(students),
        "visited": sum(1 for p in students if p.id in by_student),
        "records": len(records),
    }


async def class_ledger(ctx: Ctx, principal: Principal, class_id: int) -> tuple[str, bytes]:
    """The class's 家访台账 as XLSX: the title, the header and the rows of `ledger`."""
    view = await ledger(ctx, principal, class_id)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("家访台账")
    sheet.append([text_cell(sheet, view["title"])])
    sheet.append(view["columns"])
    for row in view["rows"]:
        sheet.append([text_cell(sheet, value) for value in row["cells"]])
    out = io.BytesIO()
    book.save(out)
    klass = view["class"]
    return f"ledger-{klass['school_year']}-{class_id}.xlsx", out.getvalue()


# The other home-visit services (campaigns, talks) reach a class and a student as these do.
class_access = _class
student_access = _student_access
