"""The shapes that cross the edge, as msgspec Structs: requests by role, and views."""

from __future__ import annotations

import functools
import typing
from datetime import date, datetime, tzinfo
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from ..domain.enums import Channel, Kind, OrgKind, Priority, Rating, ReturnReason, Role, Verdict

Text200 = Annotated[str, Meta(max_length=200)]
Code = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Content = Annotated[str, Meta(min_length=1, max_length=5000)]
Note = Annotated[str, Meta(max_length=5000)]
RequiredNote = Annotated[str, Meta(min_length=1, max_length=5000)]
Phone = Annotated[str, Meta(max_length=20, pattern=r"^\+?[0-9][0-9 -]{4,18}$")]
Email = Annotated[str, Meta(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Name = Annotated[str, Meta(max_length=50)]


class Input(Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    """Requests refuse unknown fields, so a typo is a 400 that names it, not silently lost."""


class Contact(Input):
    name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None
    relation: Name | None = None


class Student(Input):
    name: Name | None = None
    class_name: Name | None = None


class PublicTicketCreate(Input):
    school_code: Code
    kind: Kind
    category: Annotated[str, Meta(min_length=1, max_length=64)]
    content: Content
    consent: bool = False
    title: Text200 | None = None
    anonymous: bool = False
    contact: Contact | None = None
    student: Student | None = None
    to_bureau: bool = False
    # Complaints and reports only: staff of the school the ticket names (ids from the school's
    # staff list), who never see it; and the parent's identity held by the district alone.
    named_staff: Annotated[list[Annotated[int, Meta(ge=1, le=2**31 - 1)]], Meta(max_length=10)] | None = None
    escrow: bool = False


class StaffTicketCreate(PublicTicketCreate):
    channel: Channel = Channel.MAILBOX
    collected_at: datetime | None = None


class IntakeReceipt(Struct):
    number: str
    access_code: str
    status: str
    register_due_at: datetime
    respond_due_at: datetime


class LoginRequest(Input):
    username: Annotated[str, Meta(min_length=1, max_length=64)]
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class GrantIn(Input):
    role: Role
    org_code: Code


class UserCreate(Input):
    username: Annotated[str, Meta(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]
    password: Annotated[str, Meta(min_length=8, max_length=200)]
    display_name: Annotated[str, Meta(min_length=1, max_length=100)]
    roles: list[GrantIn] = []
    email: Email | None = None
    phone: Phone | None = None
    notify_channels: list[NotifyChannel] = []


NotifyChannel = Literal["email", "sms"]


class NotifySettings(Input):
    """A staff member's own choice of external channels (in-app is always on)."""

    channels: list[NotifyChannel]
    email: Email | None = None
    phone: Phone | None = None


class WebhookIn(Input):
    kind: Literal["wecom", "dingtalk", "feishu"]
    url: Annotated[str, Meta(max_length=1000, pattern=r"^https?://[^\s]+$")]


class WebhooksIn(Input):
    webhooks: Annotated[list[WebhookIn], Meta(max_length=10)]


class OrgCreate(Input):
    code: Code
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    kind: OrgKind
    parent_code: Code | None = None


class OrgRead(Struct):
    code: str
    name: str
    kind: str
    parent_code: str | None


class GrantRead(Struct):
    role: str
    org_code: str


class UserRead(Struct):
    username: str
    display_name: str
    roles: list[GrantRead]


class LoginResult(Struct):
    token: str
    user: UserRead


# ---- ticket actions -------------------------------------------------------------------------


class ActionInput(Input, kw_only=True):
    """Every action: `note`, `reason` and `internal_note` are for staff only; `public_note` is
    the one staff text (besides the answer) that the parent's timeline shows."""

    # The version the client last saw; when given and stale, the action is refused (409).
    version: int | None = None
    public_note: Note | None = None


class RegisterRequest(ActionInput):
    kind: Kind | None = None
    category: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    priority: Priority | None = None
    note: Note | None = None


class MergeRequest(ActionInput):
    into: Annotated[str, Meta(min_length=1, max_length=32)]
    note: Note | None = None


class NoteRequest(ActionInput):
    note: Note | None = None


class AssignRequest(ActionInput):
    assignee: Annotated[str, Meta(min_length=1, max_length=64)]
    note: Note | None = None
    # 协办: the handlers who help the assignee; left out, the helpers stay as they are.
    helpers: (
        Annotated[list[Annotated[str, Meta(min_length=1, max_length=64)]], Meta(max_length=10)] | None
    ) = None


class RespondRequest(ActionInput):
    text: Content
    internal_note: Note | None = None


class ExtendRequest(ActionInput):
    respond_due_at: datetime
    reason: RequiredNote


class ReopenRequest(ActionInput):
    reason: RequiredNote


class SuperviseRequest(ActionInput):
    note: RequiredNote
    due_at: datetime | None = None


class ChaseRequest(ActionInput):
    """催办: remind the school of the ticket, or of one of its orders not answered yet."""

    note: Note | None = None
    order_id: Annotated[int, Meta(ge=1, le=2**63 - 1)] | None = None


class InspectRequest(ActionInput):
    verdict: Verdict
    note: RequiredNote


class ReturnRequest(ActionInput):
    """退单: why (a reason code) and, for staff only, what to say about it."""

    reason_code: ReturnReason
    note: Note | None = None


class HoldRequest(ActionInput):
    """挂起 (and the assignee's request for it): why, and the day it is expected to end. A
    leader approving a pending request may leave both out: the request's are taken."""

    reason: Note | None = None
    until: date | None = None


class DenyHoldRequest(ActionInput):
    reason: RequiredNote


class ResumeRequest(ActionInput):
    note: Note | None = None


class RevealRequest(Input):
    reason: RequiredNote


class CallbackRequest(ActionInput):
    """回访: what the parent said on the call back. `resolved: false` (未解决) sends the ticket
    back for rework; `treated_differently: true` tells the district's inspectors at once."""

    resolved: bool
    satisfaction: Rating
    treated_differently: bool
    note: Note | None = None


class RatingRequest(Input):
    code: Annotated[str, Meta(min_length=1, max_length=32)]
    value: Rating
    comment: Note | None = None


# ---- views ----------------------------------------------------------------------------------


class ResponseView(Struct):
    text: str
    at: datetime


class RatingView(Struct):
    value: str
    comment: str | None
    at: datetime


class TimelineItem(Struct):
    at: datetime
    action: str
    note: str | None


class PublicTicketView(Struct):
    number: str
    status: str
    kind: str
    category: str
    content: str
    collected_at: datetime
    respond_due_at: datetime
    timeline: list[TimelineItem]
    response: ResponseView | None
    rating: RatingView | None
    merged_into: str | None = None
    to_bureau: bool = False  # sent past the school, straight to the district bureau


class Supervision(Struct):
    note: str | None
    due_at: datetime | None


class OrderView(Struct):
    """督办: one supervision order, with its ticket and the issuing inspector and unit."""

    id: int
    ticket_number: str
    school_code: str
    school_name: str
    note: str
    due_at: datetime | None
    state: str  # open, answered, overdue
    issued_by: str
    issuer_org: str
    created_at: datetime
    answered_at: datetime | None
    overdue_at: datetime | None
    chases: int
    chased_at: datetime | None


class OrderList(Struct):
    items: list[OrderView]


class OrderPage(Struct):
    """The orders in the caller's scope (newest first, at most 200) and how many are in each state."""

    items: list[OrderView]
    counts: dict[str, int]


class OrderChaseRequest(Input):
    note: Note | None = None


class BoardItem(Struct):
    number: str
    status: str
    title: str | None
    respond_due_at: datetime
    days_overdue: int  # working days
    escalated: bool
    holder: str | None  # the assignee's display name
    holder_role: str | None  # who holds it when nobody is assigned: registrar or leader
    pending_orders: int
    chases: int
    to_bureau: bool


class BoardSchool(Struct):
    school_code: str
    school_name: str
    items: list[BoardItem]


class RetaliationSign(Struct):
    """A callback that found the child treated differently since (回访), not yet taken up by a
    督办 order issued after it: flagged on the overdue board whatever the ticket's deadline."""

    number: str
    school_name: str
    status: str
    at: datetime  # when the callback was recorded
    caller: str | None


class OverdueBoard(Struct):
    """The bureau's overdue board: the tickets past their deadline in scope, by school."""

    schools: list[BoardSchool]
    total: int
    escalated: int
    truncated: bool  # more tickets match than this page shows
    next_cursor: str | None = None  # the next page (`cursor=`), while `truncated`
    retaliation: list[RetaliationSign] = msgspec.field(default_factory=list)


class HoldView(Struct):
    reason: str | None
    since: datetime
    until: datetime | None  # when it ends by itself (the start of the expected day)


class HoldAsk(Struct):
    reason: str
    until: date | None
    by: str  # the display name of who asked
    at: datetime


class TicketView(Struct):
    number: str
    school_code: str
    channel: str
    kind: str
    category: str
    priority: str
    status: str
    title: str | None
    content: str
    anonymous: bool
    to_bureau: bool
    contact: dict[str, str] | None
    student: dict[str, str] | None
    collected_at: datetime
    register_due_at: datetime
    respond_due_at: datetime
    overdue: bool
    supervised: bool
    supervision: Supervision | None
    assignee: str | None
    response: ResponseView | None
    rating: RatingView | None
    extended: bool
    merged_into: str | None
    version: int
    return_count: int = 0  # 退单: how often it was returned
    hold: HoldView | None = None  # 挂起: the hold in force
    hold_request: HoldAsk | None = None  # a hold asked for, awaiting a leader
    # The parent's identity is held by the district (身份仅教育局可见): contact and student are null.
    escrowed: bool = False
    # The staff the ticket names (user ids), on the one-ticket view: they never see it.
    named_staff: list[int] | None = None
    # In the answer about one ticket (not in lists): its helpers (协办) and the answer waiting
    # for a leader's sign-off (审核签发), which the parent does not see.
    helpers: list[str] | None = None
    pending: PendingAnswer | None = None


class PendingAnswer(Struct):
    text: str
    public_note: str | None
    by: str | None
    at: datetime


class TicketPage(Struct):
    items: list[TicketView]
    next_cursor: str | None


class UnsealRequest(Input):
    reason: RequiredNote


class NameStaffRequest(Input):
    named_staff: Annotated[list[Annotated[int, Meta(ge=1, le=2**31 - 1)]], Meta(min_length=1, max_length=10)]
    note: Note | None = None


class ReviewerRequest(Input):
    identity_reviewer: bool


class NamedStaffView(Struct):
    number: str
    named_staff: list[int]
    to_bureau: bool  # a named leader sent it to the district: the school no longer sees it


class IdentityView(Struct):
    """Who wrote, in full: the answer to an audited reveal."""

    number: str
    anonymous: bool
    contact: dict[str, str] | None
    student: dict[str, str] | None


class EventView(Struct):
    seq: int
    at: datetime
    action: str
    actor: str
    actor_role: str
    from_status: str | None
    to_status: str
    note: str | None  # public: the parent's timeline shows it
    internal_note: str | None
    # What the action changed, kept for the archive: the assignee, the answer, the old and new
    # deadline, the supervision order's deadline, the verdict, the rating.
    data: dict[str, Any] | None = None


class EventLog(Struct):
    items: list[EventView]
    chain_ok: bool


class AttachmentView(Struct):
    id: int
    filename: str
    content_type: str
    size: int


class AttachmentList(Struct):
    items: list[AttachmentView]


class AttachmentFile(Struct):
    filename: str
    content_type: str
    data: bytes


def in_zone(value: Any, tz: tzinfo) -> Any:
    """`value` with every aware datetime in it shown in `tz`, walking Structs, lists and dicts:
    the answers' one timestamp form (the database hands times back in UTC). Structs and lists
    are changed in place (an answer about to be encoded); a frozen Struct is copied."""
    if isinstance(value, datetime):
        return value.astimezone(tz) if value.tzinfo is not None else value
    if isinstance(value, Struct):
        fields = _time_fields(type(value))
        if not fields:
            return value
        if type(value).__struct_config__.frozen:
            changed = {name: in_zone(getattr(value, name), tz) for name in fields}
            return msgspec.structs.replace(value, **changed)
        for name in fields:
            old = getattr(value, name)
            if old is not None:
                setattr(value, name, in_zone(old, tz))
        return value
    if isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = in_zone(item, tz)
        return value
    if isinstance(value, dict):
        return {key: in_zone(item, tz) for key, item in value.items()}
    return value


@functools.cache
def _time_fields(cls: type[Struct]) -> tuple[str, ...]:
    """The fields of a Struct type that can hold a datetime (directly or inside)."""
    hints = typing.get_type_hints(cls)
    return tuple(name for name in cls.__struct_fields__ if _may_hold_time(hints[name]))


def _may_hold_time(hint: Any) -> bool:
    if hint is datetime or hint is Any:
        return True
    if isinstance(hint, type):
        return issubclass(hint, Struct) and bool(_time_fields(hint))
    args = typing.get_args(hint)
    if typing.get_origin(hint) is Annotated:
        return _may_hold_time(args[0])
    if typing.get_origin(hint) is dict:
        return _may_hold_time(args[1])
    return any(_may_hold_time(arg) for arg in args)


def to_builtins(value: object) -> object:
    return msgspec.to_builtins(value)
