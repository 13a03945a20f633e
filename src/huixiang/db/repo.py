"""Every query the services run. Tenancy lives here: `in_scope()` is the one filter that every
staff read of tickets goes through, so out-of-scope rows never reach a list, count or lookup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..domain.access import Grant, Principal
from ..domain.enums import AWAITING_RESPONSE, OrgKind, Role, Status
from .models import (
    Attachment,
    CalendarOverride,
    Category,
    DeadlinePolicyRow,
    Delivery,
    Org,
    RoleGrant,
    Ticket,
    TicketEvent,
    TicketNamedStaff,
    User,
)


def subtree_end(path: str) -> str:
    """The first path after the subtree at `path` in byte order ('0' follows '/')."""
    return path[:-1] + "0"


def subtree(column: Any, path: str, *, leaf: bool = False) -> ColumnElement[bool]:
    """Rows whose path lies in the subtree at `path` ("/1/4/"): an index range, [path,
    subtree_end(path)). A leaf's subtree is its own path."""
    if leaf:
        return column == path  # type: ignore[no-any-return]
    return and_(column >= path, column < subtree_end(path))


def in_scope(principal: Principal, roles: Sequence[Role] | None = None) -> ColumnElement[bool]:
    """Tickets this principal reaches (through `roles`, when given), less the ones that name
    them (a conflict of interest: to the person named, such a ticket does not exist)."""
    paths = principal.scope_paths(roles)
    if not paths:
        return false()
    leaves = principal.leaf_paths()
    reach = or_(*(subtree(Ticket.org_path, p, leaf=p in leaves) for p in paths))
    return and_(reach, not_named(principal.user_id))


def not_named(user_id: Any, ticket_id: Any = Ticket.id) -> ColumnElement[bool]:
    """The ticket (`ticket_id`: an id or a column) does not name this user (an id or a column)."""
    named = select(TicketNamedStaff.ticket_id).where(
        TicketNamedStaff.ticket_id == ticket_id, TicketNamedStaff.user_id == user_id
    )
    return ~named.exists()


# The same in plain SQL, for the statements of db/listing.py, db/queues.py and the notices:
# `{ticket}` is the ticket's id expression, `{user}` the user's (a parameter or a column).
NOT_NAMED_SQL = (
    "NOT EXISTS (SELECT 1 FROM ticket_named_staff n WHERE n.ticket_id = {ticket} AND n.user_id = {user})"
)


# ---- orgs and users -------------------------------------------------------------------------


async def org_by_code(session: AsyncSession, code: str) -> Org | None:
    result = await session.execute(select(Org).where(Org.code == code))
    return result.scalar_one_or_none()


async def org_by_id(session: AsyncSession, org_id: int) -> Org | None:
    return await session.get(Org, org_id)


async def org_profile(session: AsyncSession, org_id: int) -> dict[str, Any]:
    """What an org publishes on its page (hotline, reception days, who answers)."""
    result = await session.execute(select(Org.profile).where(Org.id == org_id))
    return dict(result.scalar_one_or_none() or {})


async def orgs_in(session: AsyncSession, principal: Principal) -> Sequence[tuple[Org, str | None]]:
    parent = aliased(Org)
    conditions = [subtree(Org.path, p) for p in principal.scope_paths()]
    query = (
        select(Org, parent.code)
        .outerjoin(parent, parent.id == Org.parent_id)
        .where(or_(*conditions) if conditions else false())
        .order_by(Org.path)
    )
    return [(org, parent_code) for org, parent_code in (await session.execute(query)).all()]


async def district_ids_under(session: AsyncSession, path: str) -> list[int]:
    query = select(Org.id).where(subtree(Org.path, path), Org.kind == OrgKind.DISTRICT).order_by(Org.id)
    return list((await session.execute(query)).scalars().all())


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(select(User).where(User.username == username))
    return result.scalar_one_or_none()


async def username_of(session: AsyncSession, user_id: int) -> str | None:
    result = await session.execute(select(User.username).where(User.id == user_id))
    return result.scalar_one_or_none()


async def grants_of(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, list[Grant]]:
    query = (
        select(RoleGrant.user_id, RoleGrant.role, Org.code, Org.path, Org.kind)
        .join(Org, Org.id == RoleGrant.org_id)
        .where(RoleGrant.user_id.in_(user_ids))
        .order_by(RoleGrant.id)
    )
    grants: dict[int, list[Grant]] = {uid: [] for uid in user_ids}
    for user_id, role, code, path, kind in (await session.execute(query)).all():
        grants[user_id].append(
            Grant(Role(role), code, path, leaf=kind == OrgKind.SCHOOL, district=kind == OrgKind.DISTRICT)
        )
    return grants


# ---- policy and calendar --------------------------------------------------------------------


async def policy_for(session: AsyncSession, org_path: str) -> dict[str, Any] | None:
    """The deadline policy of the nearest unit on the path that has one."""
    ids = [int(part) for part in org_path.strip("/").split("/")]
    query = select(DeadlinePolicyRow.org_id, DeadlinePolicyRow.policy).where(
        DeadlinePolicyRow.org_id.in_(ids)
    )
    found: dict[int, dict[str, Any]] = {
        org_id: policy for org_id, policy in (await session.execute(query)).all()
    }
    for org_id in reversed(ids):
        if org_id in found:
            return found[org_id]
    return None


async def calendar_overrides(session: AsyncSession) -> dict[date, bool]:
    rows = await session.execute(select(CalendarOverride.day, CalendarOverride.is_workday))
    return {day: is_workday for day, is_workday in rows.all()}


async def category_names(session: AsyncSession, root_id: int) -> list[str]:
    """The categories new tickets may choose (retired ones left out), in the list's order."""
    query = (
        select(Category.name)
        .where(Category.org_id == root_id, Category.retired_at.is_(None))
        .order_by(Category.position, Category.id)
    )
    return list((await session.execute(query)).scalars().all())


# ---- tickets --------------------------------------------------------------------------------

School = aliased(Org, name="school")
Assignee = aliased(User, name="assignee")


def ticket_select() -> Select[Ticket, str, str]:
    """A ticket with what its view needs: the school's code and the assignee's username."""
    return (
        select(Ticket, School.code.label("school_code"), Assignee.username.label("assignee"))
        .join(School, School.id == Ticket.school_id)
        .outerjoin(Assignee, Assignee.id == Ticket.assignee_id)
    )


async def scoped_ticket(
    session: AsyncSession, principal: Principal, number: str, *, for_update: bool = False
) -> tuple[Ticket, str, str | None] | None:
    query = ticket_select().where(Ticket.number == number, in_scope(principal))
    if for_update:
        query = query.with_for_update(of=Ticket)
    row = (await session.execute(query)).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


async def ticket_by_number(session: AsyncSession, number: str) -> Ticket | None:
    result = await session.execute(select(Ticket).where(Ticket.number == number))
    return result.scalar_one_or_none()


async def ticket_by_id(session: AsyncSession, ticket_id: int) -> Ticket | None:
    return await session.get(Ticket, ticket_id)


async def lock_rating_expired(
    session: AsyncSession, responded_before: datetime, root_path: str, limit: int
) -> Sequence[Ticket]:
    """Answered tickets under `root_path` whose rating window closed before `responded_before`,
    oldest first, locked (skipping the ones another sweep holds)."""
    query = (
        select(Ticket)
        .where(
            Ticket.status == Status.RESPONDED.value,
            Ticket.responded_at <= responded_before,
            subtree(Ticket.org_path, root_path),
        )
        .order_by(Ticket.responded_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).scalars().all()


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    return and_(Ticket.status.in_([s.value for s in AWAITING_RESPONSE]), Ticket.respond_due_at < now)


async def events_of(session: AsyncSession, ticket_id: int) -> Sequence[TicketEvent]:
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.seq)
    return (await session.execute(query)).scalars().all()


async def last_event(session: AsyncSession, ticket_id: int) -> TicketEvent | None:
    query = (
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(TicketEvent.seq.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def attachments_of(session: AsyncSession, ticket_id: int) -> Sequence[Any]:
    query = (
        select(Attachment.id, Attachment.filename, Attachment.content_type, Attachment.size)
        .where(Attachment.ticket_id == ticket_id)
        .order_by(Attachment.id)
    )
    return (await session.execute(query)).all()


async def attachment(session: AsyncSession, ticket_id: int, attachment_id: int) -> Any:
    query = select(Attachment).where(Attachment.ticket_id == ticket_id, Attachment.id == attachment_id)
    return (await session.execute(query)).scalar_one_or_none()


async def deliveries_in(
    session: AsyncSession, principal: Principal, status: str | None, limit: int
) -> Sequence[Any]:
    """The outbox as an admin sees it: deliveries about tickets in scope (and, for an admin at a
    root, the ones about no ticket: digests)."""
    reach = in_scope(principal, [Role.ADMIN]).self_group()
    scope_condition = or_(
        and_(Delivery.ticket_id.is_not(None), reach),
        and_(Delivery.ticket_id.is_(None), _at_root(principal)),
    )
    query = (
        select(Delivery, Ticket.number)
        .outerjoin(Ticket, Ticket.id == Delivery.ticket_id)
        .where(scope_condition)
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(Delivery.status == status)
    return (await session.execute(query)).all()


def _at_root(principal: Principal) -> ColumnElement[bool]:
    roots = [g for g in principal.grants if g.role is Role.ADMIN and g.org_path.count("/") == 2]
    return true() if roots else false()
