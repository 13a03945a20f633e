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
    # 挂起: a leader stopped the clock (a reason, an expected day to resume); not awaiting a
    # response meanwhile, so neither overdue nor reminded. Resumes to assigned.
    HELD = "held"
    # 待签发: the handler's answer waits for a leader's sign-off (审核签发); the parent sees nothing yet.
    REVIEWING = "reviewing"


# Open: the loop is not closed yet. Not yet responded: the respond deadline runs.
# Closed: the loop is closed; the retention sweep anonymises these after the period.
CLOSED_STATUSES = frozenset({Status.ARCHIVED, Status.INSPECTED, Status.MERGED})
OPEN_STATUSES = frozenset(
    {Status.COLLECTED, Status.REGISTERED, Status.SUBMITTED, Status.ASSIGNED, Status.RESPONDED}
) | {Status.HELD, Status.REVIEWING}
# An answer waiting for sign-off is not yet an answer to the parent: its deadline still runs. A
# held ticket awaits nothing: its clock stopped.
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
    # Not a step of the lifecycle: an audited read of who wrote (the contact and the student).
    REVEAL = "reveal"
    # 回访: someone other than the handler calls the parent back after the answer (issue 12).
    CALLBACK = "callback"
    # Not a step of the lifecycle: the retention sweep removed who wrote and what they wrote.
    ANONYMISE = "anonymise"
    # 退单: a misrouted ticket goes back to whoever routed it, with a reason code.
    RETURN = "return"
    # 挂起: the assignee asks for a hold, a leader holds (approving a request, or directly) or
    # denies the request; 恢复办理 ends the hold and moves the deadline by the days it lasted.
    REQUEST_HOLD = "request_hold"
    HOLD = "hold"
    DENY_HOLD = "deny_hold"
    RESUME = "resume"
    # 审核签发: a leader signs off an answer under review (签发) or sends it back (退回修改).
    APPROVE = "approve"
    SEND_BACK = "send_back"
    # 批注: an internal note on the ticket by its lead, a helper (协办) or a leader; the status stays.
    NOTE = "note"
    # Not steps either: marking the staff a complaint names (who then never see it), and a
    # district reviewer's unsealing of an identity held in escrow. Both audited events.
    NAME_STAFF = "name_staff"
    UNSEAL = "unseal"


# What the archive records without a row in the transition table.
NOT_TRANSITIONS = frozenset(
    {Action.INTAKE, Action.REVEAL, Action.ANONYMISE, Action.NAME_STAFF, Action.UNSEAL}
)


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


class ReturnReason(StrEnum):
    """Why a ticket is returned (退单), the reason codes the bureau counts."""

    NOT_OURS = "not_ours"  # 非本校职责
    NOT_MINE = "not_mine"  # 非本人职责 (a handler, to the leader who assigned it)
    INCOMPLETE = "incomplete"  # 信息不全
    DUPLICATE = "duplicate"  # 重复
    OTHER = "other"  # 其他


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
