"""Follow-ups of the six groups (六回访): each unit's cadences, the sweep's reminders (the
responsible teacher when a follow-up falls due, the head teacher when it is overdue, each once
per due day), the teacher's list of due and overdue follow-ups, and coverage's figures.

The responsible teacher is whoever made the student's last visit, if they still teach the
class, else the head teacher; with no head teacher, the school's leaders are told."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from ..db import fast
from ..db import followups as db
from ..db import reminders as reminders_db
from ..db import visits as visits_db
from ..domain.access import Principal
from ..domain.enums import Role
from ..domain.errors import Invalid, NotFound, NotPermitted
from ..domain.followups import (
    DEFAULT_CADENCE,
    MAX_DAYS,
    MIN_DAYS,
    REMIND_BEFORE_DAYS,
    STATE_LABELS,
    FollowupState,
    state_on,
)
from ..domain.visits import GROUP_LABELS, Group, may_see_class, school_year_of
from .context import Ctx
from .notices import Notice, record
from .reference import org_info

RULES = {"due": "followup_due", "overdue": "followup_overdue"}
LIST_LIMIT = 500
TEXTS = {
    "due": "您负责的 {n} 名学生跟踪回访即将到期（最早 {day}），请在“家访 · 跟踪回访”查看并按期家访。",
    "overdue": "您班上 {n} 名学生的跟踪回访已超期（最早应于 {day}），请在“家访 · 跟踪回访”查看并督促落实。",
}


def _today(ctx: Ctx, at: datetime | None = None) -> date:
    return (at or ctx.now).astimezone(ctx.settings.timezone).date()


# ---- cadences --------------------------------------------------------------------------------


def _path_ids(path: str) -> list[int]:
    """The ids of the units on a path, from the top down ("/1/4/9/" → 1, 4, 9)."""
    return [int(part) for part in path.strip("/").split("/") if part]


async def cadences(ctx: Ctx, principal: Principal, org_code: str) -> dict[str, Any]:
    """A unit's cadence for each group, and where it comes from (the unit, one above, or the
    default), for whoever sees the unit's coverage."""
    org = await org_info(ctx, org_code)
    if org is None or not principal.roles_over(org.path) & {Role.LEADER, Role.HANDLER, Role.INSPECTOR}:
        raise NotFound(f"No org unit {org_code!r} in your scope.")
    ids = _path_ids(org.path)
    rows = await db.cadence_rows(await fast.driver(ctx), ids)
    names = await visits_db.org_labels(ctx.session, [i for i in ids if i in rows])
    items = []
    for group in Group:
        days, source = DEFAULT_CADENCE[group], ("", "")
        for org_id in ids:  # top down: the nearest unit's row wins
            if group.value in rows.get(org_id, {}):
                days, source = rows[org_id][group.value], names[org_id]
        items.append(
            {
                "group": group.value,
                "label": GROUP_LABELS[group],
                "days": days,
                "source": source[0] or None,  # the org whose row decides; None: the default
                "source_name": source[1] or None,
                "own": source[0] == org.code,
            }
        )
    return {"org_code": org.code, "remind_before_days": REMIND_BEFORE_DAYS, "items": items}


async def set_cadences(
    ctx: Ctx, principal: Principal, org_code: str, days: dict[str, int | None]
) -> dict[str, Any]:
    """A leader of the unit sets its cadences (a number of days per group, or null to take the
    one above); the units below it follow unless they set their own."""
    org = await org_info(ctx, org_code)
    if org is None or not principal.roles_over(org.path) & {Role.LEADER, Role.HANDLER, Role.INSPECTOR}:
        raise NotFound(f"No org unit {org_code!r} in your scope.")
    if not any(g.role is Role.LEADER and g.org_path == org.path for g in principal.grants):
        raise NotPermitted("Only a leader of the unit may set its follow-up cadences.")
    for key, value in days.items():
        if key not in {g.value for g in Group}:
            raise Invalid(
                f"`cadences.{key}` is not one of the six groups: {', '.join(g.value for g in Group)}."
            )
        if value is not None and not MIN_DAYS <= value <= MAX_DAYS:
            raise Invalid(f"`cadences.{key}` must be {MIN_DAYS} to {MAX_DAYS} days, or null.")
    await db.set_cadences(await fast.driver(ctx), org.id, days)
    return await cadences(ctx, principal, org_code)


# ---- the sweep ---------------------------------------------------------------------------------


@dataclass
class SweepCounts:
    due: int = 0
    overdue: int = 0
    notices: int = 0
    deliveries: list[int] | None = None


async def sweep_root(ctx: Ctx, connection: asyncpg.Connection, root_path: str) -> SweepCounts:
    """Under one root, once an hour: follow-ups due within REMIND_BEFORE_DAYS (or already past)
    not told yet go to the responsible teacher; those past their due day, to the head teacher.
    One notice per teacher and sweep lists the students; each student is told once per rule and
    due day."""
    tz = ctx.settings.timezone
    today = _today(ctx)
    year = school_year_of(today)
    out = SweepCounts(deliveries=[])
    # Follow-ups move by the day: the tree is looked at once an hour, not at every minute's
    # sweep (at 100,000 students a look costs about a second: docs/visits.md).
    if not await db.claim_hour(connection, root_path, ctx.now.replace(minute=0, second=0, microsecond=0)):
        return out
    for rule, last_due_on in (
        ("due", today + timedelta(days=REMIND_BEFORE_DAYS)),
        ("overdue", today - timedelta(days=1)),
    ):
        fired = await db.fire(connection, root_path, year, tz.key, rule, last_due_on, ctx.now)
        if not fired:
            continue
        setattr(out, rule, len(fired))
        leaderless = sorted({r.school_id for r in fired if _recipient(rule, r) is None})
        leaders = (
            await reminders_db.staff_of(connection, leaderless, [Role.LEADER.value]) if leaderless else {}
        )
        per_user: dict[int, list[db.DueRow]] = defaultdict(list)
        for row in fired:
            who = _recipient(rule, row)
            for user_id in [who] if who is not None else leaders.get((row.school_id, Role.LEADER), []):
                per_user[user_id].append(row)
        notices = []
        for user_id, rows in sorted(per_user.items()):
            # No minor's name leaves the system in a notice (it also goes by email or SMS): the
            # count, the earliest day and where to look; the students are in the row's data.
            first = min(r.due_on for r in rows)
            day = f"{first.month}月{first.day}日"
            text = TEXTS[rule].format(n=len(rows), day=day)
            data = {"students": [r.student_id for r in rows], "link": "/visits/followups"}
            notices.append(Notice(user_id, None, RULES[rule], ctx.now, text, data))
        out.deliveries = (out.deliveries or []) + await record(connection, notices, ctx.now)
        out.notices += len(notices)
    return out


def _recipient(rule: str, row: db.DueRow) -> int | None:
    return row.responsible_id if rule == "due" else row.head_teacher_id


# ---- coverage's figures ------------------------------------------------------------------------


async def figures(
    ctx: Ctx, scope_path: str, *, by_class: bool, school_year: int, until: datetime
) -> dict[int | None, db.FigureRow]:
    """The group students of a scope, due and overdue as of `until` (or now, if sooner)."""
    as_of = min(until, ctx.now)
    today = _today(ctx, as_of)
    rows = await db.figures(
        await fast.driver(ctx),
        scope_path,
        by_class=by_class,
        school_year=school_year,
        tz=ctx.settings.timezone.key,
        as_of=as_of,
        today=today,
        remind_until=today + timedelta(days=REMIND_BEFORE_DAYS),
    )
    return {row.unit: row for row in rows}


# ---- the teacher's list ------------------------------------------------------------------------


async def list_followups(
    ctx: Ctx, principal: Principal, *, class_id: int | None = None, upcoming: bool = False
) -> list[dict[str, Any]]:
    """The follow-ups of the students the caller may see (their classes; a leader, the school's),
    due or overdue (with `upcoming`, every one), the most urgent first. Group membership is a
    minor's sensitive data: each student listed is logged (roster_access, `followups`)."""
    today = _today(ctx)
    year = school_year_of(today)
    taught = await visits_db.taught_classes(ctx.session, principal.user_id)
    connection = await fast.driver(ctx)
    schools = sorted(
        {g.org_path for g in principal.grants if g.leaf and g.role in (Role.LEADER, Role.HANDLER)}
    )
    if class_id is not None:
        row = await visits_db.class_row(ctx.session, class_id) if 0 < class_id < 2**31 else None
        roles = frozenset(g.role for g in principal.grants if row and g.org_path == row.school_path)
        if row is None or not may_see_class(roles, class_id in taught):
            raise NotFound(f"No class {class_id} in your scope.")
        schools = [row.school_path]
    by = None if upcoming else today + timedelta(days=REMIND_BEFORE_DAYS)
    items: list[dict[str, Any]] = []
    for path in schools:
        leads = any(g.role is Role.LEADER and g.org_path == path for g in principal.grants)
        classes = [class_id] if class_id is not None else (None if leads else sorted(taught))
        if classes == []:
            continue
        for due in await db.due_rows(
            connection, path, year, ctx.settings.timezone.key, ctx.now, by=by, class_ids=classes
        ):
            state = state_on(due.due_on, today)
            items.append(
                {
                    "student_id": due.student_id,
                    "name": due.name,
                    "class_id": due.class_id,
                    "class_name": due.class_name,
                    "groups": due.groups,
                    "cadence_days": due.days,
                    "last_visit_at": due.last_visit_at,
                    "due_on": due.due_on,
                    "state": state.value,
                    "state_label": STATE_LABELS[state],
                    "mine": due.responsible_id == principal.user_id,
                }
            )
    items.sort(key=lambda i: (i["due_on"], i["class_name"], i["name"]))
    items = items[:LIST_LIMIT]
    await visits_db.log_accesses(
        ctx.session, principal.user_id, [i["student_id"] for i in items], "followups", ctx.now
    )
    return items


def counts(items: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "due": sum(1 for i in items if i["state"] == FollowupState.DUE),
        "overdue": sum(1 for i in items if i["state"] == FollowupState.OVERDUE),
    }


async def of_student(ctx: Ctx, student_id: int, class_id: int, school_path: str) -> dict[str, Any] | None:
    """One student's follow-up today (the student's page), or None outside the six groups."""
    today = _today(ctx)
    rows = await db.due_rows(
        await fast.driver(ctx),
        school_path,
        school_year_of(today),
        ctx.settings.timezone.key,
        ctx.now,
        class_ids=[class_id],
    )
    for row in rows:
        if row.student_id == student_id:
            state = state_on(row.due_on, today)
            return {
                "due_on": row.due_on,
                "cadence_days": row.days,
                "state": state.value,
                "state_label": STATE_LABELS[state],
            }
    return None


async def page(ctx: Ctx, principal: Principal, *, upcoming: bool, leads: str | None) -> dict[str, Any]:
    """The /visits/followups page: the caller's follow-ups and, for a unit's leader, its cadences."""
    items = await list_followups(ctx, principal, upcoming=upcoming)
    return {
        "items": items,
        "counts": counts(items),
        "cadences": await cadences(ctx, principal, leads) if leads else None,
    }
