"""The admin's users: list and search within scope, disable and enable, a new password, roles
given and taken back. Creating a user is accounts.create_user (the API's too).

An admin sees the users holding a role at a unit under theirs. They may disable one, or set
their password, only when every role of that user is within their scope (a school's admin does
not lock out a district's inspector who also teaches there); roles are given and taken back at
units under them. Disabling and a new password sign the user out everywhere at once."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import accounts as db
from ..db import repo
from ..db.models import Org, User
from ..domain.access import Principal
from ..domain.enums import Role
from ..domain.errors import Conflict, Invalid, NotFound, NotPermitted
from . import audit
from .accounts import MIN_PASSWORD, require_admin_over
from .context import Ctx
from .secrets import hash_password

PAGE = 50
MAX_PASSWORD = 200
INT32_MAX = 2**31 - 1  # the id columns of grants, categories and robots


def known_id(value: int, what: str) -> int:
    """An id from a path that can name a row (else NotFound, as any unknown id)."""
    if not 1 <= value <= INT32_MAX:
        raise NotFound(f"No such {what}.")
    return value


class Refused(Invalid):
    """A field of an admin's form refused: `field` names it, `reason` says why (the pages say
    each reason in Chinese; the message is the API's English)."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class GrantView:
    id: int
    role: str
    org_code: str
    org_name: str
    in_scope: bool  # at a unit under the admin (else shown, not changeable)


@dataclass(frozen=True, slots=True)
class UserView:
    username: str
    display_name: str
    is_active: bool
    grants: list[GrantView]

    @property
    def manageable(self) -> bool:
        """Every role within the admin's scope: they may disable the user and set a password."""
        return all(g.in_scope for g in self.grants)


@dataclass(frozen=True, slots=True)
class UserPage:
    items: list[UserView]
    next_after: str | None  # the username to continue after, if there are more


def admin_paths(principal: Principal) -> list[str]:
    return principal.scope_paths([Role.ADMIN])


def _in(paths: list[str], org: Org) -> bool:
    return any(org.path.startswith(p) for p in paths)


def _view(user: User, grants: list[tuple[int, str, Org]], paths: list[str]) -> UserView:
    return UserView(
        user.username,
        user.display_name,
        user.is_active,
        [GrantView(gid, role, org.code, org.name, _in(paths, org)) for gid, role, org in grants],
    )


async def list_users(ctx: Ctx, principal: Principal, q: str = "", after: str = "") -> UserPage:
    """One page of the users in scope by username; `q` searches usernames and names."""
    paths = admin_paths(principal)
    if not paths:
        raise NotPermitted("Only an admin may manage users.")
    users = list(await db.users_under(ctx.session, paths, q=q.strip()[:64], after=after, limit=PAGE + 1))
    more = len(users) > PAGE
    users = users[:PAGE]
    grants = await db.user_grants(ctx.session, [u.id for u in users])
    return UserPage(
        [_view(u, grants[u.id], paths) for u in users], users[-1].username if more and users else None
    )


@dataclass(frozen=True, slots=True)
class _Loaded:
    user: User
    view: UserView
    path: str  # the unit of the user's first role in the admin's scope: what the audit names


async def _load(ctx: Ctx, principal: Principal, username: str) -> _Loaded:
    paths = admin_paths(principal)
    if not paths:
        raise NotPermitted("Only an admin may manage users.")
    user = await repo.user_by_username(ctx.session, username)
    grants = (await db.user_grants(ctx.session, [user.id]))[user.id] if user else []
    inside = [org.path for _, _, org in grants if _in(paths, org)]
    if user is None or not inside:
        raise NotFound(f"No user {username!r} in your scope.")
    return _Loaded(user, _view(user, grants, paths), inside[0])


async def user_detail(ctx: Ctx, principal: Principal, username: str) -> UserView:
    return (await _load(ctx, principal, username)).view


def _require_manageable(view: UserView) -> None:
    if not view.manageable:
        raise NotPermitted("This user also holds roles outside your scope: an admin over them decides.")


async def set_active(ctx: Ctx, principal: Principal, username: str, active: bool) -> UserView:
    """Disable (signed out everywhere at once, no more logins) or enable a user."""
    loaded = await _load(ctx, principal, username)
    user = loaded.user
    _require_manageable(loaded.view)
    if not active and user.id == principal.user_id:
        raise Refused("active", "self_disable", "You cannot disable yourself.")
    await db.set_active(ctx.session, user.id, active)
    if not active:
        await db.delete_tokens_of(ctx.session, user.id)
    await audit.record(ctx, principal, "user_enabled" if active else "user_disabled", loaded.path, username)
    return await user_detail(ctx, principal, username)


async def set_password(ctx: Ctx, principal: Principal, username: str, password: str) -> UserView:
    """The admin sets a new password; the user's sessions and tokens end (a reset is often
    because someone else knew the old one). A disabled user stays disabled."""
    loaded = await _load(ctx, principal, username)
    _require_manageable(loaded.view)
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Refused(
            "password", "password_length", f"`password` must have {MIN_PASSWORD} to 200 characters."
        )
    await db.set_password_hash(ctx.session, loaded.user.id, hash_password(password))
    await db.delete_tokens_of(ctx.session, loaded.user.id)
    await audit.record(ctx, principal, "password_set", loaded.path, username)  # never the password
    return loaded.view


async def add_grant(ctx: Ctx, principal: Principal, username: str, role: Role, org_code: str) -> UserView:
    """A role at a unit under the admin; one the user holds already is a conflict."""
    loaded = await _load(ctx, principal, username)
    org = await repo.org_by_code(ctx.session, org_code)
    if org is None or not _in(admin_paths(principal), org):
        raise Refused("org_code", "unknown_org", f"`org_code` {org_code!r} names no unit in your scope.")
    if any(g.role == role.value and g.org_code == org.code for g in loaded.view.grants):
        raise Conflict(f"{username!r} is already {role.value} at {org.code!r}.")
    await db.add_grants(ctx.session, loaded.user.id, [(role.value, org.id)])
    await audit.record(ctx, principal, "role_added", org.path, username, role=f"{role.value}@{org.code}")
    return await user_detail(ctx, principal, username)


async def remove_grant(ctx: Ctx, principal: Principal, username: str, grant_id: int) -> UserView:
    """Take back a role held at a unit under the admin; never the last one (disable instead), and
    never the admin role the admin is acting with."""
    known_id(grant_id, "role")
    loaded = await _load(ctx, principal, username)
    user, view = loaded.user, loaded.view
    grant = next((g for g in view.grants if g.id == grant_id and g.in_scope), None)
    if grant is None:
        raise NotFound("No such role of this user in your scope.")
    if len(view.grants) == 1:
        raise Refused("grant", "last_role", "This is the user's last role: disable the user instead.")
    if (
        user.id == principal.user_id
        and grant.role == Role.ADMIN
        and any(g.role is Role.ADMIN and g.org_code == grant.org_code for g in principal.grants)
    ):
        raise Refused("grant", "own_admin", "You cannot take back the admin role you are acting with.")
    org = await repo.org_by_code(ctx.session, grant.org_code)
    assert org is not None
    require_admin_over(principal, org.path)
    await db.delete_grant(ctx.session, user.id, grant_id)
    await audit.record(ctx, principal, "role_removed", org.path, username, role=f"{grant.role}@{org.code}")
    return await user_detail(ctx, principal, username)
