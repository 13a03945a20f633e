"""The vocabulary of the product. Values are the wire format of the API."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    COLLECTED = "collected"
    REGISTERED = "registered"
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    RESPONDED = "responded"
    ARCHIVED = "archived"
    INSPECTED = "inspected"
    MERGED = "merged"
    # 待签发: the handler's answer waits for a leader's sign-off (审核签发); the parent sees nothing yet.
    REVIEWING = "reviewing"


# Open: the loop is not closed yet. Not yet responded: the respond deadline runs.
OPEN_STATUSES = frozenset(
    {Status.COLLECTED, Status.REGISTERED, Status.SUBMITTED, Status.ASSIGNED, Status.RESPONDED}
) | {Status.REVIEWING}
# An answer waiting for sign-off is not yet an answer to the parent: its deadline still runs.
AWAITING_RESPONSE = frozenset({Status.COLLECTED, Status.REGISTERED, Status.SUBMITTED, Status.ASSIGNED}) | {
    Status.REVIEWING
}


class Action(StrEnum):
    INTAKE = "intake"
    REGISTER = "register"
    MERGE = "merge"
    SUBMIT = "submit"
    ASSIGN = "assign"
    RESPOND = "respond"
    EXTEND = "extend"
    RATE = "rate"
    ARCHIVE = "archive"
    REOPEN = "reopen"
    SUPERVISE = "supervise"
    # 催办: an inspector chases a ticket (or one of its supervision orders); the status stays.
    CHASE = "chase"
    INSPECT = "inspect"
    # 审核签发: a leader signs off an answer under review (签发) or sends it back (退回修改).
    APPROVE = "approve"
    SEND_BACK = "send_back"
    # 批注: an internal note on the ticket by its lead, a helper (协办) or a leader; the status stays.
    NOTE = "note"
    # Not a step of the lifecycle: an audited read of who wrote (the contact and the student).
    REVEAL = "reveal"


# What the archive records without a row in the transition table.
NOT_TRANSITIONS = frozenset({Action.INTAKE, Action.REVEAL})


class Role(StrEnum):
    ADMIN = "admin"
    REGISTRAR = "registrar"
    LEADER = "leader"
    HANDLER = "handler"
    GRID_MEMBER = "grid_member"
    INSPECTOR = "inspector"


class Actor(StrEnum):
    """Who acts on a ticket, beyond the staff roles: the parent and the system itself."""

    PARENT = "parent"
    SYSTEM = "system"
    ASSIGNEE = "assignee"  # the handler the ticket is assigned to, whatever their role
    HELPER = "helper"  # a handler named to help the assignee (协办): notes and drafts, no answer


class Channel(StrEnum):
    ONLINE = "online"
    MAILBOX = "mailbox"
    HOTLINE = "hotline"
    RECEPTION = "reception"
    HOME_VISIT = "home_visit"
    GRID = "grid"
    PARENT_MEETING = "parent_meeting"


OFFLINE_CHANNELS = frozenset(Channel) - {Channel.ONLINE}


class Kind(StrEnum):
    INQUIRY = "inquiry"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"
    REPORT = "report"
    HELP = "help"
    PRAISE = "praise"


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Rating(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


class OrgKind(StrEnum):
    BUREAU = "bureau"
    DISTRICT = "district"
    SCHOOL = "school"


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"


DEFAULT_CATEGORIES = (
    "教育教学",
    "师德师风",
    "校园安全",
    "食堂膳食",
    "收费管理",
    "课后服务与双减",
    "作业与考试",
    "校车与交通",
    "设施环境",
    "招生入学",
    "心理健康",
    "家庭教育指导",
    "其他",
)
