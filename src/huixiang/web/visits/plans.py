"""The home visits' remaining pages (/visits): the teacher's follow-ups, campaigns and a class's
plan, the class's 家访台账, talk records (附表2) on a phone. Parse → one service call → template."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from ...domain.errors import Invalid
from ...domain.followups import REMIND_BEFORE_DAYS
from ...domain.visits import Group
from ...edge.errors import path_ints_in_range
from ...services import campaigns, followups, talks, visits
from ...services import visit_schemas as vs
from ..i18n import translate as t
from ..routes import CtxDep
from ..staff.pages import StaffPages, redirect
from ..staff.session import FORM_LIMIT, StaffDep, read_form
from .pages import _local_input, visits_page

TALK_TEXTS = ("place", "participants", "content", "advice", "followup")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


class VisitPlanPages(StaffPages):
    path = "/visits"

    @get("/followups")
    async def followups(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        upcoming = request.query_params.get("all") == "1"
        view = await followups.page(ctx, staff.principal, upcoming=upcoming, leads=_leads(staff))
        saved = request.query_params.get("saved") == "1"
        return visits_page(
            "visits/followups.html",
            request,
            staff,
            upcoming=upcoming,
            remind_days=REMIND_BEFORE_DAYS,
            saved=saved,
            **view,
        )

    @post("/cadences", request_max_body_size=FORM_LIMIT)
    async def set_cadences(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        """A leader's cadences: a number of days per group, or empty for the unit above's."""
        values = (await read_form(request, staff)).first()
        org = _leads(staff)
        days: dict[str, int | None] = {}
        bad = False
        for group in Group:
            raw = values.get(f"days_{group.value}", "").strip()
            if raw and not raw.isdigit():
                bad = True
            days[group.value] = int(raw) if raw.isdigit() else None
        if org is not None and not bad:
            try:
                await followups.set_cadences(ctx, staff.principal, org, days)
            except Invalid:
                pass
            else:
                return redirect(request, "/visits/followups?saved=1")
        view = await followups.page(ctx, staff.principal, upcoming=False, leads=org)
        return visits_page(
            "visits/followups.html",
            request,
            staff,
            status=400,
            upcoming=False,
            remind_days=REMIND_BEFORE_DAYS,
            values=values,
            errors={"cadences": t("visits.fu.cadence_error")},
            **view,
        )

    # ---- campaigns and plans -------------------------------------------------------------------

    @get("/campaigns")
    async def campaigns(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        items = await campaigns.list_campaigns(ctx, staff.principal)
        return visits_page("visits/campaigns.html", request, staff, items=items, leads=_leads(staff))

    @post("/campaigns", request_max_body_size=FORM_LIMIT)
    async def start_campaign(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        values = (await read_form(request, staff)).first()
        org = _leads(staff)
        starts, ends = _day(values.get("starts_on", "")), _day(values.get("ends_on", ""))
        if org is not None and starts is not None and ends is not None:
            try:
                data = vs.CampaignCreate(
                    org_code=org,
                    name=values.get("name", "").strip()[:64] or " ",
                    starts_on=starts,
                    ends_on=ends,
                )
                made = await campaigns.create_campaign(ctx, staff.principal, data)
            except Invalid:
                pass
            else:
                return redirect(request, f"/visits/campaigns/{made['id']}")
        items = await campaigns.list_campaigns(ctx, staff.principal)
        return visits_page(
            "visits/campaigns.html",
            request,
            staff,
            status=400,
            items=items,
            leads=org,
            values=values,
            errors={"name": t("visits.camp.error")},
        )

    @get("/campaigns/{campaign_id:int}", guards=[path_ints_in_range])
    async def campaign(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, campaign_id: FromPath[int]
    ) -> Response[Any]:
        view = await campaigns.campaign(ctx, staff.principal, campaign_id)
        return visits_page("visits/campaign.html", request, staff, campaign=view)

    @get("/campaigns/{campaign_id:int}/classes/{class_id:int}", guards=[path_ints_in_range])
    async def plan(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        campaign_id: FromPath[int],
        class_id: FromPath[int],
    ) -> Response[Any]:
        view = await campaigns.plan(ctx, staff.principal, campaign_id, class_id)
        saved = request.query_params.get("saved") == "1"
        return visits_page("visits/plan.html", request, staff, plan=view, saved=saved)

    @post(
        "/campaigns/{campaign_id:int}/classes/{class_id:int}",
        request_max_body_size=FORM_LIMIT,
        guards=[path_ints_in_range],
    )
    async def save_plan(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        campaign_id: FromPath[int],
        class_id: FromPath[int],
    ) -> Response[Any]:
        values = (await read_form(request, staff)).first()
        items = []
        bad = []
        for key, teacher in values.items():
            if not key.startswith("teacher_") or not teacher:
                continue
            student = key.removeprefix("teacher_")
            day = _day(values.get(f"due_{student}", ""))
            if not student.isdigit() or day is None:
                bad.append(student)
                continue
            items.append(vs.PlanItemIn(student_id=int(student), teacher=teacher, due_on=day))
        if not bad:
            try:
                await campaigns.set_plan(ctx, staff.principal, campaign_id, class_id, vs.PlanIn(items=items))
            except (Invalid, msgspec.ValidationError):
                pass
            else:
                return redirect(request, f"/visits/campaigns/{campaign_id}/classes/{class_id}?saved=1")
        view = await campaigns.plan(ctx, staff.principal, campaign_id, class_id)
        return visits_page(
            "visits/plan.html",
            request,
            staff,
            status=400,
            plan=view,
            values=values,
            errors={"plan": t("visits.plan.error")},
        )

    # ---- the ledger ----------------------------------------------------------------------------

    @get("/classes/{class_id:int}/ledger", guards=[path_ints_in_range])
    async def ledger(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, class_id: FromPath[int]
    ) -> Response[Any]:
        view = await visits.ledger(ctx, staff.principal, class_id)
        return visits_page("visits/ledger.html", request, staff, ledger=view)

    # ---- talk records --------------------------------------------------------------------------

    @get("/students/{student_id:int}/talk", guards=[path_ints_in_range])
    async def new_talk(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, student_id: FromPath[int]
    ) -> Response[Any]:
        form = await talks.talk_form(ctx, staff.principal, student_id)
        now = ctx.now.astimezone(ctx.settings.timezone).strftime("%Y-%m-%dT%H:%M")
        values = {"talked_at": now, "client_key": secrets.token_urlsafe(16)}
        return visits_page("visits/talk_new.html", request, staff, values=values, **form)

    @post("/students/{student_id:int}/talk", request_max_body_size=FORM_LIMIT, guards=[path_ints_in_range])
    async def record_talk(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, student_id: FromPath[int]
    ) -> Response[Any]:
        values = (await read_form(request, staff)).first()
        errors: dict[str, str] = {}
        talked_at = _local_input(values.get("talked_at", ""), ctx.settings.timezone)
        if talked_at is None:
            errors["talked_at"] = t("visits.talk.error.talked_at")
        if not values.get("topic", "").strip() or len(values.get("topic", "")) > 200:
            errors["topic"] = t("visits.talk.error.topic")
        for name in TALK_TEXTS:
            if len(values.get(name, "")) > (64 if name == "place" else 5000):
                errors[name] = t("visits.talk.error.too_long")
        if not errors:
            data = vs.TalkCreate(
                student_id=student_id,
                talked_at=talked_at,  # type: ignore[arg-type]  # checked above
                topic=values["topic"].strip(),
                client_key=values.get("client_key") or None,
                **{name: values.get(name, "") for name in TALK_TEXTS},
            )
            try:
                made = await talks.create_talk(ctx, staff.principal, data)
            except Invalid as exc:
                errors["topic" if "`topic" in exc.message else "talked_at"] = t(
                    "visits.talk.error.topic" if "`topic" in exc.message else "visits.talk.error.talked_at"
                )
            else:
                return visits_page("visits/talk.html", request, staff, talk=made, created=True)
        form = await talks.talk_form(ctx, staff.principal, student_id)
        return visits_page(
            "visits/talk_new.html", request, staff, status=400, values=values, errors=errors, **form
        )

    @get("/talks/{talk_id:int}", guards=[path_ints_in_range])
    async def talk(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, talk_id: FromPath[int]
    ) -> Response[Any]:
        found = await talks.get_talk(ctx, staff.principal, talk_id)
        return visits_page("visits/talk.html", request, staff, talk=found, created=False)


def _leads(staff: Any) -> str | None:
    """The unit the caller acts for as its leader (a school, a district or the city), if they do."""
    grant = staff.acting
    return grant.org_code if grant.role.value == "leader" else None
