"""Tables. Times are stored in UTC (timestamptz); relationships load explicitly or not at all."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..domain.enums import AWAITING_RESPONSE, Status

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSONB}


# The awaiting statuses as SQL, for partial indexes and raw statements: derived from the one
# definition (enum order keeps the text the migrations wrote; a test compares the indexes).
AWAITING_SQL = ",".join(f"'{s.value}'" for s in Status if s in AWAITING_RESPONSE)
# Every status but merged (the `bounced` rule: the third return alerts whatever became of it).
BOUNCE_SQL = ",".join(f"'{s.value}'" for s in Status if s is not Status.MERGED)


def _now() -> Any:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class Org(Base):
    """A unit of the tree: bureau → district → school."""

    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    # Ids from the root, "/1/4/17/": a subtree is every path with this prefix.
    path: Mapped[str] = mapped_column(String(400), unique=True)
    # Public facts shown on the school's landing page.
    profile: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = _now()

    __table_args__ = (CheckConstraint("kind in ('bureau','district','school')", name="kind"),)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # External channels this user gets besides in-app: "email", "sms".
    notify_channels: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default=text("'{}'"))
    failed_logins: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    locked_until: Mapped[datetime | None]
    # May unseal an escrowed parent's identity (with an inspector's grant reaching the ticket).
    is_identity_reviewer: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = _now()


class RoleGrant(Base):
    """A role held at one org unit, reaching that unit and everything below it."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)

    __table_args__ = (UniqueConstraint("user_id", "role", "org_id", name="uq_role_grants_user_role_org"),)


class AuthToken(Base):
    """API tokens and browser sessions; only a SHA-256 of the secret is kept."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "api" or "session"
    created_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime]


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))  # the root bureau that owns the list
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    # Retired by an admin: no longer offered to new tickets; tickets keep the text they have.
    retired_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_categories_org_name"),)


class DeadlinePolicyRow(Base):
    __tablename__ = "deadline_policies"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), primary_key=True)
    policy: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = _now()


class CalendarOverride(Base):
    """An admin's correction of the holiday calendar: this day is (not) a working day."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), server_default="")


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    access_code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Where the ticket is filed: the school, or its district for the "to the bureau" path.
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    # "C" collation: plain byte order, so a subtree is an index range on the path.
    org_path: Mapped[str] = mapped_column(String(400, collation="C"))
    school_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))  # the school it concerns
    # The district it is filed in (denormalised from org_path): the inspectors' list by index.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    to_bureau: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(8), server_default="normal")
    status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    # The parent chose "身份仅教育局可见": contact and student are in sealed_identities instead.
    escrowed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    contact: Mapped[dict[str, Any] | None]
    student: Mapped[dict[str, Any] | None]
    collected_at: Mapped[datetime]
    register_due_at: Mapped[datetime]
    respond_due_at: Mapped[datetime]
    registered_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    responded_on_time: Mapped[bool | None]
    archived_at: Mapped[datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    response_text: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[str | None] = mapped_column(String(24))
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None]
    reopened_by_rating: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    reopen_count: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    extended: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    supervised: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    supervise_note: Mapped[str | None] = mapped_column(Text)
    supervise_due_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    # The deadline each reminder rule last fired for: a rule fires again only for a new
    # deadline (an extension or a rework re-arms it). Set by the sweep, in the same
    # transaction as the notifications it decides.
    due_soon_for: Mapped[datetime | None]
    register_overdue_for: Mapped[datetime | None]
    overdue_for: Mapped[datetime | None]
    escalated_for: Mapped[datetime | None]
    # When the retention sweep removed who wrote and what they wrote (services/retention.py).
    anonymised_at: Mapped[datetime | None]
    # 退单: how often it was returned; the third return's instant, which the sweep's `bounced`
    # rule fires for once (bounced_for), telling the district's inspectors.
    return_count: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    bounced_at: Mapped[datetime | None]
    bounced_for: Mapped[datetime | None]
    # 挂起: the hold in force (since when, until when it ends by itself, why), a request
    # awaiting a leader ({reason, until, by, by_name, at}), and the working days held so far.
    held_at: Mapped[datetime | None]
    hold_until: Mapped[datetime | None]
    hold_reason: Mapped[str | None] = mapped_column(Text)
    hold_request: Mapped[dict[str, Any] | None]
    held_days: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    # 审核签发: the answer waiting for a leader's sign-off (status reviewing), with its public
    # note, its author and when it was handed in; the parent sees it only once it is signed.
    pending_text: Mapped[str | None] = mapped_column(Text)
    pending_note: Mapped[str | None] = mapped_column(Text)
    pending_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pending_at: Mapped[datetime | None]

    # Optimistic locking: an UPDATE that finds another version raises StaleDataError (409).
    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        # Staff lists, newest first, within a subtree: keyset on (collected_at, id).
        Index(
            "ix_tickets_scope_recent",
            "org_path",
            text("collected_at DESC"),
            text("id DESC"),
        ),
        Index("ix_tickets_district_recent", "district_id", text("collected_at DESC"), text("id DESC")),
        Index("ix_tickets_school_recent", "school_id", text("collected_at DESC"), text("id DESC")),
        Index(
            "ix_tickets_assignee_open",
            "assignee_id",
            text("collected_at DESC"),
            postgresql_where=text("status in ('assigned','responded')"),
        ),
        # Open tickets by deadline: the overdue board and the deadline sweep.
        Index(
            "ix_tickets_open_due",
            "respond_due_at",
            postgresql_where=text(f"status in ({AWAITING_SQL})"),
        ),
        # An Idempotency-Key is the client's, per school: another school's reuse finds nothing.
        Index(
            "uq_tickets_school_idempotency_key",
            "school_id",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
        CheckConstraint("anonymous = false OR contact IS NULL", name="anonymous_no_contact"),
        # The deadline sweep: each rule reads only the tickets it has not fired for yet.
        *(
            Index(
                f"ix_tickets_sweep_{rule}",
                due,
                postgresql_where=text(f"status in ({statuses}) AND {rule}_for IS DISTINCT FROM {due}"),
            )
            for rule, due, statuses in (
                ("due_soon", "respond_due_at", AWAITING_SQL),
                ("overdue", "respond_due_at", AWAITING_SQL),
                ("escalated", "respond_due_at", AWAITING_SQL),
                ("register_overdue", "register_due_at", "'collected'"),
                ("bounced", "bounced_at", BOUNCE_SQL),
            )
        ),
        Index("ix_tickets_held_until", "hold_until", postgresql_where=text("status = 'held'")),
        Index("ix_tickets_responded", "responded_at", postgresql_where=text("status = 'responded'")),
    )


class TicketEvent(Base):
    """The append-only, hash-chained archive of a ticket. A trigger forbids UPDATE and DELETE."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(100))  # display name, or "parent" / "system"
    actor_role: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None]
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))

    __table_args__ = (UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_seq"),)


class SupervisionOrder(Base):
    """督办: an inspector's order on a ticket, with a note and a deadline; open until the school
    answers the ticket, overdue when its deadline passes first (the sweep decides that once)."""

    __tablename__ = "supervision_orders"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_by_name: Mapped[str] = mapped_column(String(100))  # as it was when the order was made
    issuer_org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))  # the issuing unit (bureau)
    note: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(12), server_default="open")
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    overdue_at: Mapped[datetime | None]
    chases: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    chased_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_supervision_orders_ticket", "ticket_id", "id"),
        # The deadline sweep: only open orders with a deadline, by deadline.
        Index(
            "ix_supervision_orders_sweep",
            "due_at",
            postgresql_where=text("state = 'open' AND due_at IS NOT NULL"),
        ),
        # The supervision page: the newest orders first.
        Index("ix_supervision_orders_recent", text("created_at DESC"), text("id DESC")),
        CheckConstraint("state in ('open','answered','overdue')", name="state"),
    )


class Attachment(Base):
    """Files kept in PostgreSQL so any replica can serve them."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = _now()


class TicketHelper(Base):
    """协办: a handler named to help a ticket's one lead (its assignee): notes and drafts."""

    __tablename__ = "ticket_helpers"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    added_at: Mapped[datetime]

    __table_args__ = (Index("ix_ticket_helpers_user", "user_id", "ticket_id"),)


class AnswerDraft(Base):
    """A draft answer, one per author and ticket: working text, not the archive."""

    __tablename__ = "answer_drafts"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class CannedReply(Base):
    """常用回复: a school's canned answer, kept by its leaders; variables are filled per ticket
    (domain/replies.py)."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))  # the school
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()

    # The unique constraint's index also serves a school's list (org_id first).
    __table_args__ = (UniqueConstraint("org_id", "title", name="uq_canned_replies_org_title"),)


class Notification(Base):
    """An in-app notice for one user: at most one per ticket, rule, user and deadline."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    rule: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]  # the deadline (or digest day) it was decided for
    data: Mapped[dict[str, Any] | None]

    __table_args__ = (
        Index("ix_notifications_user_recent", "user_id", text("at DESC")),
        Index(
            "uq_notifications_once",
            "user_id",
            "ticket_id",
            "rule",
            "deadline_at",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )


class OrgWebhook(Base):
    """A group robot (WeCom, DingTalk, Feishu) that gets an org unit's notices."""

    __tablename__ = "org_webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class Delivery(Base):
    """The outbox: one message to send on one external channel. Decided in the transaction that
    decided the notice; the queue only makes it happen sooner; the sweep re-sends what is due."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    rule: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(64))  # "user:12", "org:5", "parent"
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(Text)
    deadline_at: Mapped[datetime | None]
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), server_default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    next_attempt_at: Mapped[datetime]
    # When it was last handed to the queue: the sweep queues a pending delivery again only once
    # per retry window (services/reminders.py), not at every sweep while the workers are down.
    queued_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "uq_deliveries_once",
            "ticket_id",
            "rule",
            "recipient",
            "channel",
            "deadline_at",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        Index("ix_deliveries_pending", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_deliveries_failed", "id", postgresql_where=text("status = 'failed'")),
        CheckConstraint("status in ('pending','sent','failed')", name="status"),
    )


class DeliveryAttempt(Base):
    """Every try of a delivery: when, outcome, error."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(12))  # sent, retry, failed
    error: Mapped[str | None] = mapped_column(Text)


class AdminAudit(Base):
    """An admin's change, append-only (a trigger forbids UPDATE, DELETE and TRUNCATE).
    `org_path` is the unit the change concerns (the root bureau for the calendar); `detail`
    holds what changed, never a password or a robot's key."""

    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    org_path: Mapped[str] = mapped_column(String(400, collation="C"))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))


class SpotCheck(Base):
    """抽查: a recorded draw of archived tickets per school under one org unit, for a period of
    collection days. Its parameters and seed make it reproducible (domain/spot_checks.py); the
    eligible list it was drawn from is kept as a count and a SHA-256 fingerprint."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    # The unit's path (collation "C"), so a scope's draws are an index range like its tickets.
    org_path: Mapped[str] = mapped_column(String(400, collation="C"))
    period_from: Mapped[date] = mapped_column(Date)  # collection days, both included, in the bureau's zone
    period_to: Mapped[date] = mapped_column(Date)
    size: Mapped[int] = mapped_column(SmallInteger)
    size_unit: Mapped[str] = mapped_column(String(16))
    seed: Mapped[str] = mapped_column(String(64))
    eligible_count: Mapped[int] = mapped_column(Integer)
    eligible_digest: Mapped[str] = mapped_column(String(64))
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    drawn_by: Mapped[str] = mapped_column(String(100))  # display name, kept with the record
    drawn_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_spot_checks_scope_recent", "org_path", text("drawn_at DESC")),
        CheckConstraint("size_unit in ('per_school','percent')", name="size_unit"),
        CheckConstraint("period_from <= period_to", name="period"),
    )


class SpotCheckItem(Base):
    """A sampled ticket of a draw and its check: the verdict (an `inspect` event on the ticket's
    chain says the same), the note, and for 整改 the rectification deadline set by the verdict."""

    __tablename__ = "spot_check_items"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("spot_checks.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # the order of the draw
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    verdict: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_by: Mapped[str | None] = mapped_column(String(100))
    rectify_due_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("spot_check_id", "ticket_id", name="uq_spot_check_items_draw_ticket"),
        CheckConstraint("verdict in ('pass','fail')", name="verdict"),
        CheckConstraint("verdict = 'fail' OR rectify_due_at IS NULL", name="rectify_only_on_fail"),
    )


# ---- league tables, the monthly 通报 and 限期整改 (migration 0014_league) ---------------------


class LeagueSettings(Base):
    """A bureau's (or district's) assessment: weights, passing line, rectification days
    (domain/league.Assessment as JSON). A unit with a row of its own gets a monthly 通报."""

    __tablename__ = "league_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    assessment: Mapped[dict[str, Any]]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When the unit first set one: a month's 通报 is made only for units assessed by then.
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class LeagueReport(Base):
    """A month's 通报 of one unit: made once (the unique key), its workbook and the summary the
    printable page shows, as they were on the day it was made."""

    __tablename__ = "league_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month reported
    made_at: Mapped[datetime]
    summary: Mapped[dict[str, Any]]
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (UniqueConstraint("org_id", "month", name="uq_league_reports_org_month"),)


class RectificationOrder(Base):
    """限期整改: a school under its bureau's passing line for a month, given a deadline. open →
    done (the leader, with a note) or overdue (the sweep, once) → done."""

    __tablename__ = "rectification_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("league_reports.id", ondelete="CASCADE"))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    # The school's path, "C" collation like tickets.org_path: a scope is an index range.
    school_path: Mapped[str] = mapped_column(String(400, collation="C"))
    period: Mapped[str] = mapped_column(String(16))  # "2026-11"
    score: Mapped[float]
    passing_line: Mapped[int] = mapped_column(SmallInteger)
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(8), server_default="open")
    created_at: Mapped[datetime]
    overdue_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_note: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("issuer_id", "school_id", "period", name="uq_rectification_orders_once"),
        CheckConstraint("state in ('open','done','overdue')", name="state"),
        # The sweep's rule: open orders by deadline (db/league.OVERDUE repeats the predicate).
        Index("ix_rectification_orders_open_due", "due_at", postgresql_where=text("state = 'open'")),
    )


# ---- home visits (家访): the roster and the visit records (docs/visits.md) ----------------------


class VisitClass(Base):
    """A class of a school in one school year (the year it starts in: 2026 is 2026–2027)."""

    __tablename__ = "visit_classes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    school_year: Mapped[int] = mapped_column(SmallInteger)
    grade: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(32))
    head_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = _now()

    __table_args__ = (
        UniqueConstraint("school_id", "school_year", "name", name="uq_visit_classes_school_year_name"),
        CheckConstraint("grade between 1 and 12", name="grade"),
    )


class VisitClassTeacher(Base):
    """A subject teacher of a class (the head teacher is on the class itself)."""

    __tablename__ = "visit_class_teachers"

    class_id: Mapped[int] = mapped_column(
        ForeignKey("visit_classes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    subject: Mapped[str] = mapped_column(String(32), server_default="")


class Student(Base):
    """A student on a school's roster: the minimum (name, class, 新生, the six groups)."""

    __tablename__ = "students"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("visit_classes.id"))
    name: Mapped[str] = mapped_column(String(50))
    new_intake: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    groups: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default=text("'{}'"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()

    __table_args__ = (
        UniqueConstraint("class_id", "name", name="uq_students_class_name"),
        CheckConstraint(
            "groups <@ ARRAY['hardship','learning','left_behind','change','migrant','disability']"
            "::varchar(16)[]",
            name="groups",
        ),
    )


class Guardian(Base):
    __tablename__ = "guardians"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[str] = mapped_column(String(16), server_default="")
    phone: Mapped[str] = mapped_column(String(20), server_default="")


class Visit(Base):
    """A visit record (潜江's 附表1) for one student."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("visit_classes.id"))  # the class at the visit
    school_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    visited_at: Mapped[datetime]
    form: Mapped[str] = mapped_column(String(16))
    campaign: Mapped[str | None] = mapped_column(String(64))
    family_members_met: Mapped[str] = mapped_column(Text, server_default="")
    family_situation: Mapped[str] = mapped_column(Text, server_default="")
    student_at_home: Mapped[str] = mapped_column(Text, server_default="")
    effect: Mapped[str] = mapped_column(Text, server_default="")
    reflection: Mapped[str] = mapped_column(Text, server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The form's own key (a draft sent again after a lost answer): one record per key and author.
    client_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = _now()

    __table_args__ = (
        Index(
            "uq_visits_author_client_key",
            "created_by_id",
            "client_key",
            unique=True,
            postgresql_where=text("client_key IS NOT NULL"),
        ),
        # Coverage: a scope's students' visits within a period.
        Index("ix_visits_student_time", "student_id", "visited_at"),
        Index("ix_visits_school_time", "school_id", "visited_at"),
        Index("ix_visits_class_time", "class_id", text("visited_at DESC")),
        CheckConstraint("form in ('home','phone','video','at_school','group')", name="form"),
    )


class VisitTeacher(Base):
    """A teacher present at a visit."""

    __tablename__ = "visit_teachers"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class VisitOpinion(Base):
    """A parent's opinion or suggestion written on a visit record; a ticket when it became one."""

    __tablename__ = "visit_opinions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), unique=True)


class RosterAccess(Base):
    """Every reveal of a guardian's phone (and, later, every view of a student's file)."""

    __tablename__ = "roster_access"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))


# ---- callbacks (回访) and retention (migration 0020_callbacks, docs/privacy.md) ---------------


class CallbackPolicyRow(Base):
    """A bureau's or district's 回访 policy (domain/callbacks.CallbackPolicy as JSON)."""

    __tablename__ = "callback_policies"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    policy: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = _now()


class Callback(Base):
    """回访: due when an answered ticket with a contact is drawn by its policy (pending: no
    `done_at`), done when its caller records what the parent said (a `callback` event too)."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    caller: Mapped[str] = mapped_column(String(8))  # domain/callbacks.Caller
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_by: Mapped[str | None] = mapped_column(String(100))
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    treated_differently: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("uq_callbacks_pending", "ticket_id", unique=True, postgresql_where=text("done_at IS NULL")),
        Index("ix_callbacks_ticket", "ticket_id", "id"),
        Index("ix_callbacks_done", "done_at", postgresql_where=text("done_at IS NOT NULL")),
        CheckConstraint("caller in ('school','bureau')", name="caller"),
    )


class TicketNamedStaff(Base):
    """A staff member a complaint or report names: left out of every read of that ticket."""

    __tablename__ = "ticket_named_staff"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    named_at: Mapped[datetime] = _now()


class SealedIdentity(Base):
    """An escrowed ticket's contact and student, read only to unseal or to deliver the answer."""

    __tablename__ = "sealed_identities"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    contact: Mapped[dict[str, Any] | None]
    student: Mapped[dict[str, Any] | None]
    sealed_at: Mapped[datetime] = _now()
