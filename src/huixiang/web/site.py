"""Mounting the pages: templates (autoescaped Jinja with the catalogue), routes and assets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.datastructures import CacheControlHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from . import admin, bureau, staff, visits
from .i18n import translate
from .routes import ParentSite
from .staff.pages import local_time

HERE = Path(__file__).parent


def templates() -> TemplateConfig[Any]:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True)
    )
    environment.globals["t"] = translate
    environment.filters["local"] = local_time
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def _static(path: str, directory: Path) -> ControllerRouterHandler:
    return create_static_files_router(
        path=path,
        directories=[directory],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86400, public=True),
    )


def routes(assets: Path) -> list[ControllerRouterHandler]:
    """The pages, their assets, and the front-end libraries npm installed into `assets` (served
    by the app itself: many school networks reach no CDN)."""
    return [
        ParentSite,
        *staff.ROUTES,
        *admin.ROUTES,
        *bureau.ROUTES,
        *visits.ROUTES,
        _static("/static/site", HERE / "static"),
        _static("/static/vendor/htmx", assets / "htmx.org" / "dist"),
        _static("/static/vendor/echarts", assets / "echarts" / "dist"),
    ]
