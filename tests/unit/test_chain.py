"""The hash chain: any sequence of events verifies; changing, dropping or reordering any event
breaks it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from huixiang.domain.chain import (
    GENESIS,
    HASHED_FIELDS,
    REDACTED,
    event_hash,
    redact_fields,
    redaction_digest,
    verify_chain,
)
from huixiang.domain.enums import Action, Status

texts = st.one_of(st.none(), st.text(max_size=30))
event_fields = st.fixed_dictionaries(
    {
        "action": st.sampled_from([a.value for a in Action]),
        "actor": st.text(min_size=1, max_size=20),
        "actor_role": st.sampled_from(["parent", "registrar", "leader", "handler", "inspector"]),
        "from_status": st.one_of(st.none(), st.sampled_from([s.value for s in Status])),
        "to_status": st.sampled_from([s.value for s in Status]),
        "note": texts,
        "internal_note": texts,
        "data": st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)),
    }
)


def chain(number: str, drafts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    events, prev = [], GENESIS
    start = datetime(2026, 10, 9, 1, 2, 3, 456789, tzinfo=UTC)
    for seq, draft in enumerate(drafts, start=1):
        fields = {**draft, "seq": seq, "at": start + timedelta(minutes=seq)}
        digest = event_hash(prev, number, fields)
        events.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    return events


@settings(max_examples=150, deadline=None)
@given(st.lists(event_fields, min_size=1, max_size=12))
def test_verify_chain_any_sequence_verifies(drafts: list[dict[str, Any]]) -> None:
    assert verify_chain("2026-000001", chain("2026-000001", drafts))


@settings(max_examples=150, deadline=None)
@given(st.lists(event_fields, min_size=1, max_size=8), st.data())
def test_verify_chain_changed_field_fails(drafts: list[dict[str, Any]], data: st.DataObject) -> None:
    events = chain("2026-000001", drafts)
    victim = data.draw(st.integers(0, len(events) - 1))
    name = data.draw(st.sampled_from([n for n in HASHED_FIELDS if n != "seq"]))
    original = events[victim][name]
    if name == "at":
        replacement: Any = original + timedelta(microseconds=1)
    elif name == "data":
        replacement = {"forged": 1} if original != {"forged": 1} else None
    else:
        replacement = (original or "") + "x"
    events[victim] = {**events[victim], name: replacement}
    assert not verify_chain("2026-000001", events)


@settings(max_examples=100, deadline=None)
@given(st.lists(event_fields, min_size=2, max_size=8), st.data())
def test_verify_chain_dropped_or_swapped_event_fails(
    drafts: list[dict[str, Any]], data: st.DataObject
) -> None:
    events = chain("2026-000001", drafts)
    i = data.draw(st.integers(0, len(events) - 2))
    dropped = events[:i] + events[i + 1 :]
    swapped = [*events]
    swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
    assert not verify_chain("2026-000001", dropped)
    assert not verify_chain("2026-000001", swapped)


def test_verify_chain_other_ticket_number_fails() -> None:
    events = chain(
        "2026-000001",
        [
            {
                "action": "intake",
                "actor": "parent",
                "actor_role": "parent",
                "from_status": None,
                "to_status": "collected",
                "note": None,
                "internal_note": None,
                "data": None,
            }
        ],
    )
    assert verify_chain("2026-000001", events)
    assert not verify_chain("2026-000002", events)


def test_event_hash_same_instant_other_zone_same_hash() -> None:
    from zoneinfo import ZoneInfo

    fields = {"seq": 1, "at": datetime(2026, 10, 9, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))}
    utc = {"seq": 1, "at": datetime(2026, 10, 9, 1, 0, tzinfo=UTC)}
    assert event_hash(GENESIS, "n", fields) == event_hash(GENESIS, "n", utc)


# ---- redaction by the retention sweep (services/retention.py) ---------------------------------


def anonymised(number: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the retention sweep does: each event's free text replaced in place (hash kept),
    then an `anonymise` event recording each redacted event's digest."""
    redacted, digests = [], {}
    for event in events:
        fields = {name: event[name] for name in HASHED_FIELDS}
        changed = redact_fields(fields)
        if changed != fields:
            digests[str(event["seq"])] = redaction_digest(number, changed)
        redacted.append({**event, **changed})
    last = redacted[-1]
    fields = {
        "seq": last["seq"] + 1,
        "at": last["at"] + timedelta(days=1),
        "action": "anonymise",
        "actor": "system",
        "actor_role": "system",
        "from_status": "archived",
        "to_status": "archived",
        "note": None,
        "internal_note": None,
        "data": {"redacted": digests},
    }
    return [
        *redacted,
        {**fields, "prev_hash": last["hash"], "hash": event_hash(last["hash"], number, fields)},
    ]


DRAFTS = [
    {
        "action": "respond",
        "actor": "王老师",
        "actor_role": "handler",
        "from_status": "assigned",
        "to_status": "responded",
        "note": "王女士您好",
        "internal_note": "已电话联系王女士",
        "data": {"text": "王女士您好，李小明的座位已调整。", "files": 1},
    },
    {
        "action": "archive",
        "actor": "system",
        "actor_role": "system",
        "from_status": "responded",
        "to_status": "archived",
        "note": None,
        "internal_note": None,
        "data": None,
    },
]


def test_redacted_chain_verifies_and_keeps_no_free_text() -> None:
    events = anonymised("2026-000001", chain("2026-000001", DRAFTS))
    assert verify_chain("2026-000001", events)
    first = events[0]
    assert (first["note"], first["internal_note"], first["data"]["text"]) == (REDACTED,) * 3
    assert first["data"]["files"] == 1  # not text: kept
    assert events[1]["note"] is None  # nothing to redact: unchanged, verified by its hash
    assert "王" not in repr([e for e in events if e["action"] != "respond"] + [first["note"]])


def test_redacted_chain_changed_after_redaction_fails() -> None:
    events = anonymised("2026-000001", chain("2026-000001", DRAFTS))
    for name, value in (("actor", "别人"), ("note", "改过"), ("to_status", "assigned"), ("data", None)):
        tampered = [dict(e) for e in events]
        tampered[0][name] = value
        assert not verify_chain("2026-000001", tampered), name


def test_redaction_without_its_record_fails() -> None:
    # Redacting the text but not recording it (or dropping the anonymise event) breaks the chain.
    events = anonymised("2026-000001", chain("2026-000001", DRAFTS))
    assert not verify_chain("2026-000001", events[:-1])


@settings(max_examples=100, deadline=None)
@given(st.lists(event_fields, min_size=1, max_size=8))
def test_any_chain_redacted_verifies(drafts: list[dict[str, Any]]) -> None:
    assert verify_chain("2026-000001", anonymised("2026-000001", chain("2026-000001", drafts)))
