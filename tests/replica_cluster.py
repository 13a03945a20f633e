"""A PostgreSQL primary and its streaming replica of the tests' own, on localhost: two clusters in
a temporary directory, the replica made from the primary's base backup (`pg_basebackup -R`), with
Debian's PostgreSQL binaries (else pgserver's). The shared server on 5432 is never touched."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .net import free_port

NEEDED = ("initdb", "pg_ctl", "pg_basebackup", "postgres")
# As root, the servers run as this user (PostgreSQL refuses to run as root).
SERVER_USER = "postgres"


def binaries() -> Path | None:
    """A directory holding every binary the pair needs, newest version first."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pgserver import _commands

        candidates.append(str(_commands.POSTGRES_BIN_PATH))
    except ImportError:
        pass
    for candidate in candidates:
        if all((Path(candidate) / name).is_file() for name in NEEDED):
            return Path(candidate)
    return None


def _version(path: str) -> int:
    part = Path(path).parent.name
    return int(part) if part.isdigit() else 0


def missing_reason() -> str | None:
    """Why the pair cannot be started here, or None."""
    if binaries() is None:
        return f"no PostgreSQL binaries ({', '.join(NEEDED)}) under /usr/lib/postgresql/*/bin or pgserver"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL as"
    return None


@dataclass
class Pair:
    bin: Path
    root: Path
    primary_port: int
    replica_port: int

    @property
    def primary(self) -> Path:
        return self.root / "primary"

    @property
    def replica(self) -> Path:
        return self.root / "replica"

    def dsn(self, port: int, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{database}"

    def run(self, name: str, *args: str) -> None:
        user = SERVER_USER if os.geteuid() == 0 else None
        subprocess.run(
            [str(self.bin / name), *args],
            check=True,
            user=user,
            capture_output=True,
            timeout=120,
            cwd=self.root,
        )

    def start(self, data: Path, port: int) -> None:
        options = f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", "-D", str(data), "-w", "-t", "60", "-l", str(data / "log"), "-o", options, "start")

    def stop(self, data: Path) -> None:
        self.run("pg_ctl", "-D", str(data), "-w", "-m", "fast", "stop")

    def stop_replica(self) -> None:
        self.stop(self.replica)

    def start_replica(self) -> None:
        self.start(self.replica, self.replica_port)


@contextmanager
def streaming_pair() -> Iterator[Pair]:
    """A primary and a hot standby streaming from it; both stopped and deleted afterwards."""
    bin_dir = binaries()
    assert bin_dir is not None, missing_reason()
    root = Path(tempfile.mkdtemp(prefix="hx-replica-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    pair = Pair(bin_dir, root, free_port(), free_port())
    started: list[Path] = []
    try:
        pair.run("initdb", "-D", str(pair.primary), "-U", "postgres", "--auth=trust", "--encoding=utf8")
        with open(pair.primary / "postgresql.conf", "a") as conf:
            # trust for replication on localhost is initdb's default with --auth=trust
            conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\nshared_buffers = 32MB\n")
        pair.start(pair.primary, pair.primary_port)
        started.append(pair.primary)
        pair.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres",
            "-D", str(pair.replica), "-R", "-X", "stream",
        )  # fmt: skip
        with open(pair.replica / "postgresql.conf", "a") as conf:
            conf.write("hot_standby = on\nhot_standby_feedback = on\n")
        pair.start_replica()
        started.append(pair.replica)
        yield pair
    finally:
        for data in reversed(started):
            with contextlib.suppress(subprocess.CalledProcessError):  # stopped by the test already
                pair.stop(data)
        shutil.rmtree(root, ignore_errors=True)
