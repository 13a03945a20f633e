"""figure rollups: counts per school and local day (and channel, kind, category) and per school
and month, kept by a trigger on tickets in the same transaction as every change; a partial
index for 督办中

The counts follow domain/figures.py (COUNTERS, HOUR_BOUNDS); tests/integration/test_rollups.py
checks the trigger against it after random sequences of actions. The zone that makes a day is
kept in figure_settings (set by `huixiang rollups rebuild`).

Revision ID: 0011_rollups
Revises: 0010_admin
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_rollups"
down_revision: str | None = "0010_admin"
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
)
HOUR_BOUNDS = (1, 2, 4, 8, 12, 24, 48, 72, 96, 120, 168, 240, 336, 504, 720)
HISTOGRAM = tuple(f"h{i:02d}" for i in range(len(HOUR_BOUNDS) + 1))
COUNTS = COUNTERS + HISTOGRAM

DAY_KEY = ("school_id", "to_bureau_key", "org_path", "day", "channel", "kind", "category")
MONTH_KEY = ("school_id", "to_bureau_key", "org_path", "month")

# What ticket `t` adds to each count, `sign` 1 or -1 (domain/figures.contribution).
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
    **{h: f"(b IS NOT DISTINCT FROM {i})::int" for i, h in enumerate(HISTOGRAM)},
}
# A change of anything else (the sweep's marks, the answer's text, the version…) leaves the
# counts alone, and the trigger does not run.
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


def _table(name: str, key: Sequence[str], extra: str) -> str:
    counts = ",\n".join(f"    {c} integer NOT NULL DEFAULT 0" for c in COUNTS)
    return f"""
CREATE TABLE {name} (
    school_id integer NOT NULL REFERENCES orgs(id),
    to_bureau_key boolean NOT NULL,
    org_path varchar(400) COLLATE "C" NOT NULL,
    {extra},
{counts},
    PRIMARY KEY ({", ".join(key)})
)"""


def _upsert(table: str, key: Sequence[str], values: Sequence[str]) -> str:
    columns = ", ".join((*key, *COUNTS))
    counts = ", ".join(f"sign * {EXPRESSIONS[c]}" for c in COUNTS)
    sets = ", ".join(f"{c} = f.{c} + excluded.{c}" for c in COUNTS)
    return f"""
    INSERT INTO {table} AS f ({columns})
    VALUES ({", ".join(values)}, {counts})
    ON CONFLICT ({", ".join(key)}) DO UPDATE SET {sets};"""


def upgrade() -> None:
    op.execute(
        "CREATE TABLE figure_settings (id boolean PRIMARY KEY DEFAULT true CHECK (id), "
        "timezone text NOT NULL)"
    )
    op.execute("INSERT INTO figure_settings (timezone) VALUES ('Asia/Shanghai')")
    op.execute(
        _table(
            "figure_days",
            DAY_KEY,
            "day date NOT NULL, channel varchar(16) NOT NULL, kind varchar(16) NOT NULL, "
            "category varchar(64) NOT NULL",
        )
    )
    op.execute(_table("figure_months", MONTH_KEY, "month date NOT NULL"))
    # A subtree's days or months: an index range on the filed path, then the period.
    op.execute("CREATE INDEX ix_figure_days_path ON figure_days (org_path, day)")
    op.execute("CREATE INDEX ix_figure_months_path ON figure_months (org_path, month)")
    bounds = ", ".join(str(b) for b in HOUR_BOUNDS)
    op.execute(
        f"""
CREATE FUNCTION hx_figures_apply(t tickets, sign integer, part text) RETURNS void LANGUAGE plpgsql AS $$
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
        -- the histogram bucket: how many bounds the hours to the first answer reach
        b := (SELECT count(*) FROM unnest(ARRAY[{bounds}]) AS u(bound)
              WHERE extract(epoch FROM t.first_responded_at - t.collected_at) / 3600 >= bound);
    END IF;
    IF part = 'day' THEN
        {_upsert("figure_days", DAY_KEY, ("t.school_id", "t.to_bureau", "t.org_path", "d", "t.channel", "t.kind", "t.category"))}
    ELSE
        {_upsert("figure_months", MONTH_KEY, ("t.school_id", "t.to_bureau", "t.org_path", "date_trunc('month', d)::date"))}
    END IF;
END $$"""
    )
    op.execute(
        """
CREATE FUNCTION hx_figures_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text;
    od date;
    nd date;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM hx_figures_apply(NEW, 1, 'day');
        PERFORM hx_figures_apply(NEW, 1, 'month');
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM hx_figures_apply(OLD, -1, 'day');
        PERFORM hx_figures_apply(OLD, -1, 'month');
        RETURN NULL;
    END IF;
    -- An update: the day rows before the month rows, each pair in key order, so that two
    -- transactions never take the same rollup rows in opposite orders (no deadlock).
    SELECT timezone INTO zone FROM figure_settings;
    od := (OLD.collected_at AT TIME ZONE zone)::date;
    nd := (NEW.collected_at AT TIME ZONE zone)::date;
    IF (OLD.school_id, OLD.to_bureau, OLD.org_path, od, OLD.channel, OLD.kind, OLD.category)
       <= (NEW.school_id, NEW.to_bureau, NEW.org_path, nd, NEW.channel, NEW.kind, NEW.category) THEN
        PERFORM hx_figures_apply(OLD, -1, 'day');
        PERFORM hx_figures_apply(NEW, 1, 'day');
    ELSE
        PERFORM hx_figures_apply(NEW, 1, 'day');
        PERFORM hx_figures_apply(OLD, -1, 'day');
    END IF;
    IF (OLD.school_id, OLD.to_bureau, OLD.org_path, date_trunc('month', od))
       <= (NEW.school_id, NEW.to_bureau, NEW.org_path, date_trunc('month', nd)) THEN
        PERFORM hx_figures_apply(OLD, -1, 'month');
        PERFORM hx_figures_apply(NEW, 1, 'month');
    ELSE
        PERFORM hx_figures_apply(NEW, 1, 'month');
        PERFORM hx_figures_apply(OLD, -1, 'month');
    END IF;
    RETURN NULL;
END $$"""
    )
    op.execute(
        "CREATE TRIGGER tickets_figures AFTER INSERT OR DELETE ON tickets "
        "FOR EACH ROW EXECUTE FUNCTION hx_figures_track()"
    )
    old = ", ".join(f"OLD.{c}" for c in WATCHED)
    new = ", ".join(f"NEW.{c}" for c in WATCHED)
    op.execute(
        "CREATE TRIGGER tickets_figures_change AFTER UPDATE ON tickets FOR EACH ROW "
        f"WHEN (({old}) IS DISTINCT FROM ({new})) EXECUTE FUNCTION hx_figures_track()"
    )
    # 督办中 counted when asked: the open supervised tickets of a subtree by collection time.
    op.execute(
        "CREATE INDEX ix_tickets_supervised_open ON tickets (org_path, collected_at) "
        "WHERE supervised AND status IN ('collected','registered','submitted','assigned')"
    )
    # Fill the rollups from the tickets already there (as `huixiang rollups rebuild` does).
    op.execute(
        "SELECT hx_figures_apply(t, 1, 'day'), hx_figures_apply(t, 1, 'month') "
        "FROM tickets t WHERE t.status <> 'merged'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_tickets_supervised_open")
    op.execute("DROP TRIGGER tickets_figures_change ON tickets")
    op.execute("DROP TRIGGER tickets_figures ON tickets")
    op.execute("DROP FUNCTION hx_figures_track()")
    op.execute("DROP FUNCTION hx_figures_apply(tickets, integer, text)")
    op.execute("DROP TABLE figure_months")
    op.execute("DROP TABLE figure_days")
    op.execute("DROP TABLE figure_settings")
