"""The one error table: every exception a request can raise, to a status and an English sentence.

The API answers it as JSON (api/errors.py), the pages as a page in Chinese chosen by the status
(web/routes.py): both read the status from here, so a 409 is a 409 on either side."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from ..domain import errors as e
from . import body

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
    e.Unavailable: 503,
}

DB_DOWN = "The database is unavailable right now; please try again in a moment."
NOWHERE = "Nothing is at this address."
STALE = "The ticket was changed by someone else at the same time; reload it and try again."
BAD_CHARACTER = "The request contains a character that cannot be stored, such as NUL (\\u0000)."
# Text PostgreSQL cannot store (a NUL character, from a body, a path or a query): the client's
# input is wrong, not the server: 400, never 500.
BAD_CHARACTERS = {"22021", "22P05"}  # character_not_in_repertoire, untranslatable_character
# Client names of parameters whose Python names differ (a keyword cannot be a parameter name).
CLIENT_NAMES = {"from_": "from"}
INT64_MAX = 2**63 - 1


def classify(request: Request[Any, Any, Any], exc: Exception) -> tuple[int, str]:
    """The status and the sentence for an exception raised while answering `request`."""
    method, path = request.method, request.url.path
    if isinstance(exc, e.DomainError):
        return status_of(exc), exc.message
    if isinstance(exc, ValidationException):
        return 400, _validation_sentence(request, exc)
    if isinstance(exc, HTTPException):
        return exc.status_code, _http_sentence(exc)
    if isinstance(exc, StaleDataError):
        return 409, STALE
    if _sqlstate(exc) in BAD_CHARACTERS:
        return 400, BAD_CHARACTER
    connection_lost = isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )
    if isinstance(exc, DBAPIError) and not connection_lost:
        log.exception("database error on %s %s", method, path)
        return 500, "An unexpected database error occurred; it has been logged."
    if isinstance(exc, DBAPIError | PoolTimeout | OSError | TimeoutError):
        # The database refused, dropped or timed out (its socket, its pool): not the client's fault.
        log.warning("database unavailable on %s %s: %s", method, path, exc)
        return 503, DB_DOWN
    log.exception("unexpected error on %s %s", method, path)
    return 500, "An unexpected error occurred; it has been logged."


def status_of(exc: e.DomainError) -> int:
    return next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 400)


def _validation_sentence(request: Request[Any, Any, Any], exc: ValidationException) -> str:
    """Litestar's own validation (query and path parameters, typed bodies): name the field as
    the client sent it (a body's fields without Litestar's `data`), with an enum's values."""
    problems = exc.extra if isinstance(exc.extra, list) else []
    sentences = []
    for problem in problems:
        if not isinstance(problem, dict):
            continue
        key = str(problem.get("key") or "")
        message = str(problem.get("message", "is invalid"))
        parameter, data = _declared_types(request, key)
        if parameter is not None:
            sentences.append(body.field_sentence(CLIENT_NAMES.get(key, key), message, parameter))
        elif key in ("", "data"):
            sentences.append(body.sentence(message, data, prefix="data"))
        else:
            name = key.removeprefix("data.")
            sentences.append(body.field_sentence(name, message, data, name))
    return " ".join(sentences) or _plain(exc.detail)


def _declared_types(request: Request[Any, Any, Any], key: str) -> tuple[Any, Any]:
    """The type Litestar checked the parameter `key` against (of the handler or one of its
    dependencies), if `key` is one; and the body's type, if the handler takes a body."""
    handler = request.route_handler
    parameters = dict(handler.parsed_fn_signature.parameters)
    for provider in handler.resolve_dependencies().values():
        parameters.update(provider.parsed_fn_signature.parameters)
    parameter = parameters.get(key) if key != "data" else None
    data = handler.parsed_data_field
    return (
        parameter.annotation if parameter is not None else None,
        data.annotation if data is not None else None,
    )


def _plain(detail: str) -> str:
    if "decode" in detail.lower() or "json" in detail.lower() or "malformed" in detail.lower():
        return "The request body is not valid JSON."
    return detail


def _http_sentence(exc: HTTPException) -> str:
    if exc.status_code == 413:
        return "The request body is too large."
    if exc.status_code == 405:
        return "This method is not allowed on this address."
    if exc.status_code == 404 and exc.detail == "Not Found":
        return NOWHERE
    if exc.status_code == 400:
        return _plain(exc.detail)
    return exc.detail


def _sqlstate(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(code := getattr(seen, "sqlstate", None), str):
            return code
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__
    return None


async def path_ints_in_range(connection: ASGIConnection[Any, Any, Any, Any], _: Any) -> None:
    """A guard on the routes with an integer in their path (`{name:int}`): one beyond a database
    id's range (int64) names nothing, so it is a 404 like any unknown id, not an error from the
    driver. Async although it awaits nothing: Litestar runs a sync guard in a worker thread."""
    for value in connection.path_params.values():
        if isinstance(value, int) and not -INT64_MAX <= value <= INT64_MAX:
            raise e.NotFound(NOWHERE)
