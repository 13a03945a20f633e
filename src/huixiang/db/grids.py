"""Parent grids (网格连心): grids of a class's families, their members and contact log, the
grid's figures; the yearly promotion; what a student's file (一生一档) gathers across years; the
school's report of file views; the 教师家访统计表's rows (docs/visits.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.enums import Role
from .grid_models import ClassEnrolment, Grid, GridContact, GridFamily, Promotion
from .models import RoleGrant, Student, Ticket, User, VisitClass, VisitClassTeacher


@dataclass(frozen=True, slots=True)
class GridRow:
    id: int
    class_id: int
    name: str
    member_id: int
    member_username: str
    member_name: str
    families: int


def _grid_query() -> Any:
    families = (
        select(func.count()).select_from(GridFamily).where(GridFamily.grid_id == Grid.id).scalar_subquery()
    )
    return select(
        Grid.id, Grid.class_id, Grid.name, Grid.member_id, User.username, User.display_name, families
    ).join(User, User.id == Grid.member_id)


async def grids_of_class(session: AsyncSession, class_id: int) -> list[GridRow]:
    query = _grid_query().where(Grid.class_id == class_id).order_by(Grid.name)
    return [GridRow(*row) for row in (await session.execute(query)).all()]


async def grids_of_member(session: AsyncSession, user_id: int) -> list[GridRow]:
    query = _grid_query().where(Grid.member_id == user_id).order_by(Grid.class_id, Grid.name)
    return [GridRow(*row) for row in (await session.execute(query)).all()]


async def grid(session: AsyncSession, grid_id: int) -> GridRow | None:
    row = (await session.execute(_grid_query().where(Grid.id == grid_id))).first()
    return GridRow(*row) if row else None


async def grid_named(session: AsyncSession, class_id: int, name: str) -> int | None:
    query = select(Grid.id).where(Grid.class_id == class_id, Grid.name == name)
    return (await session.execute(query)).scalar_one_or_none()


async def add_grid(session: AsyncSession, class_id: int, name: str, member_id: int) -> int:
    query = insert(Grid).values(class_id=class_id, name=name, member_id=member_id).returning(Grid.id)
    return int((await session.execute(query)).scalar_one())


async def set_member(session: AsyncSession, grid_id: int, member_id: int) -> None:
    await session.execute(update(Grid).where(Grid.id == grid_id).values(member_id=member_id))


async def set_families(
    session: AsyncSession, grid_id: int, class_id: int, student_ids: Sequence[int]
) -> None:
    """The grid's families instead of the ones it had; a family is in one grid of its class, so
    those named leave the class's other grids."""
    await session.execute(delete(GridFamily).where(GridFamily.grid_id == grid_id))
    if not student_ids:
        return
    others = select(Grid.id).where(Grid.class_id == class_id)
    await session.execute(
        delete(GridFamily).where(GridFamily.grid_id.in_(others), GridFamily.student_id.in_(student_ids))
    )
    await session.execute(insert(GridFamily), [{"grid_id": grid_id, "student_id": s} for s in student_ids])


async def families(session: AsyncSession, grid_id: int) -> list[tuple[int, str]]:
    """(student id, name) of the grid's families, by name."""
    query = (
        select(Student.id, Student.name)
        .join(GridFamily, GridFamily.student_id == Student.id)
        .where(GridFamily.grid_id == grid_id)
        .order_by(Student.name)
    )
    return [(a, b) for a, b in (await session.execute(query)).all()]


async def student_grids(session: AsyncSession, student_ids: Sequence[int]) -> dict[int, str]:
    """Per student: the name of their grid in their current class, if any."""
    if not student_ids:
        return {}
    query = (
        select(GridFamily.student_id, Grid.name)
        .join(Grid, Grid.id == GridFamily.grid_id)
        .join(Student, Student.id == GridFamily.student_id)
        .where(GridFamily.student_id.in_(student_ids), Grid.class_id == Student.class_id)
    )
    return {a: b for a, b in (await session.execute(query)).all()}


async def add_contact(session: AsyncSession, values: dict[str, Any]) -> int:
    query = insert(GridContact).values(**values).returning(GridContact.id)
    return int((await session.execute(query)).scalar_one())


async def link_contact_ticket(session: AsyncSession, contact_id: int, number: str) -> None:
    ticket_id = select(Ticket.id).where(Ticket.number == number).scalar_subquery()
    await session.execute(update(GridContact).where(GridContact.id == contact_id).values(ticket_id=ticket_id))


@dataclass(frozen=True, slots=True)
class ContactRow:
    id: int
    contacted_at: datetime
    form: str
    note: str
    matter: str
    student_id: int | None
    student_name: str | None
    by_name: str
    number: str | None
    status: str | None
    respond_due_at: datetime | None
    responded_at: datetime | None


async def contacts(session: AsyncSession, grid_id: int, limit: int = 200) -> list[ContactRow]:
    """A grid's contacts, newest first."""
    return await _contacts(session, GridContact.grid_id == grid_id, limit)


async def _contacts(session: AsyncSession, where: Any, limit: int) -> list[ContactRow]:
    query = (
        select(
            GridContact.id,
            GridContact.contacted_at,
            GridContact.form,
            GridContact.note,
            GridContact.matter,
            GridContact.student_id,
            Student.name,
            User.display_name,
            Ticket.number,
            Ticket.status,
            Ticket.respond_due_at,
            Ticket.responded_at,
        )
        .join(User, User.id == GridContact.by_id)
        .outerjoin(Student, Student.id == GridContact.student_id)
        .outerjoin(Ticket, Ticket.id == GridContact.ticket_id)
        .where(where)
        .order_by(GridContact.contacted_at.desc(), GridContact.id.desc())
        .limit(limit)
    )
    rows: list[Any] = list((await session.execute(query)).all())
    return [ContactRow(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class GridFigures:
    contacts: int
    families_reached: int
    matters: int
    tickets: int
    answered: int


FIGURES = """
SELECT g.id,
       count(gc.id) AS contacts,
       count(DISTINCT gc.student_id) AS families_reached,
       count(gc.id) FILTER (WHERE gc.matter <> '') AS matters,
       count(gc.ticket_id) AS tickets,
       count(gc.ticket_id) FILTER (WHERE t.status IN ('responded', 'archived', 'inspected')) AS answered
FROM grids g
LEFT JOIN grid_contacts gc
       ON gc.grid_id = g.id AND gc.contacted_at >= :start AND gc.contacted_at < :end
LEFT JOIN tickets t ON t.id = gc.ticket_id
WHERE g.id = ANY(:ids)
GROUP BY g.id
"""


async def figures(
    session: AsyncSession, grid_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, GridFigures]:
    """Per grid: contacts within [start, end), families reached, matters raised, those that
    became tickets and those tickets answered."""
    if not grid_ids:
        return {}
    rows = await session.execute(text(FIGURES), {"ids": list(grid_ids), "start": start, "end": end})
    return {r.id: GridFigures(r.contacts, r.families_reached, r.matters, r.tickets, r.answered) for r in rows}


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    return (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()


async def roles_at(session: AsyncSession, user_id: int, org_id: int) -> set[str]:
    query = select(RoleGrant.role).where(RoleGrant.user_id == user_id, RoleGrant.org_id == org_id)
    return set((await session.execute(query)).scalars().all())


# ---- enrolments and the yearly promotion ----------------------------------------------------------


async def enrol(session: AsyncSession, rows: Sequence[tuple[int, int, bool]]) -> None:
    """(student, class, 新生) rows: the class a student is in that year (kept when they move on)."""
    if not rows:
        return
    statement = pg_insert(ClassEnrolment).values(
        [{"student_id": s, "class_id": c, "new_intake": n} for s, c, n in rows]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["student_id", "class_id"], set_={"new_intake": statement.excluded.new_intake}
        )
    )


async def promotion(session: AsyncSession, school_id: int, from_year: int) -> Promotion | None:
    query = select(Promotion).where(Promotion.school_id == school_id, Promotion.from_year == from_year)
    return (await session.execute(query)).scalar_one_or_none()


async def claim_promotion(
    session: AsyncSession, school_id: int, from_year: int, top: int, by_id: int, now: datetime
) -> int | None:
    """The promotion's row, claimed before the work (its unique key makes a second one, even a
    concurrent one, wait and find it): the new row's id, or None when it was done already."""
    statement = (
        pg_insert(Promotion)
        .values(
            school_id=school_id,
            from_year=from_year,
            top_grade=top,
            classes_promoted=0,
            classes_graduated=0,
            students_promoted=0,
            students_graduated=0,
            by_id=by_id,
            at=now,
        )
        .on_conflict_do_nothing(constraint="uq_promotions_school_year")
        .returning(Promotion.id)
    )
    found = (await session.execute(statement)).scalar_one_or_none()
    return int(found) if found is not None else None


async def record_promotion(session: AsyncSession, promotion_id: int, counts: dict[str, int]) -> None:
    await session.execute(update(Promotion).where(Promotion.id == promotion_id).values(**counts))


async def promote_class(
    session: AsyncSession, school_id: int, class_id: int, to_year: int, grade: int, name: str
) -> tuple[int, int, str | None]:
    """A class's students into the class a grade up next school year (made when missing, with
    the same head and subject teachers), no longer 新生, each enrolled there; its grids go along
    (their files are the same families'). The past year's class, visits and enrolments stay.
    Returns (the new class's id, students moved, None) or, when the class a grade up already
    has a student of the same name, (its id, 0, that name) and nothing is moved."""
    old = (await session.execute(select(VisitClass).where(VisitClass.id == class_id))).scalar_one()
    found = (
        await session.execute(
            select(VisitClass.id).where(
                VisitClass.school_id == school_id, VisitClass.school_year == to_year, VisitClass.name == name
            )
        )
    ).scalar_one_or_none()
    if found is None:
        made = insert(VisitClass).values(
            school_id=school_id,
            school_year=to_year,
            grade=grade,
            name=name,
            head_teacher_id=old.head_teacher_id,
        )
        found = int((await session.execute(made.returning(VisitClass.id))).scalar_one())
        teachers = select(VisitClassTeacher.user_id, VisitClassTeacher.subject).where(
            VisitClassTeacher.class_id == class_id
        )
        rows = [
            {"class_id": found, "user_id": u, "subject": s}
            for u, s in (await session.execute(teachers)).all()
        ]
        if rows:
            await session.execute(insert(VisitClassTeacher), rows)
    clash = (
        await session.execute(
            select(Student.name)
            .where(
                Student.class_id == found,
                Student.name.in_(select(Student.name).where(Student.class_id == class_id)),
            )
            .limit(1)
        )
    ).scalar_one_or_none()
    if clash is not None:
        return found, 0, clash
    moved = await session.execute(
        update(Student)
        .where(Student.class_id == class_id)
        .values(class_id=found, new_intake=False)
        .returning(Student.id)
    )
    ids = [int(i) for i in moved.scalars().all()]
    await enrol(session, [(i, found, False) for i in ids])
    await session.execute(update(Grid).where(Grid.class_id == class_id).values(class_id=found))
    return found, len(ids), None


async def class_students(session: AsyncSession, class_ids: Sequence[int]) -> int:
    if not class_ids:
        return 0
    query = select(func.count()).select_from(Student).where(Student.class_id.in_(class_ids))
    return int((await session.execute(query)).scalar_one())


# ---- a student's file across years -------------------------------------------------------------


async def enrolments(session: AsyncSession, student_id: int) -> list[tuple[int, int, int, str, bool]]:
    """(class id, school year, grade, class name, 新生 that year) of every year, oldest first."""
    query = (
        select(
            VisitClass.id,
            VisitClass.school_year,
            VisitClass.grade,
            VisitClass.name,
            ClassEnrolment.new_intake,
        )
        .join(ClassEnrolment, ClassEnrolment.class_id == VisitClass.id)
        .where(ClassEnrolment.student_id == student_id)
        .order_by(VisitClass.school_year, VisitClass.id)
    )
    return [(a, b, c, d, e) for a, b, c, d, e in (await session.execute(query)).all()]


STUDENT_TICKETS = """
SELECT t.number, t.channel, t.category, t.status, t.collected_at, t.respond_due_at, t.responded_at,
       CASE WHEN vo.ticket_id IS NOT NULL THEN 'visit'
            WHEN gc.ticket_id IS NOT NULL THEN 'grid'
            ELSE 'named' END AS via
FROM tickets t
LEFT JOIN (SELECT o.ticket_id FROM visit_opinions o JOIN visits v ON v.id = o.visit_id
           WHERE v.student_id = :student AND o.ticket_id IS NOT NULL) vo ON vo.ticket_id = t.id
LEFT JOIN (SELECT ticket_id FROM grid_contacts
           WHERE student_id = :student AND ticket_id IS NOT NULL) gc ON gc.ticket_id = t.id
WHERE t.status <> 'merged'
  AND (vo.ticket_id IS NOT NULL OR gc.ticket_id IS NOT NULL
       OR (t.school_id = :school AND t.student ->> 'name' = :name
           AND t.student ->> 'class_name' = ANY(:classes)))
ORDER BY t.collected_at DESC
LIMIT 200
"""


async def student_tickets(
    session: AsyncSession, student_id: int, school_id: int, name: str, class_names: Sequence[str]
) -> list[Any]:
    """Every ticket about the student across the years: those of their visits' opinions and
    their family's grid contacts, and those that name them and one of their classes."""
    params = {"student": student_id, "school": school_id, "name": name, "classes": list(class_names)}
    return list((await session.execute(text(STUDENT_TICKETS), params)).all())


async def student_contacts(session: AsyncSession, student_id: int) -> list[ContactRow]:
    """A student's family's grid contacts, newest first."""
    return await _contacts(session, GridContact.student_id == student_id, 200)


ACCESS_REPORT = """
SELECT ra.at, u.username, u.display_name, st.id AS student_id, st.name AS student_name,
       c.name AS class_name, ra.action
FROM roster_access ra
JOIN students st ON st.id = ra.student_id
JOIN visit_classes c ON c.id = st.class_id
JOIN users u ON u.id = ra.user_id
WHERE st.school_id = :school AND ra.at >= :start AND ra.at < :end
ORDER BY ra.at DESC, ra.id DESC
LIMIT :limit
"""


async def access_report(
    session: AsyncSession, school_id: int, start: datetime, end: datetime, limit: int
) -> list[Any]:
    params = {"school": school_id, "start": start, "end": end, "limit": limit}
    return list((await session.execute(text(ACCESS_REPORT), params)).all())


# ---- the 教师家访统计表 ------------------------------------------------------------------------

TEACHER_STATS = """
WITH taught AS (
    SELECT c.id AS class_id, c.head_teacher_id AS user_id
    FROM visit_classes c
    WHERE c.school_id = :school AND c.school_year = :year AND c.head_teacher_id IS NOT NULL
    UNION
    SELECT t.class_id, t.user_id
    FROM visit_class_teachers t JOIN visit_classes c ON c.id = t.class_id
    WHERE c.school_id = :school AND c.school_year = :year
), pupils AS (
    SELECT DISTINCT taught.user_id, e.student_id, e.new_intake
    FROM taught JOIN class_enrolments e ON e.class_id = taught.class_id
), present AS (
    SELECT vt.user_id, v.id, v.student_id, v.form
    FROM visits v JOIN visit_teachers vt ON vt.visit_id = v.id
    WHERE v.school_id = :school AND v.visited_at >= :start AND v.visited_at < :end
), reached AS (
    SELECT DISTINCT user_id, student_id FROM present
)
SELECT u.username, u.display_name,
       (SELECT count(*) FROM pupils p WHERE p.user_id = u.id) AS students,
       (SELECT count(*) FROM pupils p JOIN reached r USING (user_id, student_id)
         WHERE p.user_id = u.id) AS visited,
       (SELECT count(*) FROM pupils p WHERE p.user_id = u.id AND p.new_intake) AS new_students,
       (SELECT count(*) FROM pupils p JOIN reached r USING (user_id, student_id)
         WHERE p.user_id = u.id AND p.new_intake) AS new_visited,
       (SELECT count(*) FROM present x WHERE x.user_id = u.id) AS records,
       {forms}
FROM users u
WHERE u.id IN (SELECT user_id FROM taught UNION SELECT user_id FROM present)
ORDER BY u.username
"""


async def teacher_stats(
    session: AsyncSession, school_id: int, year: int, start: datetime, end: datetime, forms: Sequence[str]
) -> list[Any]:
    """Per teacher of the school year: the students of the classes they teach, those (and the
    新生 among them) they visited, and the records they were present at, per form."""
    columns = ",\n       ".join(
        f"(SELECT count(*) FROM present x WHERE x.user_id = u.id AND x.form = '{form}') AS form_{form}"
        for form in forms
        if form.isidentifier()
    )
    params = {"school": school_id, "year": year, "start": start, "end": end}
    return list((await session.execute(text(TEACHER_STATS.format(forms=columns)), params)).all())


async def school_handlers(session: AsyncSession, school_id: int) -> set[int]:
    query = select(RoleGrant.user_id).where(
        RoleGrant.org_id == school_id, RoleGrant.role.in_([Role.HANDLER.value, Role.LEADER.value])
    )
    return set((await session.execute(query)).scalars().all())


async def looks_after_a_grid(session: AsyncSession, user_id: int) -> bool:
    query = select(select(Grid.id).where(Grid.member_id == user_id).exists())
    return bool((await session.execute(query)).scalar_one())
