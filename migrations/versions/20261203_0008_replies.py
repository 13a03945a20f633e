"""常用回复: a school's canned answers, kept by its leaders, with variables ({称呼} {编号} {期限})
that the answer form fills in

Revision ID: 0008_replies
Revises: 0007_queues
Create Date: 2026-12-03 07:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_replies"
down_revision: str | None = "0007_queues"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_canned_replies"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name="fk_canned_replies_org_id_orgs", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name="fk_canned_replies_updated_by_id_users", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("org_id", "title", name="uq_canned_replies_org_title"),
    )


def downgrade() -> None:
    op.drop_table("canned_replies")
