"""The inspection figures over the tickets in scope, for a period of whole days or exact instants."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from ..db import stats as db
from ..domain.access import Principal
from ..domain.enums import OrgKind
from ..domain.errors import Invalid, NotFound, NotPermitted
from . import replica
from .context import Ctx
from .reference import org_info

COUNTS = (
    "total",
    "responded",
    "responded_on_time",
    "due",
    "overdue_open",
    "rated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "reopened",
)


def instant(value: str | None, name: str, tz: tzinfo, *, end: bool) -> datetime | None:
    """A bound of the period: a plain date is a whole day in the bureau's zone (`to` includes its
    day), a time must carry its offset."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
        if day is not None:
            return datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=tz)
        at = datetime.fromisoformat(value)
        if at.tzinfo is not None:
            return at
    except ValueError:
        pass
    raise Invalid(
        f"`{name}` must be a date such as 2026-11-01 (a whole day in the bureau's time zone) "
        "or a time with its offset such as 2026-11-01T08:00:00+08:00."
    )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _shape(row: Any) -> dict[str, Any]:
    figures: dict[str, Any] = {name: int(getattr(row, name)) for name in COUNTS}
    figures["response_rate"] = _ratio(figures["responded"], figures["total"])
    figures["on_time_rate"] = _ratio(figures["responded_on_time"], figures["due"])
    figures["satisfaction_rate"] = _ratio(
        figures["satisfied"] + figures["basically_satisfied"], figures["rated"]
    )
    figures["reopen_rate"] = _ratio(figures["reopened"], figures["total"])
    median = row.median_seconds
    figures["median_hours_to_response"] = round(median / 3600, 1) if median is not None else None
    return figures


async def stats(
    ctx: Ctx,
    principal: Principal,
    *,
    org_code: str | None,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    """The figures of the caller's scope, or of one org unit inside it (anything else: 404). A
    school's figures are the same asked directly or read in its district's `by_school`. Read on
    the replica when there is one (services/replica.py); `freshness` says how far behind it is."""
    if not principal.grants:
        raise NotPermitted("You hold no role.")
    tz = ctx.settings.timezone
    period = db.Period(instant(start, "from", tz, end=False), instant(end, "to", tz, end=True))
    if period.start and period.end and period.start >= period.end:
        raise Invalid("`from` must be before `to`.")
    async with replica.reading(ctx) as reader:
        result = await _stats(reader, principal, org_code=org_code, period=period)
        result["freshness"] = replica.freshness(reader).as_json()
    return result


async def _stats(
    ctx: Ctx, principal: Principal, *, org_code: str | None, period: db.Period
) -> dict[str, Any]:
    school_id, subtree = None, None
    if org_code:
        org = await org_info(ctx, org_code)
        if org is None or not principal.roles_over(org.path):
            raise NotFound(f"No org unit {org_code!r} in your scope.")
        if org.kind == OrgKind.SCHOOL:
            school_id = org.id
        else:
            subtree = org.path
    total, by_school = await db.figures(
        ctx.session, principal, now=ctx.now, period=period, school_id=school_id, subtree=subtree
    )
    result = _shape(total)
    result["by_school"] = [
        {"school_code": row.school_code, "school_name": row.school_name, **_shape(row)} for row in by_school
    ]
    return result


async def breakdowns(ctx: Ctx, where: Any) -> dict[str, list[dict[str, Any]]]:
    """The figures per school, channel, kind and category of a selection (an export's, as
    db/listing.clause() says it), each row the same figures as `stats`' rows."""
    result = {}
    for by in db.DIMENSIONS:
        rows = await db.breakdown(ctx.session, now=ctx.now, where=where, by=by)
        result[by] = [{"key": row.key, "name": row.name, **_shape(row)} for row in rows]
    return result
