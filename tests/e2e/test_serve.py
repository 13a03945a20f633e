"""`huixiang serve` as a newcomer runs it, with real processes: embedded PostgreSQL and Redis, the
web app, a worker and the scheduler. A clean stop takes a few seconds and leaves nothing; after
`kill -9` of serve nothing it started runs within 5 s, and a new serve on the same port and data
dir answers with the data and the archive's chains intact; a new serve stops what an earlier
version left running on the data dir."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from ..net import free_port

pytestmark = pytest.mark.slow

CLEAN_STOP = 6.0  # seconds; container runtimes SIGKILL after 10


# --- looking at processes from outside ------------------------------------------------------------


def _parents() -> dict[int, int]:
    """pid → parent pid of every live (non-zombie) process."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(pid: int) -> set[int]:
    parents = _parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    return pids & set(_parents())


def postgres_running(data_dir: Path) -> bool:
    found = subprocess.run(["pgrep", "-f", f"postgres -D {data_dir / 'postgres'}"], capture_output=True)
    return bool(found.stdout.strip())


def wait_for(check: Callable[[], bool], what: str, within: float, every: float = 0.05) -> float:
    """Poll `check` until it holds; answer the seconds it took."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within} s: {what}")
        time.sleep(every)
    return time.monotonic() - started


# --- a serve process --------------------------------------------------------------------------------


class Serve:
    """`huixiang serve` as a child of the test, its output in a file."""

    def __init__(self, data_dir: Path, port: int, *args: str) -> None:
        self.data_dir, self.port = data_dir, port
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUIXIANG_")}
        env.update({"HUIXIANG_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
        self.log = data_dir.parent / f"serve-{port}-{time.monotonic_ns()}.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "huixiang.cli", "serve", "--port", str(port), *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_running(self, within: float = 240) -> None:
        """Until serve says it runs (after /health answered); a fresh checkout compiles every module
        of several processes, and the demo loads first."""

        def running() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.output()}")
            return "Huixiang is running on" in self.output()

        wait_for(running, "serve running", within, every=0.2)

    def get(self, path: str, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(f"{self.url}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def login(self, username: str, password: str) -> str:
        request = urllib.request.Request(
            f"{self.url}/api/v1/auth/login",
            data=json.dumps({"username": username, "password": password}).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return str(json.loads(answer.read())["token"])

    def stop(self, signals: int = 1) -> float:
        """SIGTERM (`signals` of them, alternating with SIGINT, as a person pressing Ctrl-C again
        or a supervisor repeating itself sends); answer the seconds serve took to exit."""
        started = time.monotonic()
        for i in range(signals):
            self.process.send_signal(signal.SIGTERM if i % 2 == 0 else signal.SIGINT)
        self.process.wait(timeout=30)
        return time.monotonic() - started

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Outside pytest's temporary root: a parallel pytest session resets that root to mode 0700,
    and the embedded PostgreSQL runs as another user (pgserver) when the tests run as root."""
    parent = Path(tempfile.mkdtemp(prefix="hx-serve-"))
    yield parent / "var"
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def serves() -> Iterator[list[Serve]]:
    """Every serve a test starts; whatever is left is killed at the end, with all it started."""
    started: list[Serve] = []
    yield started
    for serve in started:
        if serve.process.poll() is None:
            left = descendants(serve.process.pid)
            serve.kill()
            for pid in alive(left):
                os.kill(pid, signal.SIGKILL)


def _data(data_dir: Path) -> tuple[int, int, list[str]]:
    """Tickets, events and a sample of ticket numbers, read from the embedded PostgreSQL at the
    address serve publishes for the other commands."""
    state = json.loads((data_dir / "embedded.json").read_text())
    dsn = state["urls"]["HUIXIANG_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)

    async def read() -> tuple[int, int, list[str]]:
        connection = await asyncpg.connect(dsn)
        try:
            tickets = await connection.fetchval("SELECT count(*) FROM tickets")
            events = await connection.fetchval("SELECT count(*) FROM ticket_events")
            numbers = await connection.fetch(
                "SELECT t.number FROM tickets t JOIN orgs o ON o.id = t.school_id "
                "JOIN orgs d ON d.id = o.parent_id WHERE d.code = 'demo-qinghe' ORDER BY t.id LIMIT 25"
            )
            return int(tickets), int(events), [row["number"] for row in numbers]
        finally:
            await connection.close()

    return asyncio.run(read())


# --- the tests ------------------------------------------------------------------------------------------


def test_serve_with_embedded_services_answers_then_stops_cleanly_within_seconds(
    data_dir: Path, serves: list[Serve]
) -> None:
    serve = Serve(data_dir, free_port())
    serves.append(serve)
    serve.wait_running()
    health = serve.get("/health")
    assert (health["status"], health["database"], health["broker"]) == ("ok", "ok", "ok")
    assert postgres_running(data_dir)
    started = descendants(serve.process.pid)
    assert len(started) >= 5, started  # postgres, redis-server, web, worker (and its process), scheduler

    with pytest.raises(urllib.error.HTTPError) as refused:
        serve.login("nobody", "wrong-password")
    assert refused.value.code == 401
    refused.value.close()

    # A second serve on the same data dir refuses, and stops nothing of the first.
    second = Serve(data_dir, free_port())
    serves.append(second)
    assert second.process.wait(timeout=60) == 1
    assert "is in use by another huixiang process" in second.output()
    assert serve.get("/health")["status"] == "ok"

    # A burst of signals: the handler once took the stop event's lock inside itself and hung.
    took = serve.stop(signals=50)
    assert serve.process.returncode == 0, serve.output()
    assert took < CLEAN_STOP, f"a clean stop took {took:.1f} s"
    assert not alive(started), f"left running after a clean stop: {alive(started)}"
    assert not postgres_running(data_dir)
    assert f"Huixiang is running on http://127.0.0.1:{serve.port}" in serve.output()


def test_serve_killed_leaves_nothing_and_restarts_with_data_and_chains_intact(
    data_dir: Path, serves: list[Serve]
) -> None:
    port = free_port()
    first = Serve(data_dir, port, "--demo")
    serves.append(first)
    first.wait_running()
    output = first.output()
    assert "SMS to" not in output, "deliveries must be logged quietly"
    assert "key=" not in output, "a robot's URL (and its key) was logged"
    # The logins come last, under one summary line, after the first sweep's summary: nothing
    # scrolls them away.
    summary = output.index("Huixiang is running on")
    assert "sweep: " in output[:summary]
    table = output[summary:].splitlines()
    assert "demo-pass-2026" in table[0]
    assert table[1].split() == ["username", "role", "org"]
    assert table[3].startswith("demo-admin") and table[28].startswith("demo-yizhong-grid"), table[:30]

    before = _data(data_dir)
    assert before[0] > 100
    token = first.login("demo-qinghe-inspector", "demo-pass-2026")
    for number in before[2]:
        assert first.get(f"/api/v1/tickets/{number}/events", token)["chain_ok"] is True, number
    started = descendants(first.process.pid)
    assert len(started) >= 5, started

    first.kill()
    wait_for(lambda: not alive(started), "everything serve started to stop after kill -9", 5.0)
    assert not postgres_running(data_dir)

    second = Serve(data_dir, port)
    serves.append(second)
    second.wait_running()
    assert second.get("/health")["status"] == "ok"
    assert _data(data_dir) == before
    token = second.login("demo-qinghe-inspector", "demo-pass-2026")
    for number in before[2]:
        assert second.get(f"/api/v1/tickets/{number}/events", token)["chain_ok"] is True, number
    assert second.stop() < CLEAN_STOP
    assert second.process.returncode == 0, second.output()


def test_serve_stops_a_postgres_an_earlier_run_left_with_stale_handles(
    data_dir: Path, serves: list[Serve]
) -> None:
    """What earlier versions left after a crash: a PostgreSQL that pgserver started (daemonized by
    pg_ctl) and its `.handle_pids.json` naming a dead process. A new serve stops it, runs its own,
    and leaves nothing on SIGTERM."""
    (data_dir / "postgres").mkdir(parents=True)
    script = (
        "import os, pgserver; "
        f"pgserver.get_server({str(data_dir / 'postgres')!r}, cleanup_mode='stop'); "
        "os._exit(0)"  # no atexit: as if killed, the server stays up
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, capture_output=True)
    assert postgres_running(data_dir)
    assert json.loads((data_dir / "postgres" / ".handle_pids.json").read_text())  # a dead pid

    serve = Serve(data_dir, free_port())
    serves.append(serve)
    serve.wait_running()
    assert "stopped what an earlier run left" in serve.output()
    assert serve.get("/health")["database"] == "ok"
    started = descendants(serve.process.pid)
    assert serve.stop() < CLEAN_STOP
    assert not alive(started)
    wait_for(lambda: not postgres_running(data_dir), "no PostgreSQL on the data dir", 2.0)
