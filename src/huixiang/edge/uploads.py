"""Streaming multipart/form-data with python-multipart: each file is checked against its limit
while it arrives, so an oversized upload is refused before the body is buffered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from ..domain.errors import Invalid, TooLarge

MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 50


@dataclass
class Part:
    name: str = ""
    filename: str | None = None
    headers: dict[bytes, bytes] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)
    dropped: bool = False


@dataclass
class Form:
    fields: dict[str, str]
    files: list[tuple[str | None, bytes]]  # (the client's file name, the content)
    oversized: list[str] = field(default_factory=list)  # files dropped for their size (pages)


async def parse_form(
    content_type: str,
    chunks: AsyncIterator[bytes],
    *,
    file_field: str,
    max_files: int,
    max_file_bytes: int,
    drop_oversized: bool = False,
) -> Form:
    """With `drop_oversized` (the parents' page, which keeps the other fields to show the
    error), a file over the limit is dropped while it streams instead of ending the request."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise Invalid("The multipart body has no boundary in its Content-Type header.")
    fields: dict[str, str] = {}
    files: list[tuple[str | None, bytes]] = []
    oversized: list[str] = []
    part = Part()
    header_field, header_value = bytearray(), bytearray()

    def on_part_begin() -> None:
        nonlocal part
        part = Part()

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
        if b"filename" in disposition:
            part.filename = disposition[b"filename"].decode("utf-8", "replace")
            if part.name != file_field:
                raise Invalid(f"Files are accepted only in the `{file_field}` field, not `{part.name}`.")
            if len(files) >= max_files:
                raise Invalid(f"`{file_field}`: at most {max_files} files may be attached.")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.dropped:
            return
        part.data.extend(data[start:end])
        if part.filename is not None:
            if len(part.data) > max_file_bytes and drop_oversized:
                part.dropped = True
                part.data.clear()
                oversized.append(part.filename or "")
                return
            if len(part.data) > max_file_bytes:
                raise TooLarge(
                    f"`{file_field}`: {part.filename or 'a file'} is larger than "
                    f"{max_file_bytes // (1024 * 1024)} MiB."
                )
        elif len(part.data) > MAX_FIELD_BYTES:
            raise TooLarge(f"`{part.name}` is too long.")

    def on_part_end() -> None:
        if part.dropped:
            return
        if part.filename is not None:
            if part.data:  # an empty file input sends a part with no content: not a file
                files.append((part.filename, bytes(part.data)))
            return
        if len(fields) >= MAX_FIELDS:
            raise Invalid("The form has too many fields.")
        try:
            fields[part.name] = part.data.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"`{part.name}` is not valid UTF-8 text.") from None

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
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError:
        raise Invalid("The multipart body is malformed.") from None
    return Form(fields, files, oversized)
