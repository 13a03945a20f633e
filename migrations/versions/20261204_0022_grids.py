"""Parent grids (网格连心) and the years of a student's file (一生一档): grids of a class's families
with their grid member, the grid's contact log (一格一人), a student's class in each school year
(so a promoted student's past year still counts in that year's coverage), and the yearly
promotion of a school, once per school year

Revision ID: 0022_grids
Revises: 0016_audit
Create Date: 2026-12-04 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_grids"
down_revision: str | None = "0021_followups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "grids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "class_id",
            sa.Integer(),
            sa.ForeignKey("visit_classes.id", name="fk_grids_class_id_visit_classes"),
            nullable=False,
        ),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_grids_member_id_users"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_grids"),
        sa.UniqueConstraint("class_id", "name", name="uq_grids_class_name"),
    )
    op.create_index("ix_grids_member_id", "grids", ["member_id"])
    op.create_table(
        "grid_families",
        sa.Column(
            "grid_id",
            sa.Integer(),
            sa.ForeignKey("grids.id", ondelete="CASCADE", name="fk_grid_families_grid_id_grids"),
            nullable=False,
        ),
        sa.Column(
            "student_id",
            sa.BigInteger(),
            sa.ForeignKey("students.id", ondelete="CASCADE", name="fk_grid_families_student_id_students"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("grid_id", "student_id", name="pk_grid_families"),
    )
    op.create_index("ix_grid_families_student_id", "grid_families", ["student_id"])
    op.create_table(
        "grid_contacts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "grid_id",
            sa.Integer(),
            sa.ForeignKey("grids.id", ondelete="CASCADE", name="fk_grid_contacts_grid_id_grids"),
            nullable=False,
        ),
        sa.Column(
            "student_id",
            sa.BigInteger(),
            sa.ForeignKey("students.id", ondelete="SET NULL", name="fk_grid_contacts_student_id_students"),
        ),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("form", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("matter", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "ticket_id",
            sa.BigInteger(),
            sa.ForeignKey("tickets.id", name="fk_grid_contacts_ticket_id_tickets"),
        ),
        sa.Column(
            "by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_grid_contacts_by_id_users"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_grid_contacts"),
        sa.UniqueConstraint("ticket_id", name="uq_grid_contacts_ticket_id"),
        sa.CheckConstraint(
            "form in ('home','phone','video','at_school','group','message')", name="ck_grid_contacts_form"
        ),
    )
    op.create_index("ix_grid_contacts_grid_time", "grid_contacts", ["grid_id", "contacted_at"])
    op.create_index("ix_grid_contacts_student_id", "grid_contacts", ["student_id"])
    op.create_table(
        "class_enrolments",
        sa.Column(
            "student_id",
            sa.BigInteger(),
            sa.ForeignKey("students.id", ondelete="CASCADE", name="fk_class_enrolments_student_id_students"),
            nullable=False,
        ),
        sa.Column(
            "class_id",
            sa.Integer(),
            sa.ForeignKey("visit_classes.id", name="fk_class_enrolments_class_id_visit_classes"),
            nullable=False,
        ),
        sa.Column("new_intake", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("student_id", "class_id", name="pk_class_enrolments"),
    )
    op.create_index("ix_class_enrolments_class_id", "class_enrolments", ["class_id"])
    op.execute(
        "INSERT INTO class_enrolments (student_id, class_id, new_intake) "
        "SELECT id, class_id, new_intake FROM students"
    )
    op.create_table(
        "promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "school_id",
            sa.Integer(),
            sa.ForeignKey("orgs.id", name="fk_promotions_school_id_orgs"),
            nullable=False,
        ),
        sa.Column("from_year", sa.SmallInteger(), nullable=False),
        sa.Column("top_grade", sa.SmallInteger(), nullable=False),
        sa.Column("classes_promoted", sa.Integer(), nullable=False),
        sa.Column("classes_graduated", sa.Integer(), nullable=False),
        sa.Column("students_promoted", sa.Integer(), nullable=False),
        sa.Column("students_graduated", sa.Integer(), nullable=False),
        sa.Column(
            "by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_promotions_by_id_users"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_promotions"),
        sa.UniqueConstraint("school_id", "from_year", name="uq_promotions_school_year"),
    )
    op.create_index("ix_roster_access_at", "roster_access", ["at"])


def downgrade() -> None:
    op.drop_index("ix_roster_access_at", "roster_access")
    for table in ("promotions", "class_enrolments", "grid_contacts", "grid_families", "grids"):
        op.drop_table(table)
