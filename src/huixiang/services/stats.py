"""The inspection figures, computed in SQL over the tickets in scope."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, cast, func, or_, select

from ..db import repo
from ..db.models import Org, Ticket
from ..domain.access import Principal
from ..domain.enums import AWAITING_RESPONSE, Rating, Status
from ..domain.errors import Invalid, NotFound
from .context import Ctx
from .reference import org_info

AWAITING = [s.value for s in AWAITING_RESPONSE]


def _figures(now: datetime) -> list[Any]:
    responded = Ticket.first_responded_at.is_not(None)
    rated = Ticket.rating.is_not(None)

    def count(condition: Any) -> Any:
        return func.count().filter(condition)

    return [
        func.count().label("total"),
        count(responded).label("responded"),
        count(Ticket.responded_on_time.is_(True)).label("responded_on_time"),
        count(and_(Ticket.status.in_(AWAITING), Ticket.respond_due_at < now)).label("overdue_open"),
        # Whose deadline has come: answered, or still open past it (the base of 按时反馈率).
        count(or_(responded, and_(Ticket.status.in_(AWAITING), Ticket.respond_due_at < now))).label("due"),
        count(rated).label("rated"),
        count(Ticket.rating == Rating.SATISFIED.value).label("satisfied"),
        count(Ticket.rating == Rating.BASICALLY_SATISFIED.value).label("basically_satisfied"),
        count(Ticket.rating == Rating.UNSATISFIED.value).label("unsatisfied"),
        count(Ticket.reopen_count > 0).label("reopened"),
        func.percentile_cont(0.5)
        .within_group(cast(func.extract("epoch", Ticket.first_responded_at - Ticket.collected_at), Float))
        .filter(responded)
        .label("median_seconds"),
    ]


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _shape(row: Any) -> dict[str, Any]:
    figures = {
        name: int(getattr(row, name))
        for name in (
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
    }
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
    start: datetime | None,
    end: datetime | None,
) -> dict[str, Any]:
    conditions: list[Any] = [repo.in_scope(principal), Ticket.status != Status.MERGED.value]
    if org_code:
        org = await org_info(ctx, org_code)
        if (
            org is None
            or not principal.roles_over(org.path)
            and not any(p.startswith(org.path) for p in principal.scope_paths())
        ):
            raise NotFound(f"No org unit {org_code!r} in your scope.")
        conditions.append(repo.subtree(Ticket.org_path, org.path))
    if start and end and start > end:
        raise Invalid("`from` must be before `to`.")
    if start:
        conditions.append(Ticket.collected_at >= start)
    if end:
        conditions.append(Ticket.collected_at < end)

    figures = _figures(ctx.now)
    total = (await ctx.session.execute(select(*figures).where(*conditions))).one()
    by_school = await ctx.session.execute(
        select(Org.code.label("school_code"), Org.name.label("school_name"), *figures)
        .join(Org, Org.id == Ticket.school_id)
        .where(*conditions)
        .group_by(Org.code, Org.name)
        .order_by(Org.code)
    )
    result = _shape(total)
    result["by_school"] = [
        {"school_code": row.school_code, "school_name": row.school_name, **_shape(row)} for row in by_school
    ]
    return result
