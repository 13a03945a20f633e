"""The league tables' 100-point assessment (考核), its periods and the monthly 通报's timing.

A bureau sets how many of the 100 points each figure carries (the weights add up to 100), a
passing line, and the working days a school below it is given to put things right (限期整改,
嘉教〔2021〕86号 §22). Each figure is scored as a share in [0, 1] where 1 is best; a figure
whose base is empty (no ratings, nothing due yet) is left out and the other weights are scaled
up to 100, so a school is judged on what is known; a school with no tickets is not scored and
not ranked (docs/figures.md, "League tables")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .deadlines import WorkCalendar
from .errors import Invalid

# The scored figures, in the order the form and the sheets show them.
FIGURES = ("response", "on_time", "satisfaction", "reopen", "overdue")
DEFAULT_WEIGHTS: Mapping[str, int] = {
    "response": 25,
    "on_time": 25,
    "satisfaction": 30,
    "reopen": 10,
    "overdue": 10,
}
DEFAULT_LINE = 60
DEFAULT_RECTIFY_DAYS = 10
MAX_RECTIFY_DAYS = 60


def _whole(name: str, value: object, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Invalid(f"`{name}` must be a whole number from {low} to {high}.")
    return value


@dataclass(frozen=True, slots=True)
class Assessment:
    """A bureau's weights (points per figure, adding up to 100), passing line and the working
    days a 限期整改 order gives."""

    weights: Mapping[str, int]
    passing_line: int = DEFAULT_LINE
    rectify_days: int = DEFAULT_RECTIFY_DAYS

    def to_json(self) -> dict[str, Any]:
        return {
            "weights": {name: self.weights[name] for name in FIGURES},
            "passing_line": self.passing_line,
            "rectify_days": self.rectify_days,
        }

    @classmethod
    def default(cls) -> Assessment:
        return cls(dict(DEFAULT_WEIGHTS))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Assessment:
        """From stored or submitted JSON; every fault is an Invalid naming its field (weights
        by their own name, e.g. `satisfaction`)."""
        if unknown := sorted(set(data) - {"weights", "passing_line", "rectify_days"}):
            raise Invalid(f"Unknown assessment field `{unknown[0]}`.")
        weights = data.get("weights")
        if not isinstance(weights, Mapping):
            raise Invalid(f"`weights` must give the points of each figure: {', '.join(FIGURES)}.")
        if unknown := sorted(set(weights) - set(FIGURES)):
            raise Invalid(f"`{unknown[0]}` is not a figure; the figures are {', '.join(FIGURES)}.")
        values = {}
        for name in FIGURES:
            if name not in weights:
                raise Invalid(f"`{name}` is missing: give its points (0 to 100).")
            values[name] = _whole(name, weights[name], 0, 100)
        if (total := sum(values.values())) != 100:
            raise Invalid(f"`weights` must add up to 100 points; these add up to {total}.")
        line = _whole("passing_line", data.get("passing_line", DEFAULT_LINE), 0, 100)
        days = _whole("rectify_days", data.get("rectify_days", DEFAULT_RECTIFY_DAYS), 1, MAX_RECTIFY_DAYS)
        return cls(values, line, days)


def shares(figures: Mapping[str, Any]) -> dict[str, float | None]:
    """A school's figures (a `stats` row: rates and counts) as the scored shares, 1 best:
    反馈率, 按时反馈率, 满意率 as they are; 重办率 and the share of tickets 超期未办 turned round
    (1 − rate). None where the figure's base is empty."""
    total = int(figures.get("total") or 0)

    def rate(name: str) -> float | None:
        value = figures.get(name)
        return None if value is None else float(value)

    reopen = rate("reopen_rate")
    overdue = int(figures.get("overdue_open") or 0) / total if total else None
    return {
        "response": rate("response_rate"),
        "on_time": rate("on_time_rate"),
        "satisfaction": rate("satisfaction_rate"),
        "reopen": None if reopen is None else 1 - reopen,
        "overdue": None if overdue is None else 1 - overdue,
    }


def score(values: Mapping[str, float | None], weights: Mapping[str, int]) -> float | None:
    """The 100-point score of the shares `values` (each in [0, 1] or None), to one decimal:
    the weighted mean of the known shares times 100. None when nothing weighted is known."""
    known = [(weights[name], values[name]) for name in FIGURES if values.get(name) is not None]
    base = sum(weight for weight, _ in known)
    if base == 0:
        return None
    for name in FIGURES:
        value = values.get(name)
        if value is not None and not 0 <= value <= 1:
            raise Invalid(f"`{name}` must be a share from 0 to 1.")
    points = sum(weight * float(value) for weight, value in known if value is not None)
    return round(100 * points / base, 1)


@dataclass(frozen=True, slots=True)
class Placed:
    """A school's place in a league table: rank None when it is not scored."""

    key: str
    score: float | None
    rank: int | None


def rank(scores: Iterable[tuple[str, float | None]]) -> list[Placed]:
    """Highest score first, equal scores sharing a rank (1, 2, 2, 4), ties and unscored schools
    in key order, the unscored last with no rank."""
    items = sorted(scores, key=lambda item: (item[1] is None, -(item[1] or 0.0), item[0]))
    placed: list[Placed] = []
    for position, (key, value) in enumerate(items, start=1):
        if value is None:
            placed.append(Placed(key, None, None))
        elif placed and placed[-1].score == value:
            placed.append(Placed(key, value, placed[-1].rank))
        else:
            placed.append(Placed(key, value, position))
    return placed


def below_line(score_: float | None, line: int) -> bool:
    """Whether a school gets a 限期整改 order: scored, and under the line (on it passes)."""
    return score_ is not None and score_ < line


# ---- periods ------------------------------------------------------------------------------

PERIOD_KINDS = ("month", "term", "year")


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days [first, last] in the bureau's zone, with its key ("2026-11", "2026-2027-1",
    "2026") and kind."""

    kind: str
    key: str
    first: date
    last: date


def _month(year: int, month: int) -> Period:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period("month", f"{year:04d}-{month:02d}", first, following - timedelta(days=1))


def _term(start_year: int, half: int) -> Period:
    # 第一学期 September to January, 第二学期 February to August (the school year's halves).
    if half == 1:
        first, end = date(start_year, 9, 1), date(start_year + 1, 2, 1)
    else:
        first, end = date(start_year + 1, 2, 1), date(start_year + 1, 9, 1)
    return Period("term", f"{start_year}-{start_year + 1}-{half}", first, end - timedelta(days=1))


def period_of(kind: str, key: str | None, today: date) -> Period:
    """The period a page or the API asks for: `kind` month, term or year, and its key; no key
    is the period `today` falls in. A bad value is Invalid naming `period` or `key`."""
    if kind not in PERIOD_KINDS:
        raise Invalid(f"`period` must be one of {', '.join(PERIOD_KINDS)}.")
    key = (key or "").strip()
    try:
        if kind == "month":
            if not key:
                return _month(today.year, today.month)
            year, month = key.split("-")
            if len(year) == 4 and len(month) == 2:
                return _month(int(year), int(month))
        elif kind == "term":
            if not key:
                if today.month >= 9:
                    return _term(today.year, 1)
                return _term(today.year - 1, 1 if today.month == 1 else 2)
            start, end, half = key.split("-")
            if int(end) == int(start) + 1 and half in ("1", "2"):
                return _term(int(start), int(half))
        else:
            year_ = int(key) if key else today.year
            if 2000 <= year_ <= 2100:
                return Period("year", f"{year_:04d}", date(year_, 1, 1), date(year_, 12, 31))
    except ValueError:
        pass
    examples = {"month": "2026-11", "term": "2026-2027-1 (第一学期) or 2026-2027-2", "year": "2026"}
    raise Invalid(f"`key` must name a {kind} such as {examples[kind]}.")


def month_before(day: date) -> Period:
    """The calendar month before the one `day` falls in (what a month's 通报 reports)."""
    last = day.replace(day=1) - timedelta(days=1)
    return _month(last.year, last.month)


def first_workday(year: int, month: int, calendar: WorkCalendar) -> date:
    """The month's first working day on the Chinese calendar (holidays and 调休 included)."""
    day = date(year, month, 1)
    return day if calendar.is_workday(day) else calendar.shift(day, 1)


def report_due(today: date, calendar: WorkCalendar) -> Period | None:
    """The month whose 通报 is due on `today`: the month before, from the month's first working
    day on (a scheduler that was down that day catches up later in the month); else None."""
    if today < first_workday(today.year, today.month, calendar):
        return None
    return month_before(today)
