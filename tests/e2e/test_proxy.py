"""`huixiang web` as a real process: X-Forwarded-For names the client only when the peer is one
of HUIXIANG_TRUSTED_PROXIES (none by default), so a client cannot pick a new address for each
guess and step around the login limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from huixiang.services.login_limits import PAIR_LIMIT

from ..net import free_port

pytestmark = pytest.mark.slow


def _post(url: str, body: dict[str, str], forwarded_for: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "x-forwarded-for": forwarded_for},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline, last = time.monotonic() + 90, "no answer"
    while time.monotonic() < deadline:
        assert process.poll() is None, "huixiang web exited"
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2):
                return
        except urllib.error.HTTPError as error:
            last = f"{error.code} {error.read()[:200]!r}"
        except (urllib.error.URLError, OSError) as error:
            last = repr(error)
        time.sleep(0.2)
    raise AssertionError(f"huixiang web did not answer /health within 90 s: {last}")


@pytest.fixture
def web(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[object]:
    processes: list[subprocess.Popen[bytes]] = []
    logs: list[IO[bytes]] = []

    def start(trusted: str | None) -> str:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUIXIANG_")}
        env |= {
            "HUIXIANG_DATABASE_URL": database_url,
            "HUIXIANG_REDIS_URL": redis_url,
            "HUIXIANG_DATA_DIR": str(tmp_path),
            "HUIXIANG_SECRET_KEY": f"proxy-test-{uuid.uuid4().hex}",
        }
        if trusted is not None:
            env["HUIXIANG_TRUSTED_PROXIES"] = trusted
        command = [sys.executable, "-m", "huixiang.cli", "web", "--host", "127.0.0.1", "--port", str(port)]
        logs.append((tmp_path / f"web-{port}.log").open("wb"))
        processes.append(subprocess.Popen(command, env=env, stdout=logs[-1], stderr=subprocess.STDOUT))
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, processes[-1])
        return base

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=15)
    for log in logs:
        log.close()


def _guesses(base: str) -> list[int]:
    """PAIR_LIMIT + 1 wrong passwords for one username, each claiming another address."""
    body = {"username": f"ghost-{uuid.uuid4().hex[:8]}", "password": "wrong-password"}
    return [_post(f"{base}/api/v1/auth/login", body, f"198.51.100.{n + 1}") for n in range(PAIR_LIMIT + 1)]


def test_forwarded_for_from_an_untrusted_peer_is_ignored(web: object) -> None:
    base = web(None)  # type: ignore[operator]
    assert _guesses(base) == [401] * PAIR_LIMIT + [429]


def test_forwarded_for_from_a_trusted_proxy_names_the_client(web: object) -> None:
    base = web("127.0.0.1")  # type: ignore[operator]
    assert _guesses(base) == [401] * (PAIR_LIMIT + 1)
