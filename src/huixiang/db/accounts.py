"""Users, tokens, org units, role grants and group robots: the rows behind logins and the
admin's work. Reads of orgs and users the whole app shares stay in db/repo.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .models import AuthToken, Category, Org, OrgWebhook, RoleGrant, User


async def add_token(
    session: AsyncSession, digest: bytes, user_id: int, kind: str, expires_at: datetime
) -> None:
    session.add(AuthToken(token_hash=digest, user_id=user_id, kind=kind, expires_at=expires_at))


async def delete_token(session: AsyncSession, digest: bytes) -> None:
    await session.execute(delete(AuthToken).where(AuthToken.token_hash == digest))


async def add_org(session: AsyncSession, code: str, name: str, kind: str, parent: Org | None) -> Org | None:
    """A new unit under `parent` (None: a root) with its path; None if the code is taken."""
    org = Org(code=code, name=name, kind=kind, parent_id=parent.id if parent else None, path="pending")
    session.add(org)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        return None
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    await session.flush()
    return org


async def add_categories(session: AsyncSession, org_id: int, names: Iterable[str]) -> None:
    session.add_all(Category(org_id=org_id, name=name, position=i) for i, name in enumerate(names))
    await session.flush()


async def first_root(session: AsyncSession) -> Org | None:
    query = select(Org).where(Org.parent_id.is_(None)).order_by(Org.id).limit(1)
    return (await session.execute(query)).scalar_one_or_none()


async def add_user(
    session: AsyncSession,
    *,
    username: str,
    password_hash: str,
    display_name: str,
    email: str | None = None,
    phone: str | None = None,
    notify_channels: list[str] | None = None,
) -> User | None:
    """A new user; None if the username is taken."""
    user = User(
        username=username,
        password_hash=password_hash,
        display_name=display_name,
        email=email,
        phone=phone,
        notify_channels=notify_channels or [],
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        return None
    return user


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def set_notify(
    session: AsyncSession, user_id: int, *, email: str | None, phone: str | None, channels: list[str]
) -> None:
    """Where a user's notices go: their channels and the addresses they need."""
    values = {"email": email, "phone": phone, "notify_channels": channels}
    await session.execute(update(User).where(User.id == user_id).values(**values))


async def reset_password(session: AsyncSession, user_id: int, password_hash: str) -> None:
    """A new password, and the account active again."""
    await session.execute(
        update(User).where(User.id == user_id).values(password_hash=password_hash, is_active=True)
    )


async def add_grants(session: AsyncSession, user_id: int, grants: Iterable[tuple[str, int]]) -> None:
    """(role, org id) pairs; one already held is kept as it is."""
    rows = [{"user_id": user_id, "role": role, "org_id": org_id} for role, org_id in grants]
    if rows:
        await session.execute(pg_insert(RoleGrant).values(rows).on_conflict_do_nothing())


async def replace_webhooks(session: AsyncSession, org_id: int, hooks: Iterable[tuple[str, str]]) -> None:
    """The unit's group robots, (kind, url) each, instead of the ones it had."""
    await session.execute(delete(OrgWebhook).where(OrgWebhook.org_id == org_id))
    session.add_all(OrgWebhook(org_id=org_id, kind=kind, url=url) for kind, url in hooks)
    await session.flush()
