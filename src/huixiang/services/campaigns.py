"""Campaigns (家访月, e.g. 2026秋季家访月) and their plans per class: a unit runs a campaign for
the schools under it (name, first and last day); a class's head teacher (or the school's leader)
plans which teacher visits which family by when; everyone who sees the class sees its progress.
A visit counts for a campaign when its record names the campaign and falls within its days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ..db import campaigns as db
from ..db import visits as visits_db
from ..domain.access import Principal
from ..domain.enums import Role
from ..domain.errors import Invalid, NotFound, NotPermitted
from ..domain.visits import COVERAGE_ROLES, rate, school_year_of
from . import visit_schemas as vs
from .context import Ctx
from .reference import org_info
from .visits import class_access

MAX_DAYS = 200


def _view(row: db.CampaignRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "org_code": row.org_code,
        "org_name": row.org_name,
        "name": row.name,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "school_year": school_year_of(row.starts_on),
    }


def _bounds(ctx: Ctx, row: db.CampaignRow) -> tuple[datetime, datetime]:
    tz = ctx.settings.timezone
    return (
        datetime.combine(row.starts_on, datetime.min.time(), tzinfo=tz),
        datetime.combine(row.ends_on + timedelta(days=1), datetime.min.time(), tzinfo=tz),
    )


async def list_campaigns(ctx: Ctx, principal: Principal) -> list[dict[str, Any]]:
    """The campaigns of the caller's units, of the units above them and of those below them."""
    rows = await db.campaigns_for(ctx.session, principal.scope_paths(COVERAGE_ROLES))
    return [_view(row) for row in rows]


async def create_campaign(ctx: Ctx, principal: Principal, data: vs.CampaignCreate) -> dict[str, Any]:
    org = await org_info(ctx, data.org_code)
    if org is None or not principal.roles_over(org.path) & COVERAGE_ROLES:
        raise NotFound(f"No org unit {data.org_code!r} in your scope.")
    if not any(g.role is Role.LEADER and g.org_path == org.path for g in principal.grants):
        raise NotPermitted("Only a leader of the unit may start a campaign for it.")
    name = data.name.strip()
    if not name:
        raise Invalid("`name`: name the campaign, e.g. 2026秋季家访月.")
    if data.ends_on < data.starts_on:
        raise Invalid("`ends_on` must not be before `starts_on`.")
    if (data.ends_on - data.starts_on).days > MAX_DAYS:
        raise Invalid(f"`ends_on`: a campaign lasts {MAX_DAYS} days at most.")
    if await db.campaign_named(ctx.session, org.id, name) is not None:
        raise Invalid(f"`name`: the unit already has a campaign {name!r}.")
    campaign_id = await db.add_campaign(
        ctx.session, org.id, name, data.starts_on, data.ends_on, principal.user_id, ctx.now
    )
    row = await db.campaign(ctx.session, campaign_id)
    assert row is not None
    return _view(row)


async def _campaign(ctx: Ctx, principal: Principal, campaign_id: int) -> db.CampaignRow:
    row = await db.campaign(ctx.session, campaign_id) if 0 < campaign_id < 2**31 else None
    paths = principal.scope_paths(COVERAGE_ROLES)
    if row is None or not any(p.startswith(row.org_path) or row.org_path.startswith(p) for p in paths):
        raise NotFound(f"No campaign {campaign_id} in your scope.")
    return row


async def campaign(ctx: Ctx, principal: Principal, campaign_id: int) -> dict[str, Any]:
    """A campaign and each class's progress, for the classes of the caller's schools under it
    (figures only: how many students, planned, visited, late)."""
    row = await _campaign(ctx, principal, campaign_id)
    paths = [p for p in principal.scope_paths(COVERAGE_ROLES) if p.startswith(row.org_path)]
    paths = paths or [row.org_path]
    schools = await visits_db.schools_under(ctx.session, paths)
    start, end = _bounds(ctx, row)
    today = ctx.now.astimezone(ctx.settings.timezone).date()
    year = school_year_of(row.starts_on)
    classes = await db.progress(ctx.session, row.id, schools, year, row.name, start, end, today)
    taught = await visits_db.taught_classes(ctx.session, principal.user_id)
    leads = {g.org_path for g in principal.grants if g.role is Role.LEADER and g.leaf}
    items: list[dict[str, Any]] = []
    for c in classes:
        school = await org_info(ctx, c.school_code)
        opens = c.class_id in taught or bool(school and school.path in leads)
        items.append(
            {
                "class_id": c.class_id,
                "name": c.class_name,
                "school_code": c.school_code,
                "students": c.students,
                "planned": c.planned,
                "visited": c.visited,
                "planned_visited": c.planned_visited,
                "late": c.late,
                "visit_rate": rate(c.visited, c.students),
                "plan_visible": opens,  # whether the caller may open the class's plan
            }
        )
    totals = {
        k: sum(int(i[k]) for i in items)
        for k in ("students", "planned", "visited", "planned_visited", "late")
    }
    return {
        **_view(row),
        "classes": items,
        **totals,
        "visit_rate": rate(totals["visited"], totals["students"]),
    }


def _state(item: db.PlanRow, today: date) -> str:
    if item.visited_at is not None:
        return "done"
    if item.due_on is None:
        return "unplanned"
    return "late" if item.due_on < today else "planned"


async def plan(ctx: Ctx, principal: Principal, campaign_id: int, class_id: int) -> dict[str, Any]:
    """A class's plan in a campaign: per student the teacher, the day, the first visit of the
    campaign and the state (done, planned, late, unplanned). For whoever sees the class's students."""
    row = await _campaign(ctx, principal, campaign_id)
    access = await class_access(ctx, principal, class_id)
    if not access.row.school_path.startswith(row.org_path):
        raise NotFound(f"No class {class_id} in campaign {campaign_id}.")
    start, end = _bounds(ctx, row)
    today = ctx.now.astimezone(ctx.settings.timezone).date()
    items = [
        {
            "student_id": i.student_id,
            "name": i.name,
            "groups": i.groups,
            "teacher": None
            if i.teacher_id is None
            else {"username": i.teacher_username, "name": i.teacher_name},
            "due_on": i.due_on,
            "visited_at": i.visited_at,
            "state": _state(i, today),
        }
        for i in await db.plan_of(ctx.session, row.id, class_id, row.name, start, end)
    ]
    states = {s: sum(1 for i in items if i["state"] == s) for s in ("done", "planned", "late", "unplanned")}
    teachers = await visits_db.school_teacher_names(ctx.session, access.row.school_id)
    return {
        "campaign": _view(row),
        "class": {"id": access.row.id, "name": access.row.name, "school_code": access.row.school_code},
        "may_edit": Role.LEADER in access.roles or access.row.head_teacher_id == principal.user_id,
        "teachers": [{"username": u, "name": n} for u, n in teachers],
        "items": items,
        "counts": states,
    }


async def set_plan(
    ctx: Ctx, principal: Principal, campaign_id: int, class_id: int, data: vs.PlanIn
) -> dict[str, Any]:
    """Replace a class's plan: the head teacher or the school's leader; each item a student of
    the class, a teacher of the school, a day within the campaign."""
    row = await _campaign(ctx, principal, campaign_id)
    access = await class_access(ctx, principal, class_id)
    if not access.row.school_path.startswith(row.org_path):
        raise NotFound(f"No class {class_id} in campaign {campaign_id}.")
    if Role.LEADER not in access.roles and access.row.head_teacher_id != principal.user_id:
        raise NotPermitted("Only the class's head teacher or the school's leader may plan its visits.")
    students = {st.id for st in await visits_db.students_of(ctx.session, class_id)}
    teachers = await visits_db.school_teachers(ctx.session, access.row.school_id)
    seen: set[int] = set()
    rows = []
    for n, item in enumerate(data.items):
        if item.student_id not in students:
            raise Invalid(f"`items[{n}].student_id`: {item.student_id} is not a student of this class.")
        if item.student_id in seen:
            raise Invalid(f"`items[{n}].student_id`: student {item.student_id} is planned twice.")
        seen.add(item.student_id)
        if item.teacher not in teachers:
            raise Invalid(f"`items[{n}].teacher`: {item.teacher!r} is not a teacher of this school.")
        if not row.starts_on <= item.due_on <= row.ends_on:
            raise Invalid(
                f"`items[{n}].due_on` must be within the campaign, {row.starts_on} to {row.ends_on}."
            )
        rows.append((item.student_id, teachers[item.teacher], item.due_on))
    await db.set_plan(ctx.session, row.id, class_id, rows)
    return await plan(ctx, principal, campaign_id, class_id)


async def running(ctx: Ctx, principal: Principal) -> list[str]:
    """The names of the campaigns in the caller's scope running today (the visit form offers them)."""
    today = ctx.now.astimezone(ctx.settings.timezone).date()
    return [
        c["name"] for c in await list_campaigns(ctx, principal) if c["starts_on"] <= today <= c["ends_on"]
    ]
