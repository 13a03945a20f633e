"""退单 and 挂起: a ticket's returns (and the sweep's alert at the third), its hold (the clock
stopped, the request awaiting a leader, the working days held), and the rollups' new count
`returned` (退单率), which the trigger keeps like the others

The trigger functions of 0011 are replaced whole: the same counts plus `returned`, and
`return_count` among the watched columns. No fill is needed: every ticket has returned 0 times.

Revision ID: 0018_return_hold
Revises: 0016_audit
Create Date: 2026-12-04 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0018_return_hold"
down_revision: str | None = "0020_callbacks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of domain/figures.py at this revision (a migration never imports the app).
COUNTERS = (
    "total",
    "responded",
    "responded_on_time",
    "rated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "reopened",
    "to_bureau",
    "returned",
)
HOUR_BOUNDS = (1, 2, 4, 8, 12, 24, 48, 72, 96, 120, 168, 240, 336, 504, 720)
HISTOGRAM = tuple(f"h{i:02d}" for i in range(len(HOUR_BOUNDS) + 1))
DAY_KEY = ("school_id", "to_bureau_key", "org_path", "day", "channel", "kind", "category")
MONTH_KEY = ("school_id", "to_bureau_key", "org_path", "month")
EXPRESSIONS = {
    "total": "1",
    "responded": "(t.first_responded_at IS NOT NULL)::int",
    "responded_on_time": "(t.responded_on_time IS TRUE)::int",
    "rated": "(t.rating IS NOT NULL)::int",
    "satisfied": "(t.rating IS NOT DISTINCT FROM 'satisfied')::int",
    "basically_satisfied": "(t.rating IS NOT DISTINCT FROM 'basically_satisfied')::int",
    "unsatisfied": "(t.rating IS NOT DISTINCT FROM 'unsatisfied')::int",
    "reopened": "(t.reopen_count > 0)::int",
    "to_bureau": "t.to_bureau::int",
    "returned": "(t.return_count > 0)::int",
    **{h: f"(b IS NOT DISTINCT FROM {i})::int" for i, h in enumerate(HISTOGRAM)},
}
WATCHED = (
    "status",
    "school_id",
    "org_path",
    "to_bureau",
    "channel",
    "kind",
    "category",
    "collected_at",
    "first_responded_at",
    "responded_on_time",
    "rating",
    "reopen_count",
)
# Every status but merged: the third return alerts the district whatever became of the ticket.
BOUNCE_SQL = "'collected','registered','submitted','assigned','responded','archived','inspected','held'"


def _upsert(table: str, key: Sequence[str], values: Sequence[str], counters: Sequence[str]) -> str:
    counts = (*counters, *HISTOGRAM)
    columns = ", ".join((*key, *counts))
    added = ", ".join(f"sign * {EXPRESSIONS[c]}" for c in counts)
    sets = ", ".join(f"{c} = f.{c} + excluded.{c}" for c in counts)
    return f"""
    INSERT INTO {table} AS f ({columns})
    VALUES ({", ".join(values)}, {added})
    ON CONFLICT ({", ".join(key)}) DO UPDATE SET {sets};"""


def _apply(counters: Sequence[str]) -> str:
    bounds = ", ".join(str(b) for b in HOUR_BOUNDS)
    day = ("t.school_id", "t.to_bureau", "t.org_path", "d", "t.channel", "t.kind", "t.category")
    month = ("t.school_id", "t.to_bureau", "t.org_path", "date_trunc('month', d)::date")
    return f"""
CREATE OR REPLACE FUNCTION hx_figures_apply(t tickets, sign integer, part text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    zone text;
    d date;
    b integer;
BEGIN
    IF t.status = 'merged' THEN
        RETURN;
    END IF;
    SELECT timezone INTO zone FROM figure_settings;
    d := (t.collected_at AT TIME ZONE zone)::date;
    IF t.first_responded_at IS NOT NULL THEN
        b := (SELECT count(*) FROM unnest(ARRAY[{bounds}]) AS u(bound)
              WHERE extract(epoch FROM t.first_responded_at - t.collected_at) / 3600 >= bound);
    END IF;
    IF part = 'day' THEN
        {_upsert("figure_days", DAY_KEY, day, counters)}
    ELSE
        {_upsert("figure_months", MONTH_KEY, month, counters)}
    END IF;
END $$"""


def _watch(columns: Sequence[str]) -> None:
    op.execute("DROP TRIGGER tickets_figures_change ON tickets")
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    op.execute(
        "CREATE TRIGGER tickets_figures_change AFTER UPDATE ON tickets FOR EACH ROW "
        f"WHEN (({old}) IS DISTINCT FROM ({new})) EXECUTE FUNCTION hx_figures_track()"
    )


def upgrade() -> None:
    add = op.add_column
    add("tickets", sa.Column("return_count", sa.SmallInteger, nullable=False, server_default="0"))
    add("tickets", sa.Column("bounced_at", sa.DateTime(timezone=True)))  # the third return
    add("tickets", sa.Column("bounced_for", sa.DateTime(timezone=True)))  # the sweep's mark
    add("tickets", sa.Column("held_at", sa.DateTime(timezone=True)))  # the hold in force began
    add("tickets", sa.Column("hold_until", sa.DateTime(timezone=True)))  # it ends by itself
    add("tickets", sa.Column("hold_reason", sa.Text))
    add("tickets", sa.Column("hold_request", JSONB))  # {reason, until, by, by_name, at}
    add("tickets", sa.Column("held_days", sa.SmallInteger, nullable=False, server_default="0"))
    # The sweep's rule `bounced`: only the tickets it has not fired for (db/reminders.py).
    op.execute(
        f"CREATE INDEX ix_tickets_sweep_bounced ON tickets (bounced_at) "
        f"WHERE status in ({BOUNCE_SQL}) AND bounced_for IS DISTINCT FROM bounced_at"
    )
    # The sweep resumes the holds whose day has come.
    op.execute("CREATE INDEX ix_tickets_held_until ON tickets (hold_until) WHERE status = 'held'")
    for table in ("figure_days", "figure_months"):
        add(table, sa.Column("returned", sa.Integer, nullable=False, server_default="0"))
    op.execute(_apply(COUNTERS))
    _watch((*WATCHED, "return_count"))


def downgrade() -> None:
    _watch(WATCHED)
    op.execute(_apply(COUNTERS[:-1]))
    for table in ("figure_days", "figure_months"):
        op.drop_column(table, "returned")
    op.execute("DROP INDEX ix_tickets_held_until")
    op.execute("DROP INDEX ix_tickets_sweep_bounced")
    for column in (
        "held_days",
        "hold_request",
        "hold_reason",
        "hold_until",
        "held_at",
        "bounced_for",
        "bounced_at",
        "return_count",
    ):
        op.drop_column("tickets", column)
