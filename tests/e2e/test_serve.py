"""`huixiang serve` as a newcomer runs it: embedded PostgreSQL and Redis, the web app, and a
clean stop on SIGTERM that leaves no PostgreSQL behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_running(data_dir: Path) -> bool:
    found = subprocess.run(["pgrep", "-f", f"postgres -D {data_dir}"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.mark.slow
def test_serve_with_embedded_services_answers_then_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIXIANG_")}
    env["HUIXIANG_DATA_DIR"] = str(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "-m", "huixiang.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = None
        # A fresh checkout compiles every module of three child processes on first start.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    health = json.loads(answer.read())
                    break
            except OSError:
                if server.poll() is not None:
                    break  # serve exited: its output is in the failure below
                time.sleep(0.2)
        assert health is not None, "serve did not answer /health"
        assert (health["status"], health["database"], health["broker"]) == ("ok", "ok", "ok")
        assert _postgres_running(tmp_path / "postgres")

        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/login",
            data=json.dumps({"username": "nobody", "password": "wrong-password"}).encode(),
            headers={"content-type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 401
        refused.value.close()
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert f"http://127.0.0.1:{port}" in output
    deadline = time.monotonic() + 10
    while _postgres_running(tmp_path / "postgres") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _postgres_running(tmp_path / "postgres"), "serve left its PostgreSQL running"
