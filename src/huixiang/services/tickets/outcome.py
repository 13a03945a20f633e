"""What an action's handler answers (shared by the lifecycle's action modules)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ...db.models import Ticket
from ...domain.access import Principal
from ..context import Ctx

Handler = Callable[[Ctx, Principal, Ticket, Any], Awaitable["Outcome"]]


@dataclass
class Outcome:
    internal_note: str | None = None  # the request's `note`, `reason` or `internal_note`
    data: dict[str, Any] | None = None
    rework: bool = False
    review: bool = False  # respond: the answer waits for a leader's sign-off (审核签发)
    # A public note of the action's own, when the request has none; "" withholds any (an answer
    # under review says nothing to the parent yet).
    public_note: str | None = None
