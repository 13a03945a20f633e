"""reminders and deliveries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 21:55:51.208897
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Each sweep rule updates the rows it fires; vacuum tickets at 2% dead rows rather than 20%,
    # so the rules' partial indexes stay free of dead entries (docs/benchmarks.md).
    op.execute("ALTER TABLE tickets SET (autovacuum_vacuum_scale_factor = 0.02)")
    op.create_table(
        "org_webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_org_webhooks_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_webhooks")),
    )
    op.create_index(op.f("ix_org_webhooks_org_id"), "org_webhooks", ["org_id"], unique=False)
    op.create_table(
        "deliveries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), server_default="pending", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status in ('pending','sent','failed')", name=op.f("ck_deliveries_status")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_deliveries_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    op.create_index(
        "ix_deliveries_failed", "deliveries", ["id"], postgresql_where=sa.text("status = 'failed'")
    )
    op.create_index(
        "ix_deliveries_pending",
        "deliveries",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "uq_deliveries_once",
        "deliveries",
        ["ticket_id", "rule", "recipient", "channel", "deadline_at"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_attempts_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    op.create_index(
        op.f("ix_delivery_attempts_delivery_id"), "delivery_attempts", ["delivery_id"], unique=False
    )
    op.add_column("notifications", sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("notifications", sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.create_index(
        "uq_notifications_once",
        "notifications",
        ["user_id", "ticket_id", "rule", "deadline_at"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.add_column("tickets", sa.Column("due_soon_for", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tickets", sa.Column("register_overdue_for", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tickets", sa.Column("overdue_for", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tickets", sa.Column("escalated_for", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_tickets_responded",
        "tickets",
        ["responded_at"],
        unique=False,
        postgresql_where=sa.text("status = 'responded'"),
    )
    op.create_index(
        "ix_tickets_sweep_due_soon",
        "tickets",
        ["respond_due_at"],
        unique=False,
        postgresql_where=sa.text(
            "status in ('collected','registered','submitted','assigned') AND due_soon_for IS DISTINCT FROM respond_due_at"
        ),
    )
    op.create_index(
        "ix_tickets_sweep_escalated",
        "tickets",
        ["respond_due_at"],
        unique=False,
        postgresql_where=sa.text(
            "status in ('collected','registered','submitted','assigned') AND escalated_for IS DISTINCT FROM respond_due_at"
        ),
    )
    op.create_index(
        "ix_tickets_sweep_overdue",
        "tickets",
        ["respond_due_at"],
        unique=False,
        postgresql_where=sa.text(
            "status in ('collected','registered','submitted','assigned') AND overdue_for IS DISTINCT FROM respond_due_at"
        ),
    )
    op.create_index(
        "ix_tickets_sweep_register_overdue",
        "tickets",
        ["register_due_at"],
        unique=False,
        postgresql_where=sa.text(
            "status in ('collected') AND register_overdue_for IS DISTINCT FROM register_due_at"
        ),
    )
    op.add_column(
        "users",
        sa.Column(
            "notify_channels",
            postgresql.ARRAY(sa.String(length=16)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE tickets RESET (autovacuum_vacuum_scale_factor)")
    op.drop_column("users", "notify_channels")
    op.drop_index(
        "ix_tickets_sweep_register_overdue",
        table_name="tickets",
        postgresql_where=sa.text(
            "status in ('collected') AND register_overdue_for IS DISTINCT FROM register_due_at"
        ),
    )
    op.drop_index(
        "ix_tickets_sweep_overdue",
        table_name="tickets",
        postgresql_where=sa.text(
            "status in ('collected','registered','submitted','assigned') AND overdue_for IS DISTINCT FROM respond_due_at"
        ),
    )
    op.drop_index(
        "ix_tickets_sweep_escalated",
        table_name="tickets",
        postgresql_where=sa.text(
            "status in ('collected','registered','submitted','assigned') AND escalated_for IS DISTINCT FROM respond_due_at"
        ),
    )
    op.drop_index(
        "ix_tickets_sweep_due_soon",
        table_name="tickets",
        postgresql_where=sa.text(
            "status in ('collected','registered','submitted','assigned') AND due_soon_for IS DISTINCT FROM respond_due_at"
        ),
    )
    op.drop_index(
        "ix_tickets_responded", table_name="tickets", postgresql_where=sa.text("status = 'responded'")
    )
    op.drop_column("tickets", "escalated_for")
    op.drop_column("tickets", "overdue_for")
    op.drop_column("tickets", "register_overdue_for")
    op.drop_column("tickets", "due_soon_for")
    op.drop_index("uq_notifications_once", table_name="notifications", postgresql_nulls_not_distinct=True)
    op.drop_column("notifications", "data")
    op.drop_column("notifications", "deadline_at")
    op.drop_index(op.f("ix_delivery_attempts_delivery_id"), table_name="delivery_attempts")
    op.drop_table("delivery_attempts")
    op.drop_index("uq_deliveries_once", table_name="deliveries", postgresql_nulls_not_distinct=True)
    op.drop_index(
        "ix_deliveries_pending", table_name="deliveries", postgresql_where=sa.text("status = 'pending'")
    )
    op.drop_index("ix_deliveries_failed", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index(op.f("ix_org_webhooks_org_id"), table_name="org_webhooks")
    op.drop_table("org_webhooks")
