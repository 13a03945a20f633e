"""Spot checks (抽查): drawing a reproducible random sample of archived tickets per school, and
what a check's 整改 (rectification) came to.

The sample is a pure function of the seed and the eligible tickets: each ticket gets the key
SHA-256(seed, NUL, number), and each school keeps its tickets with the smallest keys. Anyone can
recompute a draw from its stored seed and eligible list with nothing but SHA-256; no random
generator (whose algorithms may change between Python versions) is involved, and the order in
which the eligible tickets are listed does not change the sample.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from .errors import Invalid

MAX_PER_SCHOOL = 50  # tickets per school when the size is a count
SEED_MAX = 64


class SizeUnit(StrEnum):
    """How a draw's size is read: tickets per school, or a percentage of each school's tickets."""

    PER_SCHOOL = "per_school"
    PERCENT = "percent"


@dataclass(frozen=True, slots=True)
class SampleSize:
    value: int
    unit: SizeUnit = SizeUnit.PER_SCHOOL

    def __post_init__(self) -> None:
        if self.unit is SizeUnit.PER_SCHOOL and not 1 <= self.value <= MAX_PER_SCHOOL:
            raise Invalid(f"`size` must be a whole number of tickets per school from 1 to {MAX_PER_SCHOOL}.")
        if self.unit is SizeUnit.PERCENT and not 1 <= self.value <= 100:
            raise Invalid("`size` must be a percentage from 1 to 100 when `size_unit` is percent.")

    def of(self, eligible: int) -> int:
        """How many of a school's `eligible` tickets are drawn: the count (at most all of them),
        or the percentage rounded up, so a school with tickets is always represented."""
        if eligible <= 0:
            return 0
        if self.unit is SizeUnit.PER_SCHOOL:
            return min(self.value, eligible)
        return min(eligible, math.ceil(eligible * self.value / 100))


def check_seed(seed: str) -> str:
    seed = seed.strip()
    if not seed or len(seed) > SEED_MAX or not seed.isascii() or not seed.isprintable():
        raise Invalid(f"`seed` must be 1 to {SEED_MAX} printable ASCII characters.")
    return seed


def sample_key(seed: str, number: str) -> bytes:
    """The ticket's place in the draw: the smaller, the sooner it is drawn."""
    return hashlib.sha256(seed.encode() + b"\0" + number.encode()).digest()


S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Eligible(Generic[S]):
    """A ticket that may be drawn: the school it concerns and its number."""

    school: S
    number: str


def draw_sample(seed: str, eligible: Sequence[Eligible[S]], size: SampleSize) -> list[Eligible[S]]:
    """The sample: for each school, `size.of(its eligible count)` tickets with the smallest keys,
    answered in the order of `eligible` (a subsequence of it). A number listed twice counts
    once, at its first place."""
    by_school: dict[S, list[str]] = {}
    seen: set[str] = set()
    for ticket in eligible:
        if ticket.number not in seen:
            seen.add(ticket.number)
            by_school.setdefault(ticket.school, []).append(ticket.number)
    prefix = hashlib.sha256(seed.encode() + b"\0")

    def key(number: str) -> bytes:  # sample_key(seed, number), without hashing the seed each time
        hashed = prefix.copy()
        hashed.update(number.encode())
        return hashed.digest()

    chosen: set[str] = set()
    for numbers in by_school.values():
        chosen.update(heapq.nsmallest(size.of(len(numbers)), numbers, key=key))
    sample: list[Eligible[S]] = []
    for ticket in eligible:
        if ticket.number in chosen:
            sample.append(ticket)
            chosen.discard(ticket.number)
    return sample


def eligible_digest(numbers: Iterable[str]) -> str:
    """A fingerprint of the eligible list a draw was made from (SHA-256 over the numbers, one a
    line, in order): the record says exactly what the sample was drawn from."""
    digest = hashlib.sha256()
    for number in numbers:
        digest.update(number.encode() + b"\n")
    return digest.hexdigest()


class Rectification(StrEnum):
    """Where a failed check's 整改 stands."""

    PENDING = "pending"  # sent back, the deadline not yet passed
    OVERDUE = "overdue"  # sent back, not answered again, the deadline passed
    ON_TIME = "on_time"  # answered again at or before the deadline in force
    LATE = "late"  # answered again after it


def rectification(
    due_at: datetime, answered_at: datetime | None, now: datetime, extended_to: datetime | None = None
) -> Rectification:
    """A failed check's rectification: the school's next answer after the verdict, against the
    deadline in force (the verdict's, or an extension granted during the rework)."""
    deadline = extended_to or due_at
    if answered_at is None:
        return Rectification.OVERDUE if now > deadline else Rectification.PENDING
    return Rectification.ON_TIME if answered_at <= deadline else Rectification.LATE


@dataclass
class Tally:
    """The results of a set of sampled tickets (one school, or all)."""

    sampled: int = 0
    checked: int = 0
    passed: int = 0
    failed: int = 0
    rectified: int = 0
    rectified_on_time: int = 0

    def add(self, verdict: str | None, state: Rectification | None) -> None:
        self.sampled += 1
        if verdict is None:
            return
        self.checked += 1
        if verdict == "pass":
            self.passed += 1
            return
        self.failed += 1
        if state in (Rectification.ON_TIME, Rectification.LATE):
            self.rectified += 1
        if state is Rectification.ON_TIME:
            self.rectified_on_time += 1

    @property
    def pass_rate(self) -> float | None:
        """通过率 = passed / checked; None before any check."""
        return round(self.passed / self.checked, 4) if self.checked else None
