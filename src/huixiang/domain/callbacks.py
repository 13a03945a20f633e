"""Independent callbacks (回访): after an answer, someone other than the handler calls the parent
and records whether the matter is resolved, how satisfied they are, and whether the child has
been treated differently since.

A bureau or district sets a policy: who calls back (the school office — its registrars and
leaders — or the bureau's inspectors of the ticket's district) and the share of answered
tickets called back (all, or a percentage). The sample is a reproducible draw like the spot
checks' (domain/spot_checks.py): a ticket is drawn when SHA-256(seed, NUL, number) read as a
number falls under the share, so anyone can recompute which tickets were due a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .enums import Rating, Role
from .errors import Invalid
from .spot_checks import check_seed, sample_key


class Caller(StrEnum):
    SCHOOL = "school"  # the school office: its registrars and leaders
    BUREAU = "bureau"  # the inspectors of the ticket's district


CALLER_ROLES: Mapping[Caller, frozenset[Role]] = {
    Caller.SCHOOL: frozenset({Role.REGISTRAR, Role.LEADER}),
    Caller.BUREAU: frozenset({Role.INSPECTOR}),
}
DEFAULT_SEED = "huixiang-callbacks"


@dataclass(frozen=True, slots=True)
class CallbackPolicy:
    """Who calls back and how many: `percent` of the answered tickets with a contact (100: all;
    0: no callbacks). The draw's `seed` makes the sample reproducible."""

    caller: Caller = Caller.SCHOOL
    percent: int = 100
    seed: str = DEFAULT_SEED

    def __post_init__(self) -> None:
        if not 0 <= self.percent <= 100:
            raise Invalid("`percent` must be a whole number from 0 to 100.")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CallbackPolicy:
        caller = data.get("caller", Caller.SCHOOL.value)
        if caller not in {c.value for c in Caller}:
            raise Invalid("`caller` must be one of: school, bureau.")
        percent = data.get("percent", 100)
        if not isinstance(percent, int) or isinstance(percent, bool):
            raise Invalid("`percent` must be a whole number from 0 to 100.")
        seed = data.get("seed", DEFAULT_SEED)
        if not isinstance(seed, str):
            raise Invalid("`seed` must be text.")
        return cls(Caller(caller), percent, check_seed(seed))

    def to_json(self) -> dict[str, Any]:
        return {"caller": self.caller.value, "percent": self.percent, "seed": self.seed}

    def draws(self, number: str) -> bool:
        """Whether the ticket `number` is called back: its key's first 8 bytes, as a share of
        2**64, fall under the percentage (all at 100, none at 0)."""
        if self.percent >= 100:
            return True
        key = int.from_bytes(sample_key(self.seed, number)[:8], "big")
        return key * 100 < self.percent * 2**64


def may_call(policy_caller: Caller, roles: frozenset[Role]) -> bool:
    """Whether these roles (over the ticket) are the callers the policy names."""
    return bool(CALLER_ROLES[policy_caller] & roles)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the parent said on the call."""

    resolved: bool
    satisfaction: Rating
    treated_differently: bool

    @property
    def rework(self) -> bool:
        """未解决 sends the ticket back for rework (重办)."""
        return not self.resolved


@dataclass
class CallbackTally:
    """The callbacks of a unit and period: made, resolved, satisfied, signs of retaliation."""

    pending: int = 0
    made: int = 0
    resolved: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0
    treated_differently: int = 0

    def add(self, outcome: Outcome | None) -> None:
        if outcome is None:
            self.pending += 1
            return
        self.made += 1
        self.resolved += outcome.resolved
        self.treated_differently += outcome.treated_differently
        if outcome.satisfaction is Rating.SATISFIED:
            self.satisfied += 1
        elif outcome.satisfaction is Rating.BASICALLY_SATISFIED:
            self.basically_satisfied += 1
        else:
            self.unsatisfied += 1

    @property
    def resolved_rate(self) -> float | None:
        """解决率 = resolved / made; None before any call."""
        return round(self.resolved / self.made, 4) if self.made else None

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率 = (满意 + 基本满意) / made, as the figures' satisfaction rate."""
        return round((self.satisfied + self.basically_satisfied) / self.made, 4) if self.made else None
