"""One ticket for staff (/staff/tickets/{number}): the parent's words, the files, the masked
contact with its audited reveal, the timeline, and a small form for each action the lifecycle
gives the caller. A refused action shows its form again with what was typed: 400 with the
sentence beside the field, 409 with the other person's change."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery

from ...domain.access import Principal
from ...domain.enums import Action, Status
from ...domain.errors import DomainError, Invalid, NotFound
from ...edge.errors import path_ints_in_range, status_of
from ...edge.uploads import Form, sniffed
from ...services import tickets
from ...services.cohandling_schemas import DraftRequest
from ...services.context import Ctx
from ...services.tickets import cohandling
from ...services.tickets import desk as desks
from ..i18n import ZH_CN
from ..i18n import translate as t
from ..routes import CtxDep
from .pages import StaffPages, local_time, page, redirect
from .session import Staff, StaffDep, read_form, read_upload_form

# A file shown inside the ticket page (an <img>, a PDF in an <iframe>): nothing in it may run
# (sandbox, no sources at all), and only this site may frame it.
FILE_CSP = "sandbox; default-src 'none'; frame-ancestors 'self'"
FIELD = re.compile(r"`(\w+)`")
PAGE_ACTIONS = {a.value: a for a in tickets.REQUESTS}


def field_errors(action: str, exc: DomainError) -> dict[str, str]:
    """The form field a refusal names (the services name it in backticks), with the page's
    sentence for it; one the form does not have is said at the form's top."""
    found = FIELD.search(exc.message)
    name = found.group(1) if found else "form"
    for key in (f"ticket.error.{action}.{name}", f"ticket.error.{name}"):
        if key in ZH_CN:
            return {f"{action}-{name}": t(key)}
    return {f"{action}-form": t("ticket.error.form")}


async def with_reason(
    request: Request[Any, Any, State],
    ctx: CtxDep,
    staff: Staff,
    number: str,
    action: str,
    take: Callable[[Ctx, Principal, str, str], Awaitable[desks.Desk]],
) -> Response[Any]:
    """A ticket-page form whose one field is a required reason (reveal, unseal): the page again
    with what it revealed, or 400 with the refusal beside the field and the reason kept."""
    reason = (await read_form(request, staff)).get("reason")
    try:
        if not reason.strip():
            raise Invalid("`reason` is blank.")
        found = await take(ctx, staff.principal, number, reason)
    except Invalid as exc:
        found = await desks.desk(ctx, staff.principal, number)
        return page(
            "staff/ticket.html",
            request,
            staff,
            status=400,
            desk=found,
            ticket=found.ticket,
            done="",
            values={f"{action}-reason": reason},
            opened=action,
            errors=field_errors(action, exc),
        )
    return page(
        "staff/ticket.html",
        request,
        staff,
        desk=found,
        ticket=found.ticket,
        done=action,
        values={},
        opened="",
        errors={},
    )


def conflict_message(latest: Any, tz: Any) -> str:
    """The other person's change: who, which action, when (the ticket's latest event)."""
    if latest is None:
        return t("ticket.conflict.plain")
    role = next(
        (
            t(key)
            for key in (f"role.{latest.actor_role}", f"ticket.actor.{latest.actor_role}")
            if key in ZH_CN
        ),
        latest.actor_role,
    )
    return t(
        "ticket.conflict.by",
        who=latest.actor,
        role=role,
        action=t(f"ticket.word.{latest.action}"),
        at=local_time(latest.at, tz),
    )


class StaffTicket(StaffPages):
    path = "/staff/tickets"

    @get("/{number:str}")
    async def ticket(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        number: FromPath[str],
        done: FromQuery[str] = "",
        reply: FromQuery[str] = "",
        draft: FromQuery[str] = "",
    ) -> Response[Any]:
        reply_id = int(reply) if reply.isdigit() and len(reply) < 10 else None
        found = await desks.desk(ctx, staff.principal, number, reply_id=reply_id, draft=draft[:64] or None)
        values = {"respond-text": found.prefill} if found.prefill is not None else {}
        opened = "respond" if found.prefill is not None else ""
        return page(
            "staff/ticket.html",
            request,
            staff,
            desk=found,
            ticket=found.ticket,
            done=done if done in PAGE_ACTIONS or done in ("reveal", "named", "review", "draft") else "",
            values=values,
            opened=opened,
            errors={},
        )

    @get("/{number:str}/files/{attachment_id:int}", guards=[path_ints_in_range])
    async def file(
        self, ctx: CtxDep, staff: StaffDep, number: FromPath[str], attachment_id: FromPath[int]
    ) -> Response[bytes]:
        """A ticket's file inline, for the signed-in staff member in scope (404 otherwise)."""
        found = await tickets.attachment_file(ctx, staff.principal, number, attachment_id)
        return Response(
            found.data,
            media_type=found.content_type,
            headers={
                "Content-Disposition": f"inline; filename*=UTF-8''{quote(found.filename)}",
                "Content-Security-Policy": FILE_CSP,
                "X-Frame-Options": "SAMEORIGIN",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-store",
            },
        )

    @post("/{number:str}/reveal", status_code=200)
    async def reveal(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, number: FromPath[str]
    ) -> Response[Any]:
        return await with_reason(request, ctx, staff, number, "reveal", desks.reveal)

    @post("/{number:str}/draft", status_code=303)
    async def draft(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, number: FromPath[str]
    ) -> Response[Any]:
        """The caller's draft answer (主办/协办): saved, or the form again with its refusal."""
        fields = await read_form(request, staff)
        text = fields.get("text")
        try:
            await cohandling.save_draft(ctx, staff.principal, number, DraftRequest(text=text))
        except DomainError as exc:
            status = status_of(exc)
            if status not in (400, 409):
                raise
            found = await desks.desk(ctx, staff.principal, number)
            return page(
                "staff/ticket.html",
                request,
                staff,
                status=status,
                desk=found,
                ticket=found.ticket,
                done="",
                values={"draft-text": text},
                opened="draft",
                errors=field_errors("draft", exc) if status == 400 else {},
            )
        return redirect(request, f"/staff/tickets/{quote(number)}?done=draft#drafts")

    @post("/{number:str}/{action:str}", status_code=303)
    async def act(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        staff: StaffDep,
        number: FromPath[str],
        action: FromPath[str],
    ) -> Response[Any]:
        chosen = PAGE_ACTIONS.get(action)
        if chosen is None:
            raise NotFound(f"'{action}' is not a staff action.")
        if chosen is Action.ASSIGN:  # a plain form whose helpers (协办) are ticked boxes
            fields = await read_form(request, staff)
            form = Form(fields=fields.first())
            if "helpers_given" in form.fields:
                form.fields["helpers"] = "\n".join(fields.getall("helpers"))
        else:
            form = await read_upload_form(request, staff)
        values = {name: value for name, value in form.fields.items() if name not in ("csrf", "helpers_given")}
        try:
            photos, refused = sniffed(form.files)
            if refused or form.oversized or form.too_many_files:
                raise Invalid("`photos` must be images or PDFs of at most 10 MB, at most 5.")
            view = await desks.act_from_form(ctx, staff.principal, number, chosen, values, photos)
        except DomainError as exc:
            status = status_of(exc)
            if status not in (400, 409):
                raise
            found = await desks.desk(ctx, staff.principal, number)
            tz = request.app.state.settings.timezone
            return page(
                "staff/ticket.html",
                request,
                staff,
                status=status,
                desk=found,
                ticket=found.ticket,
                done="",
                values={f"{action}-{name}": value for name, value in values.items()},
                opened=action,
                errors=field_errors(action, exc) if status == 400 else {},
                conflict=conflict_message(found.latest, tz) if status == 409 else "",
            )
        if chosen is Action.RETURN:  # it may have left the caller's school (up to the district)
            return redirect(request, "/staff")
        done = "review" if view.status == Status.REVIEWING else chosen.value
        return redirect(request, f"/staff/tickets/{quote(number)}?done={done}")
