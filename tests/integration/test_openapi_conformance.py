"""The API answers as /schema/openapi.json says: schemathesis (the repository's schemathesis.toml)
against `huixiang web` on a loopback port, on a database of its own, as an admin. Any answer with
an undocumented status code, content type, header or body, and any 500, fails the test with
schemathesis's report."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import LOCAL_ADMIN_DSN, _run
from tests.net import free_port, reachable

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
ADMIN, PASSWORD = "openapi-admin", "openapi-password-1"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
# Bounded for a test (well under a minute on two busy cores): the property-based phases, positive
# and negative data, a few examples per operation, a fixed seed so a failure can be replayed. The
# coverage phase (every constraint's edge, ~1,800 requests) runs by hand: docs/api.md.
RUN = ["--phases", "examples,fuzzing,stateful", "--max-examples", "6", "--seed", "20261118"]
RUN += ["--workers", "2", "--no-color"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not reachable("127.0.0.1", 5432), reason="needs the local PostgreSQL"),
]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A database of its own: the run commits (orgs, users, tickets) where no other test looks."""
    name = f"hx_openapi_{uuid.uuid4().hex[:10]}"

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(LOCAL_ADMIN_DSN)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    _run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{LOCAL_ADMIN_DSN.rsplit('/', 1)[0]}/{name}".replace(
            "postgresql://", "postgresql+asyncpg://", 1
        )
    finally:
        _run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def server(database: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`huixiang web` on a free loopback port, on a migrated database with an admin, a school and
    two tickets (one with an attachment), so the answers checked carry real rows. The school has
    the demo's code, which the intake's example in the document names."""
    env = {
        **os.environ,
        "HUIXIANG_DATABASE_URL": database,
        "HUIXIANG_REDIS_URL": redis_url,
        "HUIXIANG_DATA_DIR": str(tmp_path_factory.mktemp("openapi-data")),
        "HUIXIANG_SECRET_KEY": f"openapi-{uuid.uuid4().hex}",
    }
    command = [sys.executable, "-m", "huixiang.cli"]
    admin = ["--username", ADMIN, "--password", PASSWORD]
    subprocess.run([*command, "create-admin", *admin], env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("openapi-web") / "web.log"
    with log.open("wb") as output:
        web = subprocess.Popen([*command, "web", "--port", str(port)], env=env, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"{url}/health"):
            assert web.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "huixiang web did not answer /health within 60 s"
            time.sleep(0.2)
        _seed(url)
        yield url
    finally:
        web.terminate()
        web.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _token(url: str) -> str:
    answer = httpx.post(
        f"{url}/api/v1/auth/login", json={"username": ADMIN, "password": PASSWORD}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def _seed(url: str) -> None:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {_token(url)}"}, timeout=10) as api:
        for org in (
            {"code": "demo-qinghe", "name": "清河区教育局", "kind": "district", "parent_code": "root"},
            {"code": "demo-shiyan", "name": "第一实验小学", "kind": "school", "parent_code": "demo-qinghe"},
        ):
            assert api.post("/api/v1/orgs", json=org).status_code == 201
        ticket = {
            "school_code": "demo-shiyan",
            "kind": "complaint",
            "category": "食堂膳食",
            "content": "孩子说最近食堂的菜太咸了。",
            "consent": True,
            "contact": {"name": "王女士", "phone": "13812341234"},
        }
        assert api.post("/api/v1/public/tickets", json=ticket).status_code == 201, "JSON intake"
        form = {
            "school_code": "demo-shiyan",
            "kind": "suggestion",
            "category": "食堂膳食",
            "content": "附照片。",
        }
        answer = api.post(
            "/api/v1/public/tickets",
            data={**form, "consent": "true"},
            files=[("files", ("menu.png", PNG, "image/png"))],
        )
        assert answer.status_code == 201, answer.text


def _schemathesis(url: str, *arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(ROOT / "schemathesis.toml"),
            "run",
            f"{url}/schema/openapi.json",
            "--header",
            f"Authorization: Bearer {_token(url)}",
            *RUN,
            *arguments,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_answer_matches_the_openapi_document(server: str, tmp_path: Path) -> None:
    # Logging out would end the token the other operations use: it runs alone, after them.
    rest = _schemathesis(server, "--exclude-operation-id", "logout", cwd=tmp_path)
    assert rest.returncode == 0, rest.stdout[-20000:] + rest.stderr[-2000:]
    logout = _schemathesis(
        server, "--include-operation-id", "logout", "--phases", "examples,fuzzing", cwd=tmp_path
    )
    assert logout.returncode == 0, logout.stdout[-20000:] + logout.stderr[-2000:]
