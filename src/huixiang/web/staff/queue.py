"""The caller's queues (/staff): saved views with their counts, filters, search by number and by
words, keyset pages, supervised tickets on top, a deadline chip per row; for htmx, only the
live block (polled every 20 s); bulk 交办 and 归档 (POST /staff/bulk)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import State

from ...domain.due import WEEKDAY, DueChip
from ...domain.enums import Action, Channel, Kind, Status
from ...domain.errors import Invalid
from ...services import queues
from ..i18n import translate as t
from ..routes import CtxDep
from .pages import StaffPages, page
from .session import READING, StaffDep, read_form

# Query names of the filters, in the order the form shows them.
FILTERS = ("channel", "kind", "category", "class", "from", "to", "number", "q")
MAX_LENGTHS = {"category": 64, "class": 50, "number": 32, "q": 50}


@dataclass
class Parsed:
    view: str | None
    filter: queues.QueueFilter
    cursor: str | None
    values: dict[str, str]  # what the user typed, kept as typed (a bad value too)
    errors: dict[str, str] = field(default_factory=dict)


def _date(values: dict[str, str], name: str, errors: dict[str, str]) -> date | None:
    raw = values.get(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = t(f"queue.error.{name}")
        return None


def parse(request: Request[Any, Any, State]) -> Parsed:
    """The query's view, filters and cursor; each bad filter gives its field's sentence and is
    left out, the others still apply."""
    query = request.query_params
    values = {name: (query.get(name) or "").strip() for name in FILTERS}
    errors: dict[str, str] = {}
    channel = kind = None
    if values["channel"]:
        try:
            channel = Channel(values["channel"])
        except ValueError:
            errors["channel"] = t("queue.error.channel")
    if values["kind"]:
        try:
            kind = Kind(values["kind"])
        except ValueError:
            errors["kind"] = t("queue.error.kind")
    start, end = _date(values, "from", errors), _date(values, "to", errors)
    if start and end and start > end:
        errors["from"] = t("queue.error.order")
        start = end = None
    text: dict[str, str | None] = {}
    for name, limit in MAX_LENGTHS.items():
        if len(values[name]) > limit:
            errors[name] = t(f"queue.error.{'words' if name == 'q' else name}")
        text[name] = values[name] if values[name] and name not in errors else None
    view = query.get("view") or None
    if view is not None and view not in queues.VIEWS:
        errors["view"] = t("queue.error.view")
        view = None
    found = queues.QueueFilter(
        channel=channel,
        kind=kind,
        category=text["category"],
        class_name=text["class"],
        start=start,
        end=end,
        number=text["number"],
        words=text["q"],
    )
    return Parsed(view, found, query.get("cursor") or None, values, errors)


def due_text(chip: DueChip) -> str:
    """The chip's words (the catalogue's sentence with the domain's values); a page's rows
    share few distinct chips, so each sentence is made once."""
    return _due_text(chip.key, tuple(sorted(chip.values.items())))


@lru_cache(maxsize=4096)
def _due_text(key: str, values: tuple[tuple[str, int | str], ...]) -> str:
    found = dict(values)
    if key == WEEKDAY:
        return t(key, weekday=t(f"queue.weekday.{found['weekday']}"), time=found["time"])
    return t(key, **{name: str(value) for name, value in found.items()})


# The words of a row's columns, looked up once (a row then costs a dict lookup per cell).
WORDS = {
    "channel": {c.value: t(f"channel.{c.value}") for c in Channel},
    "kind": {k.value: t(f"kind.{k.value}") for k in Kind},
    "status": {s.value: t(f"staff_status.{s.value}") for s in Status},
}


def link(view: str, values: dict[str, str], **extra: str) -> str:
    """The queue's URL for `view` with the current filters (the ones set)."""
    params = {"view": view, **{k: v for k, v in values.items() if v}, **extra}
    return "/staff?" + urlencode(params)


class StaffQueue(StaffPages):
    path = "/staff"

    @get("/", dependencies=READING)
    async def queue(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        parsed = parse(request)
        live = request.headers.get("hx-request") == "true"
        try:
            found = await queues.queue(ctx, staff.principal, parsed.view, parsed.filter, cursor=parsed.cursor)
        except Invalid:  # a cursor this server did not give out: the first page, said so
            parsed.errors["cursor"] = t("queue.error.cursor")
            found = await queues.queue(ctx, staff.principal, parsed.view, parsed.filter)
        filtered = any(parsed.values.values())
        return page(
            "staff/queue.html",
            request,
            staff,
            status=400 if parsed.errors else 200,
            block="live" if live else None,
            queue=found,
            values=parsed.values,
            errors=parsed.errors,
            filtered=filtered,
            link=link,
            due_text=due_text,
            words=WORDS,
            here=link(found.view, parsed.values, **({"cursor": parsed.cursor} if parsed.cursor else {})),
            channels=list(Channel),
            kinds=list(Kind),
        )

    @get("/figures")
    async def figures(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        """A leader's figures of the month: loaded by the queue page on its own (htmx, the panel
        only), or as a page of its own from the panel's link (without JavaScript)."""
        found = await queues.month_figures(ctx, staff.principal)
        block = "figures" if request.headers.get("hx-request") == "true" else None
        return page("staff/figures.html", request, staff, block=block, figures=found)

    @post("/bulk")
    async def bulk(self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep) -> Response[Any]:
        fields = await read_form(request, staff)
        numbers = fields.getall("n")
        back = fields.get("back")
        back = back if back.startswith("/staff") and not back.startswith("//") else "/staff"
        code = fields.get("action")
        assignee = fields.get("assignee").strip() or None
        problem = None
        if code not in ("assign", "archive") or not numbers:
            problem = t("queue.bulk.none")
        elif len(numbers) > queues.BULK_LIMIT:
            problem = t("queue.bulk.too_many")
        elif code == "assign" and assignee is None:
            problem = t("queue.bulk.no_assignee")
        if problem is not None:
            return page("staff/queue_bulk.html", request, staff, status=400, problem=problem, back=back)
        outcome = await queues.bulk(ctx, staff.principal, Action(code), numbers, assignee=assignee)
        return page("staff/queue_bulk.html", request, staff, outcome=outcome, back=back)
