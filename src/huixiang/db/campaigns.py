"""Campaigns (家访月) and their plans per class: which teacher visits which student's family by
when, and how far each class has got (docs/visits.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .followup_models import VisitCampaign, VisitPlanItem
from .models import Org, Student, User, Visit, VisitClass


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: int
    org_id: int
    org_code: str
    org_name: str
    org_path: str
    name: str
    starts_on: date
    ends_on: date


def _campaigns() -> Any:
    return select(
        VisitCampaign.id,
        VisitCampaign.org_id,
        Org.code,
        Org.name,
        Org.path,
        VisitCampaign.name,
        VisitCampaign.starts_on,
        VisitCampaign.ends_on,
    ).join(Org, Org.id == VisitCampaign.org_id)


async def campaigns_for(session: AsyncSession, paths: Sequence[str]) -> list[CampaignRow]:
    """The campaigns of the units on these paths (the units and those above them) and below them."""
    if not paths:
        return []
    above = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    below = [Org.path.startswith(path, autoescape=True) for path in paths]
    query = (
        _campaigns()
        .where(or_(VisitCampaign.org_id.in_(above), *below))
        .order_by(VisitCampaign.starts_on.desc(), VisitCampaign.id.desc())
    )
    return [CampaignRow(*row) for row in (await session.execute(query)).all()]


async def campaign(session: AsyncSession, campaign_id: int) -> CampaignRow | None:
    row = (await session.execute(_campaigns().where(VisitCampaign.id == campaign_id))).first()
    return CampaignRow(*row) if row else None


async def campaign_named(session: AsyncSession, org_id: int, name: str) -> int | None:
    query = select(VisitCampaign.id).where(VisitCampaign.org_id == org_id, VisitCampaign.name == name)
    return (await session.execute(query)).scalar_one_or_none()


async def add_campaign(
    session: AsyncSession, org_id: int, name: str, starts_on: date, ends_on: date, by: int, now: datetime
) -> int:
    query = (
        insert(VisitCampaign)
        .values(
            org_id=org_id, name=name, starts_on=starts_on, ends_on=ends_on, created_by_id=by, created_at=now
        )
        .returning(VisitCampaign.id)
    )
    return int((await session.execute(query)).scalar_one())


def _campaign_visit(name: str, start: datetime, end: datetime) -> Any:
    return and_(Visit.campaign == name, Visit.visited_at >= start, Visit.visited_at < end)


@dataclass(frozen=True, slots=True)
class PlanRow:
    student_id: int
    name: str
    groups: list[str]
    teacher_id: int | None
    teacher_username: str | None
    teacher_name: str | None
    due_on: date | None
    visited_at: datetime | None  # the first visit of the campaign


async def plan_of(
    session: AsyncSession, campaign_id: int, class_id: int, name: str, start: datetime, end: datetime
) -> list[PlanRow]:
    """Each student of the class with their plan item (if any) and first visit of the campaign."""
    first = (
        select(func.min(Visit.visited_at))
        .where(Visit.student_id == Student.id, _campaign_visit(name, start, end))
        .scalar_subquery()
    )
    query = (
        select(
            Student.id,
            Student.name,
            Student.groups,
            VisitPlanItem.teacher_id,
            User.username,
            User.display_name,
            VisitPlanItem.due_on,
            first,
        )
        .outerjoin(
            VisitPlanItem,
            and_(VisitPlanItem.student_id == Student.id, VisitPlanItem.campaign_id == campaign_id),
        )
        .outerjoin(User, User.id == VisitPlanItem.teacher_id)
        .where(Student.class_id == class_id)
        .order_by(Student.name)
    )
    return [
        PlanRow(a, b, list(c or []), d, e, f, g, h)
        for a, b, c, d, e, f, g, h in (await session.execute(query)).all()
    ]


async def set_plan(
    session: AsyncSession, campaign_id: int, class_id: int, items: Sequence[tuple[int, int, date]]
) -> None:
    """Replace the class's plan: (student, teacher, due day) rows."""
    await session.execute(
        delete(VisitPlanItem).where(
            VisitPlanItem.campaign_id == campaign_id, VisitPlanItem.class_id == class_id
        )
    )
    if items:
        await session.execute(
            insert(VisitPlanItem),
            [
                {
                    "campaign_id": campaign_id,
                    "class_id": class_id,
                    "student_id": s,
                    "teacher_id": t,
                    "due_on": d,
                }
                for s, t, d in items
            ],
        )


@dataclass(frozen=True, slots=True)
class ProgressRow:
    class_id: int
    class_name: str
    school_code: str
    students: int
    planned: int
    visited: int
    planned_visited: int
    late: int  # planned, not visited, past the item's day


async def progress(
    session: AsyncSession,
    campaign_id: int,
    school_ids: Sequence[int],
    school_year: int,
    name: str,
    start: datetime,
    end: datetime,
    today: date,
) -> list[ProgressRow]:
    """Per class of these schools in the school year: students, planned, visited in the campaign."""
    if not school_ids:
        return []
    visited = (
        select(Visit.id).where(Visit.student_id == Student.id, _campaign_visit(name, start, end)).exists()
    )
    planned = VisitPlanItem.student_id.is_not(None)
    query = (
        select(
            VisitClass.id,
            VisitClass.name,
            Org.code,
            func.count(Student.id),
            func.count(VisitPlanItem.student_id),
            func.count(Student.id).filter(visited),
            func.count(Student.id).filter(and_(planned, visited)),
            func.count(Student.id).filter(and_(planned, ~visited, VisitPlanItem.due_on < today)),
        )
        .join(Org, Org.id == VisitClass.school_id)
        .outerjoin(Student, Student.class_id == VisitClass.id)
        .outerjoin(
            VisitPlanItem,
            and_(VisitPlanItem.student_id == Student.id, VisitPlanItem.campaign_id == campaign_id),
        )
        .where(VisitClass.school_id.in_(school_ids), VisitClass.school_year == school_year)
        .group_by(VisitClass.id, VisitClass.name, Org.code, VisitClass.grade)
        .order_by(Org.code, VisitClass.grade, VisitClass.name)
    )
    return [ProgressRow(*row) for row in (await session.execute(query)).all()]
