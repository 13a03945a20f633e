"""Carrying the plans out through the real services, each step at its own past instant."""

from __future__ import annotations

import heapq
import random
from typing import Any

from ..db import demo as db
from ..db import repo
from ..domain.access import Principal
from ..domain.enums import Action, Channel
from ..domain.league import month_before
from ..services import accounts, intake, league, league_report, tickets
from ..services import schemas as s
from ..services.context import Ctx
from ..services.reference import clock_for, org_info
from .callbacks import load_callbacks, set_policies
from .cohandling import load_cohandling
from .grids import load_grids
from .holds import load_holds
from .logins import Login, demo_logins
from .plan import SEED, Plan, Planner, draw_plans
from .replies import load_replies
from .spot_checks import load_spot_checks
from .story import (
    CHANNEL_LEAD,
    COMMENTS,
    DEMO_BUREAU,
    DEMO_PASSWORD,
    INTERNAL_NOTES,
    MULTI_ROLE,
    ORGS,
    PROFILES,
    RELATIONS,
    REWORK_PREFIX,
    REWORK_TEXT,
    STAFF,
    SURNAMES,
)
from .trust import load_trust
from .visits import load_visits

# ---- carrying the plans out ----------------------------------------------------------------


def _intake_request(rng: random.Random, plan: Plan) -> s.PublicTicketCreate:
    text = plan.template.text.format_map(plan.details)
    if plan.into is not None:
        text = rng.choice(("我也想反映同样的问题：", "同班家长都在说这件事：", "")) + text
    contact = student = None
    if not plan.anonymous:
        relation, title = rng.choice(RELATIONS)
        name = plan.details["surname"] if relation in ("母亲", "父亲") else rng.choice(SURNAMES)
        phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
        contact = s.Contact(name=f"{name}{title}", relation=relation, phone=phone)
        if rng.random() < 0.7:
            student = s.Student(name=plan.details["child"], class_name=plan.details["cls"])
    fields: dict[str, Any] = {
        "school_code": plan.school.code,
        "kind": plan.template.kind,
        "category": plan.template.category,
        "content": text,
        "consent": True,
        "anonymous": plan.anonymous,
        "contact": contact,
        "student": student,
        "to_bureau": plan.spec.to_bureau,
    }
    if plan.channel is Channel.ONLINE:
        if rng.random() < 0.8:
            fields["title"] = plan.template.title
        return s.PublicTicketCreate(**fields)
    fields["content"] = CHANNEL_LEAD[plan.channel] + text
    fields["title"] = plan.template.title
    return s.StaffTicketCreate(**fields, channel=plan.channel, collected_at=plan.collected_at)


def _reply(rng: random.Random, plan: Plan, rework: bool) -> str:
    replies = plan.template.replies
    text = (replies[1] if rework and len(replies) > 1 else rng.choice(replies)).format_map(plan.details)
    if rework:
        text = rng.choice(REWORK_PREFIX) + rng.choice(REWORK_TEXT) + text
    if plan.spec.at_once:
        text = "您好，您来电咨询的问题已当场答复：" + text
    return text


async def _principals(ctx: Ctx) -> dict[str, Principal]:
    usernames = [username for username, _, _, _ in STAFF] + [MULTI_ROLE[0]]
    users = await db.users_by_username(ctx.session, usernames)
    grants = await repo.grants_of(ctx.session, [user.id for user in users])
    return {
        user.username: Principal(user.id, user.username, user.display_name, tuple(grants[user.id]))
        for user in users
    }


async def _run(ctx: Ctx, rng: random.Random, plans: list[Plan], principals: dict[str, Principal]) -> None:
    """Every step of every plan in the order of time, each at its own instant."""
    queue = [(step.at, plan.index, i) for plan in plans for i, step in enumerate(plan.steps)]
    heapq.heapify(queue)
    by_index = {plan.index: plan for plan in plans}
    while queue:
        at, index, i = heapq.heappop(queue)
        plan = by_index[index]
        step = plan.steps[i]
        past = Ctx(ctx.session, ctx.settings, ctx.caches, at)
        actor = principals[step.by] if step.by else None
        if step.action == "intake":
            receipt = await intake.intake(past, _intake_request(rng, plan), principal=actor)
            plan.number, plan.code = receipt.number, receipt.access_code
            continue
        assert plan.number is not None and plan.code is not None
        if step.action == "rate":
            value = step.args["value"]
            await tickets.rate(
                past,
                plan.number,
                s.RatingRequest(code=plan.code, value=value, comment=rng.choice(COMMENTS[value])),
            )
            continue
        assert actor is not None
        action = Action(step.action)
        request: s.ActionInput
        if action is Action.REGISTER:
            # Words for the parent (已受理…): the timeline shows a public note only.
            request = s.RegisterRequest(priority=step.args.get("priority"), public_note=step.args["note"])
        elif action is Action.MERGE:
            assert plan.into is not None and plan.into.number is not None
            into = plan.into.number
            request = s.MergeRequest(into=into, public_note=step.args["note"].format(into=into))
        elif action is Action.ASSIGN:
            request = s.AssignRequest(assignee=step.args["assignee"], note=step.args["note"])
        elif action is Action.RESPOND:
            request = s.RespondRequest(
                text=_reply(rng, plan, step.args["rework"]), internal_note=rng.choice(INTERNAL_NOTES)
            )
        elif action is Action.EXTEND:
            request = s.ExtendRequest(respond_due_at=step.args["respond_due_at"], reason=step.args["reason"])
        elif action is Action.SUPERVISE:
            request = s.SuperviseRequest(note=step.args["note"], due_at=step.args["due_at"])
        elif action is Action.CHASE:
            request = s.ChaseRequest(note=step.args["note"])
        elif action is Action.REOPEN:
            request = s.ReopenRequest(reason=step.args["reason"])
        elif action is Action.INSPECT:
            request = s.InspectRequest(verdict=step.args["verdict"], note=step.args["note"])
        else:  # submit, archive
            request = s.NoteRequest(note=step.args.get("note"))
        await tickets.act(past, actor, plan.number, action, request)


LEAGUE_SETTER = "demo-city-inspector"
# 满意率 weighs most; the line is high enough that the demo's weakest schools fall under it.
LEAGUE_ASSESSMENT = {
    "weights": {"response": 20, "on_time": 25, "satisfaction": 35, "reopen": 10, "overdue": 10},
    "passing_line": 82,
    "rectify_days": 10,
}


async def load_demo(ctx: Ctx) -> list[Login]:
    """Create the demo bureau, its users and tickets, unless it exists; answer the logins."""
    logins = demo_logins()
    if await repo.org_by_code(ctx.session, DEMO_BUREAU) is not None:
        return logins
    for code, name, kind, parent in ORGS:
        await accounts.create_org(ctx, None, s.OrgCreate(code=code, name=name, kind=kind, parent_code=parent))
        if code in PROFILES:  # what the school's landing page publishes
            await db.set_profile(ctx.session, code, PROFILES[code])
    for username, display_name, role, org in STAFF:
        await accounts.create_user(
            ctx,
            None,
            s.UserCreate(
                username=username,
                password=DEMO_PASSWORD,
                display_name=display_name,
                roles=[s.GrantIn(role=role, org_code=org)],
            ),
        )
    username, display_name, roles, org = MULTI_ROLE
    await accounts.create_user(
        ctx,
        None,
        s.UserCreate(
            username=username,
            password=DEMO_PASSWORD,
            display_name=display_name,
            roles=[s.GrantIn(role=role, org_code=org) for role in roles],
        ),
    )
    principals = await _principals(ctx)

    city = await repo.org_by_code(ctx.session, DEMO_BUREAU)
    assert city is not None
    clock = await clock_for(ctx, city.path)
    rng = random.Random(SEED)
    plans = draw_plans(rng, Planner(rng, ctx.now, clock, ctx.settings.timezone))
    await set_policies(ctx)
    await _run(ctx, rng, plans, principals)
    # Holds first: they take the tickets due last that nothing touched lately, which co-handling's
    # notes of a moment ago would otherwise leave out (and a handler's 即将超期 would go empty).
    await load_holds(ctx, principals)
    await load_cohandling(ctx, principals)
    await load_replies(ctx)
    await load_spot_checks(ctx, principals)
    await load_callbacks(ctx, principals)
    await _league(ctx, principals)
    await load_visits(ctx)
    await load_trust(ctx, principals)
    await load_grids(ctx)
    await ctx.session.flush()
    return logins


async def _league(ctx: Ctx, principals: dict[str, Principal]) -> None:
    """The city's assessment (a passing line some schools miss) and last month's 通报, so the
    league page has a table, a report to download and 限期整改 orders."""
    await league.set_assessment(ctx, principals[LEAGUE_SETTER], DEMO_BUREAU, LEAGUE_ASSESSMENT)
    city = await org_info(ctx, DEMO_BUREAU)
    assert city is not None
    today = ctx.now.astimezone(ctx.settings.timezone).date()
    await league_report.make_report(ctx, city, month_before(today))
