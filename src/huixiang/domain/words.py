"""The product's words for its codes (DESIGN.md, "Words on screen" and "Channels"), in Simplified
Chinese: what staff read in exports and pages instead of a code. The pages' catalogue
(web/i18n.py) takes its entries for these codes from here, so both say the same word."""

from __future__ import annotations

from .enums import Channel, Kind, Priority, Rating, ReturnReason, Role, Status

STAFF_STATUS: dict[Status, str] = {
    Status.COLLECTED: "待登记",
    Status.REGISTERED: "已登记",
    Status.SUBMITTED: "待交办",
    Status.ASSIGNED: "办理中",
    Status.RESPONDED: "已答复",
    Status.ARCHIVED: "已归档",
    Status.INSPECTED: "已抽查",
    Status.MERGED: "已合并",
    Status.HELD: "已挂起",
    Status.REVIEWING: "待签发",
}

RETURN_REASON: dict[ReturnReason, str] = {
    ReturnReason.NOT_OURS: "非本校职责",
    ReturnReason.NOT_MINE: "非本人职责",
    ReturnReason.INCOMPLETE: "信息不全",
    ReturnReason.DUPLICATE: "重复",
    ReturnReason.OTHER: "其他",
}

CHANNEL: dict[Channel, str] = {
    Channel.ONLINE: "互联网+直通车",
    Channel.MAILBOX: "校长信箱",
    Channel.HOTLINE: "校长热线",
    Channel.RECEPTION: "书记校长接待日",
    Channel.HOME_VISIT: "家访",
    Channel.GRID: "网格连心",
    Channel.PARENT_MEETING: "家长会",
}

KIND: dict[Kind, str] = {
    Kind.INQUIRY: "咨询",
    Kind.SUGGESTION: "建议",
    Kind.COMPLAINT: "投诉",
    Kind.REPORT: "举报",
    Kind.HELP: "求助",
    Kind.PRAISE: "表扬",
}

PRIORITY: dict[Priority, str] = {Priority.NORMAL: "一般", Priority.URGENT: "紧急"}

RATING: dict[Rating, str] = {
    Rating.SATISFIED: "满意",
    Rating.BASICALLY_SATISFIED: "基本满意",
    Rating.UNSATISFIED: "不满意",
}

ROLE: dict[Role, str] = {
    Role.ADMIN: "管理员",
    Role.REGISTRAR: "登记员",
    Role.LEADER: "责任领导",
    Role.HANDLER: "承办人",
    Role.GRID_MEMBER: "网格员",
    Role.INSPECTOR: "督查员",
}

YES_NO = {True: "是", False: "否"}
