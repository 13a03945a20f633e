"""The caller's notifications (/staff/notifications): the bell's unread count (htmx polls it),
the list with marking read, and one's own channels (/staff/notifications/settings)."""

from __future__ import annotations

import re
from typing import Any, get_args

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery

from ...domain.errors import Invalid, Unauthenticated
from ...edge.errors import path_ints_in_range
from ...services import accounts, notices
from ...services import schemas as s
from ..i18n import translate as t
from ..routes import CtxDep
from .pages import StaffPages, error_page, page, redirect
from .session import FORM_LIMIT, StaffDep, read_form

LIST = "/staff/notifications"
SETTINGS = "/staff/notifications/settings"
LIMIT = 50
CHANNELS: tuple[str, ...] = get_args(s.NotifyChannel)  # the caller's own: email, SMS
ROBOTS = ("wecom", "dingtalk", "feishu")  # the unit's group robots, set by admins
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,18}$")


def _settings_page(
    request: Request[Any, Any, State],
    staff: StaffDep,
    current: notices.NoticeSettings,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status: int = 200,
    saved: bool = False,
) -> Response[Any]:
    return page(
        "staff/notices_settings.html",
        request,
        staff,
        status=status,
        values=values,
        errors=errors,
        robots=[(kind, kind in current.robots) for kind in ROBOTS],
        channels=CHANNELS,
        saved=saved,
    )


def _bell_signed_out(request: Request[Any, Any, State], _: Exception) -> Response[Any]:
    """Signed out while a page polls: the bell stops asking instead of moving the page to the
    login (whose `next` would be this fragment); the next click signs in again."""
    return page("staff/notices_count.html", request, None, shown="", polling=False)


class StaffNotices(StaffPages):
    path = LIST

    @get("/")
    async def list(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        cursor = request.query_params.get("cursor", "")[:200] or None
        try:
            found = await notices.inbox(ctx, staff.principal, LIMIT, cursor)
        except Invalid:  # a cursor this server did not give out: the newest page
            found = await notices.inbox(ctx, staff.principal, LIMIT)
        unread = await notices.unread_count(ctx, staff.principal)
        return page(
            "staff/notices.html",
            request,
            staff,
            items=found.items,
            next_cursor=found.next_cursor,
            older=cursor is not None,
            unread=unread,
        )

    @get("/count", exception_handlers={Unauthenticated: _bell_signed_out, Exception: error_page})
    async def count(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        unread = await notices.unread_count(ctx, staff.principal)
        shown = str(unread) if unread < notices.BELL_CAP else f"{notices.BELL_CAP - 1}+"
        if unread == 0:
            shown = ""
        return page("staff/notices_count.html", request, staff, shown=shown, polling=True)

    @post(
        "/{notification_id:int}/read",
        request_max_body_size=FORM_LIMIT,
        guards=[path_ints_in_range],  # an id beyond int64: 404
    )
    async def read(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, notification_id: FromPath[int]
    ) -> Response[Any]:
        await read_form(request, staff)
        await notices.mark_read(ctx, staff.principal, notification_id)
        return redirect(request, LIST)

    @post("/read-all", request_max_body_size=FORM_LIMIT)
    async def read_all(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        await read_form(request, staff)
        await notices.mark_all_read(ctx, staff.principal)
        return redirect(request, LIST)

    @get("/settings")
    async def settings(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, saved: FromQuery[str] = ""
    ) -> Response[Any]:
        current = await notices.my_settings(ctx, staff.principal)
        values = {"channels": current.channels, "email": current.email or "", "phone": current.phone or ""}
        return _settings_page(request, staff, current, values, {}, saved=saved == "1")

    @post("/settings", request_max_body_size=FORM_LIMIT)
    async def save(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        fields = await read_form(request, staff)
        chosen = fields.getall("channels")
        picked: list[s.NotifyChannel] = [c for c in CHANNELS if c in chosen]  # type: ignore[misc]
        email, phone = fields.get("email").strip(), fields.get("phone").strip()
        values: dict[str, Any] = {"channels": picked, "email": email, "phone": phone}
        errors: dict[str, str] = {}
        if any(c not in CHANNELS for c in chosen):
            errors["channels"] = t("notices.error.channel")
        if email and (len(email) > 200 or not EMAIL.match(email)):
            errors["email"] = t("notices.error.email")
        elif "email" in picked and not email:
            errors["email"] = t("notices.error.email_needed")
        if phone and not PHONE.match(phone):
            errors["phone"] = t("notices.error.phone")
        elif "sms" in picked and not phone:
            errors["phone"] = t("notices.error.phone_needed")
        if errors:
            current = await notices.my_settings(ctx, staff.principal)
            return _settings_page(request, staff, current, values, errors, status=400)
        chosen_settings = s.NotifySettings(channels=picked, email=email or None, phone=phone or None)
        await accounts.set_notify(ctx, staff.principal, chosen_settings)
        return redirect(request, f"{SETTINGS}?saved=1")
