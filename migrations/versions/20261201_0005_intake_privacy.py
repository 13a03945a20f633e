"""Idempotency keys per school; the throttles table dropped (rate limits count in Redis, with
a TTL, under an HMAC of the address: no submitter's address is kept with a time)

Revision ID: 0005_intake
Revises: 0004_queued_at
Create Date: 2026-12-01 22:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_intake"
down_revision: str | None = "0004_queued_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("throttles")
    op.create_index(
        "uq_tickets_school_idempotency_key",
        "tickets",
        ["school_id", "idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.drop_index(
        "uq_tickets_idempotency_key",
        table_name="tickets",
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )


def downgrade() -> None:
    # Fails if two schools used the same key since the upgrade: keys were global before.
    op.create_index(
        "uq_tickets_idempotency_key",
        "tickets",
        ["idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.drop_index(
        "uq_tickets_school_idempotency_key",
        table_name="tickets",
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_table(
        "throttles",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttles")),
    )
