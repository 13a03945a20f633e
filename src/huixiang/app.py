"""The composition root: builds the Litestar app from settings and (in tests) a given engine."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
import swagger_ui
from litestar import Litestar
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.types import Message, Scope
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from . import __version__
from .api import ROUTES, openapi
from .api.deps import end_abandoned, provide_ctx, provide_reading_ctx, utcnow
from .api.errors import HANDLERS
from .api.times import in_bureau_zone
from .db.engine import make_engine, make_sessionmaker, raw_pool
from .edge.body import MAX_JSON_BYTES
from .edge.cross_site import CrossSiteMiddleware
from .services.context import Caches
from .settings import Settings, get_settings
from .web import site

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
CSP = (
    b"default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'self'; "
    b"form-action 'self'"
)
# The API documentation page starts Swagger UI with an inline script; nothing else may.
DOCS_CSP = CSP.replace(b"default-src 'self';", b"default-src 'self'; script-src 'self' 'unsafe-inline';")
DOCS = "/schema"
SWAGGER_ASSETS = "/static/swagger"


async def _security_headers(message: Message, scope: Scope) -> None:
    """Every response, errors and 404s included, gets the security headers."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", []))
    present = {name.lower() for name, _ in headers}
    csp = DOCS_CSP if str(scope.get("path", "")).startswith(DOCS) else CSP
    for name, value in [*SECURITY_HEADERS, (b"content-security-policy", csp)]:
        if name not in present:
            headers.append((name, value))
    if str(scope.get("path", "")).startswith("/api/") and b"cache-control" not in present:
        headers.append((b"cache-control", b"no-store"))  # staff data and parents' tickets: never cached
    message["headers"] = headers


def _docs() -> tuple[OpenAPIConfig, list[Any]]:
    """OpenAPI at /schema, with Swagger UI served from the wheel, not a CDN an intranet or a
    Chinese network may not reach."""
    plugin = SwaggerRenderPlugin(
        js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
        css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
        path="/swagger",
    )
    config = OpenAPIConfig(
        title="Huixiang API",
        version=__version__,
        path=DOCS,
        render_plugins=[plugin],
        components=openapi.COMPONENTS,  # the security schemes (api/openapi.py)
    )
    assets = create_static_files_router(
        path=SWAGGER_ASSETS,
        directories=[Path(swagger_ui.__file__).parent / "static"],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86400, public=True),
    )
    return config, [assets]


def create_app(
    settings: Settings | None = None,
    engine: AsyncEngine | AsyncConnection | None = None,
    clock: Callable[[], datetime] = utcnow,
    replica: AsyncEngine | None = None,
) -> Litestar:
    """The app. Tests pass a connection inside a transaction they roll back afterwards, and a
    clock of their own: every request's `now` comes from `clock`. `replica`: an engine on a read
    replica (tests), else one from HUIXIANG_DATABASE_REPLICA_URL when it is set."""
    settings = settings or get_settings()

    state = State(
        {
            "settings": settings,
            "caches": Caches(),
            "clock": clock,
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
    # Dashboards, exports and reports read here (services/replica.py); None: the primary.
    state.replica_sessionmaker = make_sessionmaker(replica) if replica is not None else None

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        own_engine = engine is None
        if own_engine:
            if not settings.database_url:
                raise RuntimeError("HUIXIANG_DATABASE_URL is not set; `huixiang serve` starts one for you.")
            app.state.engine = make_engine(settings.database_url)
            app.state.sessionmaker = make_sessionmaker(app.state.engine)
            app.state.raw_pool = await raw_pool(settings.database_url)
        own_replica = replica is None and settings.database_replica_url is not None
        if own_replica:
            app.state.replica_engine = make_engine(settings.database_replica_url or "", pool_size=10)
            app.state.replica_sessionmaker = make_sessionmaker(app.state.replica_engine)
        try:
            yield
        finally:
            await app.state.redis.aclose()
            if own_engine:
                await app.state.raw_pool.close()
                await app.state.engine.dispose()
            if own_replica:
                await app.state.replica_engine.dispose()

    docs, assets = _docs()
    return Litestar(
        route_handlers=[*ROUTES, *assets, *site.routes(settings.assets_dir)],
        template_config=site.templates(),
        # "hot_ctx": a request's own pooled autocommit connection, for pages that only read
        # (web/staff/session.provide_reading_ctx); "ctx": one transaction per request.
        dependencies={"ctx": Provide(provide_ctx), "hot_ctx": Provide(provide_reading_ctx)},
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        after_exception=[end_abandoned],
        lifespan=[lifespan],
        state=state,
        before_send=[_security_headers],
        after_request=in_bureau_zone(settings.timezone),  # one timestamp form in every answer
        middleware=[CrossSiteMiddleware()],  # cross-site writes and non-JSON API bodies
        request_max_body_size=MAX_JSON_BYTES,
        openapi_config=docs,
        plugins=[openapi.StrictStructs(), HTMXPlugin()],  # strict request schemas; request.htmx
        debug=False,
    )


def app_from_env() -> Litestar:
    """The entry point for uvicorn workers: settings from the environment."""
    return create_app()
