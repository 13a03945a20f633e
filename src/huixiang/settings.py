"""Settings from the environment, read once and cached. No I/O at import."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_ASSETS = Path(__file__).resolve().parents[2] / "node_modules"


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
    # Without public_url: the Host headers the QR codes and posters may use (else the address
    # the server listens at), e.g. ("hx.example.cn",). The Host header is the client's to set.
    allowed_hosts: tuple[str, ...] = ()
    # Tickets one address may send to the public API a minute (0: no limit; the benchmark).
    intake_limit: int = 10
    # The proxies whose X-Forwarded-For / -Proto uvicorn believes, comma-separated addresses or
    # networks ("" believes none: the peer is the client). Only they may set a client's address.
    trusted_proxies: str = ""
    # Networks group robots may be posted to though not public (services/targets.py): the tests'
    # receiver on 127.0.0.1, or a robot service deliberately inside your network. Default none.
    # Normalised ("127.0.0.1/32"); services/targets.py reads them as networks.
    webhook_allowed_networks: tuple[str, ...] = ()
    # Where npm installed the pages' front-end libraries (htmx, ECharts): `make` runs `npm ci`
    # into the checkout's node_modules; a deployment may point elsewhere.
    assets_dir: Path = DEFAULT_ASSETS
    # A streaming replica of the database (`postgresql+asyncpg://…`) that dashboards, exports and
    # reports read (services/replica.py); None: they read the primary.
    database_replica_url: str | None = None
    # Days after a ticket's loop closes (archived, inspected, merged) until the sweep anonymises
    # it (services/retention.py); 0 keeps everything. Default: three years.
    retention_days: int = 1095

    @property
    def tz_name(self) -> str:
        return self.timezone.key


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def parse_networks(variable: str, value: str) -> Networks:
    """`10.1.2.0/24, 127.0.0.1`: addresses or networks, comma-separated; ValueError naming
    `variable` for anything else."""
    networks = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{variable}: {item!r} is not an IP address or network") from None
    return tuple(networks)


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
        database_replica_url=env.get("HUIXIANG_DATABASE_REPLICA_URL") or None,
        redis_url=env.get("HUIXIANG_REDIS_URL") or None,
        data_dir=data_dir,
        secret_key=_secret_key(env, data_dir),
        timezone=ZoneInfo(env.get("HUIXIANG_TIMEZONE", "Asia/Shanghai")),
        web_workers=int(env.get("HUIXIANG_WEB_WORKERS", "1")),
        secure_cookies=env.get("HUIXIANG_SECURE_COOKIES", "").lower() in {"1", "true", "yes"},
        public_url=env.get("HUIXIANG_PUBLIC_URL") or None,
        allowed_hosts=tuple(
            h.strip().lower() for h in env.get("HUIXIANG_ALLOWED_HOSTS", "").split(",") if h.strip()
        ),
        intake_limit=int(env.get("HUIXIANG_INTAKE_LIMIT", "10")),
        retention_days=int(env.get("HUIXIANG_RETENTION_DAYS", "1095")),
        trusted_proxies=",".join(
            str(n)
            for n in parse_networks("HUIXIANG_TRUSTED_PROXIES", env.get("HUIXIANG_TRUSTED_PROXIES", ""))
        ),
        assets_dir=Path(env["HUIXIANG_ASSETS_DIR"]).resolve()
        if env.get("HUIXIANG_ASSETS_DIR")
        else DEFAULT_ASSETS,
        webhook_allowed_networks=tuple(
            str(n)
            for n in parse_networks(
                "HUIXIANG_WEBHOOK_ALLOWED_NETWORKS", env.get("HUIXIANG_WEBHOOK_ALLOWED_NETWORKS", "")
            )
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
