"""The staff queues' indexes: each saved view's count and list is served per scope branch (a
school's path, a district's id) in (collected_at, id) order, so a bounded count stops after
its cap instead of filtering through a scope's archive.

Revision ID: 0007_queues
Revises: 0007_bigrams
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_queues"
down_revision: str | None = "0007_bigrams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AWAITING = "status in ('assigned','collected','registered','submitted')"
OPEN = "status in ('assigned','collected','registered','responded','submitted')"

INDEXES = {
    # 待登记, 待提交, 待交办, 待评价, 已归档 of a school / a district.
    "ix_tickets_path_status": "(org_path, status, collected_at DESC, id DESC)",
    "ix_tickets_district_status": "(district_id, status, collected_at DESC, id DESC)",
    # 我的待办 and a handler's other queues.
    "ix_tickets_assignee_status": (
        "(assignee_id, status, collected_at DESC, id DESC) WHERE assignee_id IS NOT NULL"
    ),
    # 即将超期, 已超期: open tickets of a scope by their respond deadline (counted by range, listed
    # most urgent first).
    "ix_tickets_path_due": f"(org_path, respond_due_at, id) WHERE {AWAITING}",
    "ix_tickets_district_due": f"(district_id, respond_due_at, id) WHERE {AWAITING}",
    # 待评价: answered, not rated yet (without these the planner walks every answered ticket of
    # the city by ix_tickets_responded and filters the scope).
    "ix_tickets_path_unrated": (
        "(org_path, collected_at DESC, id DESC) "
        "WHERE status = 'responded' AND (rated_at IS NULL OR rated_at < responded_at)"
    ),
    "ix_tickets_district_unrated": (
        "(district_id, collected_at DESC, id DESC) "
        "WHERE status = 'responded' AND (rated_at IS NULL OR rated_at < responded_at)"
    ),
    # 督办中: few, pinned on top of every queue.
    "ix_tickets_path_supervised": f"(org_path, collected_at DESC, id DESC) WHERE supervised AND {OPEN}",
    "ix_tickets_district_supervised": (
        f"(district_id, collected_at DESC, id DESC) WHERE supervised AND {OPEN}"
    ),
}


def upgrade() -> None:
    for name, definition in INDEXES.items():
        columns, _, where = definition.partition(" WHERE ")
        op.execute(f"CREATE INDEX {name} ON tickets {columns}" + (f" WHERE {where}" if where else ""))


def downgrade() -> None:
    for name in reversed(list(INDEXES)):
        op.execute(f"DROP INDEX {name}")
