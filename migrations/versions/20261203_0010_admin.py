"""categories.retired_at: an admin retires a category from the bureau's list (new tickets can no
longer choose it; tickets that have it keep their category text)

Revision ID: 0010_admin
Revises: 0008_replies
Create Date: 2026-12-03 07:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_admin"
down_revision: str | None = "0008_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("categories", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("categories", "retired_at")
