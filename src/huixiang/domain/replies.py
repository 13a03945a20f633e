"""常用回复: a canned answer's variables filled in for one ticket. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

SALUTATION, NUMBER, DEADLINE = "{称呼}", "{编号}", "{期限}"
VARIABLES = (SALUTATION, NUMBER, DEADLINE)
DEFAULT_SALUTATION = "家长"
TITLES = ("女士", "先生")
# How a parent says who they are → how the school addresses them.
RELATION_TITLES = {
    "母亲": "女士",
    "妈妈": "女士",
    "奶奶": "女士",
    "外婆": "女士",
    "姥姥": "女士",
    "父亲": "先生",
    "爸爸": "先生",
    "爷爷": "先生",
    "外公": "先生",
    "姥爷": "先生",
}


def salutation(contact: Mapping[str, str] | None) -> str:
    """王女士 from a contact named 王女士, or named 王芳 who is the mother; else 家长. Only the
    surname is used: the salutation tells a handler no more than the masked name does."""
    if not contact:
        return DEFAULT_SALUTATION
    name = (contact.get("name") or "").strip()
    relation = (contact.get("relation") or "").strip()
    if not name:
        return DEFAULT_SALUTATION
    title = next((t for t in TITLES if name.endswith(t) and len(name) > len(t)), None)
    title = title or RELATION_TITLES.get(relation)
    return f"{name[0]}{title}" if title else DEFAULT_SALUTATION


def deadline_words(due: datetime, tz: tzinfo) -> str:
    """12月8日18:00: a deadline as a parent reads it in an answer."""
    local = due.astimezone(tz)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def fill(body: str, *, contact: Mapping[str, str] | None, number: str, due: datetime, tz: tzinfo) -> str:
    """The canned answer with {称呼} {编号} {期限} replaced; anything else is left as written."""
    values = {SALUTATION: salutation(contact), NUMBER: number, DEADLINE: deadline_words(due, tz)}
    for variable, value in values.items():
        body = body.replace(variable, value)
    return body
