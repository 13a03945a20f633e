"""What each notice says (zh-CN) and to whom it goes: in-app rows, and outbox deliveries for the
external channels a user, a parent or an org unit's group robot has."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import asyncpg

from ..db import accounts as accounts_db
from ..db import fast
from ..db import notices as db
from ..db import trust as trust_db
from ..domain.access import Principal, mask_email, mask_phone
from ..domain.enums import OrgKind, Role
from ..domain.errors import NotFound
from .context import Ctx
from .cursors import decode_cursor, encode_cursor
from .reference import OrgInfo

SUBJECTS = {
    "due_soon": "工单即将到期",
    "register_overdue": "工单登记超时",
    "overdue": "工单已逾期",
    "escalated": "逾期工单已升级督办",
    "answered": "您的留言已有答复",
    "merged": "您的留言已合并办理",
    "digest": "每日工单提醒",
    "new_ticket": "新工单待登记",
    "assigned": "您有新交办的工单",
    "league_report": "月度排名通报",
    "rectification": "限期整改通知",
    "rectification_overdue": "限期整改已逾期",
    "supervised": "工单收到督办",
    "chased": "教育局催办",
    "order_overdue": "督办已逾期",
    "retaliation": "回访发现报复迹象",
    "returned": "工单被退回",
    "bounced": "工单多次退单",
    "hold_requested": "挂起申请待审批",
    "held": "工单已挂起",
    "hold_denied": "挂起申请未获同意",
    "hold_resumed": "工单恢复办理",
    "paused": "您的留言暂停办理",
    "resumed": "您的留言恢复办理",
    # 主办/协办 and 审核签发 (services/tickets/cohandling.py)
    "helping": "您被指定为协办人",
    "to_sign": "有答复待您签发",
    "sent_back": "答复被退回修改",
    "followup_due": "跟踪回访即将到期",
    "followup_overdue": "跟踪回访已超期",
}


def local(at: datetime, tz: Any) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def ticket_text(rule: str, number: str, deadline: datetime | None, tz: Any, extra: str = "") -> str:
    due = local(deadline, tz) if deadline else ""
    return {
        "due_soon": f"工单 {number} 将于 {due} 到期，请及时办理答复。",
        "register_overdue": f"工单 {number} 已超过登记期限（{due}），请尽快登记分类。",
        "overdue": f"工单 {number} 已超过答复期限（{due}），请立即办理。",
        "escalated": f"{extra}工单 {number} 已逾期两个工作日（期限 {due}），已列入教育局逾期督办清单。",
        "answered": f"您提交的留言 {number} 已有答复，请凭查询码查看答复并评价。",
        "merged": f"您提交的留言 {number} 与同类问题合并办理，进展请查看合并后的工单 {extra}。",
        "new_ticket": f"新工单 {number} 待登记，请于 {due} 前登记分类。",
        "assigned": f"工单 {number} 已交办给您，请于 {due} 前答复家长。",
        "returned": f"工单 {number} 被退回（{extra}），请重新分派。",
        "bounced": f"工单 {number} 已被退单 {extra} 次，请督查分派情况。",
        "hold_requested": f"工单 {number} 的承办人申请挂起：{extra}。请审批。",
        "held": f"工单 {number} 已挂起：{extra}。答复期限暂停计算。",
        "hold_denied": f"工单 {number} 的挂起申请未获同意：{extra}",
        "hold_resumed": f"工单 {number} 已恢复办理，请按顺延后的期限答复。",
        "paused": f"您提交的留言 {number} 暂停办理。{extra}",
        "resumed": f"您提交的留言 {number} 已恢复办理。{extra}",
    }[rule]


@dataclass(frozen=True, slots=True)
class Notice:
    """One decided notice for one user about one ticket (or none: the digest)."""

    user_id: int
    ticket_id: int | None
    rule: str
    deadline_at: datetime | None
    body: str
    data: dict[str, Any] | None = None


async def record(connection: asyncpg.Connection, notices: Sequence[Notice], now: datetime) -> list[int]:
    """Insert the in-app rows (at most once per user, ticket, rule and deadline) and the outbox
    rows for each new one's external channels. Answers the new delivery ids."""
    fresh = await db.insert_notifications(
        connection,
        [
            (n.user_id, n.ticket_id, n.rule, now, n.deadline_at, _json({"body": n.body, **(n.data or {})}))
            for n in notices
        ],
    )
    chosen = [n for n in notices if (n.user_id, n.ticket_id, n.rule, n.deadline_at) in fresh]
    if not chosen:
        return []
    users = await db.contacts(connection, list({n.user_id for n in chosen}))
    outbox = []
    for n in chosen:
        user = users.get(n.user_id)
        if user is None:
            continue
        wanted = set(user["notify_channels"] or ())
        for channel, target in (("email", user["email"]), ("sms", user["phone"])):
            if channel in wanted and target:
                outbox.append(
                    (n.ticket_id, n.rule, f"user:{n.user_id}", channel, target, n.deadline_at, n.body)
                )
    return await enqueue_outbox(connection, outbox, now)


async def record_for_orgs(
    connection: asyncpg.Connection,
    items: Iterable[tuple[int | None, str, datetime | None, str, Sequence[int]]],
    now: datetime,
) -> list[int]:
    """Outbox rows for the group robots of org units: (ticket, rule, deadline, text, org ids)."""
    items = list(items)
    # A group robot posts to a group whose members we cannot list: never about a ticket that
    # names staff (one of them may be in the group).
    naming = await trust_db.names_anyone(connection, [i[0] for i in items if i[0] is not None])
    items = [item for item in items if item[0] not in naming]
    org_ids = sorted({org for *_, orgs in items for org in orgs})
    if not org_ids:
        return []
    by_org: dict[int, list[Any]] = {}
    for hook in await db.robots(connection, org_ids):
        by_org.setdefault(hook["org_id"], []).append(hook)
    outbox = [
        (ticket_id, rule, f"org:{org}:{hook['id']}", hook["kind"], hook["url"], deadline, text)
        for ticket_id, rule, deadline, text, orgs in items
        for org in orgs
        for hook in by_org.get(org, ())
    ]
    return await enqueue_outbox(connection, outbox, now)


async def enqueue_outbox(
    connection: asyncpg.Connection,
    rows: Sequence[tuple[int | None, str, str, str, str, datetime | None, str]],
    now: datetime,
) -> list[int]:
    """(ticket, rule, recipient, channel, target, deadline, body) → new pending deliveries;
    a row already decided for the same key is skipped (the unique key holds it to once)."""
    return await db.insert_deliveries(connection, [(*row, SUBJECTS[row[1]]) for row in rows], now)


# ---- at once: a new ticket to whoever registers it, an assignment to its assignee -----------


def ticket_received(ctx: Ctx, number: str, org: OrgInfo, register_due_at: datetime) -> list[Any]:
    """A new ticket reaches the registrars of the unit it is filed at (a district, which may
    have none, also its leaders) at once, in-app and on their channels. Written by the intake's
    own statement (db/fast.py), as these parameters of db/notices.holders_notice_ctes; the
    caller queues the deliveries after the commit (ctx.deliveries)."""
    roles = [Role.REGISTRAR] if org.kind == OrgKind.SCHOOL else [Role.REGISTRAR, Role.LEADER]
    text = ticket_text("new_ticket", number, register_due_at, ctx.settings.timezone)
    data = _json({"body": text, "number": number})
    return [
        "new_ticket",
        ctx.now,
        register_due_at,
        data,
        text,
        SUBJECTS["new_ticket"],
        org.id,
        [role.value for role in roles],
    ]


class Assigned(Protocol):
    id: int
    number: str
    respond_due_at: datetime


async def ticket_assigned(ctx: Ctx, ticket: Assigned, assignee_id: int) -> None:
    """An assignment reaches its assignee at once (once per ticket, assignee and deadline)."""
    text = ticket_text("assigned", ticket.number, ticket.respond_due_at, ctx.settings.timezone)
    ctx.deliveries += await db.notify_staff(
        await fast.driver(ctx),
        user_ids=[assignee_id],
        ticket_id=ticket.id,
        rule="assigned",
        deadline=ticket.respond_due_at,
        body=text,
        subject=SUBJECTS["assigned"],
        data=_json({"body": text, "number": ticket.number}),
        now=ctx.now,
    )


# ---- the caller's own notices -----------------------------------------------------------------


async def notifications(ctx: Ctx, principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    """The API's page of the caller's notices, newest first, and the cursor of the next."""
    found = await inbox(ctx, principal, limit, cursor)
    return {
        "items": [
            {"id": i.id, "rule": i.rule, "ticket_number": i.ticket_number, "at": i.at, "read": i.read}
            for i in found.items
        ],
        "next_cursor": found.next_cursor,
    }


async def mark_read(ctx: Ctx, principal: Principal, notification_id: int) -> None:
    if not await db.mark_read(ctx.session, principal.user_id, notification_id, ctx.now):
        raise NotFound("No such notification.")


BELL_CAP = 100  # the bell counts unread notices up to this many ("99+")


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    rule: str
    subject: str  # what happened, in a few words
    body: str  # the notice's sentence
    ticket_number: str | None
    at: datetime
    read: bool


@dataclass(frozen=True, slots=True)
class Inbox:
    items: list[InboxItem]
    next_cursor: str | None  # the older notices' page, when there are more


async def inbox(ctx: Ctx, principal: Principal, limit: int, cursor: str | None = None) -> Inbox:
    """A page of the caller's notices, newest first, each with its sentence; `cursor` (from
    the page before) for older ones."""
    before = decode_cursor(cursor) if cursor else None
    rows = list(await db.notices_of(ctx.session, principal.user_id, limit + 1, before))
    more, rows = len(rows) > limit, rows[:limit]
    items = [
        InboxItem(
            r.id,
            r.rule,
            SUBJECTS.get(r.rule, r.rule),
            str((r.data or {}).get("body") or SUBJECTS.get(r.rule, r.rule)),
            r.number,
            r.at,
            r.read_at is not None,
        )
        for r in rows
    ]
    return Inbox(items, encode_cursor(rows[-1].at, rows[-1].id) if more else None)


async def unread_count(ctx: Ctx, principal: Principal) -> int:
    """The caller's unread notices, counted up to BELL_CAP."""
    return await db.unread_count(ctx.session, principal.user_id, BELL_CAP)


async def mark_all_read(ctx: Ctx, principal: Principal) -> int:
    return await db.mark_all_read(ctx.session, principal.user_id, ctx.now)


@dataclass(frozen=True, slots=True)
class NoticeSettings:
    channels: list[str]  # the caller's own external channels: "email", "sms"
    email: str | None
    phone: str | None
    robots: list[str]  # the group robots of the unit acted for: "wecom", "dingtalk", "feishu"


async def my_settings(ctx: Ctx, principal: Principal) -> NoticeSettings:
    """Where the caller's notices go: their own channels and addresses, and the group robots
    (WeCom, DingTalk, Feishu) of the unit they act for, which admins set."""
    user = await accounts_db.user_by_id(ctx.session, principal.user_id)
    if user is None:
        raise NotFound("No such user.")
    org_ids = [grant.org_id for grant in principal.grants]
    hooks = await db.robots(await fast.driver(ctx), org_ids)
    return NoticeSettings(
        sorted(user.notify_channels or []),
        user.email,
        user.phone,
        sorted({hook["kind"] for hook in hooks}),
    )


def parent_targets(contact: dict[str, str] | None) -> list[tuple[str, str]]:
    """The channels a parent's contact reaches: email, and SMS to a phone."""
    contact = contact or {}
    targets = []
    if contact.get("email"):
        targets.append(("email", contact["email"]))
    if contact.get("phone"):
        targets.append(("sms", contact["phone"]))
    return targets


# The target of a delivery to an escrowed parent: the number or address is read from the sealed
# identity when the worker sends it (services/delivery.py), so no outbox row holds it.
ESCROW_TARGET = "escrow"


async def escrow_targets(connection: asyncpg.Connection, ticket_id: int) -> list[tuple[str, str]]:
    contact = await trust_db.sealed_contact_raw(connection, ticket_id)
    return [
        (channel, ESCROW_TARGET)
        for channel, key in (("email", "email"), ("sms", "phone"))
        if contact.get(key)
    ]


async def resolve_target(connection: asyncpg.Connection, ticket_id: int | None, channel: str) -> str | None:
    """Where an escrow delivery goes now (None: the sealed contact has no such channel)."""
    if ticket_id is None:
        return None
    value = (await trust_db.sealed_contact_raw(connection, ticket_id)).get(
        "phone" if channel == "sms" else "email"
    )
    return str(value) if value else None


def describe_target(channel: str, target: str) -> str:
    """Where a delivery goes, as answers and lists show it: a phone or an email masked as for a
    staff member who may not see it, a robot by its host only (its URL carries its key)."""
    if target == ESCROW_TARGET:
        return "（身份由教育局保管）"
    if channel == "sms":
        return mask_phone(target)
    if channel == "email":
        return mask_email(target)
    parts = urlsplit(target.strip())
    return f"{parts.scheme}://{parts.hostname or '?'}/…"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
