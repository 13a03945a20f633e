"""Streaming multipart/form-data with python-multipart, for the API's intake and the parents'
form alike. Every part is counted once its headers have arrived, empty ones too (python-multipart
bounds the headers themselves: 8 of 4 KiB); each file is checked against its limit while it
arrives; reading stops at the first part over a limit, so an oversized or padded body is
refused before it is buffered.

The pages pass `admit` (their CSRF check): it runs on the fields read so far when the first
file part begins (or at the end, if none does), and a refusal stops the reading there: a
forged form never gets its files read. The token field must therefore come before the files."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from ..domain.errors import Invalid, TooLarge
from ..domain.files import MAX_FILE_BYTES, MAX_FILES, safe_filename, sniff
from ..services import schemas as s
from ..services.intake import Upload
from .body import convert, decode_json, form_to_object, read_limited

MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 50
FILE_FIELD = "files"
# Form fields that may repeat (a checkbox per choice): their values are kept joined by commas.
LISTS = frozenset({"named_staff"})


def id_list(value: str) -> list[int]:
    """ "12,15" → [12, 15]; anything but ids: 400 naming the field."""
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise Invalid("`named_staff` must list staff ids (whole numbers).") from None


# A form-data body's limit, for both the API's intake and the parents' form: the files, and room
# for the fields.
MAX_UPLOAD_BODY = MAX_FILES * MAX_FILE_BYTES + 256 * 1024


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str | None, bytes]] = field(default_factory=list)  # (the client's name, content)
    # Lenient reading (the pages keep the other fields to show an error beside them):
    oversized: list[str] = field(default_factory=list)  # files dropped for their size
    too_many_files: bool = False  # reading stopped at the file part over the limit
    refused: bool = False  # `admit` said no: reading stopped at the first file part


class _Stop(Exception):
    """Stop reading the body: what was read so far is the answer (lenient reading)."""


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    headers: dict[bytes, bytes] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)
    dropped: bool = False


async def parse_form(
    content_type: str,
    chunks: AsyncGenerator[bytes, None],
    *,
    max_files: int = MAX_FILES,
    max_file_bytes: int = MAX_FILE_BYTES,
    lenient: bool = False,
    admit: Callable[[Mapping[str, str]], bool] | None = None,
) -> Form:
    """The fields and the files of a multipart body. Strict (the API), a file or a part over a
    limit is a 400 or 413 naming it. Lenient (the pages), a file over the size limit is dropped
    while it streams and one file too many stops the reading; the form says which."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise Invalid("The multipart body has no boundary in its Content-Type header.")
    form = Form()
    counts = {"fields": 0, "files": 0}
    part = _Part()
    header_field, header_value = bytearray(), bytearray()

    def check_admission() -> None:
        if admit is not None and not admit(form.fields):
            form.refused = True
            raise _Stop

    def on_part_begin() -> None:
        nonlocal part
        part = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        part.headers[bytes(header_field).lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = disposition.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in disposition:
            counts["fields"] += 1
            if counts["fields"] > MAX_FIELDS:
                raise TooLarge(f"The form has more than {MAX_FIELDS} fields.")
            return
        part.filename = disposition[b"filename"].decode("utf-8", "replace")
        if part.name != FILE_FIELD:
            raise Invalid(f"Files are accepted only in the `{FILE_FIELD}` field, not `{part.name}`.")
        counts["files"] += 1  # an empty file input sends an empty part: it counts all the same
        if counts["files"] == 1:
            check_admission()
        if counts["files"] > max_files:
            if lenient:
                form.too_many_files = True
                raise _Stop
            raise Invalid(f"`{FILE_FIELD}`: at most {max_files} files may be attached.")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.dropped:
            return
        part.data.extend(data[start:end])
        if part.filename is None:
            if len(part.data) > MAX_FIELD_BYTES:
                raise TooLarge(f"`{part.name}` is longer than {MAX_FIELD_BYTES // 1024} KiB.")
            return
        if len(part.data) <= max_file_bytes:
            return
        if not lenient:
            raise TooLarge(
                f"`{FILE_FIELD}`: {part.filename or 'a file'} is larger than "
                f"{max_file_bytes // (1024 * 1024)} MiB."
            )
        part.dropped = True
        part.data.clear()
        form.oversized.append(part.filename)

    def on_part_end() -> None:
        if part.dropped:
            return
        if part.filename is not None:
            if part.data:  # an empty file input: counted above, but not a file
                form.files.append((part.filename, bytes(part.data)))
            return
        try:
            value = part.data.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"`{part.name}` is not valid UTF-8 text.") from None
        if part.name in LISTS and part.name in form.fields:  # a repeated field: the ids, joined
            value = f"{form.fields[part.name]},{value}"
        form.fields[part.name] = value

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
        },
    )
    try:
        async with aclosing(chunks) as stream:
            async for chunk in stream:
                parser.write(chunk)
        parser.finalize()
        if counts["files"] == 0:
            check_admission()
    except _Stop:
        return form
    except MultipartParseError as exc:
        if "header" in str(exc).lower():  # python-multipart's own limits on a part's headers
            raise TooLarge("A part of the multipart body has too many or too large headers.") from None
        raise Invalid("The multipart body is malformed.") from None
    return form


def sniffed(files: list[tuple[str | None, bytes]]) -> tuple[list[Upload], list[str]]:
    """The files we accept (typed by their content, named safely), and the names of the others."""
    uploads, refused = [], []
    for name, content in files:
        kind = sniff(content[:16])
        if kind is None:
            refused.append(name or "")
        else:
            uploads.append(Upload(safe_filename(name, kind), kind, content))
    return uploads, refused


BOOLEANS = {"anonymous", "consent", "to_bureau", "escrow"}


async def read_ticket(request: Request[Any, Any, Any]) -> tuple[s.PublicTicketCreate, list[Upload]]:
    """The public intake's body: JSON, or multipart with the same fields and the files."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await parse_form(content_type, request.stream())
        obj = form_to_object(form.fields, booleans=BOOLEANS)
        if "named_staff" in obj:  # repeated, or "12,15"
            obj["named_staff"] = id_list(obj["named_staff"])
        data = convert(obj, s.PublicTicketCreate)
        uploads, refused = sniffed(form.files)
        if refused:
            raise Invalid(
                f"`{FILE_FIELD}`: {refused[0] or 'a file'} is not an image (JPEG, PNG, GIF, WebP, HEIC) "
                "or a PDF."
            )
        return data, uploads
    if content_type and not content_type.startswith("application/json"):
        raise Invalid("Send the ticket as application/json or multipart/form-data.")
    return decode_json(await read_limited(request.stream()), s.PublicTicketCreate), []
