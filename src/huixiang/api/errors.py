"""Errors to HTTP for the API: the one table (edge/errors.py) answered as JSON,
{status_code, detail}, never a page or a stack trace."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

from ..edge.errors import classify


def error(status: int, detail: str, headers: dict[str, str] | None = None) -> Response[dict[str, object]]:
    return Response({"status_code": status, "detail": detail}, status_code=status, headers=headers)


def json_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, object]]:
    # Litestar's own refusals carry headers the client needs (405: `Allow`).
    headers = exc.headers if isinstance(exc, HTTPException) else None
    return error(*classify(request, exc), headers=headers)


HANDLERS = {Exception: json_error}
