"""The admins' audit log: every change made through the admin's endpoints and pages (units,
users and roles, passwords, categories, policies, the calendar, robots) is appended in the
change's own transaction, so a change and its entry stand or fall together. An entry names the
actor, the unit the change concerns and what changed; never a password or a robot's key.
An admin reads the entries about units under theirs (the /admin/audit page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..db import audit as db
from ..domain.access import Principal
from ..domain.enums import Role
from ..domain.errors import NotPermitted
from .context import Ctx

PAGE = 50


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: list[Entry]
    next_before: int | None  # the id to continue before, if there are more


async def record(
    ctx: Ctx, principal: Principal | None, action: str, org_path: str, target: str, **detail: Any
) -> None:
    """One entry; with no principal (the CLI's create-admin, the demo) the actor is "system"."""
    await db.append(
        ctx.session,
        at=ctx.now,
        actor_id=principal.user_id if principal else None,
        actor=f"{principal.display_name} ({principal.username})" if principal else "system",
        action=action,
        org_path=org_path,
        target=target,
        detail=detail,
    )


async def log(ctx: Ctx, principal: Principal, before: int | None = None) -> AuditPage:
    """The entries about units under the admin's, newest first, a page at a time."""
    paths = principal.scope_paths([Role.ADMIN])
    if not paths:
        raise NotPermitted("Only an admin may read the audit log.")
    rows = await db.entries(ctx.session, paths, before=before, limit=PAGE + 1)
    items = [Entry(r.id, r.at, r.actor, r.action, r.target, r.detail) for r in rows[:PAGE]]
    return AuditPage(items, items[-1].id if len(rows) > PAGE else None)
