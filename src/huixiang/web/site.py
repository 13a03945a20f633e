"""Mounting the parents' site: templates (autoescaped Jinja with the catalogue) and assets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.datastructures import CacheControlHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from .i18n import translate
from .routes import ParentSite

HERE = Path(__file__).parent


def templates() -> TemplateConfig[Any]:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True)
    )
    environment.globals["t"] = translate
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


ROUTES: list[ControllerRouterHandler] = [
    ParentSite,
    create_static_files_router(
        path="/static/site",
        directories=[HERE / "static"],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86400, public=True),
    ),
]
