"""Settings from the environment, read once and cached. No I/O at import."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None
    redis_url: str | None
    data_dir: Path
    secret_key: bytes
    timezone: ZoneInfo
    web_workers: int
    # Secure cookies: set when the site is served over TLS (directly or behind a proxy).
    secure_cookies: bool
    # The address parents reach the site at (QR codes and posters), e.g. https://hx.example.cn
    public_url: str | None = None

    @property
    def tz_name(self) -> str:
        return self.timezone.key


def _secret_key(env: dict[str, str], data_dir: Path) -> bytes:
    """The secret from the environment, else one generated once into the data dir."""
    if value := env.get("HUIXIANG_SECRET_KEY"):
        return value.encode()
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    data_dir = Path(env.get("HUIXIANG_DATA_DIR", "./var")).resolve()
    return Settings(
        database_url=env.get("HUIXIANG_DATABASE_URL") or None,
        redis_url=env.get("HUIXIANG_REDIS_URL") or None,
        data_dir=data_dir,
        secret_key=_secret_key(env, data_dir),
        timezone=ZoneInfo(env.get("HUIXIANG_TIMEZONE", "Asia/Shanghai")),
        web_workers=int(env.get("HUIXIANG_WEB_WORKERS", "1")),
        secure_cookies=env.get("HUIXIANG_SECURE_COOKIES", "").lower() in {"1", "true", "yes"},
        public_url=env.get("HUIXIANG_PUBLIC_URL") or None,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
