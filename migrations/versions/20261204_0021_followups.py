"""Home visits, the remainder: follow-up cadences of the six groups (per unit), the sweep's
record of follow-ups it told about (once per student, rule and due day) and of the hours it
looked (once per org tree and hour), campaigns (家访月) and
their plans per class, and talk records (附表2)

Revision ID: 0021_followups
Revises: 0016_audit
Create Date: 2026-12-04 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_followups"
down_revision: str | None = "0019_cohandling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("now()")
GROUPS = "('hardship','learning','left_behind','change','migrant','disability')"


def upgrade() -> None:
    op.create_table(
        "followup_cadences",
        sa.Column(
            "org_id",
            sa.Integer(),
            sa.ForeignKey("orgs.id", ondelete="CASCADE", name="fk_followup_cadences_org_id_orgs"),
            nullable=False,
        ),
        sa.Column("grp", sa.String(16), nullable=False),
        sa.Column("days", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "grp", name="pk_followup_cadences"),
        sa.CheckConstraint(f"grp in {GROUPS}", name="ck_followup_cadences_grp"),
        sa.CheckConstraint("days between 7 and 365", name="ck_followup_cadences_days"),
    )
    op.create_table(
        "followup_fires",
        sa.Column(
            "student_id",
            sa.BigInteger(),
            sa.ForeignKey("students.id", ondelete="CASCADE", name="fk_followup_fires_student_id_students"),
            nullable=False,
        ),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("student_id", "rule", "due_on", name="pk_followup_fires"),
        sa.CheckConstraint("rule in ('due','overdue')", name="ck_followup_fires_rule"),
    )
    op.create_table(
        "followup_sweeps",
        sa.Column("root_path", sa.String(400), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("root_path", "hour", name="pk_followup_sweeps"),
    )
    op.create_table(
        "visit_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "org_id",
            sa.Integer(),
            sa.ForeignKey("orgs.id", ondelete="CASCADE", name="fk_visit_campaigns_org_id_orgs"),
            nullable=False,
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "created_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_visit_campaigns_created_by_id_users"),
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_visit_campaigns"),
        sa.UniqueConstraint("org_id", "name", name="uq_visit_campaigns_org_name"),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_visit_campaigns_dates"),
    )
    op.create_table(
        "visit_plan_items",
        sa.Column(
            "campaign_id",
            sa.Integer(),
            sa.ForeignKey(
                "visit_campaigns.id", ondelete="CASCADE", name="fk_visit_plan_items_campaign_id_visit_campaigns"
            ),
            nullable=False,
        ),
        sa.Column(
            "student_id",
            sa.BigInteger(),
            sa.ForeignKey("students.id", ondelete="CASCADE", name="fk_visit_plan_items_student_id_students"),
            nullable=False,
        ),
        sa.Column(
            "class_id",
            sa.Integer(),
            sa.ForeignKey(
                "visit_classes.id", ondelete="CASCADE", name="fk_visit_plan_items_class_id_visit_classes"
            ),
            nullable=False,
        ),
        sa.Column(
            "teacher_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_visit_plan_items_teacher_id_users"),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "student_id", name="pk_visit_plan_items"),
    )
    op.create_index("ix_visit_plan_items_class", "visit_plan_items", ["campaign_id", "class_id"])
    op.create_index("ix_visit_plan_items_teacher", "visit_plan_items", ["teacher_id"])
    op.create_table(
        "talks",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "student_id",
            sa.BigInteger(),
            sa.ForeignKey("students.id", ondelete="CASCADE", name="fk_talks_student_id_students"),
            nullable=False,
        ),
        sa.Column(
            "class_id",
            sa.Integer(),
            sa.ForeignKey("visit_classes.id", name="fk_talks_class_id_visit_classes"),
            nullable=False,
        ),
        sa.Column(
            "school_id", sa.Integer(), sa.ForeignKey("orgs.id", name="fk_talks_school_id_orgs"), nullable=False
        ),
        sa.Column("talked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(64), server_default="", nullable=False),
        sa.Column("participants", sa.Text(), server_default="", nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), server_default="", nullable=False),
        sa.Column("advice", sa.Text(), server_default="", nullable=False),
        sa.Column("followup", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_talks_created_by_id_users"),
        ),
        sa.Column("client_key", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_talks"),
    )
    op.create_index("ix_talks_student_time", "talks", ["student_id", "talked_at"])
    op.create_index(
        "uq_talks_author_client_key",
        "talks",
        ["created_by_id", "client_key"],
        unique=True,
        postgresql_where=sa.text("client_key IS NOT NULL"),
    )


def downgrade() -> None:
    for table in (
        "talks",
        "visit_plan_items",
        "visit_campaigns",
        "followup_sweeps",
        "followup_fires",
        "followup_cadences",
    ):
        op.drop_table(table)
