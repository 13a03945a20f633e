"""Decoding request bodies into the service schemas, with errors that name the field."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from ..domain.errors import Invalid

T = TypeVar("T")
_PATH = re.compile(r"\s*-\s*at\s*`\$\.?([^`]*)`")


def _sentence(exc: msgspec.ValidationError) -> str:
    message = str(exc)
    match = _PATH.search(message)
    field = match.group(1) if match else ""
    reason = _PATH.sub("", message).rstrip(".")
    if reason.startswith("Object missing required field"):
        return reason.replace("Object missing required field", "Missing required field") + "."
    if reason.startswith("Object contains unknown field"):
        return reason.replace("Object contains unknown field", "Unknown field") + "."
    if not field:
        return f"Invalid body: {reason}."
    return f"Invalid `{field.replace('[', '.').replace(']', '')}`: {reason}."


def decode_json(raw: bytes, schema: type[T]) -> T:
    if not raw.strip():
        raise Invalid("The request body is empty; send a JSON object.")
    try:
        return msgspec.json.decode(raw, type=schema)
    except msgspec.ValidationError as exc:
        raise Invalid(_sentence(exc)) from None
    except msgspec.DecodeError:
        raise Invalid("The request body is not valid JSON.") from None


TRUE = {"true", "on", "1", "yes"}
FALSE = {"false", "off", "0", "no", ""}


def form_to_object(fields: dict[str, str], booleans: set[str]) -> dict[str, Any]:
    """Flat form fields ("contact.phone") to the nested object of the JSON body."""
    result: dict[str, Any] = {}
    for name, value in fields.items():
        value = value.strip()
        if name in booleans:
            if value.lower() not in TRUE | FALSE:
                raise Invalid(f"Invalid `{name}`: expected true or false.")
            result[name] = value.lower() in TRUE
        elif value:
            head, _, tail = name.partition(".")
            if tail:
                result.setdefault(head, {})[tail] = value
            else:
                result[name] = value
    return result


def convert(obj: dict[str, Any], schema: type[T]) -> T:
    try:
        return msgspec.convert(obj, type=schema, strict=False)
    except msgspec.ValidationError as exc:
        raise Invalid(_sentence(exc)) from None
