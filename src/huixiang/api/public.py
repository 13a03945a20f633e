"""The public intake, tracking and rating (no login)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import HeaderParameter, JSONBody, Parameter

from ..domain.errors import Invalid
from ..domain.files import MAX_FILE_BYTES, MAX_FILES, safe_filename, sniff
from ..edge.body import convert, decode_json, form_to_object
from ..edge.uploads import parse_form
from ..services import schemas as s
from ..services import tickets
from ..services.intake import Upload
from ..services.intake import intake as record_ticket
from .deps import (
    HOT,
    JSON_LIMIT,
    KEY_PATTERN,
    UPLOAD_LIMIT,
    CtxDep,
)


async def _read_intake(request: Request[Any, Any, State]) -> tuple[s.PublicTicketCreate, list[Upload]]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await parse_form(
            content_type,
            request.stream(),
            file_field="files",
            max_files=MAX_FILES,
            max_file_bytes=MAX_FILE_BYTES,
        )
        obj = form_to_object(form.fields, booleans={"anonymous", "consent", "to_bureau"})
        data = convert(obj, s.PublicTicketCreate)
        uploads = []
        for name, content in form.files:
            kind = sniff(content[:16])
            if kind is None:
                raise Invalid(
                    f"`files`: {name or 'a file'} is not an image (JPEG, PNG, GIF, WebP, HEIC) or a PDF."
                )
            uploads.append(Upload(safe_filename(name, kind), kind, content))
        return data, uploads
    if content_type and not content_type.startswith("application/json"):
        raise Invalid("Send the ticket as application/json or multipart/form-data.")
    raw = await request.body()
    if len(raw) > JSON_LIMIT:
        raise Invalid("The request body is too large for a ticket.")
    return decode_json(raw, s.PublicTicketCreate), []


class PublicController(Controller):
    path = "/api/v1/public/tickets"
    tags = ["public"]

    @post(
        "/",
        operation_id="publicIntake",
        status_code=201,
        request_max_body_size=UPLOAD_LIMIT,
        dependencies=HOT,
    )
    async def intake(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", pattern=KEY_PATTERN)
        ] = None,
    ) -> s.IntakeReceipt:
        data, uploads = await _read_intake(request)
        return await record_ticket(ctx, data, idempotency_key=idempotency_key, uploads=uploads)

    @get("/{number:str}", operation_id="publicTrack", dependencies=HOT)
    async def track(
        self, ctx: CtxDep, number: str, code: Annotated[str, Parameter(max_length=32)]
    ) -> s.PublicTicketView:
        return await tickets.public_view(ctx, number, code)

    @post("/{number:str}/rating", operation_id="publicRate", status_code=200)
    async def rate(self, ctx: CtxDep, number: str, data: JSONBody[s.RatingRequest]) -> s.PublicTicketView:
        return await tickets.rate(ctx, number, data)
