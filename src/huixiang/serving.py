"""The web app as `huixiang web` hands it to uvicorn (by name: the CLI does not import the app)."""

from __future__ import annotations

import multiprocessing
import signal

from litestar import Litestar

from . import procs
from .app import app_from_env


def web_app() -> Litestar:
    """uvicorn's factory. With HUIXIANG_WEB_WORKERS > 1 uvicorn runs the app in processes of its
    own; each dies with the uvicorn process that started them, as serve's children do with it."""
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:
        procs.die_with_parent(signal.SIGKILL, parent.pid)
    return app_from_env()
