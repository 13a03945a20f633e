"""Home visits: the roster (classes, their teachers, students, guardians), visit records and their
opinions, the log of reveals, and the coverage figures (docs/visits.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.enums import Role
from ..domain.visits import StudentRow
from .followup_models import VisitCampaign
from .grids import enrol
from .models import (
    Guardian,
    Org,
    RoleGrant,
    RosterAccess,
    Student,
    Ticket,
    User,
    Visit,
    VisitClass,
    VisitClassTeacher,
    VisitOpinion,
    VisitTeacher,
)

TEACHING_ROLES = (Role.HANDLER.value, Role.LEADER.value)


async def school_teachers(session: AsyncSession, school_id: int) -> dict[str, int]:
    """The school's staff who may be a class's teachers (its handlers and leaders): username → id."""
    query = (
        select(User.username, User.id)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.org_id == school_id, RoleGrant.role.in_(TEACHING_ROLES), User.is_active)
        .distinct()
    )
    return {name: user_id for name, user_id in (await session.execute(query)).all()}


async def user_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(ids))
    return {user_id: name for user_id, name in (await session.execute(query)).all()}


@dataclass(frozen=True, slots=True)
class ClassRow:
    id: int
    school_id: int
    school_code: str
    school_path: str
    school_year: int
    grade: int
    name: str
    head_teacher_id: int | None
    head_teacher: str | None
    students: int


def _class_query() -> Any:
    count = (
        select(func.count()).select_from(Student).where(Student.class_id == VisitClass.id).scalar_subquery()
    )
    return (
        select(
            VisitClass.id,
            VisitClass.school_id,
            Org.code,
            Org.path,
            VisitClass.school_year,
            VisitClass.grade,
            VisitClass.name,
            VisitClass.head_teacher_id,
            User.display_name,
            count,
        )
        .join(Org, Org.id == VisitClass.school_id)
        .outerjoin(User, User.id == VisitClass.head_teacher_id)
    )


async def classes_of(session: AsyncSession, school_ids: Sequence[int], school_year: int) -> list[ClassRow]:
    query = (
        _class_query()
        .where(VisitClass.school_id.in_(school_ids), VisitClass.school_year == school_year)
        .order_by(Org.code, VisitClass.grade, VisitClass.name)
    )
    return [ClassRow(*row) for row in (await session.execute(query)).all()]


async def class_row(session: AsyncSession, class_id: int) -> ClassRow | None:
    row = (await session.execute(_class_query().where(VisitClass.id == class_id))).first()
    return ClassRow(*row) if row else None


async def class_by_name(session: AsyncSession, school_id: int, school_year: int, name: str) -> int | None:
    query = select(VisitClass.id).where(
        VisitClass.school_id == school_id, VisitClass.school_year == school_year, VisitClass.name == name
    )
    return (await session.execute(query)).scalar_one_or_none()


async def add_class(
    session: AsyncSession,
    school_id: int,
    school_year: int,
    grade: int,
    name: str,
    head_teacher_id: int | None,
) -> int:
    query = (
        insert(VisitClass)
        .values(
            school_id=school_id,
            school_year=school_year,
            grade=grade,
            name=name,
            head_teacher_id=head_teacher_id,
        )
        .returning(VisitClass.id)
    )
    return int((await session.execute(query)).scalar_one())


async def set_subject_teachers(
    session: AsyncSession, class_id: int, teachers: Sequence[tuple[int, str]]
) -> None:
    await session.execute(delete(VisitClassTeacher).where(VisitClassTeacher.class_id == class_id))
    if teachers:
        await session.execute(
            insert(VisitClassTeacher),
            [{"class_id": class_id, "user_id": user_id, "subject": subject} for user_id, subject in teachers],
        )


async def subject_teachers(session: AsyncSession, class_id: int) -> list[tuple[int, str, str, str]]:
    """(user id, username, display name, subject) of a class's subject teachers."""
    query = (
        select(User.id, User.username, User.display_name, VisitClassTeacher.subject)
        .join(VisitClassTeacher, VisitClassTeacher.user_id == User.id)
        .where(VisitClassTeacher.class_id == class_id)
        .order_by(VisitClassTeacher.subject, User.username)
    )
    return [(a, b, c, d) for a, b, c, d in (await session.execute(query)).all()]


async def teaches(session: AsyncSession, class_id: int, user_id: int) -> bool:
    """Whether the user is the class's head teacher or one of its subject teachers."""
    head = select(VisitClass.id).where(VisitClass.id == class_id, VisitClass.head_teacher_id == user_id)
    subject = select(VisitClassTeacher.class_id).where(
        VisitClassTeacher.class_id == class_id, VisitClassTeacher.user_id == user_id
    )
    query = select(head.exists() | subject.exists())
    return bool((await session.execute(query)).scalar_one())


async def taught_classes(session: AsyncSession, user_id: int) -> set[int]:
    head = select(VisitClass.id).where(VisitClass.head_teacher_id == user_id)
    subject = select(VisitClassTeacher.class_id).where(VisitClassTeacher.user_id == user_id)
    return set((await session.execute(head.union(subject))).scalars().all())


# ---- students -------------------------------------------------------------------------------


async def students_of(session: AsyncSession, class_id: int) -> Sequence[Student]:
    query = select(Student).where(Student.class_id == class_id).order_by(Student.name)
    return (await session.execute(query)).scalars().all()


async def student(session: AsyncSession, student_id: int) -> Student | None:
    return await session.get(Student, student_id)


async def guardians_of(session: AsyncSession, student_ids: Sequence[int]) -> dict[int, list[Guardian]]:
    out: dict[int, list[Guardian]] = {i: [] for i in student_ids}
    if not student_ids:
        return out
    query = (
        select(Guardian)
        .where(Guardian.student_id.in_(student_ids))
        .order_by(Guardian.student_id, Guardian.position)
    )
    for guardian in (await session.execute(query)).scalars().all():
        out[guardian.student_id].append(guardian)
    return out


async def visit_counts(
    session: AsyncSession, student_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, tuple[int, datetime]]:
    """Per student: visits within [start, end) and the last one's time."""
    if not student_ids:
        return {}
    query = (
        select(Visit.student_id, func.count(), func.max(Visit.visited_at))
        .where(Visit.student_id.in_(student_ids), Visit.visited_at >= start, Visit.visited_at < end)
        .group_by(Visit.student_id)
    )
    return {sid: (int(n), last) for sid, n, last in (await session.execute(query)).all()}


async def add_student(
    session: AsyncSession,
    school_id: int,
    class_id: int,
    name: str,
    new_intake: bool,
    groups: Sequence[str],
    guardians: Sequence[tuple[str, str, str]],
    now: datetime,
) -> int:
    query = (
        insert(Student)
        .values(
            school_id=school_id,
            class_id=class_id,
            name=name,
            new_intake=new_intake,
            groups=list(groups),
            created_at=now,
            updated_at=now,
        )
        .returning(Student.id)
    )
    student_id = int((await session.execute(query)).scalar_one())
    await _add_guardians(session, [(student_id, guardians)])
    await enrol(session, [(student_id, class_id, new_intake)])
    return student_id


async def _add_guardians(
    session: AsyncSession, rows: Sequence[tuple[int, Sequence[tuple[str, str, str]]]]
) -> None:
    values = [
        {"student_id": sid, "position": i, "name": name, "relation": relation, "phone": phone}
        for sid, guardians in rows
        for i, (name, relation, phone) in enumerate(guardians)
    ]
    if values:
        await session.execute(insert(Guardian), values)


async def import_roster(
    session: AsyncSession,
    school_id: int,
    school_year: int,
    rows: Sequence[StudentRow],
    teachers: dict[str, int],
    now: datetime,
) -> tuple[int, int, int]:
    """Write a checked file in a few statements: the classes it names (made when missing; a
    head teacher named replaces the class's), then the students by (class, name), inserted or
    updated, and their guardians replaced. Returns (classes made, students made, students updated)."""
    classes: dict[str, tuple[int, str | None]] = {}
    for row in rows:
        if row.class_name not in classes or row.head_teacher:
            classes[row.class_name] = (
                row.grade,
                row.head_teacher or classes.get(row.class_name, (0, None))[1],
            )
    existing = dict(
        (
            await session.execute(
                select(VisitClass.name, VisitClass.id).where(
                    VisitClass.school_id == school_id,
                    VisitClass.school_year == school_year,
                    VisitClass.name.in_(list(classes)),
                )
            )
        ).all()
    )
    made = [name for name in classes if name not in existing]
    if made:
        inserted = await session.execute(
            insert(VisitClass).returning(VisitClass.name, VisitClass.id),
            [
                {
                    "school_id": school_id,
                    "school_year": school_year,
                    "grade": classes[name][0],
                    "name": name,
                    "head_teacher_id": teachers.get(classes[name][1] or ""),
                }
                for name in made
            ],
        )
        existing.update(dict(inserted.all()))
    for name, (_, head) in classes.items():
        if head and name not in made:
            await session.execute(
                update(VisitClass)
                .where(VisitClass.id == existing[name])
                .values(head_teacher_id=teachers[head])
            )
    keys = [(existing[r.class_name], r.name) for r in rows]
    before = set(
        (
            await session.execute(
                select(Student.class_id, Student.name).where(tuple_(Student.class_id, Student.name).in_(keys))
            )
        ).all()
    )
    statement = pg_insert(Student)
    upsert = statement.on_conflict_do_update(
        constraint="uq_students_class_name",
        set_={
            "new_intake": statement.excluded.new_intake,
            "groups": statement.excluded.groups,
            "updated_at": statement.excluded.updated_at,
        },
    ).returning(Student.id, Student.class_id, Student.name)
    result = await session.execute(
        upsert,
        [
            {
                "school_id": school_id,
                "class_id": existing[r.class_name],
                "name": r.name,
                "new_intake": r.new_intake,
                "groups": [g.value for g in r.groups],
                "created_at": now,
                "updated_at": now,
            }
            for r in rows
        ],
    )
    ids = {(class_id, name): sid for sid, class_id, name in result.all()}
    student_ids = [ids[key] for key in keys]
    await session.execute(delete(Guardian).where(Guardian.student_id.in_(student_ids)))
    await _add_guardians(
        session,
        [
            (sid, [(g.name, g.relation, g.phone) for g in r.guardians])
            for sid, r in zip(student_ids, rows, strict=True)
        ],
    )
    await enrol(
        session,
        [(sid, existing[r.class_name], r.new_intake) for sid, r in zip(student_ids, rows, strict=True)],
    )
    updated = sum(1 for key in keys if key in before)
    # A school's first roster can multiply the table: fresh statistics keep the coverage's plan
    # a hash join, not nested loops planned for an empty table (a table the app does not own is
    # skipped with a warning, and autovacuum analyzes it soon after).
    await session.execute(text("ANALYZE students, visit_classes, class_enrolments"))
    return len(made), len(rows) - updated, updated


async def log_access(
    session: AsyncSession, user_id: int, student_id: int, action: str, now: datetime
) -> None:
    await session.execute(
        insert(RosterAccess).values(at=now, user_id=user_id, student_id=student_id, action=action)
    )


async def access_log(session: AsyncSession, student_id: int) -> list[tuple[datetime, str, str]]:
    query = (
        select(RosterAccess.at, User.display_name, RosterAccess.action)
        .join(User, User.id == RosterAccess.user_id)
        .where(RosterAccess.student_id == student_id)
        .order_by(RosterAccess.at.desc())
    )
    return [(a, b, c) for a, b, c in (await session.execute(query)).all()]


# ---- visit records --------------------------------------------------------------------------


async def add_visit(
    session: AsyncSession, values: dict[str, Any], teacher_ids: Sequence[int], opinions: Sequence[str]
) -> tuple[int, list[int]]:
    visit_id = int((await session.execute(insert(Visit).values(**values).returning(Visit.id))).scalar_one())
    if teacher_ids:
        await session.execute(
            insert(VisitTeacher), [{"visit_id": visit_id, "user_id": u} for u in teacher_ids]
        )
    opinion_ids: list[int] = []
    if opinions:
        result = await session.execute(
            insert(VisitOpinion).returning(VisitOpinion.id),
            [{"visit_id": visit_id, "position": i, "text": body} for i, body in enumerate(opinions)],
        )
        opinion_ids = [int(i) for i in result.scalars().all()]
    return visit_id, opinion_ids


async def keyed_visit(session: AsyncSession, user_id: int, client_key: str) -> int | None:
    query = select(Visit.id).where(Visit.created_by_id == user_id, Visit.client_key == client_key)
    return (await session.execute(query)).scalar_one_or_none()


async def visit(session: AsyncSession, visit_id: int) -> Visit | None:
    return await session.get(Visit, visit_id)


async def visits_of(
    session: AsyncSession,
    *,
    student_id: int | None = None,
    class_id: int | None = None,
    teacher_id: int | None = None,
    limit: int = 200,
) -> Sequence[Visit]:
    query = select(Visit).order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(limit)
    if student_id is not None:
        query = query.where(Visit.student_id == student_id)
    if class_id is not None:
        query = query.where(Visit.class_id == class_id)
    if teacher_id is not None:
        present = select(VisitTeacher.visit_id).where(VisitTeacher.user_id == teacher_id)
        query = query.where(Visit.id.in_(present))
    return (await session.execute(query)).scalars().all()


async def teachers_at(session: AsyncSession, visit_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """Per visit: (username, display name) of the teachers present."""
    out: dict[int, list[tuple[str, str]]] = {i: [] for i in visit_ids}
    if not visit_ids:
        return out
    query = (
        select(VisitTeacher.visit_id, User.username, User.display_name)
        .join(User, User.id == VisitTeacher.user_id)
        .where(VisitTeacher.visit_id.in_(visit_ids))
        .order_by(User.username)
    )
    for visit_id, username, name in (await session.execute(query)).all():
        out[visit_id].append((username, name))
    return out


@dataclass(frozen=True, slots=True)
class OpinionRow:
    id: int
    visit_id: int
    position: int
    text: str
    ticket_id: int | None
    number: str | None
    status: str | None
    respond_due_at: datetime | None
    responded_at: datetime | None


async def opinions_of(session: AsyncSession, visit_ids: Sequence[int]) -> dict[int, list[OpinionRow]]:
    out: dict[int, list[OpinionRow]] = {i: [] for i in visit_ids}
    if not visit_ids:
        return out
    query = (
        select(
            VisitOpinion.id,
            VisitOpinion.visit_id,
            VisitOpinion.position,
            VisitOpinion.text,
            VisitOpinion.ticket_id,
            Ticket.number,
            Ticket.status,
            Ticket.respond_due_at,
            Ticket.responded_at,
        )
        .outerjoin(Ticket, Ticket.id == VisitOpinion.ticket_id)
        .where(VisitOpinion.visit_id.in_(visit_ids))
        .order_by(VisitOpinion.visit_id, VisitOpinion.position)
    )
    for row in (await session.execute(query)).all():
        out[row[1]].append(OpinionRow(*row))
    return out


async def opinion(session: AsyncSession, visit_id: int, opinion_id: int) -> VisitOpinion | None:
    query = select(VisitOpinion).where(VisitOpinion.visit_id == visit_id, VisitOpinion.id == opinion_id)
    return (await session.execute(query.with_for_update())).scalar_one_or_none()


async def link_ticket(session: AsyncSession, opinion_id: int, number: str) -> None:
    ticket_id = select(Ticket.id).where(Ticket.number == number).scalar_subquery()
    await session.execute(
        update(VisitOpinion).where(VisitOpinion.id == opinion_id).values(ticket_id=ticket_id)
    )


# ---- coverage -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoverageRow:
    unit: int | None  # the child unit's id (district, school or class); None: the whole scope
    students: int
    visited: int
    new_students: int
    new_visited: int
    home_visits: int


COVERAGE = """
SELECT {unit} AS unit,
       count(*) AS students,
       count(v.student_id) AS visited,
       count(*) FILTER (WHERE e.new_intake) AS new_students,
       count(v.student_id) FILTER (WHERE e.new_intake) AS new_visited,
       coalesce(sum(v.n), 0) AS home_visits
FROM class_enrolments e
JOIN visit_classes c ON c.id = e.class_id
JOIN orgs o ON o.id = c.school_id
LEFT JOIN (
    SELECT v.student_id, count(*) AS n
    FROM visits v
    JOIN orgs vo ON vo.id = v.school_id
    WHERE vo.path LIKE :prefix
      AND v.visited_at >= :start AND v.visited_at < :end
      AND (CAST(:campaign AS text) IS NULL OR v.campaign = :campaign)
    GROUP BY v.student_id
) v ON v.student_id = e.student_id
WHERE o.path LIKE :prefix AND c.school_year = :school_year
GROUP BY ROLLUP (1)
"""


async def coverage(
    session: AsyncSession,
    scope_path: str,
    *,
    by_class: bool,
    school_year: int,
    start: datetime,
    end: datetime,
    campaign: str | None,
) -> list[CoverageRow]:
    """The figures of a subtree's students (by their class of that school year: a promoted
    student still counts in the year before), grouped by the unit one level down (the class for a
    school), and the subtree's total (unit None). One statement; LIKE on the path's prefix."""
    depth = scope_path.strip("/").count("/") + 2  # the path segment of the child unit
    unit = "e.class_id" if by_class else f"split_part(trim(both '/' from o.path), '/', {depth})::int"
    statement = text(COVERAGE.format(unit=unit))
    params = {
        "prefix": scope_path.replace("%", r"\%").replace("_", r"\_") + "%",
        "school_year": school_year,
        "start": start,
        "end": end,
        "campaign": campaign,
    }
    out = []
    for row in (await session.execute(statement, params)).all():
        out.append(
            CoverageRow(
                row.unit,
                int(row.students),
                int(row.visited),
                int(row.new_students),
                int(row.new_visited),
                int(row.home_visits),
            )
        )
    return out


async def child_units(session: AsyncSession, parent_id: int) -> list[tuple[int, str, str]]:
    query = select(Org.id, Org.code, Org.name).where(Org.parent_id == parent_id).order_by(Org.code)
    return [(a, b, c) for a, b, c in (await session.execute(query)).all()]


async def schools_under(session: AsyncSession, paths: Sequence[str]) -> list[int]:
    """The schools in these subtrees."""
    if not paths:
        return []
    conditions = [Org.path.startswith(path, autoescape=True) for path in paths]

    query = select(Org.id).where(Org.kind == "school", or_(*conditions)).order_by(Org.code)
    return list((await session.execute(query)).scalars().all())


async def org_at(session: AsyncSession, path: str) -> Org:
    return (await session.execute(select(Org).where(Org.path == path))).scalar_one()


async def school_teacher_names(session: AsyncSession, school_id: int) -> list[tuple[str, str]]:
    query = (
        select(User.username, User.display_name)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.org_id == school_id, RoleGrant.role.in_(TEACHING_ROLES), User.is_active)
        .distinct()
        .order_by(User.username)
    )
    return [(u, n) for u, n in (await session.execute(query)).all()]


async def student_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = select(Student.id, Student.name).where(Student.id.in_(ids))
    return {i: n for i, n in (await session.execute(query)).all()}


async def log_accesses(
    session: AsyncSession, user_id: int, student_ids: Sequence[int], action: str, now: datetime
) -> None:
    """One row per student listed (a list that shows a minor's group is a view of it)."""
    if student_ids:
        await session.execute(
            insert(RosterAccess),
            [{"at": now, "user_id": user_id, "student_id": sid, "action": action} for sid in student_ids],
        )


async def org_labels(session: AsyncSession, org_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """id → (code, name) of these org units."""
    query = select(Org.id, Org.code, Org.name).where(Org.id.in_(org_ids))
    return {i: (c, n) for i, c, n in (await session.execute(query)).all()}


async def campaign_days(session: AsyncSession, path: str, name: str) -> tuple[date, date] | None:
    """The first and last day of the campaign `name` of the unit at `path` or the nearest above."""
    ids = [int(part) for part in path.strip("/").split("/") if part]
    query = (
        select(VisitCampaign.starts_on, VisitCampaign.ends_on)
        .join(Org, Org.id == VisitCampaign.org_id)
        .where(VisitCampaign.org_id.in_(ids), VisitCampaign.name == name)
        .order_by(func.length(Org.path).desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def org_by_id(session: AsyncSession, org_id: int) -> Org | None:
    return await session.get(Org, org_id)
