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


# Open: the loop is not closed yet. Not yet responded: the respond deadline runs.
OPEN_STATUSES = frozenset(
    {Status.COLLECTED, Status.REGISTERED, Status.SUBMITTED, Status.ASSIGNED, Status.RESPONDED}
)
AWAITING_RESPONSE = frozenset({Status.COLLECTED, Status.REGISTERED, Status.SUBMITTED, Status.ASSIGNED})


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
    # Not a step of the lifecycle: an audited read of who wrote (the contact and the student).
    REVEAL = "reveal"
    # Not steps either: marking the staff a complaint names (who then never see it), and a
    # district reviewer's unsealing of an identity held in escrow. Both audited events.
    NAME_STAFF = "name_staff"
    UNSEAL = "unseal"


# What the archive records without a row in the transition table.
NOT_TRANSITIONS = frozenset({Action.INTAKE, Action.REVEAL, Action.NAME_STAFF, Action.UNSEAL})


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


# The kinds that may name staff (conflict of interest) and hold the parent's identity in escrow.
TRUST_KINDS = frozenset({Kind.COMPLAINT, Kind.REPORT})


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
