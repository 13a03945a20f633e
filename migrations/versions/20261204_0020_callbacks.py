"""callbacks (回访) and their policies; retention: tickets.anonymised_at and the redaction of a
closed ticket's events (the only UPDATE ticket_events allows, and only of its free text)

Revision ID: 0020_callbacks
Revises: 0016_audit
Create Date: 2026-12-04 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0020_callbacks"
down_revision: str | None = "0016_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOSED = "status in ('archived','inspected','merged') AND anonymised_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "callback_policies",
        sa.Column("org_id", sa.Integer, sa.ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("policy", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "callbacks",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("ticket_id", sa.BigInteger, sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("caller", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("done_by", sa.String(100), nullable=True),
        sa.Column("resolved", sa.Boolean, nullable=True),
        sa.Column("satisfaction", sa.String(24), nullable=True),
        sa.Column("treated_differently", sa.Boolean, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.CheckConstraint("caller in ('school','bureau')", name=op.f("ck_callbacks_caller")),
        sa.CheckConstraint(
            "(done_at IS NULL) = (resolved IS NULL) AND (done_at IS NULL) = (satisfaction IS NULL)"
            " AND (done_at IS NULL) = (treated_differently IS NULL)",
            name=op.f("ck_callbacks_done_whole"),
        ),
    )
    # One pending callback per ticket; the queue and the figures read by index.
    op.create_index(
        "uq_callbacks_pending", "callbacks", ["ticket_id"], unique=True, postgresql_where=sa.text("done_at IS NULL")
    )
    op.create_index("ix_callbacks_ticket", "callbacks", ["ticket_id", "id"])
    op.create_index("ix_callbacks_done", "callbacks", ["done_at"], postgresql_where=sa.text("done_at IS NOT NULL"))

    op.add_column("tickets", sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_tickets_retention",
        "tickets",
        [sa.literal_column("coalesce(archived_at, updated_at)")],
        postgresql_where=sa.text(CLOSED),
    )
    # Reveal reports: every reveal event by time.
    op.create_index(
        "ix_ticket_events_reveals", "ticket_events", ["at"], postgresql_where=sa.text("action = 'reveal'")
    )

    # ticket_events stays append-only, with one exception: the retention sweep, having said so
    # in its transaction (SET LOCAL huixiang.redact = 'on'), may replace an event's free text
    # (note, internal_note, data). Nothing else of an event may ever change.
    op.execute(
        """
        CREATE FUNCTION ticket_events_redact_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF coalesce(current_setting('huixiang.redact', true), '') = 'on'
               AND NEW.id = OLD.id AND NEW.ticket_id = OLD.ticket_id AND NEW.seq = OLD.seq
               AND NEW.at = OLD.at AND NEW.action = OLD.action
               AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.actor = OLD.actor
               AND NEW.actor_role = OLD.actor_role
               AND NEW.from_status IS NOT DISTINCT FROM OLD.from_status
               AND NEW.to_status = OLD.to_status
               AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'ticket_events is append-only: % is not allowed', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute("DROP TRIGGER ticket_events_no_update_delete ON ticket_events")
    op.execute(
        "CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events "
        "FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only()"
    )
    op.execute(
        "CREATE TRIGGER ticket_events_redact_only BEFORE UPDATE ON ticket_events "
        "FOR EACH ROW EXECUTE FUNCTION ticket_events_redact_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER ticket_events_redact_only ON ticket_events")
    op.execute("DROP TRIGGER ticket_events_no_delete ON ticket_events")
    op.execute("DROP FUNCTION ticket_events_redact_only()")
    op.execute(
        "CREATE TRIGGER ticket_events_no_update_delete BEFORE UPDATE OR DELETE ON ticket_events "
        "FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only()"
    )
    op.drop_index("ix_ticket_events_reveals", table_name="ticket_events")
    op.drop_index("ix_tickets_retention", table_name="tickets")
    op.drop_column("tickets", "anonymised_at")
    op.drop_table("callbacks")
    op.drop_table("callback_policies")
