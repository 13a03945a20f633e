"""supervision_orders: 督办 orders as records of their own (several per ticket, each with a
note, a deadline, the issuing inspector and unit, and a state the sweep watches)

Revision ID: 0012_supervision
Revises: 0011_rollups
Create Date: 2026-12-04 01:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_supervision"
down_revision: str | None = "0011_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supervision_orders",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_name", sa.String(length=100), nullable=False),
        sa.Column("issuer_org_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=12), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("chases", sa.SmallInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("chased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state in ('open','answered','overdue')", name=op.f("ck_supervision_orders_state")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_supervision_orders_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_supervision_orders_issued_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["issuer_org_id"], ["orgs.id"], name=op.f("fk_supervision_orders_issuer_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_orders")),
    )
    op.create_index("ix_supervision_orders_ticket", "supervision_orders", ["ticket_id", "id"])
    op.create_index(
        "ix_supervision_orders_sweep",
        "supervision_orders",
        ["due_at"],
        postgresql_where=sa.text("state = 'open' AND due_at IS NOT NULL"),
    )
    op.create_index(
        "ix_supervision_orders_recent",
        "supervision_orders",
        [sa.text("created_at DESC"), sa.text("id DESC")],
    )
    # The orders the tickets' flat fields held until now, one per supervised ticket, so the
    # pages and the sweep see them: the issuer is the ticket's last supervise event's actor, for
    # the nearest unit of theirs above the ticket (as services/tickets/orders.issuing_unit does).
    # An open one already past its deadline becomes overdue at the next sweep, which says so.
    op.execute(
        """
        INSERT INTO supervision_orders (ticket_id, issued_by_id, issued_by_name, issuer_org_id,
                                        note, due_at, state, created_at, answered_at)
        SELECT t.id, e.actor_id, e.actor,
               coalesce((SELECT g.org_id FROM role_grants g JOIN orgs o ON o.id = g.org_id
                         WHERE g.user_id = e.actor_id AND g.role = 'inspector'
                           AND starts_with(t.org_path, o.path)
                         ORDER BY length(o.path) DESC LIMIT 1),
                        t.district_id, t.org_id),
               coalesce(t.supervise_note, ''), t.supervise_due_at,
               CASE WHEN t.status IN ('collected','registered','submitted','assigned')
                    THEN 'open' ELSE 'answered' END,
               e.at,
               CASE WHEN t.status IN ('collected','registered','submitted','assigned')
                    THEN NULL ELSE coalesce(t.responded_at, e.at) END
        FROM tickets t
        JOIN LATERAL (SELECT actor_id, actor, at FROM ticket_events
                      WHERE ticket_id = t.id AND action = 'supervise'
                      ORDER BY seq DESC LIMIT 1) e ON true
        WHERE t.supervised
        """
    )


def downgrade() -> None:
    op.drop_table("supervision_orders")
