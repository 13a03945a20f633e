"""The bodies and answers of 主办/协办 and 审核签发 (services/tickets/cohandling.py)."""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct

from .schemas import ActionInput, Input, Note, RequiredNote


class ApproveRequest(ActionInput):
    """签发: the answer under review goes to the parent; `public_note` (or, left out, the one the
    handler wrote with the answer) is shown on the parent's timeline."""

    note: Note | None = None


class SendBackRequest(ActionInput):
    """退回修改: back to the assignee, with what to change (internal)."""

    note: RequiredNote


class NoteAction(ActionInput):
    """批注: an internal note by the lead, a helper or a leader."""

    note: RequiredNote


class DraftRequest(Input):
    """The caller's draft answer on a ticket; a blank text deletes it."""

    text: Note


class DraftView(Struct):
    author: str
    author_name: str
    text: str
    updated_at: datetime


class DraftList(Struct):
    items: list[DraftView]
