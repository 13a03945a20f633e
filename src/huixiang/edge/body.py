"""Decoding request bodies into the service schemas, with errors that name the field as the
client sent it, list an enum's allowed values and say in words what a pattern wants."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any, TypeVar

import msgspec
import msgspec.inspect as mi

from ..domain.errors import Invalid, TooLarge
from ..services import schemas as s

T = TypeVar("T")
MAX_JSON_BYTES = 256 * 1024
_PATH = re.compile(r"\s*-\s*at\s*`\$\.?([^`]*)`")
_ENUM = re.compile(r"^Invalid enum value (.+)$")
_REGEX = re.compile(r"^Expected `str` matching regex (.+)$")
_MIN_LENGTH = re.compile(r"^Expected `str` of length >= (\d+)$")
_MAX_LENGTH = re.compile(r"^Expected `str` of length <= (\d+)$")
_MAX_ITEMS = re.compile(r"^Expected `array` of length <= (\d+)$")


def _pattern(annotated: Any) -> str:
    return str(annotated.__metadata__[0].pattern)


# What each pattern of services/schemas.py wants, in words (never the regex itself).
PATTERNS = {
    _pattern(s.Phone): "a phone number: 5 to 19 digits, spaces or dashes, optionally starting with +",
    _pattern(s.Email): "an email address such as name@example.cn",
    _pattern(s.Code): "a code of letters, digits, `_`, `.` and `-` only",
}
PATTERN_WORDS = {
    r"^[A-Za-z0-9_.@-]+$": "letters, digits, `_`, `.`, `@` and `-` only",
    r"^https?://[^\s]+$": "an http:// or https:// address",
}


def sentence(message: str, schema: Any = None, prefix: str = "") -> str:
    """msgspec's (or Litestar's) validation message as a sentence for the client. `schema` is
    the type decoded, when known, to list an enum's values; `prefix` is dropped from paths
    (Litestar reports a body's fields under `data`)."""
    match = _PATH.search(message)
    field = match.group(1) if match else ""
    field = field.replace("[", ".").replace("]", "")
    if prefix and (field == prefix or field.startswith(prefix + ".")):
        field = field[len(prefix) + 1 :]
    return field_sentence(field, _PATH.sub("", message), schema, field)


def field_sentence(name: str, reason: str, schema: Any = None, path: str = "") -> str:
    """The sentence for field `name` (as the client calls it); `path` leads to its type in
    `schema` ("" when `schema` is the field's own type)."""
    reason = reason.rstrip(".")
    where = f" in `{name}`" if name else ""
    if reason.startswith("Object missing required field"):
        return reason.replace("Object missing required field", "Missing required field") + where + "."
    if reason.startswith("Object contains unknown field"):
        return reason.replace("Object contains unknown field", "Unknown field") + where + "."
    if not name:
        return f"Invalid body: {reason}."
    return f"Invalid `{name}`: {_explain(reason, path, schema)}."


def _explain(reason: str, field: str, schema: Any) -> str:
    if match := _ENUM.match(reason):
        allowed = allowed_values(schema, field) if schema is not None else None
        if allowed:
            return f"{match.group(1)} is not one of {', '.join(allowed)}"
        return f"{match.group(1)} is not an allowed value"
    if match := _REGEX.match(reason):
        pattern = match.group(1)[1:-1].encode().decode("unicode_escape")
        words = PATTERNS.get(pattern) or PATTERN_WORDS.get(pattern)
        return f"expected {words}" if words else "is not in the expected format"
    if (match := _MIN_LENGTH.match(reason)) and match.group(1) == "1":
        return "must not be empty"
    if match := _MAX_LENGTH.match(reason):
        return f"must be at most {match.group(1)} characters"
    if match := _MAX_ITEMS.match(reason):
        return f"must have at most {match.group(1)} items"
    return reason


def allowed_values(schema: Any, field: str) -> list[str] | None:
    """The values an enum or literal at `field` (a dotted path) accepts, from the schema."""
    try:
        node: Any = mi.type_info(schema)
    except (TypeError, ValueError):  # not a type msgspec knows (a framework's annotation)
        return None
    for name in field.split(".") if field else []:
        node = _unwrap(node)
        if isinstance(node, mi.StructType):
            found = [f.type for f in node.fields if f.encode_name == name]
            if not found:
                return None
            node = found[0]
        elif isinstance(node, mi.ListType | mi.SetType | mi.FrozenSetType) and name.isdigit():
            node = node.item_type
        else:
            return None
    node = _unwrap(node)
    if isinstance(node, mi.EnumType):
        return [str(member.value) for member in node.cls]
    if isinstance(node, mi.LiteralType):
        return [str(value) for value in node.values]
    return None


def _unwrap(node: Any) -> Any:
    """The one non-null type of an optional."""
    while isinstance(node, mi.UnionType | mi.Metadata):
        if isinstance(node, mi.Metadata):
            node = node.type
            continue
        options = [t for t in node.types if not isinstance(t, mi.NoneType)]
        if len(options) != 1:
            return node
        node = options[0]
    return node


def decode_json(raw: bytes, schema: type[T]) -> T:
    if not raw.strip():
        raise Invalid("The request body is empty; send a JSON object.")
    try:
        return msgspec.json.decode(raw, type=schema)
    except msgspec.ValidationError as exc:
        raise Invalid(sentence(str(exc), schema)) from None
    except msgspec.DecodeError:
        raise Invalid("The request body is not valid JSON.") from None


async def read_limited(chunks: AsyncGenerator[bytes, None], limit: int = MAX_JSON_BYTES) -> bytes:
    """A body read up to `limit` bytes: one more is a 413, before the rest is read."""
    body = bytearray()
    async with aclosing(chunks) as stream:
        async for chunk in stream:
            body.extend(chunk)
            if len(body) > limit:
                raise TooLarge(f"The request body is larger than {limit // 1024} KiB.")
    return bytes(body)


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
        raise Invalid(sentence(str(exc), schema)) from None
