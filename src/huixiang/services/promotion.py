"""The yearly promotion (升级): every class of a school moves a grade up into the next school year,
the graduating classes leave; students keep their records, grids and past years (their class of
each year is kept in class_enrolments, so a past year's coverage stays what it was). Once per
school and school year: a second call answers the first's outcome."""

from __future__ import annotations

from typing import Any

from ..db import grids as db
from ..db import visits as visits_db
from ..domain.access import Principal
from ..domain.enums import Role
from ..domain.errors import Invalid, NotPermitted
from ..domain.grids import promotion_plan, top_grade
from . import grid_schemas as gs
from .context import Ctx
from .visits import _school


async def preview(ctx: Ctx, principal: Principal, school_code: str, from_year: int) -> dict[str, Any]:
    """What a promotion would do, class by class, and whether it was done already."""
    school, roles = await _school(ctx, principal, school_code)
    if Role.LEADER not in roles:
        raise NotPermitted("Only a leader of the school may promote its classes.")
    classes = await visits_db.classes_of(ctx.session, [school.id], from_year)
    top = top_grade(c.grade for c in classes)
    up, leaving = promotion_plan([(c.id, c.grade, c.name) for c in classes], top)
    names = {c.id: c for c in classes}
    done = await db.promotion(ctx.session, school.id, from_year)
    return {
        "school_code": school.code,
        "from_year": from_year,
        "to_year": from_year + 1,
        "top_grade": top,
        "promote": [
            {"class_id": i, "name": names[i].name, "students": names[i].students, "to_grade": g, "to_name": n}
            for i, g, n in up
        ],
        "graduate": [{"class_id": i, "name": names[i].name, "students": names[i].students} for i in leaving],
        "done": _outcome(done) if done else None,
    }


def _outcome(row: Any) -> dict[str, Any]:
    return {
        "from_year": row.from_year,
        "to_year": row.from_year + 1,
        "top_grade": row.top_grade,
        "classes_promoted": row.classes_promoted,
        "classes_graduated": row.classes_graduated,
        "students_promoted": row.students_promoted,
        "students_graduated": row.students_graduated,
        "at": row.at,
    }


async def promote(ctx: Ctx, principal: Principal, data: gs.PromotionRequest) -> dict[str, Any]:
    """Move every class of `from_year` a grade up into the next school year (classes made there
    with the same name a grade up and the same teachers, or the one of that name already made);
    classes at the school's top grade graduate: their students stay in them, in the past year."""
    school, roles = await _school(ctx, principal, data.school_code)
    if Role.LEADER not in roles:
        raise NotPermitted("Only a leader of the school may promote its classes.")
    if data.confirm is not True:
        raise Invalid("`confirm` must be true: a promotion moves every class of the school, once a year.")
    classes = await visits_db.classes_of(ctx.session, [school.id], data.from_year)
    top = data.top_grade or top_grade(c.grade for c in classes)
    claimed = await db.claim_promotion(
        ctx.session, school.id, data.from_year, top, principal.user_id, ctx.now
    )
    if claimed is None:
        done = await db.promotion(ctx.session, school.id, data.from_year)
        assert done is not None
        return {"school_code": school.code, **_outcome(done), "replayed": True}
    if not classes:
        raise Invalid(f"`from_year`: the school has no classes in {data.from_year}.")
    up, leaving = promotion_plan([(c.id, c.grade, c.name) for c in classes], top)
    moved = 0
    for class_id, grade, name in up:
        _, count, clash = await db.promote_class(
            ctx.session, school.id, class_id, data.from_year + 1, grade, name
        )
        if clash:
            raise Invalid(
                f"`from_year`: {name} of {data.from_year + 1} already has a student named {clash!r}; "
                "tell the two apart in the roster first."
            )
        moved += count
    counts = {
        "classes_promoted": len(up),
        "classes_graduated": len(leaving),
        "students_promoted": moved,
        "students_graduated": await db.class_students(ctx.session, leaving),
    }
    await db.record_promotion(ctx.session, claimed, counts)
    done = await db.promotion(ctx.session, school.id, data.from_year)
    assert done is not None
    await ctx.session.refresh(done)
    return {"school_code": school.code, **_outcome(done), "replayed": False}
