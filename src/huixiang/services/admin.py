"""What the admin pages show and change besides users (services/users.py): the org tree, the
bureau's categories, deadline policies in force, the calendar's overrides and group robots.
Creating a unit, setting a policy or a calendar day are accounts.py's and policies.py's (the
API's too); these add the reads the pages need and the changes the API makes in one go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..db import accounts as db
from ..db import policies as policies_db
from ..db import repo
from ..domain.access import Principal
from ..domain.deadlines import DeadlinePolicy, WorkCalendar
from ..domain.enums import Role
from ..domain.errors import NotFound, NotPermitted
from . import audit, policies, targets
from .accounts import require_admin_over
from .context import Ctx
from .notices import describe_target
from .reference import OrgInfo, org_info
from .users import Refused, admin_paths, known_id

MAX_ROBOTS = 10
ROBOT_KINDS = ("wecom", "dingtalk", "feishu")
CATEGORY_MAX = 64
# The policy fields an admin edits on the page (the others keep the values in force).
POLICY_FIELDS = (
    "register_days",
    "respond_days",
    "urgent_respond_hours",
    "rework_days",
    "rating_window_days",
    "max_extension_days",
)


def _require_admin(principal: Principal) -> list[str]:
    paths = admin_paths(principal)
    if not paths:
        raise NotPermitted("Only an admin may manage the org tree and its settings.")
    return paths


async def _unit(ctx: Ctx, principal: Principal, org_code: str) -> OrgInfo:
    _require_admin(principal)
    org = await org_info(ctx, org_code)
    if org is None:
        raise NotFound(f"No org unit {org_code!r} in your scope.")
    require_admin_over(principal, org.path)
    return org


# ---- the org tree ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TreeNode:
    code: str
    name: str
    kind: str
    parent_code: str | None
    depth: int  # 0 for the top units in scope


async def org_tree(ctx: Ctx, principal: Principal) -> list[TreeNode]:
    """The units under the admin, parents before children (ordered by path)."""
    _require_admin(principal)
    rows = await repo.orgs_in(ctx.session, principal)
    top = min((org.path.count("/") for org, _ in rows), default=0)
    return [TreeNode(org.code, org.name, org.kind, parent, org.path.count("/") - top) for org, parent in rows]


# ---- categories ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategoryView:
    id: int
    name: str
    retired: bool


@dataclass(frozen=True, slots=True)
class CategoryList:
    bureau: str
    items: list[CategoryView]
    editable: bool  # the admin is over the bureau that owns the list


def _root_path(principal: Principal) -> str:
    path = _require_admin(principal)[0]
    return "/" + path.strip("/").split("/")[0] + "/"


async def category_list(ctx: Ctx, principal: Principal) -> CategoryList:
    """The bureau's list, retired ones included; only an admin over the bureau may change it."""
    root = _root_path(principal)
    root_id = int(root.strip("/"))
    bureau = await repo.org_by_id(ctx.session, root_id)
    items = [
        CategoryView(c.id, c.name, c.retired_at is not None)
        for c in await db.categories_of(ctx.session, root_id)
    ]
    editable = Role.ADMIN in principal.roles_over(root)
    return CategoryList(bureau.name if bureau else "", items, editable)


def _category_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Refused("name", "required", "`name` is required.")
    if len(name) > CATEGORY_MAX:
        raise Refused("name", "too_long", f"`name` must have at most {CATEGORY_MAX} characters.")
    return name


def _editable_root(principal: Principal) -> int:
    root = _root_path(principal)
    if Role.ADMIN not in principal.roles_over(root):
        raise NotPermitted("Only an admin of the bureau may change its categories.")
    return int(root.strip("/"))


async def add_category(ctx: Ctx, principal: Principal, name: str) -> CategoryList:
    root_id = _editable_root(principal)
    if await db.add_category(ctx.session, root_id, _category_name(name)) is None:
        raise Refused("name", "duplicate", f"The bureau has a category {name.strip()!r} already.")
    await audit.record(ctx, principal, "category_added", f"/{root_id}/", name.strip())
    ctx.caches.categories.clear()
    return await category_list(ctx, principal)


async def rename_category(ctx: Ctx, principal: Principal, category_id: int, name: str) -> CategoryList:
    """A new name for new tickets; tickets filed under the old one keep its text."""
    root_id = _editable_root(principal)
    category = await db.category_by_id(ctx.session, root_id, known_id(category_id, "category"))
    if category is None:
        raise NotFound("No such category.")
    old_name = category.name
    if not await db.rename_category(ctx.session, category, _category_name(name)):
        raise Refused("name", "duplicate", f"The bureau has a category {name.strip()!r} already.")
    await audit.record(ctx, principal, "category_renamed", f"/{root_id}/", name.strip(), was=old_name)
    ctx.caches.categories.clear()
    return await category_list(ctx, principal)


async def retire_category(ctx: Ctx, principal: Principal, category_id: int, retired: bool) -> CategoryList:
    """Retired: new tickets can no longer choose it (tickets that have it keep it); or back."""
    root_id = _editable_root(principal)
    category = await db.category_by_id(ctx.session, root_id, known_id(category_id, "category"))
    if category is None:
        raise NotFound("No such category.")
    if retired:
        active = [c for c in await db.categories_of(ctx.session, root_id) if c.retired_at is None]
        if [c.id for c in active] == [category.id]:
            raise Refused("category", "last_category", "The bureau needs at least one category in use.")
    await db.set_category_retired(ctx.session, category.id, ctx.now if retired else None)
    action = "category_retired" if retired else "category_restored"
    await audit.record(ctx, principal, action, f"/{root_id}/", category.name)
    ctx.caches.categories.clear()
    return await category_list(ctx, principal)


# ---- deadline policies -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyView:
    org_code: str
    org_name: str
    policy: DeadlinePolicy  # in force at the unit
    source_code: str | None  # the unit whose policy it is (None: the defaults)
    source_name: str

    @property
    def own(self) -> bool:
        return self.source_code == self.org_code


async def policy_view(ctx: Ctx, principal: Principal, org_code: str) -> PolicyView:
    """The policy in force at a unit: its own, else its nearest parent's, else the defaults."""
    org = await _unit(ctx, principal, org_code)
    found = await policies_db.policies_on(ctx.session, org.ancestor_ids)
    for org_id in reversed(org.ancestor_ids):
        if org_id in found:
            stored, code, name = found[org_id]
            return PolicyView(org.code, org.name, DeadlinePolicy.from_json(stored), code, name)
    return PolicyView(org.code, org.name, DeadlinePolicy(), None, "")


async def update_policy(ctx: Ctx, principal: Principal, org_code: str, changes: dict[str, Any]) -> PolicyView:
    """The unit's own policy: the one in force with `changes` (fields of POLICY_FIELDS)."""
    current = await policy_view(ctx, principal, org_code)
    editable = (*POLICY_FIELDS, "review_required_by_kind")  # 审核签发: the kinds a leader signs off
    data = {**current.policy.to_json(), **{k: v for k, v in changes.items() if k in editable}}
    await policies.set_policy(ctx, principal, org_code, data)
    return await policy_view(ctx, principal, org_code)


# ---- the calendar ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: date
    is_workday: bool
    note: str


@dataclass(frozen=True, slots=True)
class CalendarView:
    days: list[CalendarDay]
    unknown_years: list[int]  # this year or next, when the package has no schedule for it
    editable: bool  # only an admin at the root may correct the calendar (policies.set_calendar_day)


async def calendar_view(ctx: Ctx, principal: Principal) -> CalendarView:
    _require_admin(principal)
    this_year = ctx.now.astimezone(ctx.settings.timezone).year
    calendar = WorkCalendar()
    unknown = [y for y in (this_year, this_year + 1) if not calendar.knows(y)]
    days = [CalendarDay(*row) for row in await policies_db.calendar_days(ctx.session)]
    editable = any(g.role is Role.ADMIN and g.org_path.count("/") == 2 for g in principal.grants)
    return CalendarView(days, unknown, editable)


# ---- group robots ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RobotView:
    id: int
    kind: str
    target: str  # where it posts, masked: scheme and host (the URL carries the robot's key)


@dataclass(frozen=True, slots=True)
class RobotList:
    org_code: str
    org_name: str
    items: list[RobotView]


class RobotRefused(Refused):
    """A robot URL refused (targets.url_fault): the fault says why, for the page's words."""

    def __init__(self, fault: targets.UrlFault) -> None:
        super().__init__("url", fault.code, f"`url` {fault.words}.")
        self.fault = fault


async def robots_of(ctx: Ctx, principal: Principal, org_code: str) -> RobotList:
    org = await _unit(ctx, principal, org_code)
    hooks = await db.webhooks_of(ctx.session, org.id)
    return RobotList(
        org.code, org.name, [RobotView(h.id, h.kind, describe_target(h.kind, h.url)) for h in hooks]
    )


async def add_robot(
    ctx: Ctx, principal: Principal, org_code: str, kind: str, url: str, replaces: int | None = None
) -> RobotList:
    """A robot for the unit (on the public internet only), instead of `replaces` if given."""
    org = await _unit(ctx, principal, org_code)
    if kind not in ROBOT_KINDS:
        raise Refused("kind", "robot_kind", "`kind` must be wecom, dingtalk or feishu.")
    url = url.strip()
    if not url:
        raise Refused("url", "required", "`url` is required.")
    if len(url) > 1000:
        raise Refused("url", "too_long", "`url` must have at most 1000 characters.")
    allowed = targets.parse_networks("settings", ",".join(ctx.settings.webhook_allowed_networks))
    if (fault := targets.url_fault(url, allowed)) is not None:
        raise RobotRefused(fault)
    if replaces is not None:
        if not await db.delete_webhook(ctx.session, org.id, known_id(replaces, "robot")):
            raise NotFound("No such robot of this unit.")
    elif len(await db.webhooks_of(ctx.session, org.id)) >= MAX_ROBOTS:
        raise Refused("url", "too_many_robots", f"A unit may have at most {MAX_ROBOTS} robots.")
    await db.add_webhook(ctx.session, org.id, kind, url)
    robot = f"{kind} {describe_target(kind, url)}"  # never the URL: it carries the robot's key
    await audit.record(ctx, principal, "robot_added", org.path, org.code, robot=robot, replaced=replaces)
    return await robots_of(ctx, principal, org_code)


async def remove_robot(ctx: Ctx, principal: Principal, org_code: str, hook_id: int) -> RobotList:
    org = await _unit(ctx, principal, org_code)
    if not await db.delete_webhook(ctx.session, org.id, known_id(hook_id, "robot")):
        raise NotFound("No such robot of this unit.")
    await audit.record(ctx, principal, "robot_removed", org.path, org.code, robot_id=hook_id)
    return await robots_of(ctx, principal, org_code)
