"""Follow-ups of the six groups: each student's next due day, derived in one statement from the
cadences (nearest unit's row, else the default), their last visit and the day they joined
(domain/followups.py says the rule; tests/integration/test_followups.py checks that both
agree); the sweep's once-only record of what it told; the units' cadence rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from ..domain.followups import DEFAULT_CADENCE
from .repo import subtree_end

# $1, $2: the scope's path range; $3: the school year; $4: the time zone's name; $5, $6: the
# default cadences (groups, days); $7: the instant it is computed as of (visits before it count).
# A row per student of the scope's classes of that school year who is in one of the groups.
DUE = """
WITH defaults AS (SELECT * FROM unnest($5::text[], $6::int[]) AS d (grp, days)),
schools AS (SELECT id, path FROM orgs WHERE kind = 'school' AND path >= $1 AND path < $2),
cadence AS (
    SELECT s.id AS school_id, d.grp,
           coalesce((SELECT c.days FROM followup_cadences c JOIN orgs co ON co.id = c.org_id
                     WHERE c.grp = d.grp AND starts_with(s.path, co.path)
                     ORDER BY length(co.path) DESC LIMIT 1), d.days) AS days
    FROM schools s CROSS JOIN defaults d
),
cadence_of AS (
    SELECT st.id AS student_id, min(k.days) AS days
    FROM students st
    JOIN visit_classes c ON c.id = st.class_id AND c.school_year = $3
    CROSS JOIN LATERAL unnest(st.groups) AS g (grp)
    JOIN cadence k ON k.school_id = st.school_id AND k.grp = g.grp
    WHERE st.groups <> '{}'
    GROUP BY st.id
),
pupils AS (
    SELECT st.id, st.name, st.groups, st.class_id, st.school_id, s.path AS school_path,
           c.name AS class_name, c.head_teacher_id, co.days,
           (st.created_at AT TIME ZONE $4)::date AS joined,
           make_date($3::int, 9, 1) AS year_start,
           lv.visited_at AS last_visit_at,
           CASE WHEN lv.created_by_id = c.head_teacher_id OR EXISTS (
                    SELECT 1 FROM visit_class_teachers t
                    WHERE t.class_id = c.id AND t.user_id = lv.created_by_id)
                THEN lv.created_by_id ELSE c.head_teacher_id END AS responsible_id
    FROM cadence_of co
    JOIN students st ON st.id = co.student_id
    JOIN schools s ON s.id = st.school_id
    JOIN visit_classes c ON c.id = st.class_id
    LEFT JOIN LATERAL (
        SELECT v.visited_at, v.created_by_id FROM visits v
        WHERE v.student_id = st.id AND v.visited_at < $7
        ORDER BY v.visited_at DESC LIMIT 1
    ) lv ON true
),
due AS (
    SELECT p.*,
           greatest(coalesce((p.last_visit_at AT TIME ZONE $4)::date, p.joined), p.year_start)
             + p.days AS due_on
    FROM pupils p
)
"""


def due_args(scope_path: str, school_year: int, tz: str, as_of: datetime) -> list[Any]:
    groups = [g.value for g in DEFAULT_CADENCE]
    days = [DEFAULT_CADENCE[g] for g in DEFAULT_CADENCE]
    return [scope_path, subtree_end(scope_path), school_year, tz, groups, days, as_of]


@dataclass(frozen=True, slots=True)
class DueRow:
    student_id: int
    name: str
    groups: list[str]
    class_id: int
    class_name: str
    school_id: int
    head_teacher_id: int | None
    responsible_id: int | None
    days: int
    last_visit_at: datetime | None
    joined: date
    due_on: date


def _row(r: Any) -> DueRow:
    return DueRow(
        r["id"],
        r["name"],
        list(r["groups"]),
        r["class_id"],
        r["class_name"],
        r["school_id"],
        r["head_teacher_id"],
        r["responsible_id"],
        r["days"],
        r["last_visit_at"],
        r["joined"],
        r["due_on"],
    )


async def due_rows(
    connection: asyncpg.Connection,
    scope_path: str,
    school_year: int,
    tz: str,
    as_of: datetime,
    *,
    by: date | None = None,
    class_ids: Sequence[int] | None = None,
) -> list[DueRow]:
    """The scope's group students with their next due day (due by `by`, and of `class_ids`,
    when given), the most urgent first."""
    args = due_args(scope_path, school_year, tz, as_of)
    sql = DUE + "SELECT * FROM due WHERE ($8::date IS NULL OR due_on <= $8)"
    sql += " AND ($9::int[] IS NULL OR class_id = ANY($9::int[])) ORDER BY due_on, class_name, name"
    rows = await connection.fetch(sql, *args, by, list(class_ids) if class_ids is not None else None)
    return [_row(r) for r in rows]


# $8: the rule ('due' or 'overdue'); $9: the last due day it fires for; $10: the sweep's instant.
FIRE = (
    DUE
    + """,
fired AS (
    INSERT INTO followup_fires (student_id, rule, due_on, fired_at)
    SELECT id, $8, due_on, $10 FROM due WHERE due_on <= $9 ORDER BY id
    ON CONFLICT DO NOTHING
    RETURNING student_id, due_on
)
SELECT d.* FROM due d JOIN fired f ON f.student_id = d.id AND f.due_on = d.due_on
ORDER BY d.school_id, d.class_name, d.name
"""
)


async def fire(
    connection: asyncpg.Connection,
    root_path: str,
    school_year: int,
    tz: str,
    rule: str,
    last_due_on: date,
    now: datetime,
) -> list[DueRow]:
    """Mark the follow-ups due by `last_due_on` as told for `rule` and answer those not told
    before: once per student, rule and due day. Two sweeps at once: the second waits on the
    first's rows and finds them told."""
    args = due_args(root_path, school_year, tz, now)
    return [_row(r) for r in await connection.fetch(FIRE, *args, rule, last_due_on, now)]


FIGURES = (
    DUE
    + """
SELECT {unit} AS unit, count(*) AS students,
       count(*) FILTER (WHERE due_on < $8) AS overdue,
       count(*) FILTER (WHERE due_on >= $8 AND due_on <= $9) AS due
FROM due
GROUP BY ROLLUP (1)
"""
)


@dataclass(frozen=True, slots=True)
class FigureRow:
    unit: int | None
    students: int
    due: int
    overdue: int


async def figures(
    connection: asyncpg.Connection,
    scope_path: str,
    *,
    by_class: bool,
    school_year: int,
    tz: str,
    as_of: datetime,
    today: date,
    remind_until: date,
) -> list[FigureRow]:
    """Per child unit (the class, for a school) and in total (unit None): the group students,
    those due (due day between today and `remind_until`) and those overdue (before today)."""
    depth = scope_path.strip("/").count("/") + 2
    unit = "class_id" if by_class else f"split_part(trim(both '/' from school_path), '/', {depth})::int"
    args = due_args(scope_path, school_year, tz, as_of)
    rows = await connection.fetch(FIGURES.replace("{unit}", unit), *args, today, remind_until)
    return [FigureRow(r["unit"], int(r["students"]), int(r["due"]), int(r["overdue"])) for r in rows]


async def claim_hour(connection: asyncpg.Connection, root_path: str, hour: datetime) -> bool:
    """Whether this sweep is the first to look at the tree's follow-ups in this hour (a second
    sweep at once waits for the first's commit, then finds the hour taken)."""
    taken = await connection.fetchval(
        "INSERT INTO followup_sweeps (root_path, hour) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
        root_path,
        hour,
    )
    return taken is not None


async def cadence_rows(connection: asyncpg.Connection, org_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    rows = await connection.fetch(
        "SELECT org_id, grp, days FROM followup_cadences WHERE org_id = ANY($1::int[])", list(org_ids)
    )
    out: dict[int, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["org_id"], {})[r["grp"]] = int(r["days"])
    return out


async def set_cadences(connection: asyncpg.Connection, org_id: int, days: Mapping[str, int | None]) -> None:
    """A unit's rows: a number sets the group's, None removes it (the unit above decides)."""
    for grp, value in days.items():
        if value is None:
            await connection.execute(
                "DELETE FROM followup_cadences WHERE org_id = $1 AND grp = $2", org_id, grp
            )
        else:
            await connection.execute(
                "INSERT INTO followup_cadences (org_id, grp, days) VALUES ($1, $2, $3) "
                "ON CONFLICT (org_id, grp) DO UPDATE SET days = excluded.days",
                org_id,
                grp,
                value,
            )
