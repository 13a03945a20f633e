"""Rarely changing reference data, cached per process: org units, categories, deadline clocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..db import repo
from ..db.models import Org
from ..domain.deadlines import Clock, DeadlinePolicy, WorkCalendar
from .context import Ctx


@dataclass(frozen=True, slots=True)
class OrgInfo:
    id: int
    code: str
    name: str
    kind: str
    path: str
    parent_id: int | None

    @property
    def root_id(self) -> int:
        return int(self.path.strip("/").split("/")[0])

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")]


def _info(org: Org) -> OrgInfo:
    return OrgInfo(org.id, org.code, org.name, org.kind, org.path, org.parent_id)


async def org_info(ctx: Ctx, code: str) -> OrgInfo | None:
    async def load() -> OrgInfo | None:
        org = await repo.org_by_code(ctx.session, code)
        if org is None:
            return None
        return _info(org)

    found: OrgInfo | None = await ctx.caches.orgs.get(("code", code), load)
    return found


async def profile_of(ctx: Ctx, org: OrgInfo) -> dict[str, Any]:
    """What a school's page publishes: who answers, the hotline and its hours, reception days."""
    return await repo.org_profile(ctx.session, org.id)


async def parent_info(ctx: Ctx, org: OrgInfo) -> OrgInfo | None:
    if org.parent_id is None:
        return None

    async def load() -> OrgInfo | None:
        parent = await repo.org_by_id(ctx.session, parent_id)
        return None if parent is None else _info(parent)

    parent_id = org.parent_id
    found: OrgInfo | None = await ctx.caches.orgs.get(("id", parent_id), load)
    return found


async def districts_under(ctx: Ctx, path: str) -> list[int]:
    """The ids of the districts in a bureau's subtree."""

    async def load() -> list[int]:
        return await repo.district_ids_under(ctx.session, path)

    ids: list[int] = await ctx.caches.orgs.get(("districts", path), load)
    return ids


async def categories(ctx: Ctx, root_id: int) -> list[str]:
    async def load() -> list[str]:
        return await repo.category_names(ctx.session, root_id)

    names: list[str] = await ctx.caches.categories.get(root_id, load)
    return names


async def clock_for(ctx: Ctx, org_path: str) -> Clock:
    """The deadline clock of an org unit: its nearest policy, the calendar with overrides."""

    async def load() -> Clock:
        stored = await repo.policy_for(ctx.session, org_path)
        policy = DeadlinePolicy.from_json(stored) if stored else DeadlinePolicy()
        overrides = await repo.calendar_overrides(ctx.session)
        return Clock(WorkCalendar(overrides), ctx.settings.timezone, policy)

    clock: Clock = await ctx.caches.clocks.get(org_path, load)
    return clock
