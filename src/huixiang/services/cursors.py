"""Keyset cursors the lists give out: an instant and an id, opaque to the client; one this
server did not give out is 400 naming `cursor`."""

from __future__ import annotations

import base64
from datetime import datetime

from ..domain.errors import Invalid

__all__ = ["decode_cursor", "encode_cursor"]


def encode_cursor(at: datetime, row_id: int) -> str:
    raw = f"{at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, ticket_id = raw.split("|")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError
        return parsed, int(ticket_id)
    except ValueError:
        raise Invalid("`cursor` is not a cursor this server gave out.") from None
