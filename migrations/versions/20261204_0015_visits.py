"""Home visits: classes, their teachers, students, guardians, visit records, the teachers present,
the parents' opinions (each may become a ticket) and the log of reveals of a guardian's phone

Revision ID: 0015_visits
Revises: 0014_league
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_visits"
down_revision: str | None = "0014_league"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "visit_classes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "school_id",
            sa.Integer(),
            sa.ForeignKey("orgs.id", name="fk_visit_classes_school_id_orgs"),
            nullable=False,
        ),
        sa.Column("school_year", sa.SmallInteger(), nullable=False),
        sa.Column("grade", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column(
            "head_teacher_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_visit_classes_head_teacher_id_users"),
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.UniqueConstraint("school_id", "school_year", "name", name="uq_visit_classes_school_year_name"),
        sa.CheckConstraint("grade between 1 and 12", name="ck_visit_classes_grade"),
        sa.PrimaryKeyConstraint("id", name="pk_visit_classes"),
    )
    op.create_table(
        "visit_class_teachers",
        sa.Column(
            "class_id",
            sa.Integer(),
            sa.ForeignKey(
                "visit_classes.id", ondelete="CASCADE", name="fk_visit_class_teachers_class_id_visit_classes"
            ),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_visit_class_teachers_user_id_users"),
            nullable=False,
        ),
        sa.Column("subject", sa.String(32), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("class_id", "user_id", name="pk_visit_class_teachers"),
    )
    op.create_index("ix_visit_class_teachers_user_id", "visit_class_teachers", ["user_id"])
    op.create_table(
        "students",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "school_id",
            sa.Integer(),
            sa.ForeignKey("orgs.id", name="fk_students_school_id_orgs"),
            nullable=False,
        ),
        sa.Column(
            "class_id",
            sa.Integer(),
            sa.ForeignKey("visit_classes.id", name="fk_students_class_id_visit_classes"),
            nullable=False,
        ),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("new_intake", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("groups", postgresql.ARRAY(sa.String(16)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_students"),
        sa.UniqueConstraint("class_id", "name", name="uq_students_class_name"),
        sa.CheckConstraint(
            "groups <@ ARRAY['hardship','learning','left_behind','change','migrant','disability']"
            "::varchar(16)[]",
            name="ck_students_groups",
        ),
    )
    op.create_index("ix_students_school_id", "students", ["school_id"])
    op.create_table(
        "guardians",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "student_id",
            sa.BigInteger(),
            sa.ForeignKey("students.id", ondelete="CASCADE", name="fk_guardians_student_id_students"),
            nullable=False,
        ),
        sa.Column("position", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("relation", sa.String(16), server_default="", nullable=False),
        sa.Column("phone", sa.String(20), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_guardians"),
    )
    op.create_index("ix_guardians_student_id", "guardians", ["student_id"])
    op.create_table(
        "visits",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "student_id",
            sa.BigInteger(),
            sa.ForeignKey("students.id", name="fk_visits_student_id_students"),
            nullable=False,
        ),
        sa.Column(
            "class_id",
            sa.Integer(),
            sa.ForeignKey("visit_classes.id", name="fk_visits_class_id_visit_classes"),
            nullable=False,
        ),
        sa.Column(
            "school_id",
            sa.Integer(),
            sa.ForeignKey("orgs.id", name="fk_visits_school_id_orgs"),
            nullable=False,
        ),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("form", sa.String(16), nullable=False),
        sa.Column("campaign", sa.String(64)),
        sa.Column("family_members_met", sa.Text(), server_default="", nullable=False),
        sa.Column("family_situation", sa.Text(), server_default="", nullable=False),
        sa.Column("student_at_home", sa.Text(), server_default="", nullable=False),
        sa.Column("effect", sa.Text(), server_default="", nullable=False),
        sa.Column("reflection", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_visits_created_by_id_users"),
        ),
        sa.Column("client_key", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_visits"),
        sa.CheckConstraint("form in ('home','phone','video','at_school','group')", name="ck_visits_form"),
    )
    op.create_index("ix_visits_student_time", "visits", ["student_id", "visited_at"])
    op.create_index("ix_visits_school_time", "visits", ["school_id", "visited_at"])
    op.create_index(
        "uq_visits_author_client_key",
        "visits",
        ["created_by_id", "client_key"],
        unique=True,
        postgresql_where=sa.text("client_key IS NOT NULL"),
    )
    op.create_index("ix_visits_class_time", "visits", ["class_id", sa.text("visited_at DESC")])
    op.create_table(
        "visit_teachers",
        sa.Column(
            "visit_id",
            sa.BigInteger(),
            sa.ForeignKey("visits.id", ondelete="CASCADE", name="fk_visit_teachers_visit_id_visits"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_visit_teachers_user_id_users"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("visit_id", "user_id", name="pk_visit_teachers"),
    )
    op.create_index("ix_visit_teachers_user_id", "visit_teachers", ["user_id"])
    op.create_table(
        "visit_opinions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "visit_id",
            sa.BigInteger(),
            sa.ForeignKey("visits.id", ondelete="CASCADE", name="fk_visit_opinions_visit_id_visits"),
            nullable=False,
        ),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "ticket_id",
            sa.BigInteger(),
            sa.ForeignKey("tickets.id", name="fk_visit_opinions_ticket_id_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name="pk_visit_opinions"),
        sa.UniqueConstraint("ticket_id", name="uq_visit_opinions_ticket_id"),
    )
    op.create_index("ix_visit_opinions_visit_id", "visit_opinions", ["visit_id"])
    op.create_table(
        "roster_access",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_roster_access_user_id_users"),
            nullable=False,
        ),
        sa.Column(
            "student_id",
            sa.BigInteger(),
            sa.ForeignKey("students.id", ondelete="CASCADE", name="fk_roster_access_student_id_students"),
            nullable=False,
        ),
        sa.Column("action", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_roster_access"),
    )
    op.create_index("ix_roster_access_student_id", "roster_access", ["student_id"])


def downgrade() -> None:
    for table in (
        "roster_access",
        "visit_opinions",
        "visit_teachers",
        "visits",
        "guardians",
        "students",
        "visit_class_teachers",
        "visit_classes",
    ):
        op.drop_table(table)
