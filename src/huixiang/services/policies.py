"""Deadline policies per bureau and the admin's corrections of the holiday calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..db import policies as db
from ..domain.access import Principal
from ..domain.deadlines import DeadlinePolicy
from ..domain.errors import Invalid, NotFound
from . import audit
from .accounts import require_admin_over
from .context import Ctx
from .reference import org_info


async def set_policy(ctx: Ctx, principal: Principal, org_code: str, data: dict[str, Any]) -> dict[str, Any]:
    """Replace a unit's policy; fields left out take the defaults."""
    org = await org_info(ctx, org_code)
    if org is None:
        raise NotFound(f"No org unit {org_code!r} in your scope.")
    require_admin_over(principal, org.path)
    policy = DeadlinePolicy.from_json(data)
    stored = policy.to_json()
    await db.put_policy(ctx.session, org.id, stored, ctx.now)
    await audit.record(ctx, principal, "policy_set", org.path, org.code, policy=stored)
    ctx.caches.clocks.clear()
    return {"org_code": org_code, "policy": stored}


def _require_root_admin(principal: Principal) -> str:
    """The root bureau's path the admin acts at (the calendar is the whole tree's)."""
    roots = [g for g in principal.grants if g.org_path.count("/") == 2]
    root = roots[0].org_path if roots else "/none/"
    require_admin_over(principal, root)
    return root


async def set_calendar_day(ctx: Ctx, principal: Principal, day: date, data: dict[str, Any]) -> dict[str, Any]:
    """Mark one day as a working day or not, whatever the package says (root admins only)."""
    root = _require_root_admin(principal)
    is_workday = data.get("is_workday")
    if not isinstance(is_workday, bool):
        raise Invalid("`is_workday` must be true or false.")
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > 200:
        raise Invalid("`note` must be text of at most 200 characters.")
    await db.put_calendar_day(ctx.session, day, is_workday, note)
    await audit.record(
        ctx, principal, "calendar_set", root, day.isoformat(), is_workday=is_workday, note=note
    )
    ctx.caches.clocks.clear()
    return {"day": day.isoformat(), "is_workday": is_workday, "note": note}


async def clear_calendar_day(ctx: Ctx, principal: Principal, day: date) -> None:
    """Take back a day's override: the package's calendar holds for it again (root admins
    only); a day with no override is 404."""
    root = _require_root_admin(principal)
    if not await db.delete_calendar_day(ctx.session, day):
        raise NotFound(f"No override for {day.isoformat()}.")
    await audit.record(ctx, principal, "calendar_cleared", root, day.isoformat())
    ctx.caches.clocks.clear()
