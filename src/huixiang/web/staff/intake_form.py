"""The offline intake form: each channel's own fields over the shared ones, read and checked
field by field with sentences in Chinese, everything typed kept for a re-render."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from ...domain.enums import TRUST_KINDS, Channel, Kind
from ...edge.uploads import Form, sniffed
from ...services import schemas as s
from ...services.desk import DeskOptions
from ...services.intake import MAX_BACKDATE, Upload
from ..i18n import translate as t

# The channels in the order the desk offers them, and what each asks besides the shared fields.
ORDER = (
    Channel.MAILBOX,
    Channel.HOTLINE,
    Channel.RECEPTION,
    Channel.PARENT_MEETING,
    Channel.GRID,
    Channel.HOME_VISIT,
)
# Facts with no ticket column, kept in the intake event (services/intake.py `source`).
SOURCE_FIELDS: dict[Channel, tuple[str, ...]] = {
    Channel.MAILBOX: (),
    Channel.HOTLINE: (),
    Channel.RECEPTION: ("received_by",),
    Channel.PARENT_MEETING: ("raised_by", "place"),
    Channel.GRID: ("raised_by", "place"),
    Channel.HOME_VISIT: ("raised_by", "place"),
}
REQUIRED_SOURCE = {"received_by"}
WITH_TIME = {Channel.HOTLINE}  # the time of the call; the others ask for a day
FILES_REQUIRED = {Channel.MAILBOX}  # the letter's scan

MAX_CONTENT = 5000
MAX_ANSWER = 5000
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,18}$")
TEXT_FIELDS = (
    "school_code",
    "kind",
    "category",
    "title",
    "content",
    "collected_at",
    "contact_name",
    "contact_phone",
    "contact_relation",
    "student_name",
    "student_class",
    "received_by",
    "raised_by",
    "place",
    "answer",
    "key",
)
CHECKS = ("anonymous", "answer_now", "escrow")
PERSONAL = ("contact_name", "contact_phone", "contact_relation", "student_name", "student_class")
NAME_FIELDS = (*PERSONAL[:1], *PERSONAL[2:], "received_by", "raised_by")
FUTURE_SLACK = timedelta(minutes=5)
DAY_TIME = time(12, 0)  # an earlier day's item is recorded at noon of that day


@dataclass
class Entry:
    channel: Channel
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    had_files: bool = False  # files were chosen: on a re-render they must be chosen again
    data: s.StaffTicketCreate | None = None
    uploads: list[Upload] = field(default_factory=list)
    source: dict[str, str] = field(default_factory=dict)
    note: str | None = None
    answer: str | None = None


def blank(channel: Channel, options: DeskOptions, now: datetime, tz: tzinfo, key: str) -> Entry:
    """A new form: the caller's school chosen when there is one, the day or time prefilled."""
    local = now.astimezone(tz)
    when = local.strftime("%Y-%m-%dT%H:%M") if channel in WITH_TIME else local.date().isoformat()
    school = options.schools[0].code if len(options.schools) == 1 else ""
    return Entry(channel, values={"collected_at": when, "school_code": school, "key": key})


def read(channel: Channel, raw: Form, options: DeskOptions, now: datetime, tz: tzinfo) -> Entry:
    entry = Entry(channel)
    values: dict[str, Any] = {name: raw.fields.get(name, "").strip() for name in TEXT_FIELDS}
    values.update({name: raw.fields.get(name, "") in ("on", "true", "1") for name in CHECKS})
    values["named_staff"] = [
        int(v) for v in raw.fields.get("named_staff", "").split(",") if v.strip().isdigit()
    ]
    entry.values, errors = values, entry.errors
    entry.had_files = bool(raw.files or raw.oversized or raw.too_many_files)

    if values["school_code"] not in {school.code for school in options.schools}:
        errors["school_code"] = t("intake.error.school")
    if values["kind"] not in {k.value for k in Kind}:
        errors["kind"] = t("intake.error.kind")
    if values["category"] not in options.categories:
        errors["category"] = t("intake.error.category")
    if len(values["title"]) > 200:
        errors["title"] = t("intake.error.title_long")
    if not values["content"]:
        errors["content"] = t("intake.error.content")
    elif len(values["content"]) > MAX_CONTENT:
        errors["content"] = t("intake.error.too_long", max=MAX_CONTENT)
    collected_at = _collected_at(channel, values["collected_at"], now, tz, errors)
    if values["contact_phone"] and not PHONE.match(values["contact_phone"]):
        errors["contact_phone"] = t("intake.error.phone")
    for name in NAME_FIELDS:
        if len(values[name]) > 50:
            errors[name] = t("intake.error.name_long")
    if len(values["place"]) > 100:
        errors["place"] = t("intake.error.place_long")
    for name in SOURCE_FIELDS[channel]:
        if name in REQUIRED_SOURCE and not values[name]:
            errors[name] = t(f"intake.error.{name}")
    personal = [n for n in PERSONAL if values[n]]
    if values["anonymous"] and personal:
        errors["anonymous"] = t("intake.error.anonymous")
    if values["named_staff"] and values["kind"] not in {k.value for k in TRUST_KINDS}:
        errors["named_staff"] = t("trust.error.kind")
    if values["escrow"]:
        if values["kind"] not in {k.value for k in TRUST_KINDS}:
            errors["escrow"] = t("trust.error.kind")
        elif values["anonymous"]:
            errors["escrow"] = t("trust.error.escrow_anonymous")
        elif not values["contact_phone"]:
            errors["escrow"] = t("trust.error.escrow_contact")
    _answer(channel, values, options, errors)
    _files(channel, raw, entry)
    if errors:
        return entry

    contact = {
        "name": values["contact_name"],
        "phone": values["contact_phone"],
        "relation": values["contact_relation"],
    }
    student = {"name": values["student_name"], "class_name": values["student_class"]}
    entry.data = s.StaffTicketCreate(
        school_code=values["school_code"],
        kind=Kind(values["kind"]),
        category=values["category"],
        content=values["content"],
        consent=True,  # given to the school in person, by phone or by letter
        title=values["title"] or None,
        anonymous=values["anonymous"],
        contact=s.Contact(**{k: v for k, v in contact.items() if v}) if any(contact.values()) else None,
        student=s.Student(**{k: v for k, v in student.items() if v}) if any(student.values()) else None,
        channel=channel,
        collected_at=collected_at,
        escrow=values["escrow"],
        named_staff=values["named_staff"] or None,
    )
    entry.source = {name: values[name] for name in SOURCE_FIELDS[channel] if values[name]}
    if entry.source:
        entry.note = "；".join(
            t("intake.note", label=label(name, channel), value=value) for name, value in entry.source.items()
        )
    entry.answer = values["answer"] if values["answer_now"] else None
    return entry


def label(name: str, channel: Channel) -> str:
    """A channel fact's label: where it was raised is a meeting, a grid or a home."""
    return t(f"intake.field.{name}.{channel.value}" if name == "place" else f"intake.field.{name}")


def _collected_at(
    channel: Channel, text: str, now: datetime, tz: tzinfo, errors: dict[str, str]
) -> datetime | None:
    """The day (or, for a call, the time) it came in. Today's item is recorded now (None: the
    service takes its clock); an earlier day's at noon of that day."""
    local_now = now.astimezone(tz)
    try:
        if channel in WITH_TIME:
            when = datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=tz)
        else:
            day = date.fromisoformat(text) if len(text) == 10 else None
            if day is None:
                raise ValueError(text)
            when = datetime.combine(day, DAY_TIME, tzinfo=tz)
    except ValueError:
        errors["collected_at"] = t("intake.error.when_format." + ("time" if channel in WITH_TIME else "day"))
        return None
    if channel in WITH_TIME and when > local_now + FUTURE_SLACK:
        errors["collected_at"] = t("intake.error.when_future.time")
    elif channel not in WITH_TIME and when.date() > local_now.date():
        errors["collected_at"] = t("intake.error.when_future.day")
    elif when < local_now - MAX_BACKDATE + timedelta(days=1):
        errors["collected_at"] = t("intake.error.when_old")
    elif channel not in WITH_TIME and when.date() == local_now.date():
        return None
    return when


def _answer(channel: Channel, values: dict[str, Any], options: DeskOptions, errors: dict[str, str]) -> None:
    if channel is not Channel.HOTLINE:
        values["answer_now"], values["answer"] = False, ""
        return
    if values["answer_now"] and not options.can_answer:
        errors["answer_now"] = t("intake.error.answer_role")
    elif values["answer_now"] and not values["answer"]:
        errors["answer"] = t("intake.error.answer_blank")
    elif not values["answer_now"] and values["answer"]:
        errors["answer_now"] = t("intake.error.answer_unchecked")
    elif len(values["answer"]) > MAX_ANSWER:
        errors["answer"] = t("intake.error.too_long", max=MAX_ANSWER)


def _files(channel: Channel, raw: Form, entry: Entry) -> None:
    entry.uploads, refused = sniffed(raw.files)
    if raw.too_many_files:
        entry.errors["files"] = t("intake.error.files_count")
    elif raw.oversized:
        entry.errors["files"] = t("intake.error.files_size")
    elif refused:
        entry.errors["files"] = t("intake.error.files_type")
    elif channel in FILES_REQUIRED and not entry.uploads:
        entry.errors["files"] = t("intake.error.scan")
