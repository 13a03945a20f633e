"""The hash chain over a ticket's events: each event's hash covers its fields and the previous
hash, so changing, removing or reordering any event breaks every hash after it.

Retention (services/retention.py) may later redact the free text of a closed ticket's events
(`note`, `internal_note`, the answer's text in `data`): each redacted event keeps its original
hash, so every link still holds, and an `anonymise` event appended to the chain records, per
redacted seq, a digest of the event as redacted. The check recomputes that digest for those
events instead of their hash: the redacted archive is verified as strictly as the original."""

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


ANONYMISE = "anonymise"  # the action that records redactions (enums.Action.ANONYMISE)
REDACTED = "（已按保存期限匿名化）"
# Keys of an event's `data` that carry free text (the answer's words).
TEXT_DATA_KEYS = frozenset({"text", "comment", "note"})
REDACTION_SALT = b"redacted\0"


def redact_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The event with its free text replaced: notes and the text keys of `data`; an absent
    text stays absent, every other field is kept."""
    redacted = dict(fields)
    for name in ("note", "internal_note"):
        if redacted.get(name) is not None:
            redacted[name] = REDACTED
    data = redacted.get("data")
    if isinstance(data, Mapping):
        redacted["data"] = {
            key: REDACTED if key in TEXT_DATA_KEYS and value is not None else value
            for key, value in data.items()
        }
    return redacted


def redaction_digest(ticket_number: str, fields: Mapping[str, Any]) -> str:
    """What an `anonymise` event records for one redacted event: a digest of it as redacted."""
    return event_hash(REDACTION_SALT, ticket_number, fields).hex()


def _redactions(events: list[Mapping[str, Any]]) -> dict[int, str]:
    found: dict[int, str] = {}
    for event in events:
        data = event.get("data")
        if event.get("action") == ANONYMISE and isinstance(data, Mapping):
            redacted = data.get("redacted")
            if isinstance(redacted, Mapping):
                found.update({int(seq): str(digest) for seq, digest in redacted.items()})
    return found


def verify_chain(ticket_number: str, events: Iterable[Mapping[str, Any]]) -> bool:
    """True when the events, in order, are numbered 1..n and every hash link holds; a redacted
    event (named by a later `anonymise` event) matches its recorded digest instead."""
    listed = list(events)
    redactions = _redactions(listed)
    prev = GENESIS
    for expected_seq, event in enumerate(listed, start=1):
        if event["seq"] != expected_seq or event["prev_hash"] != prev:
            return False
        fields = {name: event[name] for name in HASHED_FIELDS}
        digest = redactions.get(expected_seq)
        if digest is not None:
            if redaction_digest(ticket_number, fields) != digest:
                return False
        elif event_hash(prev, ticket_number, fields) != event["hash"]:
            return False
        prev = event["hash"]
    return True
