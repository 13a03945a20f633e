"""Ticket use cases after intake, one module per group: the parent's view and rating
(`public`), staff reads (`views`), the lifecycle's staff actions (`actions`), the audited reveal
(`privacy`), the system's own actions (`system`), and what they share (`records`)."""

from .actions import REQUESTS, act
from .holds import resume_due_holds
from .privacy import reveal
from .public import public_view, rate
from .records import append_event
from .system import archive_expired
from .views import attachment_file, attachments, events, get_ticket, staff_view

__all__ = [
    "REQUESTS",
    "act",
    "append_event",
    "archive_expired",
    "attachment_file",
    "attachments",
    "events",
    "get_ticket",
    "public_view",
    "rate",
    "resume_due_holds",
    "reveal",
    "staff_view",
]
