"""Offline intake (/staff/intake): pick the channel, fill in its form, get the receipt with the
number and the access code to give the parent. The hotline's "当场答复" registers and answers at
once (services/desk.py)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath

from ...domain.enums import Channel
from ...domain.errors import NotFound
from ...services import desk
from ..routes import CtxDep
from . import intake_form
from .pages import StaffPages, page
from .session import UPLOAD_LIMIT, StaffDep, read_upload_form

KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")  # the form's idempotency key, one per page load


def _channel(value: str) -> Channel:
    try:
        channel = Channel(value)
    except ValueError:
        channel = Channel.ONLINE
    if channel not in intake_form.ORDER:
        raise NotFound(f"No offline channel {value!r}.")
    return channel


def _form(
    request: Request[Any, Any, State],
    staff: StaffDep,
    entry: intake_form.Entry,
    options: desk.DeskOptions,
    status: int = 200,
) -> Response[Any]:
    return page(
        "staff/intake_form.html",
        request,
        staff,
        status=status,
        channel=entry.channel,
        entry=entry,
        options=options,
        with_time=entry.channel in intake_form.WITH_TIME,
        facts=[(n, intake_form.label(n, entry.channel)) for n in intake_form.SOURCE_FIELDS[entry.channel]],
        scan_required=entry.channel in intake_form.FILES_REQUIRED,
        max_content=intake_form.MAX_CONTENT,
    )


class StaffIntake(StaffPages):
    path = "/staff/intake"

    @get("/")
    async def channels(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        await desk.options(ctx, staff.principal)  # refused for roles that may not record tickets
        return page("staff/intake.html", request, staff, channels=intake_form.ORDER)

    @get("/{channel:str}")
    async def new(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, channel: FromPath[str]
    ) -> Response[Any]:
        chosen = _channel(channel)
        options = await desk.options(ctx, staff.principal)
        tz = request.app.state.settings.timezone
        entry = intake_form.blank(chosen, options, ctx.now, tz, secrets.token_urlsafe(18))
        return _form(request, staff, entry, options)

    @post("/{channel:str}", request_max_body_size=UPLOAD_LIMIT)
    async def record(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, channel: FromPath[str]
    ) -> Response[Any]:
        chosen = _channel(channel)
        raw = await read_upload_form(request, staff)  # CSRF checked before any file is read
        options = await desk.options(ctx, staff.principal)
        entry = intake_form.read(chosen, raw, options, ctx.now, request.app.state.settings.timezone)
        if entry.errors or entry.data is None:
            return _form(request, staff, entry, options, status=400)
        key = entry.values["key"]
        receipt = await desk.record(
            ctx,
            staff.principal,
            entry.data,
            uploads=entry.uploads,
            internal_note=entry.note,
            source=entry.source or None,
            answer=entry.answer,
            idempotency_key=f"desk:{key}" if KEY.match(key) else None,
        )
        return page("staff/intake_done.html", request, staff, receipt=receipt, channel=chosen)
