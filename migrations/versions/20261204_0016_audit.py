"""admin_audit: every change an admin makes (units, users and roles, passwords, categories,
policies, the calendar, robots, channels), append-only like ticket_events

Revision ID: 0016_audit
Revises: 0015_visits
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0016_audit"
down_revision: str | None = "0015_visits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("org_path", sa.String(length=400, collation="C"), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("detail", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    # An admin reads the entries of their subtree (a path range), newest first.
    op.create_index("ix_admin_audit_path_id", "admin_audit", ["org_path", sa.literal_column("id DESC")])
    op.execute(
        """
        CREATE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'admin_audit is append-only: % is not allowed', TG_OP;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER admin_audit_no_update_delete BEFORE UPDATE OR DELETE ON admin_audit "
        "FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only()"
    )
    op.execute(
        "CREATE TRIGGER admin_audit_no_truncate BEFORE TRUNCATE ON admin_audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION admin_audit_append_only()"
    )


def downgrade() -> None:
    op.drop_table("admin_audit")
    op.execute("DROP FUNCTION admin_audit_append_only()")
