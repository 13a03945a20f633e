"""Domain errors, named by cause. The API maps each class to one HTTP status, in one table."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user can act on. The message is a sentence for that user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(DomainError):
    """The input is wrong: a field is missing, malformed or out of range (400)."""


class Unauthenticated(DomainError):
    """No valid credentials (401)."""


class NotPermitted(DomainError):
    """The caller's role may not do this (403)."""


class NotFound(DomainError):
    """Unknown, or outside the caller's scope: the two are never told apart (404)."""


class Conflict(DomainError):
    """A uniqueness or concurrency conflict: duplicate code, stale version (409)."""


class IllegalTransition(Conflict):
    """The action is not allowed in the ticket's current state (409)."""


class IdempotencyMismatch(DomainError):
    """The same Idempotency-Key was sent with another body (422)."""


class TooLarge(DomainError):
    """A body or file is over its limit (413)."""


class TooManyRequests(DomainError):
    """Rate limit or lockout (429)."""


class Unavailable(DomainError):
    """A part the request needs is down (503)."""


class ReplicaUnavailable(Unavailable):
    """The read replica that figures, exports and reports read is down (503)."""
