"""The composition root: builds the Litestar app from settings and (in tests) a given engine."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from litestar import Litestar, Response
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .. import __version__
from ..db.engine import make_engine, make_sessionmaker, raw_pool
from ..services.context import Caches
from ..settings import Settings, get_settings
from .deps import provide_ctx
from .errors import HANDLERS
from .routes import JSON_LIMIT, ROUTES

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
}


async def _security_headers(response: Response[object]) -> Response[object]:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def create_app(
    settings: Settings | None = None, engine: AsyncEngine | AsyncConnection | None = None
) -> Litestar:
    """The app. Tests pass a connection inside a transaction they roll back afterwards."""
    settings = settings or get_settings()

    state = State(
        {
            "settings": settings,
            "caches": Caches(),
            "redis": aioredis.from_url(
                settings.redis_url or "redis://127.0.0.1:6379/0",
                socket_connect_timeout=1,
                socket_timeout=1,
            ),
        }
    )
    state.raw_pool = None
    if engine is not None:  # given by the caller (tests), who also disposes of it
        state.engine = engine
        state.sessionmaker = make_sessionmaker(engine)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        own_engine = engine is None
        if own_engine:
            if not settings.database_url:
                raise RuntimeError("HUIXIANG_DATABASE_URL is not set; `huixiang serve` starts one for you.")
            app.state.engine = make_engine(settings.database_url)
            app.state.sessionmaker = make_sessionmaker(app.state.engine)
            app.state.raw_pool = await raw_pool(settings.database_url)
        try:
            yield
        finally:
            await app.state.redis.aclose()
            if own_engine:
                await app.state.raw_pool.close()
                await app.state.engine.dispose()

    return Litestar(
        route_handlers=ROUTES,
        dependencies={"ctx": Provide(provide_ctx)},
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        lifespan=[lifespan],
        state=state,
        after_request=_security_headers,  # type: ignore[arg-type]
        request_max_body_size=JSON_LIMIT,
        openapi_config=OpenAPIConfig(title="Huixiang API", version=__version__, path="/schema"),
        debug=False,
    )


def app_from_env() -> Litestar:
    """The entry point for uvicorn workers: settings from the environment."""
    return create_app()
