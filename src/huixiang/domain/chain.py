"""The hash chain over a ticket's events: each event's hash covers its fields and the previous
hash, so changing, removing or reordering any event breaks every hash after it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = bytes(32)


def event_hash(prev_hash: bytes, ticket_number: str, fields: Mapping[str, Any]) -> bytes:
    """SHA-256 over the previous hash and a canonical JSON of the event (times in UTC)."""
    canonical = {
        key: value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value
        for key, value in fields.items()
    }
    canonical["ticket"] = ticket_number
    body = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(prev_hash + body.encode()).digest()


HASHED_FIELDS = (
    "seq",
    "at",
    "action",
    "actor",
    "actor_role",
    "from_status",
    "to_status",
    "note",
    "internal_note",
    "data",
)


def verify_chain(ticket_number: str, events: Iterable[Mapping[str, Any]]) -> bool:
    """True when the events, in order, are numbered 1..n and every hash link holds."""
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event["seq"] != expected_seq or event["prev_hash"] != prev:
            return False
        fields = {name: event[name] for name in HASHED_FIELDS}
        if event_hash(prev, ticket_number, fields) != event["hash"]:
            return False
        prev = event["hash"]
    return True
