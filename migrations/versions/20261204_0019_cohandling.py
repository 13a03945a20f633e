"""主办/协办 and 审核签发: a ticket's helpers, the draft answers kept on it, the answer waiting
for a leader's sign-off, and the new status `reviewing` among the awaiting (and open) statuses
of every partial index that names them

Revision ID: 0019_cohandling
Revises: 0016_audit
Create Date: 2026-12-04 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_cohandling"
down_revision: str | None = "0017_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the status sets at this revision (a migration never imports the app), in
# the order each index was first written in.
AWAITING_BEFORE = "'collected','registered','submitted','assigned'"
AWAITING_NOW = "'collected','registered','submitted','assigned','reviewing'"
SORTED_AWAITING_BEFORE = "'assigned','collected','registered','submitted'"
SORTED_AWAITING_NOW = "'assigned','collected','registered','reviewing','submitted'"
SORTED_OPEN_BEFORE = "'assigned','collected','registered','responded','submitted'"
SORTED_OPEN_NOW = "'assigned','collected','registered','responded','reviewing','submitted'"
# The `bounced` rule's statuses (every one but merged, 0018_return_hold), now with reviewing.
BOUNCE_BEFORE = "'collected','registered','submitted','assigned','responded','archived','inspected','held'"
BOUNCE_NOW = BOUNCE_BEFORE + ",'reviewing'"

# name -> (columns, predicate with {awaiting} / {sorted_awaiting} / {sorted_open})
INDEXES = {
    "ix_tickets_open_due": ("(respond_due_at)", "status in ({awaiting})"),
    "ix_tickets_sweep_due_soon": (
        "(respond_due_at)",
        "status in ({awaiting}) AND due_soon_for IS DISTINCT FROM respond_due_at",
    ),
    "ix_tickets_sweep_overdue": (
        "(respond_due_at)",
        "status in ({awaiting}) AND overdue_for IS DISTINCT FROM respond_due_at",
    ),
    "ix_tickets_sweep_escalated": (
        "(respond_due_at)",
        "status in ({awaiting}) AND escalated_for IS DISTINCT FROM respond_due_at",
    ),
    "ix_tickets_supervised_open": ("(org_path, collected_at)", "supervised AND status IN ({awaiting})"),
    "ix_tickets_path_due": ("(org_path, respond_due_at, id)", "status in ({sorted_awaiting})"),
    "ix_tickets_district_due": ("(district_id, respond_due_at, id)", "status in ({sorted_awaiting})"),
    "ix_tickets_path_supervised": (
        "(org_path, collected_at DESC, id DESC)",
        "supervised AND status in ({sorted_open})",
    ),
    "ix_tickets_district_supervised": (
        "(district_id, collected_at DESC, id DESC)",
        "supervised AND status in ({sorted_open})",
    ),
}


def _rebuild(awaiting: str, sorted_awaiting: str, sorted_open: str, bounce: str) -> None:
    for name, (columns, predicate) in INDEXES.items():
        where = predicate.format(awaiting=awaiting, sorted_awaiting=sorted_awaiting, sorted_open=sorted_open)
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON tickets {columns} WHERE {where}")
    op.execute("DROP INDEX ix_tickets_sweep_bounced")
    op.execute(
        f"CREATE INDEX ix_tickets_sweep_bounced ON tickets (bounced_at) "
        f"WHERE status in ({bounce}) AND bounced_for IS DISTINCT FROM bounced_at"
    )


def upgrade() -> None:
    # The answer waiting for sign-off (审核签发): the parent sees it only once a leader signs it.
    op.add_column("tickets", sa.Column("pending_text", sa.Text()))
    op.add_column("tickets", sa.Column("pending_note", sa.Text()))
    op.add_column("tickets", sa.Column("pending_by_id", sa.Integer(), sa.ForeignKey("users.id")))
    op.add_column("tickets", sa.Column("pending_at", sa.DateTime(timezone=True)))
    # 协办: handlers named to help the ticket's one lead (its assignee).
    op.create_table(
        "ticket_helpers",
        sa.Column("ticket_id", sa.BigInteger(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", "user_id", name="pk_ticket_helpers"),
    )
    op.create_index("ix_ticket_helpers_user", "ticket_helpers", ["user_id", "ticket_id"])
    # A draft answer per author and ticket: working text, not the archive (no event).
    op.create_table(
        "answer_drafts",
        sa.Column("ticket_id", sa.BigInteger(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", "author_id", name="pk_answer_drafts"),
    )
    _rebuild(AWAITING_NOW, SORTED_AWAITING_NOW, SORTED_OPEN_NOW, BOUNCE_NOW)


def downgrade() -> None:
    _rebuild(AWAITING_BEFORE, SORTED_AWAITING_BEFORE, SORTED_OPEN_BEFORE, BOUNCE_BEFORE)
    op.drop_table("answer_drafts")
    op.drop_index("ix_ticket_helpers_user", table_name="ticket_helpers")
    op.drop_table("ticket_helpers")
    for column in ("pending_at", "pending_by_id", "pending_note", "pending_text"):
        op.drop_column("tickets", column)
