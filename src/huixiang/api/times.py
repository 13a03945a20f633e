"""One timestamp form in every JSON answer: the bureau's offset (+08:00 for Asia/Shanghai)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import tzinfo
from typing import Any

from litestar import Response

from ..services.schemas import in_zone


def in_bureau_zone(tz: tzinfo) -> Callable[[Response[Any]], Awaitable[Response[Any]]]:
    """The app's after-request hook: a handler's answer (a Struct, a list, a dict) with its times
    in `tz`, before it is encoded. A layer below the app that sets its own after_request hook
    replaces this one (Litestar keeps the closest): call this from it."""

    async def hook(response: Response[Any]) -> Response[Any]:
        # Files and other ready ASGI responses (static assets) carry no content to convert.
        if isinstance(response, Response):
            response.content = in_zone(response.content, tz)
        return response

    return hook
