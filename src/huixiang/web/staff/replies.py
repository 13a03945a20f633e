"""常用回复 (/staff/replies): a school's leaders list, add, change and delete its canned answers."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery

from ...domain.errors import Invalid
from ...edge.errors import path_ints_in_range
from ...services import replies
from ..routes import CtxDep
from .pages import StaffPages, page, redirect
from .session import StaffDep, read_form
from .ticket import field_errors

HERE = "/staff/replies"


class StaffReplies(StaffPages):
    path = HERE

    @get("/")
    async def index(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, done: FromQuery[str] = ""
    ) -> Response[Any]:
        found = await replies.list_replies(ctx, staff.principal)
        return page(
            "staff/replies.html",
            request,
            staff,
            replies=found,
            editing=None,
            values={},
            errors={},
            done=done if done in ("saved", "deleted") else "",
        )

    @get("/{reply_id:int}", guards=[path_ints_in_range])
    async def edit(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, reply_id: FromPath[int]
    ) -> Response[Any]:
        found = await replies.get_reply(ctx, staff.principal, reply_id)
        return page(
            "staff/replies.html",
            request,
            staff,
            replies=[],
            editing=found.id,
            values={"reply-title": found.title, "reply-body": found.body},
            errors={},
            done="",
        )

    @post("/", status_code=303)
    async def add(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        return await self._save(request, ctx, staff, None)

    @post("/{reply_id:int}", status_code=303, guards=[path_ints_in_range])
    async def change(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, reply_id: FromPath[int]
    ) -> Response[Any]:
        return await self._save(request, ctx, staff, reply_id)

    @post("/{reply_id:int}/delete", status_code=303, guards=[path_ints_in_range])
    async def delete(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, reply_id: FromPath[int]
    ) -> Response[Any]:
        await read_form(request, staff)
        await replies.delete_reply(ctx, staff.principal, reply_id)
        return redirect(request, f"{HERE}?done=deleted")

    async def _save(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep, reply_id: int | None
    ) -> Response[Any]:
        fields = await read_form(request, staff)
        title, body = fields.get("title"), fields.get("body")
        try:
            await replies.save_reply(ctx, staff.principal, reply_id, title, body)
        except Invalid as exc:
            listed = await replies.list_replies(ctx, staff.principal) if reply_id is None else []
            return page(
                "staff/replies.html",
                request,
                staff,
                status=400,
                replies=listed,
                editing=reply_id,
                values={"reply-title": title, "reply-body": body},
                errors=field_errors("reply", exc),
                done="",
            )
        return redirect(request, f"{HERE}?done=saved")
