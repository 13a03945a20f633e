"""The parent's form: read, checked field by field with messages in Chinese, kept on error."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..domain.enums import TRUST_KINDS, Kind
from ..edge.uploads import sniffed
from ..services import schemas as s
from ..services.intake import Upload
from .i18n import translate as t

MAX_CONTENT = 2000
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,18}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_FIELDS = (
    "kind",
    "category",
    "title",
    "content",
    "contact.name",
    "contact.phone",
    "contact.email",
    "contact.relation",
    "student.name",
    "student.class_name",
)
CHECKS = ("anonymous", "to_bureau", "consent", "escrow")


@dataclass
class Submission:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    data: s.PublicTicketCreate | None = None
    uploads: list[Upload] = field(default_factory=list)


def read(
    school_code: str, fields: dict[str, str], files: list[tuple[str | None, bytes]], categories: list[str]
) -> Submission:
    form = Submission()
    values: dict[str, Any] = {name: fields.get(name, "").strip() for name in TEXT_FIELDS}
    values.update({name: fields.get(name, "") in ("on", "true", "1") for name in CHECKS})
    # The staff a complaint names: repeated checkboxes, joined by the reader (edge/uploads.py).
    values["named_staff"] = [int(v) for v in fields.get("named_staff", "").split(",") if v.strip().isdigit()]
    form.values = values
    errors = form.errors
    if values["kind"] not in {k.value for k in Kind}:
        errors["kind"] = t("error.kind")
    if values["category"] not in categories:
        errors["category"] = t("error.category")
    if not values["content"]:
        errors["content"] = t("error.required")
    elif len(values["content"]) > MAX_CONTENT:
        errors["content"] = t("error.content_long", max=MAX_CONTENT)
    if len(values["title"]) > 200:
        errors["title"] = t("error.title_long")
    if values["contact.phone"] and not PHONE.match(values["contact.phone"]):
        errors["contact.phone"] = t("error.phone")
    if values["contact.email"] and not EMAIL.match(values["contact.email"]):
        errors["contact.email"] = t("error.email")
    for name in ("contact.name", "contact.relation", "student.name", "student.class_name"):
        if len(values[name]) > 50:
            errors[name] = t("error.name_long")
    personal = [n for n in TEXT_FIELDS if n.startswith(("contact.", "student.")) and values[n]]
    if values["anonymous"] and personal:
        errors["anonymous"] = t("error.anonymous_contact")
    trusting = values["kind"] in {k.value for k in TRUST_KINDS}
    if values["named_staff"] and not trusting:
        errors["named_staff"] = t("trust.error.kind")
    if values["escrow"]:
        if not trusting:
            errors["escrow"] = t("trust.error.kind")
        elif values["anonymous"]:
            errors["escrow"] = t("trust.error.escrow_anonymous")
        elif not (values["contact.phone"] or values["contact.email"]):
            errors["escrow"] = t("trust.error.escrow_contact")
    if not values["consent"]:
        errors["consent"] = t("error.consent")
    form.uploads, refused = sniffed(files)  # counts and sizes: checked while they streamed
    if refused:
        errors["files"] = t("error.files_type")
    if errors:
        return form

    def part(prefix: str) -> dict[str, str] | None:
        found = {n.split(".", 1)[1]: v for n, v in values.items() if n.startswith(prefix) and v}
        return found or None

    contact, student = part("contact."), part("student.")
    form.data = s.PublicTicketCreate(
        school_code=school_code,
        kind=Kind(values["kind"]),
        category=values["category"],
        content=values["content"],
        consent=True,
        title=values["title"] or None,
        anonymous=values["anonymous"],
        contact=s.Contact(**contact) if contact else None,
        student=s.Student(**student) if student else None,
        to_bureau=values["to_bureau"],
        named_staff=values["named_staff"] or None,
        escrow=values["escrow"],
    )
    return form
