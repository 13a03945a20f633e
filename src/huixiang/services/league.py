"""League tables (排名): the schools of a unit ranked by the bureau's 100-point assessment for a
month, term or year, on the figures of `services.stats.stats` (its `by_school` rows); the
assessment each bureau sets; 限期整改 orders and the leader marking one done. The monthly 通报
that makes the orders is services/league_report.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..db import league as db
from ..domain.access import Grant, Principal
from ..domain.enums import OrgKind, Role
from ..domain.errors import Conflict, Invalid, NotFound, NotPermitted
from ..domain.league import Assessment, Period, below_line, period_of, rank, score, shares
from . import stats
from .context import Ctx
from .reference import OrgInfo, org_info

RATES = ("response_rate", "on_time_rate", "satisfaction_rate", "reopen_rate")
NOTE_LIMIT = 2000
VIEWERS = (Role.INSPECTOR, Role.LEADER, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Source:
    """Whose assessment applies: a unit's own, one above it, or the defaults (code None)."""

    assessment: Assessment
    code: str | None
    name: str | None
    own: bool


@dataclass(frozen=True, slots=True)
class Row:
    school_code: str
    school_name: str
    district_name: str | None
    score: float | None
    rank: int | None
    below_line: bool
    figures: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Table:
    org_code: str
    org_name: str
    period: Period
    source: Source
    rows: list[Row]
    ranked: int  # schools with a score (the population of the ranks)
    # A school's view (a leader's, or one school asked for): the school's row, ranked among
    # the schools of `among` (its root bureau, as in the monthly 通报); rows holds it alone.
    among: str | None = None
    mean: float | None = None
    figures: dict[str, Any] = field(default_factory=dict)


def system_principal(org: OrgInfo) -> Principal:
    """Reads a unit's figures whoever asks (the sweep; a leader's rank among all schools): an
    inspector's reach over exactly that unit."""
    grant = Grant(
        Role.INSPECTOR,
        org.code,
        org.path,
        leaf=org.kind == OrgKind.SCHOOL,
        district=org.kind == OrgKind.DISTRICT,
        org_name=org.name,
    )
    return Principal(0, "system", "system", (grant,))


async def source_for(ctx: Ctx, org: OrgInfo) -> Source:
    """The assessment of the nearest unit on the path that set one, else the defaults."""
    found = await db.settings_on_path(ctx.session, org.path)
    if not found:
        return Source(Assessment.default(), None, None, False)
    org_id, data, code, name = found[-1]
    return Source(Assessment.from_json(data), code, name, org_id == org.id)


def _viewer(principal: Principal) -> None:
    if not any(principal.has_role(role) for role in VIEWERS):
        raise NotPermitted("Only inspectors, leaders and admins see the league tables.")


async def _unit(ctx: Ctx, principal: Principal, org_code: str | None) -> OrgInfo:
    """The unit asked for, inside the caller's reach (else 404), or the caller's own."""
    if org_code:
        org = await org_info(ctx, org_code)
        if org is None or not principal.roles_over(org.path) & set(VIEWERS):
            raise NotFound(f"No org unit {org_code!r} in your scope.")
        return org
    paths = principal.scope_paths(VIEWERS)
    grant = next(g for g in principal.grants if g.org_path == paths[0])
    org = await org_info(ctx, grant.org_code)
    if org is None:
        raise NotFound("Your unit no longer exists.")
    return org


async def ranked_rows(
    ctx: Ctx, org: OrgInfo, period: Period, assessment: Assessment
) -> tuple[list[Row], Any]:
    """Every school under `org`, scored and ranked for the period (schools with no tickets
    included, unscored), and the unit's total figures."""
    figures = await stats.stats(
        ctx,
        system_principal(org),
        org_code=org.code,
        start=period.first.isoformat(),
        end=period.last.isoformat(),
    )
    by_code = {row["school_code"]: row for row in figures["by_school"]}
    schools = await db.schools_under(ctx.session, org.path)
    weights = assessment.weights
    scores = {s.code: score(shares(by_code.get(s.code, {"total": 0})), weights) for s in schools}
    places = {p.key: p.rank for p in rank(scores.items())}
    rows = []
    for school in schools:
        row = by_code.get(school.code) or {"total": 0, "overdue_open": 0, **dict.fromkeys(RATES)}
        value = scores[school.code]
        rows.append(
            Row(
                school.code,
                school.name,
                school.district_name,
                value,
                places[school.code],
                below_line(value, assessment.passing_line),
                {name: row.get(name) for name in ("total", *RATES, "overdue_open")},
            )
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.school_code))
    return rows, figures


def _mean(rows: list[Row]) -> float | None:
    scored = [r.score for r in rows if r.score is not None]
    return round(sum(scored) / len(scored), 1) if scored else None


async def table(
    ctx: Ctx, principal: Principal, *, org_code: str | None, period: str, key: str | None
) -> Table:
    """The league table of a unit in the caller's reach (default: their own) for a period. A
    school — a leader's own — is shown alone with its rank among its root bureau's schools."""
    _viewer(principal)
    org = await _unit(ctx, principal, org_code)
    today = ctx.now.astimezone(ctx.settings.timezone).date()
    chosen = period_of(period, key, today)
    if org.kind != OrgKind.SCHOOL:
        source = await source_for(ctx, org)
        rows, figures = await ranked_rows(ctx, org, chosen, source.assessment)
        ranked = sum(1 for r in rows if r.rank is not None)
        return Table(org.code, org.name, chosen, source, rows, ranked, mean=_mean(rows), figures=figures)
    root = await org_info_by_id(ctx, int(org.path.strip("/").split("/")[0]))
    source = await source_for(ctx, root)
    rows, _ = await ranked_rows(ctx, root, chosen, source.assessment)
    own = [r for r in rows if r.school_code == org.code]
    ranked = sum(1 for r in rows if r.rank is not None)
    return Table(org.code, org.name, chosen, source, own, ranked, among=root.name, mean=_mean(rows))


async def org_info_by_id(ctx: Ctx, org_id: int) -> OrgInfo:
    found = await db.org_code_of(ctx.session, org_id)
    org = await org_info(ctx, found) if found else None
    if org is None:
        raise NotFound("No such org unit.")
    return org


def table_json(t: Table) -> dict[str, Any]:
    """The API's answer (docs/api.md, `GET /api/v1/league`)."""
    return {
        "org_code": t.org_code,
        "org_name": t.org_name,
        "period": {"kind": t.period.kind, "key": t.period.key, "from": t.period.first, "to": t.period.last},
        "assessment": {**t.source.assessment.to_json(), "set_at": t.source.code},
        "ranked": t.ranked,
        "among": t.among,
        "mean_score": t.mean,
        "items": [
            {
                "rank": r.rank,
                "school_code": r.school_code,
                "school_name": r.school_name,
                "district_name": r.district_name,
                "score": r.score,
                "below_line": r.below_line,
                **r.figures,
            }
            for r in t.rows
        ],
    }


# ---- the assessment a bureau sets ----------------------------------------------------------


def may_set(principal: Principal, org: OrgInfo) -> bool:
    """An admin over the unit, or a city inspector (an inspector at a bureau above or at it)."""
    if Role.ADMIN in principal.roles_over(org.path):
        return True
    return any(
        g.role is Role.INSPECTOR and org.path.startswith(g.org_path) and g.org_path.count("/") == 2
        for g in principal.grants
    )


async def assessment_view(
    ctx: Ctx, principal: Principal, org_code: str | None
) -> tuple[OrgInfo, Source, bool]:
    """The unit's assessment in force and whether the caller may change it."""
    _viewer(principal)
    org = await _unit(ctx, principal, org_code)
    return org, await source_for(ctx, org), may_set(principal, org) and org.kind != OrgKind.SCHOOL


async def set_assessment(
    ctx: Ctx, principal: Principal, org_code: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Replace a bureau's or district's assessment (weights adding up to 100, passing line,
    rectification days). From then on it gets a monthly 通报 of its own."""
    org = await org_info(ctx, org_code)
    if org is None or not principal.roles_over(org.path):
        raise NotFound(f"No org unit {org_code!r} in your scope.")
    if not may_set(principal, org):
        raise NotPermitted("Only an admin or a city inspector may set the assessment.")
    if org.kind == OrgKind.SCHOOL:
        raise Invalid(
            "`org_code` must name a bureau or a district: a school is assessed, it sets no weights."
        )
    assessment = Assessment.from_json(data)
    stored = assessment.to_json()
    await db.put_settings(ctx.session, org.id, stored, principal.user_id or None, ctx.now)
    return {"org_code": org.code, **stored}


# ---- 限期整改 orders ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    school_code: str
    school_name: str
    issuer_name: str
    period: str
    score: float
    passing_line: int
    due_at: Any
    state: str
    created_at: Any
    overdue_at: Any
    done_at: Any
    done_note: str | None
    done_by: str | None
    report_id: int
    may_close: bool


def _order(row: Any, principal: Principal) -> Order:
    may_close = row.state != "done" and Role.LEADER in principal.roles_over(row.school_path)
    return Order(
        row.id,
        row.school_code,
        row.school_name,
        row.issuer_name,
        row.period,
        row.score,
        row.passing_line,
        row.due_at,
        row.state,
        row.created_at,
        row.overdue_at,
        row.done_at,
        row.done_note,
        row.done_by,
        row.report_id,
        may_close,
    )


async def orders(ctx: Ctx, principal: Principal) -> list[Order]:
    """The orders of the schools in the caller's reach (a leader: their school's)."""
    _viewer(principal)
    rows = await db.orders_under(ctx.session, principal.scope_paths(VIEWERS))
    return [_order(row, principal) for row in rows]


async def close_order(ctx: Ctx, principal: Principal, order_id: int, note: str) -> Order:
    """The school's leader marks an order done, with a note of what was put right (an overdue
    order too: done late). Out of reach 404; not the school's leader 403; done already 409."""
    row = await db.order_for_update(ctx.session, order_id)
    if row is None or not principal.roles_over(row.school_path):
        raise NotFound("No such rectification order in your scope.")
    if Role.LEADER not in principal.roles_over(row.school_path):
        raise NotPermitted("Only the school's leader marks its rectification done.")
    if row.state == "done":
        raise Conflict("This rectification order is done already.")
    note = note.strip()
    if not note or len(note) > NOTE_LIMIT:
        raise Invalid(f"`note` must say what was put right, in 1 to {NOTE_LIMIT} characters.")
    await db.mark_done(ctx.session, order_id, principal.user_id, note, ctx.now)
    done = await db.order_for_update(ctx.session, order_id)
    return _order(done, principal)


def order_json(o: Order) -> dict[str, Any]:
    return {
        "id": o.id,
        "school_code": o.school_code,
        "school_name": o.school_name,
        "period": o.period,
        "score": o.score,
        "passing_line": o.passing_line,
        "due_at": o.due_at,
        "state": o.state,
        "done_at": o.done_at,
        "done_note": o.done_note,
    }


# ---- the 通报 kept for download, and the console's page ---------------------------------------


def title(org_name: str, period_key: str) -> str:
    year, month = period_key.split("-")
    return f"{org_name}{int(year)}年{int(month)}月家长意见办理情况通报"


async def reports(ctx: Ctx, principal: Principal) -> list[dict[str, Any]]:
    """The 通报 of the units the caller reads (inspectors and admins: their own units and those
    below), newest first."""
    paths = principal.scope_paths([Role.INSPECTOR, Role.ADMIN])
    if not paths:
        return []
    return [
        {"id": r.id, "org_code": r.code, "title": title(r.name, f"{r.month:%Y-%m}"), "made_at": r.made_at}
        for r in await db.reports_under(ctx.session, paths)
    ]


@dataclass(frozen=True, slots=True)
class Console:
    """Everything /bureau/league shows: the table, the assessment and who may change it, the
    限期整改 orders in reach and the 通报 kept for download."""

    table: Table
    unit: OrgInfo
    may_set: bool
    orders: list[Order]
    reports: list[dict[str, Any]]


async def console(
    ctx: Ctx, principal: Principal, *, org_code: str | None, period: str, key: str | None
) -> Console:
    found = await table(ctx, principal, org_code=org_code, period=period, key=key)
    unit, _, settable = await assessment_view(ctx, principal, org_code)
    return Console(found, unit, settable, await orders(ctx, principal), await reports(ctx, principal))
