"""Parents' trust: staff named in a complaint (who never see it) and identities held in escrow
by the district (sealed from the school), with the reviewers who may unseal them

Revision ID: 0017_trust
Revises: 0016_audit
Create Date: 2026-12-04 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0017_trust"
down_revision: str | None = "0018_return_hold"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Who a complaint or report names: each is left out of every read of the ticket.
    op.create_table(
        "ticket_named_staff",
        sa.Column("ticket_id", sa.BigInteger, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("named_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("ticket_id", "user_id", name="pk_ticket_named_staff"),
    )
    # "Is this user named on anything?" and the per-user anti-join.
    op.create_index("ix_ticket_named_staff_user_id", "ticket_named_staff", ["user_id", "ticket_id"])
    # The parent's identity of an escrowed ticket: never on the ticket row, read only by the
    # reviewer's unseal and the delivery of the answer.
    op.create_table(
        "sealed_identities",
        sa.Column(
            "ticket_id",
            sa.BigInteger,
            sa.ForeignKey("tickets.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("contact", JSONB, nullable=True),
        sa.Column("student", JSONB, nullable=True),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.add_column("tickets", sa.Column("escrowed", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_check_constraint(
        "ck_tickets_escrow_no_contact", "tickets", "escrowed = false OR (contact IS NULL AND student IS NULL)"
    )
    op.add_column(
        "users", sa.Column("is_identity_reviewer", sa.Boolean, nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("users", "is_identity_reviewer")
    op.drop_constraint("ck_tickets_escrow_no_contact", "tickets")
    op.drop_column("tickets", "escrowed")
    op.drop_table("sealed_identities")
    op.drop_index("ix_ticket_named_staff_user_id", "ticket_named_staff")
    op.drop_table("ticket_named_staff")
