"""spot_checks and spot_check_items: 抽查 draws (unit, period, size, seed, the eligible list's
count and fingerprint) and their sampled tickets with each check's verdict, note and 整改 deadline

Revision ID: 0013_spot_checks
Revises: 0012_supervision
Create Date: 2026-12-04 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_spot_checks"
down_revision: str | None = "0012_supervision"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spot_checks",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "org_id",
            sa.Integer(),
            sa.ForeignKey("orgs.id", name="fk_spot_checks_org_id_orgs"),
            nullable=False,
        ),
        sa.Column("org_path", sa.String(400, collation="C"), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("size", sa.SmallInteger(), nullable=False),
        sa.Column("size_unit", sa.String(16), nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("eligible_count", sa.Integer(), nullable=False),
        sa.Column("eligible_digest", sa.String(64), nullable=False),
        sa.Column(
            "drawn_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_spot_checks_drawn_by_id_users"),
            nullable=True,
        ),
        sa.Column("drawn_by", sa.String(100), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size_unit in ('per_school','percent')", name="ck_spot_checks_size_unit"),
        sa.CheckConstraint("period_from <= period_to", name="ck_spot_checks_period"),
        sa.PrimaryKeyConstraint("id", name="pk_spot_checks"),
    )
    op.create_index("ix_spot_checks_scope_recent", "spot_checks", ["org_path", sa.text("drawn_at DESC")])
    op.create_table(
        "spot_check_items",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "spot_check_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "spot_checks.id", ondelete="CASCADE", name="fk_spot_check_items_spot_check_id_spot_checks"
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "ticket_id",
            sa.BigInteger(),
            sa.ForeignKey("tickets.id", name="fk_spot_check_items_ticket_id_tickets"),
            nullable=False,
        ),
        sa.Column(
            "school_id",
            sa.Integer(),
            sa.ForeignKey("orgs.id", name="fk_spot_check_items_school_id_orgs"),
            nullable=False,
        ),
        sa.Column("verdict", sa.String(8), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "checked_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_spot_check_items_checked_by_id_users"),
            nullable=True,
        ),
        sa.Column("checked_by", sa.String(100), nullable=True),
        sa.Column("rectify_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("verdict in ('pass','fail')", name="ck_spot_check_items_verdict"),
        sa.CheckConstraint(
            "verdict = 'fail' OR rectify_due_at IS NULL", name="ck_spot_check_items_rectify_only_on_fail"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_spot_check_items"),
        sa.UniqueConstraint("spot_check_id", "ticket_id", name="uq_spot_check_items_draw_ticket"),
    )
    op.create_index("ix_spot_check_items_ticket_id", "spot_check_items", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("spot_check_items")
    op.drop_table("spot_checks")
