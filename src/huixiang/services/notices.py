"""What each notice says (zh-CN) and to whom it goes: in-app rows, and outbox deliveries for the
external channels a user, a parent or an org unit's group robot has."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from ..domain.access import mask_phone

SUBJECTS = {
    "due_soon": "工单即将到期",
    "register_overdue": "工单登记超时",
    "overdue": "工单已逾期",
    "escalated": "逾期工单已升级督办",
    "answered": "您的留言已有答复",
    "merged": "您的留言已合并办理",
    "digest": "每日工单提醒",
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
    if not notices:
        return []
    rows = await connection.fetch(
        """
        INSERT INTO notifications (user_id, ticket_id, rule, at, deadline_at, data)
        SELECT * FROM unnest($1::int[], $2::bigint[], $3::text[], $4::timestamptz[],
                             $5::timestamptz[], $6::jsonb[])
        ON CONFLICT (user_id, ticket_id, rule, deadline_at) DO NOTHING
        RETURNING user_id, ticket_id, rule, deadline_at
        """,
        [n.user_id for n in notices],
        [n.ticket_id for n in notices],
        [n.rule for n in notices],
        [now] * len(notices),
        [n.deadline_at for n in notices],
        [_json({"body": n.body, **(n.data or {})}) for n in notices],
    )
    fresh = {(r["user_id"], r["ticket_id"], r["rule"], r["deadline_at"]) for r in rows}
    chosen = [n for n in notices if (n.user_id, n.ticket_id, n.rule, n.deadline_at) in fresh]
    if not chosen:
        return []
    users = await connection.fetch(
        "SELECT id, email, phone, notify_channels FROM users WHERE id = ANY($1::int[]) AND is_active",
        list({n.user_id for n in chosen}),
    )
    contacts = {u["id"]: u for u in users}
    outbox = []
    for n in chosen:
        user = contacts.get(n.user_id)
        if user is None:
            continue
        wanted = set(user["notify_channels"] or ())
        if "email" in wanted and user["email"]:
            outbox.append(
                (n.ticket_id, n.rule, f"user:{n.user_id}", "email", user["email"], n.deadline_at, n.body)
            )
        if "sms" in wanted and user["phone"]:
            outbox.append(
                (n.ticket_id, n.rule, f"user:{n.user_id}", "sms", user["phone"], n.deadline_at, n.body)
            )
    return await enqueue_outbox(connection, outbox, now)


async def record_for_orgs(
    connection: asyncpg.Connection,
    items: Iterable[tuple[int | None, str, datetime | None, str, Sequence[int]]],
    now: datetime,
) -> list[int]:
    """Outbox rows for the group robots of org units: (ticket, rule, deadline, text, org ids)."""
    items = list(items)
    org_ids = sorted({org for *_, orgs in items for org in orgs})
    if not org_ids:
        return []
    hooks = await connection.fetch(
        "SELECT id, org_id, kind, url FROM org_webhooks WHERE enabled AND org_id = ANY($1::int[])", org_ids
    )
    by_org: dict[int, list[Any]] = {}
    for hook in hooks:
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
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    inserted = await connection.fetch(
        """
        INSERT INTO deliveries (ticket_id, rule, recipient, channel, target, deadline_at, body,
                                subject, next_attempt_at)
        SELECT *, $9::timestamptz
        FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                    $6::timestamptz[], $7::text[], $8::text[])
        ON CONFLICT (ticket_id, rule, recipient, channel, deadline_at) DO NOTHING
        RETURNING id
        """,
        *[list(column) for column in columns],
        [SUBJECTS[rule] for rule in columns[1]],
        now,
    )
    return [r["id"] for r in inserted]


def parent_targets(contact: dict[str, str] | None) -> list[tuple[str, str]]:
    """The channels a parent's contact reaches: email, and SMS to a phone."""
    contact = contact or {}
    targets = []
    if contact.get("email"):
        targets.append(("email", contact["email"]))
    if contact.get("phone"):
        targets.append(("sms", contact["phone"]))
    return targets


def describe_target(channel: str, target: str) -> str:
    """For admins' lists: never show a full phone number."""
    return mask_phone(target) if channel == "sms" else target


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
