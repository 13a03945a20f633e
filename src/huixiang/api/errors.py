"""Errors to HTTP, in one table. Every error body is JSON: {status_code, detail}."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from ..domain import errors as e

log = logging.getLogger("huixiang.api")

STATUS: dict[type[e.DomainError], int] = {
    e.Invalid: 400,
    e.Unauthenticated: 401,
    e.NotPermitted: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.IllegalTransition: 409,
    e.IdempotencyMismatch: 422,
    e.TooLarge: 413,
    e.TooManyRequests: 429,
}

DB_DOWN = "The database is unavailable right now; please try again in a moment."


def error(status: int, detail: str) -> Response[dict[str, object]]:
    return Response({"status_code": status, "detail": detail}, status_code=status)


def domain_error(_: Request, exc: e.DomainError) -> Response[dict[str, object]]:
    status = next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 400)
    return error(status, exc.message)


def validation_error(_: Request, exc: ValidationException) -> Response[dict[str, object]]:
    """Litestar's own validation (bodies, query parameters): name the field in the sentence."""
    problems = exc.extra if isinstance(exc.extra, list) else []
    sentences = []
    for problem in problems:
        if isinstance(problem, dict):
            key = problem.get("key") or "body"
            message = str(problem.get("message", "is invalid")).rstrip(".")
            sentences.append(f"Invalid `{key}`: {message}.")
    if not sentences:
        sentences.append(_plain(exc.detail))
    return error(400, " ".join(sentences))


def _plain(detail: str) -> str:
    if "decode" in detail.lower() or "json" in detail.lower() or "malformed" in detail.lower():
        return "The request body is not valid JSON."
    return detail


def http_error(_: Request, exc: HTTPException) -> Response[dict[str, object]]:
    detail = exc.detail
    if exc.status_code == 413:
        detail = "The request body is too large."
    elif exc.status_code == 405:
        detail = "This method is not allowed on this address."
    elif exc.status_code == 404 and detail == "Not Found":
        detail = "Nothing is at this address."
    elif exc.status_code == 400:
        detail = _plain(detail)
    return error(exc.status_code, detail)


def stale(_: Request, __: StaleDataError) -> Response[dict[str, object]]:
    return error(409, "The ticket was changed by someone else at the same time; reload it and try again.")


# Text PostgreSQL cannot store (a NUL character, from a body, a path or a query): the client's
# input is wrong, not the server: 400, never 500.
BAD_CHARACTERS = {"22021", "22P05"}  # character_not_in_repertoire, untranslatable_character


def _sqlstate(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(code := getattr(seen, "sqlstate", None), str):
            return code
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__
    return None


def bad_characters(exc: BaseException) -> Response[dict[str, object]] | None:
    if _sqlstate(exc) in BAD_CHARACTERS:
        return error(400, "The request contains a character that cannot be stored, such as NUL (\\u0000).")
    return None


def database_down(request: Request, exc: Exception) -> Response[dict[str, object]]:
    if (refused := bad_characters(exc)) is not None:
        return refused
    if (
        isinstance(exc, DBAPIError)
        and not isinstance(exc, OperationalError | InterfaceError)
        and (not exc.connection_invalidated)
    ):
        log.exception("database error on %s %s", request.method, request.url.path)
        return error(500, "An unexpected database error occurred; it has been logged.")
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return error(503, DB_DOWN)


def unexpected(request: Request, exc: Exception) -> Response[dict[str, object]]:
    if (refused := bad_characters(exc)) is not None:
        return refused
    if isinstance(exc, OSError | TimeoutError):  # the database's socket refused or timed out
        return database_down(request, exc)
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error(500, "An unexpected error occurred; it has been logged.")


HANDLERS = {
    e.DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    StaleDataError: stale,
    DBAPIError: database_down,
    PoolTimeout: database_down,
    Exception: unexpected,
}
