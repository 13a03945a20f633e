"""Logins, sessions and tokens; the org tree and users (the admin's work)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from ..db import fast, repo
from ..db.models import AuthToken, Category, Org, OrgWebhook, RoleGrant, Throttle, User
from ..domain.access import Grant, Principal
from ..domain.enums import DEFAULT_CATEGORIES, OrgKind, Role
from ..domain.errors import (
    Conflict,
    Invalid,
    NotFound,
    NotPermitted,
    Unauthenticated,
)
from . import login_limits
from . import schemas as s
from .context import Ctx
from .secrets import DUMMY_PASSWORD_HASH, hash_password, new_token, token_hash, verify_password

TOKEN_LIFETIME = {"api": timedelta(days=30), "session": timedelta(hours=12)}

# What each kind of unit sits under (a city bureau may sit under a province's).
PARENT_KIND = {
    OrgKind.BUREAU: OrgKind.BUREAU,
    OrgKind.DISTRICT: OrgKind.BUREAU,
    OrgKind.SCHOOL: OrgKind.DISTRICT,
}


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    token: str
    user: s.UserRead


async def hit_throttle(ctx: Ctx, key: str, window: timedelta) -> int:
    """Count one hit on a fixed-window counter in PostgreSQL; answer the hits in this window."""
    expired = Throttle.window_start < ctx.now - window
    statement = (
        pg_insert(Throttle)
        .values(key=key, window_start=ctx.now, hits=1)
        .on_conflict_do_update(
            index_elements=[Throttle.key],
            set_={
                "hits": case((expired, 1), else_=Throttle.hits + 1),
                "window_start": case((expired, ctx.now), else_=Throttle.window_start),
            },
        )
        .returning(Throttle.hits)
    )
    return int((await ctx.session.execute(statement)).scalar_one())


async def throttle_exceeded(ctx: Ctx, key: str, limit: int, window: timedelta) -> bool:
    """Whether a counter has reached its limit in the current window (without counting a hit)."""
    row = await ctx.session.get(Throttle, key)
    return bool(row and row.window_start > ctx.now - window and row.hits >= limit)


async def login(ctx: Ctx, request: s.LoginRequest, *, address: str, kind: str = "api") -> LoginOutcome:
    """A new token of `kind` ("api" for clients, "session" for pages). Revokes nothing: every other
    token and session of this user or another stays valid. Guessing is bounded by login_limits,
    which answers an unknown username exactly like a known one."""
    counters = login_limits.counters(ctx.settings.secret_key, request.username, address)
    await login_limits.admit(ctx.redis, counters)
    user = await repo.user_by_username(ctx.session, request.username)
    ok = verify_password(user.password_hash if user else DUMMY_PASSWORD_HASH, request.password)
    if user is None or not ok or not user.is_active:
        await login_limits.failed(ctx.redis, counters)
        raise Unauthenticated("Wrong username or password.")
    await login_limits.succeeded(ctx.redis, counters)
    token = new_token()
    ctx.session.add(
        AuthToken(
            token_hash=token_hash(token),
            user_id=user.id,
            kind=kind,
            expires_at=ctx.now + TOKEN_LIFETIME[kind],
        )
    )
    grants = (await repo.grants_of(ctx.session, [user.id]))[user.id]
    return LoginOutcome(
        token,
        s.UserRead(user.username, user.display_name, [s.GrantRead(g.role.value, g.org_code) for g in grants]),
    )


async def logout(ctx: Ctx, token: str) -> None:
    await ctx.session.execute(delete(AuthToken).where(AuthToken.token_hash == token_hash(token)))


async def principal_for(ctx: Ctx, token: str) -> Principal | None:
    """The caller behind a token or session cookie: one statement, on every staff request."""
    row = await fast.principal_row(await fast.driver(ctx), token_hash(token), ctx.now)
    if row is None:
        return None
    grants = tuple(
        Grant(Role(role), code, path, leaf=kind == OrgKind.SCHOOL, district=kind == OrgKind.DISTRICT)
        for role, code, path, kind in zip(row["roles"], row["codes"], row["paths"], row["kinds"], strict=True)
    )
    return Principal(row["id"], row["username"], row["display_name"], grants)


def require_admin_over(principal: Principal, path: str) -> None:
    if Role.ADMIN not in principal.roles_over(path):
        if principal.has_role(Role.ADMIN):
            raise NotFound("That org unit is outside your scope.")
        raise NotPermitted("Only an admin may manage the org tree and users.")


async def create_org(ctx: Ctx, principal: Principal | None, r: s.OrgCreate) -> s.OrgRead:
    """A unit under its parent; with no principal (the CLI) a root bureau may be made."""
    parent = await repo.org_by_code(ctx.session, r.parent_code) if r.parent_code else None
    if r.parent_code and parent is None:
        if principal is not None and not principal.has_role(Role.ADMIN):
            raise NotPermitted("Only an admin may manage the org tree and users.")
        raise Invalid(f"`parent_code` {r.parent_code!r} names no org unit.")
    if parent is None:
        if principal is not None:
            if not principal.has_role(Role.ADMIN):
                raise NotPermitted("Only an admin may manage the org tree and users.")
            raise Invalid("`parent_code` is required: a new unit goes under one you manage.")
        if r.kind is not OrgKind.BUREAU:
            raise Invalid("`kind` of a root unit must be bureau.")
    else:
        if principal is not None:
            require_admin_over(principal, parent.path)
        if parent.kind != PARENT_KIND[r.kind]:
            raise Invalid(f"`kind` {r.kind.value} cannot sit under a {parent.kind}.")
    if await repo.org_by_code(ctx.session, r.code) is not None:
        raise Conflict(f"An org unit with code {r.code!r} already exists.")
    org = Org(
        code=r.code, name=r.name, kind=r.kind.value, parent_id=parent.id if parent else None, path="pending"
    )
    ctx.session.add(org)
    try:
        await ctx.session.flush()
    except IntegrityError:
        raise Conflict(f"An org unit with code {r.code!r} already exists.") from None
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    if parent is None:
        ctx.session.add_all(
            Category(org_id=org.id, name=name, position=i) for i, name in enumerate(DEFAULT_CATEGORIES)
        )
    await ctx.session.flush()
    ctx.caches.clear()
    return s.OrgRead(org.code, org.name, org.kind, r.parent_code if parent else None)


async def list_orgs(ctx: Ctx, principal: Principal) -> list[s.OrgRead]:
    return [
        s.OrgRead(org.code, org.name, org.kind, parent_code)
        for org, parent_code in await repo.orgs_in(ctx.session, principal)
    ]


async def create_user(ctx: Ctx, principal: Principal | None, r: s.UserCreate) -> s.UserRead:
    if principal is not None and not principal.has_role(Role.ADMIN):
        raise NotPermitted("Only an admin may manage the org tree and users.")
    grants: list[tuple[Role, Org]] = []
    for grant in r.roles:
        org = await repo.org_by_code(ctx.session, grant.org_code)
        if org is None:
            raise Invalid(f"`roles` names an unknown org unit {grant.org_code!r}.")
        if principal is not None:
            require_admin_over(principal, org.path)
        grants.append((grant.role, org))
    if await repo.user_by_username(ctx.session, r.username) is not None:
        raise Conflict(f"A user named {r.username!r} already exists.")
    user = User(
        username=r.username,
        password_hash=hash_password(r.password),
        display_name=r.display_name,
        email=r.email,
        phone=r.phone,
        notify_channels=sorted(set(r.notify_channels)),
    )
    ctx.session.add(user)
    try:
        await ctx.session.flush()
    except IntegrityError:
        raise Conflict(f"A user named {r.username!r} already exists.") from None
    ctx.session.add_all(RoleGrant(user_id=user.id, role=role.value, org_id=org.id) for role, org in grants)
    await ctx.session.flush()
    return s.UserRead(
        user.username, user.display_name, [s.GrantRead(role.value, org.code) for role, org in grants]
    )


async def ensure_admin(ctx: Ctx, username: str, password: str) -> tuple[str, bool]:
    """The `create-admin` command: an admin at the root (made if the tree is empty). Idempotent:
    an existing user gets the password and the admin role at the root. Answers (root, created)."""
    root = (
        await ctx.session.execute(select(Org).where(Org.parent_id.is_(None)).order_by(Org.id).limit(1))
    ).scalar_one_or_none()
    if root is None:
        await create_org(ctx, None, s.OrgCreate(code="root", name="教育局", kind=OrgKind.BUREAU))
        root = await repo.org_by_code(ctx.session, "root")
        assert root is not None
    user = await repo.user_by_username(ctx.session, username)
    created = user is None
    if user is None:
        user = User(username=username, password_hash=hash_password(password), display_name=username)
        ctx.session.add(user)
        await ctx.session.flush()
    else:
        await ctx.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(password_hash=hash_password(password), is_active=True, locked_until=None)
        )
    await ctx.session.execute(
        pg_insert(RoleGrant)
        .values(user_id=user.id, role=Role.ADMIN.value, org_id=root.id)
        .on_conflict_do_nothing()
    )
    return root.code, created


async def set_notify(ctx: Ctx, principal: Principal, r: s.NotifySettings) -> dict[str, object]:
    """The caller's own channels; a channel needs its address."""
    channels = sorted(set(r.channels))
    user = await ctx.session.get(User, principal.user_id)
    assert user is not None
    email = r.email if r.email is not None else user.email
    phone = r.phone if r.phone is not None else user.phone
    if "email" in channels and not email:
        raise Invalid("`email` is needed to receive notices by email.")
    if "sms" in channels and not phone:
        raise Invalid("`phone` is needed to receive notices by SMS.")
    user.email, user.phone, user.notify_channels = email, phone, channels
    await ctx.session.flush()
    return {"channels": channels, "email": email, "phone": phone}


async def set_webhooks(ctx: Ctx, principal: Principal, org_code: str, r: s.WebhooksIn) -> dict[str, object]:
    """Replace an org unit's group robots (admins over the unit)."""
    org = await repo.org_by_code(ctx.session, org_code)
    if org is None:
        raise NotFound(f"No org unit {org_code!r} in your scope.")
    require_admin_over(principal, org.path)
    await ctx.session.execute(delete(OrgWebhook).where(OrgWebhook.org_id == org.id))
    ctx.session.add_all(OrgWebhook(org_id=org.id, kind=w.kind, url=w.url) for w in r.webhooks)
    await ctx.session.flush()
    return {"org_code": org_code, "webhooks": [{"kind": w.kind, "url": w.url} for w in r.webhooks]}
