"""tickets.district_id: the district a ticket is filed in, for the inspectors' list

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("district_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_tickets_district_id_orgs"), "tickets", "orgs", ["district_id"], ["id"])
    op.execute(
        """
        UPDATE tickets t SET district_id = o.id
        FROM orgs o
        WHERE o.kind = 'district' AND t.org_path LIKE o.path || '%'
        """
    )
    op.create_index(
        "ix_tickets_district_recent",
        "tickets",
        ["district_id", sa.literal_column("collected_at DESC"), sa.literal_column("id DESC")],
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_district_recent", table_name="tickets")
    op.drop_constraint(op.f("fk_tickets_district_id_orgs"), "tickets", type_="foreignkey")
    op.drop_column("tickets", "district_id")
