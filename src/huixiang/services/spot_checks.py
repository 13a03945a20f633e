"""Spot checks (抽查): an inspector draws a recorded, reproducible sample of archived tickets
per school under a unit and for a period of collection days, checks each pass or fail through
the lifecycle's `inspect` (so the verdict is an event on the ticket's chain; 整改 sends it back
with the rework deadline, which the deadline sweep watches), and reads the results per school,
per draw and per period."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

from ..db import spot_checks as db
from ..db.models import SpotCheck
from ..domain import spot_checks as rules
from ..domain.access import Principal
from ..domain.enums import Action, OrgKind, Role, Verdict
from ..domain.errors import Conflict, Invalid, NotFound, NotPermitted
from ..domain.spot_checks import Eligible, Rectification, SampleSize, SizeUnit, Tally
from . import schemas as s
from . import tickets
from .context import Ctx
from .reference import OrgInfo, org_info

MAX_PERIOD_DAYS = 366
Seed = Annotated[str, Meta(min_length=1, max_length=rules.SEED_MAX)]


# ---- requests and views ----------------------------------------------------------------------


class DrawRequest(s.Input):
    """A draw: under `org_code` (the inspector's own unit when left out), of the tickets
    collected from `from` to `to` (whole days in the bureau's zone, both included), `size`
    tickets per school or `size` percent of each school's; `seed` repeats an earlier draw."""

    start: date = msgspec.field(name="from")
    end: date = msgspec.field(name="to")
    size: Annotated[int, Meta(ge=1, le=100)]  # per school: at most 50 (the domain says so)
    size_unit: SizeUnit = SizeUnit.PER_SCHOOL
    org_code: s.Code | None = None
    seed: Seed | None = None


class CheckRequest(s.Input):
    """A sampled ticket's check: 通过 (pass) or 整改 (fail, back to its handler with the rework
    deadline), with the inspector's note (internal); `version` as for any action."""

    verdict: Verdict
    note: s.RequiredNote
    public_note: s.Note | None = None
    version: int | None = None


class Figures(Struct):
    sampled: int
    checked: int
    passed: int
    failed: int
    rectified: int
    rectified_on_time: int
    pass_rate: float | None


class SchoolResult(Struct):
    school_code: str
    school_name: str
    sampled: int
    checked: int
    passed: int
    failed: int
    rectified: int
    rectified_on_time: int
    pass_rate: float | None


class Results(Struct):
    total: Figures
    by_school: list[SchoolResult]


class PeriodResults(Struct, kw_only=True):
    org_code: str
    start: date | None = msgspec.field(name="from")
    end: date | None = msgspec.field(name="to")
    draws: int  # the draws whose period lies within this one
    total: Figures
    by_school: list[SchoolResult]


class ItemView(Struct):
    number: str
    school_code: str
    school_name: str
    status: str
    title: str | None
    version: int
    verdict: str | None
    note: str | None
    checked_at: datetime | None
    checked_by: str | None
    rectify_due_at: datetime | None  # 整改: the deadline the failed check set
    rectified_at: datetime | None  # the school's next answer after it
    rectification: str | None  # pending, overdue, on_time, late


class DrawSummary(Struct, kw_only=True):
    id: int
    org_code: str
    org_name: str
    start: date = msgspec.field(name="from")
    end: date = msgspec.field(name="to")
    size: int
    size_unit: str
    seed: str
    eligible: int  # the archived tickets it was drawn from
    eligible_digest: str  # SHA-256 of their numbers, one a line, in the order drawn from
    drawn_at: datetime
    drawn_by: str
    sampled: int
    checked: int
    failed: int


class DrawView(Struct):
    draw: DrawSummary
    items: list[ItemView]
    results: Results


class DrawList(Struct):
    items: list[DrawSummary]


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class Console:
    """What the spot checks page shows: the draws, the units one may draw under, and the
    results of a period (None when the page's period is not valid)."""

    draws: list[DrawSummary]
    units: list[Unit]
    results: PeriodResults | None


# ---- who and where ---------------------------------------------------------------------------


def _inspector_paths(principal: Principal) -> list[str]:
    paths = principal.scope_paths([Role.INSPECTOR])
    if not paths:
        raise NotPermitted("Only inspectors draw and check spot checks.")
    return paths


def inspector_only(principal: Principal) -> None:
    """403 unless the caller inspects somewhere (the forms check before reading their fields)."""
    _inspector_paths(principal)


def may_check(principal: Principal) -> bool:
    """Inspectors draw and check; a leader only reads their schools' items."""
    return bool(principal.scope_paths([Role.INSPECTOR]))


def _reach(principal: Principal) -> tuple[db.Reach, Role]:
    """An inspector sees the draws made under their units; a leader (of a school, or of a
    district's office) the items of the schools under theirs, in any draw."""
    if inspected := principal.scope_paths([Role.INSPECTOR]):
        return db.Reach(draws=tuple(inspected)), Role.INSPECTOR
    if led := principal.scope_paths([Role.LEADER]):
        return db.Reach(schools=tuple(led)), Role.LEADER
    raise NotPermitted("Only inspectors and leaders see spot checks; inspectors draw and check them.")


async def _unit(ctx: Ctx, principal: Principal, org_code: str | None, role: Role = Role.INSPECTOR) -> OrgInfo:
    """The unit named (one the caller reaches as `role`; anything else 404), or the caller's own."""
    if org_code is None:
        org_code = next(g.org_code for g in principal.grants if g.role is role)
    org = await org_info(ctx, org_code)
    if org is None or role not in principal.roles_over(org.path):
        raise NotFound(f"No org unit {org_code!r} in your scope.")
    return org


def _instants(ctx: Ctx, start: date, end: date) -> tuple[datetime, datetime]:
    """[start of `start`, end of `end`) in the bureau's zone."""
    if start > end:
        raise Invalid("`from` must not be after `to`.")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise Invalid(f"`to` must be within {MAX_PERIOD_DAYS} days of `from`: draw a period at a time.")
    tz = ctx.settings.timezone
    return datetime.combine(start, time(0), tzinfo=tz), datetime.combine(
        end + timedelta(days=1), time(0), tzinfo=tz
    )


# ---- drawing ---------------------------------------------------------------------------------


async def draw(ctx: Ctx, principal: Principal, request: DrawRequest) -> DrawView:
    """Draw and record a sample: the eligible tickets (archived, collected in the period, under
    the unit) → `domain.spot_checks.draw_sample` → the draw and its items."""
    _inspector_paths(principal)
    size = SampleSize(request.size, request.size_unit)
    seed = rules.check_seed(request.seed) if request.seed is not None else secrets.token_hex(8)
    unit = await _unit(ctx, principal, request.org_code)
    start, end = _instants(ctx, request.start, request.end)
    school_id = unit.id if unit.kind == OrgKind.SCHOOL else None
    rows = await db.eligible(
        ctx.session,
        principal,
        start=start,
        end=end,
        school_id=school_id,
        subtree=None if school_id else unit.path,
    )
    if not rows:
        raise Invalid(
            f"No archived tickets were collected under {unit.name} from {request.start} to "
            f"{request.end}: there is nothing to draw; choose another `from` and `to`, or unit."
        )
    sample = rules.draw_sample(seed, [Eligible(row.school_id, row.number) for row in rows], size)
    ids = {row.number: row.id for row in rows}
    record = SpotCheck(
        org_id=unit.id,
        org_path=unit.path,
        period_from=request.start,
        period_to=request.end,
        size=size.value,
        size_unit=size.unit.value,
        seed=seed,
        eligible_count=len(rows),
        eligible_digest=rules.eligible_digest(row.number for row in rows),
        drawn_by_id=principal.user_id,
        drawn_by=principal.display_name,
        drawn_at=ctx.now,
    )
    await db.add_draw(ctx.session, record, [(ids[t.number], t.school) for t in sample])
    return await get_draw(ctx, principal, record.id)


async def list_draws(ctx: Ctx, principal: Principal) -> DrawList:
    """The draws the caller sees, newest first (the last 100), with the counts of what they see."""
    rows = await db.draws_in(ctx.session, _reach(principal)[0])
    return DrawList([_summary(row[0], row[1], row[2], row[3], row[4], row[5]) for row in rows])


async def console(
    ctx: Ctx,
    principal: Principal,
    *,
    results_org: str | None,
    start: date | None,
    end: date | None,
    results: bool = True,
) -> Console:
    """The spot checks page: the draws, the units (bureaus and districts) under the caller's,
    and the results per school of `results_org` (the caller's own unit when None) for the period."""
    draws = await list_draws(ctx, principal)
    paths = principal.scope_paths([Role.INSPECTOR])
    units = [Unit(row.code, row.name, row.kind) for row in await db.units_in(ctx.session, paths)]
    period = (
        await period_results(ctx, principal, org_code=results_org, start=start, end=end) if results else None
    )
    return Console(draws.items, units, period)


async def get_draw(ctx: Ctx, principal: Principal, draw_id: int) -> DrawView:
    """A draw with the items the caller sees (a leader: their schools') and their results."""
    reach, _ = _reach(principal)
    found = await db.draw_in(ctx.session, draw_id, reach)
    if found is None:
        raise NotFound(f"Spot check {draw_id} was not found.")
    record, code, name = found
    items = [_item(row, ctx.now) for row in await db.items_of(ctx.session, draw_id, reach)]
    summary = _summary(
        record,
        code,
        name,
        len(items),
        sum(1 for i in items if i.verdict),
        sum(1 for i in items if i.verdict == Verdict.FAIL.value),
    )
    return DrawView(summary, items, _results(items))


# ---- checking --------------------------------------------------------------------------------


async def check(ctx: Ctx, principal: Principal, draw_id: int, number: str, request: CheckRequest) -> ItemView:
    """Check one sampled ticket: the lifecycle's `inspect` (an event on its chain; 整改 sends it
    back with the rework deadline), then the item records the verdict and that deadline."""
    reach = db.Reach(draws=tuple(_inspector_paths(principal)))
    if await db.draw_in(ctx.session, draw_id, reach) is None:
        raise NotFound(f"Spot check {draw_id} was not found.")
    item = await db.item_for_update(ctx.session, draw_id, number)
    if item is None:
        raise NotFound(f"Ticket {number} is not in spot check {draw_id}.")
    if item.verdict is not None:
        raise Conflict(
            f"Ticket {number} was already checked in spot check {draw_id} ({item.verdict}, by "
            f"{item.checked_by}); a ticket is checked once per draw."
        )
    view = await tickets.act(
        ctx,
        principal,
        number,
        Action.INSPECT,
        s.InspectRequest(
            verdict=request.verdict,
            note=request.note,
            public_note=request.public_note,
            version=request.version,
        ),
    )
    failed = request.verdict is Verdict.FAIL
    item.verdict = request.verdict.value
    item.note = request.note
    item.checked_at = ctx.now
    item.checked_by_id = principal.user_id
    item.checked_by = principal.display_name
    item.rectify_due_at = view.respond_due_at if failed else None
    await ctx.session.flush()
    return next(
        _item(row, ctx.now) for row in await db.items_of(ctx.session, draw_id, reach) if row.number == number
    )


# ---- results ---------------------------------------------------------------------------------


async def period_results(
    ctx: Ctx, principal: Principal, *, org_code: str | None, start: date | None, end: date | None
) -> PeriodResults:
    """The results per school of the unit's schools, over the draws the caller sees whose
    period lies within [start, end] (open ends: every draw)."""
    reach, role = _reach(principal)
    unit = await _unit(ctx, principal, org_code, role)
    first, last = start or date.min, end or date.max
    if first > last:
        raise Invalid("`from` must not be after `to`.")
    rows = await db.items_in_period(ctx.session, reach, first, last, unit.path)
    items = [_item(row, ctx.now) for row in rows]
    results = _results(items)
    return PeriodResults(
        org_code=unit.code,
        start=start,
        end=end,
        draws=len({row.draw_id for row in rows}),
        total=results.total,
        by_school=results.by_school,
    )


def _rectification(row: Any, now: datetime) -> Rectification | None:
    if row.verdict != Verdict.FAIL.value or row.rectify_due_at is None:
        return None
    extended = datetime.fromisoformat(row.extended_to) if row.extended_to else None
    return rules.rectification(row.rectify_due_at, row.answered_at, now, extended)


def _item(row: Any, now: datetime) -> ItemView:
    state = _rectification(row, now)
    return ItemView(
        number=row.number,
        school_code=row.school_code,
        school_name=row.school_name,
        status=row.status,
        title=row.title,
        version=row.version,
        verdict=row.verdict,
        note=row.note,
        checked_at=row.checked_at,
        checked_by=row.checked_by,
        rectify_due_at=row.rectify_due_at,
        rectified_at=row.answered_at if state is not None else None,
        rectification=state.value if state is not None else None,
    )


def _figures(tally: Tally) -> dict[str, Any]:
    return {
        "sampled": tally.sampled,
        "checked": tally.checked,
        "passed": tally.passed,
        "failed": tally.failed,
        "rectified": tally.rectified,
        "rectified_on_time": tally.rectified_on_time,
        "pass_rate": tally.pass_rate,
    }


def _results(items: Iterable[ItemView]) -> Results:
    total = Tally()
    schools: dict[str, tuple[str, Tally]] = {}
    for item in items:
        state = Rectification(item.rectification) if item.rectification else None
        total.add(item.verdict, state)
        schools.setdefault(item.school_code, (item.school_name, Tally()))[1].add(item.verdict, state)
    by_school = [
        SchoolResult(school_code=code, school_name=name, **_figures(tally))
        for code, (name, tally) in sorted(schools.items())
    ]
    return Results(Figures(**_figures(total)), by_school)


def _summary(record: SpotCheck, code: str, name: str, sampled: int, checked: int, failed: int) -> DrawSummary:
    return DrawSummary(
        id=record.id,
        org_code=code,
        org_name=name,
        start=record.period_from,
        end=record.period_to,
        size=record.size,
        size_unit=record.size_unit,
        seed=record.seed,
        eligible=record.eligible_count,
        eligible_digest=record.eligible_digest,
        drawn_at=record.drawn_at,
        drawn_by=record.drawn_by,
        sampled=int(sampled),
        checked=int(checked),
        failed=int(failed),
    )
