"""Users, tokens, org units, role grants and group robots: the rows behind logins and the
admin's work. Reads of orgs and users the whole app shares stay in db/repo.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .models import AuthToken, Category, Org, OrgWebhook, RoleGrant, User
from .repo import subtree


async def add_token(
    session: AsyncSession, digest: bytes, user_id: int, kind: str, expires_at: datetime
) -> None:
    session.add(AuthToken(token_hash=digest, user_id=user_id, kind=kind, expires_at=expires_at))


async def delete_token(session: AsyncSession, digest: bytes) -> None:
    await session.execute(delete(AuthToken).where(AuthToken.token_hash == digest))


async def add_org(session: AsyncSession, code: str, name: str, kind: str, parent: Org | None) -> Org | None:
    """A new unit under `parent` (None: a root) with its path; None if the code is taken."""
    org = Org(code=code, name=name, kind=kind, parent_id=parent.id if parent else None, path="pending")
    try:
        # Added inside the savepoint: its rollback also drops the object, so the session can
        # go on (a page re-renders the form; the API answers its 409).
        async with session.begin_nested():
            session.add(org)
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
    try:
        # Added inside the savepoint: its rollback also drops the object, so the session can
        # go on (a page re-renders the form; the API answers its 409).
        async with session.begin_nested():
            session.add(user)
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


# ---- the admin's pages: users, grants, categories, robots -------------------------------------


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def users_under(
    session: AsyncSession, paths: Sequence[str], *, q: str = "", after: str = "", limit: int = 50
) -> Sequence[User]:
    """Users holding a role at a unit under one of `paths`, by username, after `after` (keyset);
    `q` matches the username or the display name anywhere in it."""
    if not paths:
        return []
    reach = or_(*(subtree(Org.path, p) for p in paths))
    held = exists().where(RoleGrant.user_id == User.id, RoleGrant.org_id == Org.id, reach)
    query = select(User).where(held)
    if q:
        query = query.where(or_(User.username.ilike(_like(q)), User.display_name.ilike(_like(q))))
    if after:
        query = query.where(User.username > after)
    query = query.order_by(User.username).limit(limit)
    return (await session.execute(query)).scalars().all()


async def user_grants(
    session: AsyncSession, user_ids: Sequence[int]
) -> dict[int, list[tuple[int, str, Org]]]:
    """Every grant of these users: (grant id, role, the unit), in the order they were given."""
    query = (
        select(RoleGrant.user_id, RoleGrant.id, RoleGrant.role, Org)
        .join(Org, Org.id == RoleGrant.org_id)
        .where(RoleGrant.user_id.in_(user_ids))
        .order_by(RoleGrant.id)
    )
    found: dict[int, list[tuple[int, str, Org]]] = {uid: [] for uid in user_ids}
    for user_id, grant_id, role, org in (await session.execute(query)).all():
        found[user_id].append((grant_id, role, org))
    return found


async def set_active(session: AsyncSession, user_id: int, is_active: bool) -> None:
    await session.execute(update(User).where(User.id == user_id).values(is_active=is_active))


async def set_password_hash(session: AsyncSession, user_id: int, password_hash: str) -> None:
    """A new password, the account left as it is (a disabled user stays disabled)."""
    await session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))


async def delete_tokens_of(session: AsyncSession, user_id: int) -> None:
    """Every API token and page session of a user: they are signed out everywhere."""
    await session.execute(delete(AuthToken).where(AuthToken.user_id == user_id))


async def delete_grant(session: AsyncSession, user_id: int, grant_id: int) -> None:
    await session.execute(delete(RoleGrant).where(RoleGrant.id == grant_id, RoleGrant.user_id == user_id))


async def categories_of(session: AsyncSession, root_id: int) -> Sequence[Category]:
    """The bureau's whole list, retired ones included, in its order."""
    query = select(Category).where(Category.org_id == root_id).order_by(Category.position, Category.id)
    return (await session.execute(query)).scalars().all()


async def category_by_id(session: AsyncSession, root_id: int, category_id: int) -> Category | None:
    query = select(Category).where(Category.id == category_id, Category.org_id == root_id)
    return (await session.execute(query)).scalar_one_or_none()


async def add_category(session: AsyncSession, root_id: int, name: str) -> Category | None:
    """A category at the end of the list; None if the bureau has one of that name already."""
    last = select(func.coalesce(func.max(Category.position), -1)).where(Category.org_id == root_id)
    position = int((await session.execute(last)).scalar_one()) + 1
    category = Category(org_id=root_id, name=name, position=position)
    try:
        # Added inside the savepoint: its rollback also drops the object, so the session can
        # go on (a page re-renders the form; the API answers its 409).
        async with session.begin_nested():
            session.add(category)
            await session.flush()
    except IntegrityError:
        return None
    return category


async def rename_category(session: AsyncSession, category: Category, name: str) -> bool:
    """False if the bureau has another category of that name."""
    try:
        async with session.begin_nested():
            await session.execute(update(Category).where(Category.id == category.id).values(name=name))
    except IntegrityError:
        return False
    await session.refresh(category)
    return True


async def set_category_retired(session: AsyncSession, category_id: int, retired_at: datetime | None) -> None:
    await session.execute(update(Category).where(Category.id == category_id).values(retired_at=retired_at))


async def webhooks_of(session: AsyncSession, org_id: int) -> Sequence[OrgWebhook]:
    query = select(OrgWebhook).where(OrgWebhook.org_id == org_id).order_by(OrgWebhook.id)
    return (await session.execute(query)).scalars().all()


async def add_webhook(session: AsyncSession, org_id: int, kind: str, url: str) -> None:
    session.add(OrgWebhook(org_id=org_id, kind=kind, url=url))
    await session.flush()


async def delete_webhook(session: AsyncSession, org_id: int, hook_id: int) -> bool:
    """False if the unit has no such robot."""
    result = await session.execute(
        delete(OrgWebhook)
        .where(OrgWebhook.id == hook_id, OrgWebhook.org_id == org_id)
        .returning(OrgWebhook.id)
    )
    return result.scalar_one_or_none() is not None
