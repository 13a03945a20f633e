"""Rarely changing reference data, cached per process: org units, categories, deadline clocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..db import repo
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


async def org_info(ctx: Ctx, code: str) -> OrgInfo | None:
    async def load() -> OrgInfo | None:
        org = await repo.org_by_code(ctx.session, code)
        if org is None:
            return None
        return OrgInfo(org.id, org.code, org.name, org.kind, org.path, org.parent_id)

    return await ctx.caches.orgs.get(("code", code), load)


async def profile_of(ctx: Ctx, org: OrgInfo) -> dict[str, Any]:
    """What a school's page publishes: who answers, the hotline and its hours, reception days."""
    return await repo.org_profile(ctx.session, org.id)


async def parent_info(ctx: Ctx, org: OrgInfo) -> OrgInfo | None:
    if org.parent_id is None:
        return None

    async def load() -> OrgInfo | None:
        parent = await ctx.session.get(repo.Org, org.parent_id)
        if parent is None:
            return None
        return OrgInfo(parent.id, parent.code, parent.name, parent.kind, parent.path, parent.parent_id)

    return await ctx.caches.orgs.get(("id", org.parent_id), load)


async def districts_under(ctx: Ctx, path: str) -> list[int]:
    """The ids of the districts in a bureau's subtree."""

    async def load() -> list[int]:
        return await repo.district_ids_under(ctx.session, path)

    return await ctx.caches.orgs.get(("districts", path), load)


async def categories(ctx: Ctx, root_id: int) -> list[str]:
    async def load() -> list[str]:
        return await repo.category_names(ctx.session, root_id)

    return await ctx.caches.categories.get(root_id, load)


async def clock_for(ctx: Ctx, org_path: str) -> Clock:
    """The deadline clock of an org unit: its nearest policy, the calendar with overrides."""

    async def load() -> Clock:
        stored = await repo.policy_for(ctx.session, org_path)
        policy = DeadlinePolicy.from_json(stored) if stored else DeadlinePolicy()
        overrides = await repo.calendar_overrides(ctx.session)
        return Clock(WorkCalendar(overrides), ctx.settings.timezone, policy)

    return await ctx.caches.clocks.get(org_path, load)
