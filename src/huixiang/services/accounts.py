"""Logins, sessions and tokens; the org tree and users (the admin's work). Who may call each
admin endpoint at all is the API's guards' to say (api/guards.py); which units an admin may
change, here (the scope, which needs the rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..db import accounts as db
from ..db import fast, repo
from ..domain.access import Grant, Principal
from ..domain.enums import DEFAULT_CATEGORIES, OrgKind, Role
from ..domain.errors import Conflict, Invalid, NotFound, NotPermitted, Unauthenticated
from . import audit, login_limits, targets
from . import schemas as s
from .context import Ctx
from .notices import describe_target
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
    await db.add_token(ctx.session, token_hash(token), user.id, kind, ctx.now + TOKEN_LIFETIME[kind])
    grants = (await repo.grants_of(ctx.session, [user.id]))[user.id]
    return LoginOutcome(
        token,
        s.UserRead(user.username, user.display_name, [s.GrantRead(g.role.value, g.org_code) for g in grants]),
    )


async def logout(ctx: Ctx, token: str) -> None:
    await db.delete_token(ctx.session, token_hash(token))


async def principal_for(ctx: Ctx, token: str) -> Principal | None:
    """The caller behind a token or session cookie: one statement, on every staff request."""
    row = await fast.principal_row(await fast.driver(ctx), token_hash(token), ctx.now)
    if row is None:
        return None
    grants = tuple(
        Grant(
            Role(role),
            code,
            path,
            leaf=kind == OrgKind.SCHOOL,
            district=kind == OrgKind.DISTRICT,
            org_name=name,
        )
        for role, code, path, kind, name in zip(
            row["roles"], row["codes"], row["paths"], row["kinds"], row["names"], strict=True
        )
    )
    return Principal(row["id"], row["username"], row["display_name"], grants)


MIN_PASSWORD = 8


async def change_password(ctx: Ctx, principal: Principal, current: str, new: str) -> None:
    """The caller's own password, after the current one is proved; other sessions stay valid."""
    user = await db.user_by_id(ctx.session, principal.user_id)
    assert user is not None
    if not verify_password(user.password_hash, current):
        raise Invalid("`current` is not your current password.")
    if len(new) < MIN_PASSWORD:
        raise Invalid(f"`new` must have at least {MIN_PASSWORD} characters.")
    await db.reset_password(ctx.session, user.id, hash_password(new))


def require_admin_over(principal: Principal, path: str) -> None:
    if Role.ADMIN not in principal.roles_over(path):
        if principal.has_role(Role.ADMIN):
            raise NotFound("That org unit is outside your scope.")
        raise NotPermitted("Only an admin may manage the org tree and users.")


async def create_org(ctx: Ctx, principal: Principal | None, r: s.OrgCreate) -> s.OrgRead:
    """A unit under its parent; with no principal (the CLI) a root bureau may be made."""
    parent = await repo.org_by_code(ctx.session, r.parent_code) if r.parent_code else None
    if r.parent_code and parent is None:
        raise Invalid(f"`parent_code` {r.parent_code!r} names no org unit.")
    if parent is None:
        if principal is not None:
            raise Invalid("`parent_code` is required: a new unit goes under one you manage.")
        if r.kind is not OrgKind.BUREAU:
            raise Invalid("`kind` of a root unit must be bureau.")
    else:
        if principal is not None:
            require_admin_over(principal, parent.path)
        if parent.kind != PARENT_KIND[r.kind]:
            raise Invalid(f"`kind` {r.kind.value} cannot sit under a {parent.kind}.")
    org = await db.add_org(ctx.session, r.code, r.name, r.kind.value, parent)
    if org is None:
        raise Conflict(f"An org unit with code {r.code!r} already exists.")
    if parent is None:
        await db.add_categories(ctx.session, org.id, DEFAULT_CATEGORIES)
    await audit.record(ctx, principal, "org_created", org.path, org.code, name=org.name, kind=org.kind)
    ctx.caches.clear()
    return s.OrgRead(org.code, org.name, org.kind, r.parent_code if parent else None)


async def list_orgs(ctx: Ctx, principal: Principal) -> list[s.OrgRead]:
    return [
        s.OrgRead(org.code, org.name, org.kind, parent_code)
        for org, parent_code in await repo.orgs_in(ctx.session, principal)
    ]


async def create_user(ctx: Ctx, principal: Principal | None, r: s.UserCreate) -> s.UserRead:
    """A user with roles in units the admin manages (any unit, with no principal: the CLI)."""
    grants: list[tuple[Role, str, int]] = []
    paths: list[str] = []  # of the grants' units: the audit entry is about the first
    for grant in r.roles:
        org = await repo.org_by_code(ctx.session, grant.org_code)
        if org is None:
            raise Invalid(f"`roles` names an unknown org unit {grant.org_code!r}.")
        if principal is not None:
            require_admin_over(principal, org.path)
        grants.append((grant.role, org.code, org.id))
        paths.append(org.path)
    user = await db.add_user(
        ctx.session,
        username=r.username,
        password_hash=hash_password(r.password),
        display_name=r.display_name,
        email=r.email,
        phone=r.phone,
        notify_channels=sorted(set(r.notify_channels)),
    )
    if user is None:
        raise Conflict(f"A user named {r.username!r} already exists.")
    await db.add_grants(ctx.session, user.id, [(role.value, org_id) for role, _, org_id in grants])
    if paths:
        roles = [f"{role.value}@{code}" for role, code, _ in grants]
        await audit.record(ctx, principal, "user_created", paths[0], user.username, roles=roles)
    return s.UserRead(
        user.username, user.display_name, [s.GrantRead(role.value, code) for role, code, _ in grants]
    )


async def ensure_admin(ctx: Ctx, username: str, password: str) -> tuple[str, bool]:
    """The `create-admin` command: an admin at the root (made if the tree is empty). Idempotent:
    an existing user gets the password and the admin role at the root. Answers (root, created)."""
    root = await db.first_root(ctx.session)
    if root is None:
        await create_org(ctx, None, s.OrgCreate(code="root", name="教育局", kind=OrgKind.BUREAU))
        root = await repo.org_by_code(ctx.session, "root")
        assert root is not None
    user = await repo.user_by_username(ctx.session, username)
    created = user is None
    if user is None:
        user = await db.add_user(
            ctx.session, username=username, password_hash=hash_password(password), display_name=username
        )
        assert user is not None
    else:
        await db.reset_password(ctx.session, user.id, hash_password(password))
    await db.add_grants(ctx.session, user.id, [(Role.ADMIN.value, root.id)])
    return root.code, created


async def set_notify(ctx: Ctx, principal: Principal, r: s.NotifySettings) -> dict[str, object]:
    """The caller's own channels; a channel needs its address."""
    channels = sorted(set(r.channels))
    user = await db.user_by_id(ctx.session, principal.user_id)
    assert user is not None
    email = r.email if r.email is not None else user.email
    phone = r.phone if r.phone is not None else user.phone
    if "email" in channels and not email:
        raise Invalid("`email` is needed to receive notices by email.")
    if "sms" in channels and not phone:
        raise Invalid("`phone` is needed to receive notices by SMS.")
    await db.set_notify(ctx.session, user.id, email=email, phone=phone, channels=list(channels))
    return {"channels": channels, "email": email, "phone": phone}


async def set_webhooks(ctx: Ctx, principal: Principal, org_code: str, r: s.WebhooksIn) -> dict[str, object]:
    """Replace an org unit's group robots (admins over the unit). A robot must be on the public
    internet (targets.py); the answer shows where each posts, never its key."""
    org = await repo.org_by_code(ctx.session, org_code)
    if org is None:
        raise NotFound(f"No org unit {org_code!r} in your scope.")
    require_admin_over(principal, org.path)
    allowed = targets.parse_networks("settings", ",".join(ctx.settings.webhook_allowed_networks))
    for i, hook in enumerate(r.webhooks):
        if (problem := targets.url_problem(hook.url, allowed)) is not None:
            raise Invalid(f"`webhooks.{i}.url` {problem}.")
    await db.replace_webhooks(ctx.session, org.id, [(w.kind, w.url) for w in r.webhooks])
    robots = [f"{w.kind} {describe_target(w.kind, w.url)}" for w in r.webhooks]
    await audit.record(ctx, principal, "robots_replaced", org.path, org.code, robots=robots)
    return {
        "org_code": org_code,
        "webhooks": [{"kind": w.kind, "url": describe_target(w.kind, w.url)} for w in r.webhooks],
    }
