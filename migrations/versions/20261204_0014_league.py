"""League tables: a unit's assessment (weights, passing line), the monthly 通报 kept for
download, and 限期整改 orders with the sweep's partial index on open deadlines

Revision ID: 0014_league
Revises: 0013_spot_checks
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_league"
down_revision: str | None = "0013_spot_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "league_settings",
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("assessment", postgresql.JSONB(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", name="pk_league_settings"),
    )
    op.create_table(
        "league_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", postgresql.JSONB(), nullable=False),
        sa.Column("xlsx", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("org_id", "month", name="uq_league_reports_org_month"),
    )
    op.create_table(
        "rectification_orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "report_id", sa.Integer(), sa.ForeignKey("league_reports.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("issuer_id", sa.Integer(), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("school_id", sa.Integer(), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("school_path", sa.String(400, collation="C"), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passing_line", sa.SmallInteger(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(8), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overdue_at", sa.DateTime(timezone=True)),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("done_note", sa.Text()),
        sa.Column("done_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.UniqueConstraint("issuer_id", "school_id", "period", name="uq_rectification_orders_once"),
        sa.CheckConstraint("state in ('open','done','overdue')", name=op.f("ck_rectification_orders_state")),
    )
    op.create_index("ix_rectification_orders_school_id", "rectification_orders", ["school_id"])
    op.create_index(
        "ix_rectification_orders_open_due",
        "rectification_orders",
        ["due_at"],
        postgresql_where=sa.text("state = 'open'"),
    )


def downgrade() -> None:
    op.drop_table("rectification_orders")
    op.drop_table("league_reports")
    op.drop_table("league_settings")
