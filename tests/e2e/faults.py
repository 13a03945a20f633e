"""Real parts for the worker fault tests (test_workers_faults.py): a PostgreSQL database of the
test's own, a redis-server process on a free port, a group-robot receiver in this process, the
huixiang worker and scheduler as child processes, and the seed data, written through the
services. Nothing here mocks the broker or the database."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, TypeVar

import asyncpg
import redis

from huixiang.db.engine import make_engine, make_sessionmaker
from huixiang.domain.access import Principal
from huixiang.domain.enums import DEFAULT_CATEGORIES, Kind, OrgKind, Role
from huixiang.migrate import upgrade
from huixiang.services import accounts, intake
from huixiang.services import schemas as s
from huixiang.services.context import Caches, Ctx
from huixiang.settings import Settings, load_settings

from ..net import free_port
from ..redis_server import redis_executable

T = TypeVar("T")

SECRET = "fault-test-secret-key"
PASSWORD = "password-123"


def in_thread(work: Callable[[], T]) -> T:
    """Run blocking work (Alembic's env calls asyncio.run) in a thread of its own."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")  # type: ignore[return-value]


async def wait_until(
    check: Callable[[], Awaitable[bool]], what: str, within: float = 30, every: float = 0.25
) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            if await check():
                return
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            pass  # a part is restarting; look again
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(every)


# --- PostgreSQL --------------------------------------------------------------------------------


class Database:
    """A new database on a server (given by an admin DSN), migrated; dropped by drop()."""

    def __init__(self, admin_dsn: str) -> None:
        self.admin_dsn = admin_dsn
        self.name = f"hx_fault_{uuid.uuid4().hex[:10]}"
        if "host=" in admin_dsn:  # a Unix socket (pgserver): postgresql://postgres:@/postgres?host=…
            host = admin_dsn.split("host=", 1)[1].split("&", 1)[0]
            self.dsn = f"postgresql://postgres@/{self.name}?host={host}"
        else:
            self.dsn = f"{admin_dsn.rsplit('/', 1)[0]}/{self.name}"
        self.url = self.dsn.replace("postgresql://", "postgresql+asyncpg://", 1)

    async def create(self) -> None:
        connection = await asyncpg.connect(self.admin_dsn)
        try:
            await connection.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await connection.close()
        in_thread(lambda: upgrade(self.url))

    async def drop(self) -> None:
        connection = await asyncpg.connect(self.admin_dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await connection.close()

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return await fetch(self.dsn, sql, *args)

    async def value(self, sql: str, *args: Any) -> Any:
        rows = await self.fetch(sql, *args)
        return rows[0][0] if rows else None


async def fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """A connection per query, so a restarted server needs nothing reset."""
    connection = await asyncpg.connect(dsn, timeout=3)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


# --- Redis -------------------------------------------------------------------------------------


class RedisServer:
    """One redis-server process without persistence, on a port that stays the same across
    restarts (so workers and schedulers reconnect to it)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, socket_connect_timeout=1)

    def start(self) -> None:
        assert self.process is None, "already running"
        self._log = open(self.workdir / "redis.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                redis_executable(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with self.client() as client:
                    client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(sig)
            self.process.wait(timeout=10)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def flushall(self) -> None:
        with self.client() as client:
            client.flushall()

    def queued(self) -> int:
        """Messages in dramatiq's default queue: waiting, or taken and not yet acknowledged."""
        with self.client() as client:
            return int(client.hlen("dramatiq:default.msgs"))

    def message_ids(self) -> set[bytes]:
        with self.client() as client:
            return set(client.hkeys("dramatiq:default.msgs"))


# --- the group-robot receiver ------------------------------------------------------------------


class Receiver:
    """A WeCom robot stand-in: records every POST (path, text) on arrival, optionally waits
    `delay` seconds, then answers {"errcode": 0}."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                text = json.loads(body)["text"]["content"]
                with receiver.lock:
                    receiver.posts.append((self.path, text))
                if receiver.delay:
                    time.sleep(receiver.delay)
                answer = b'{"errcode":0,"errmsg":"ok"}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender died while we waited

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1})

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def counts(self) -> Counter[tuple[str, str]]:
        with self.lock:
            return Counter(self.posts)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# --- the huixiang processes --------------------------------------------------------------------


class Processes:
    """Worker and scheduler children, each the leader of its own process group so that a kill
    reaches dramatiq's forked worker processes too. Output goes to log files."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HUIXIANG_")}
        self.env.update(
            {
                "HUIXIANG_DATABASE_URL": settings.database_url or "",
                "HUIXIANG_REDIS_URL": settings.redis_url or "",
                "HUIXIANG_DATA_DIR": str(settings.data_dir),
                "HUIXIANG_SECRET_KEY": SECRET,
                # The robot receiver listens on 127.0.0.1, which robots may not use otherwise.
                "HUIXIANG_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1",
                "PYTHONUNBUFFERED": "1",
                "dramatiq_restart_delay": "1000",  # reconnect to a restarted Redis within a second
            }
        )
        self.children: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed in reap()
        child = subprocess.Popen(
            [sys.executable, "-m", "huixiang.cli", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.children.append((name, child, log))
        return child

    def worker(self, name: str = "worker") -> subprocess.Popen[bytes]:
        return self.start(name, "worker", "--processes", "1", "--threads", "2")

    def scheduler(self, name: str = "scheduler") -> subprocess.Popen[bytes]:
        return self.start(name, "scheduler", "--every", "2")

    def kill(self, child: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        """Signal the child's whole process group (dramatiq forks), then reap the child."""
        with suppress(ProcessLookupError):
            os.killpg(child.pid, sig)
        child.wait(timeout=15)

    def reap(self) -> None:
        for _, child, log in self.children:
            self.kill(child)
            log.close()
        self.children.clear()

    def logs(self) -> str:
        parts = []
        for path in sorted(self.workdir.glob("*.log")):
            text = path.read_text(errors="replace")
            parts.append(f"--- {path.name} (last 3000 chars) ---\n{text[-3000:]}")
        return "\n".join(parts)

    def sweeps(self, name: str) -> int:
        """Sweeps a scheduler has finished (each prints one summary line)."""
        return self.log_of(name).count("sweep: ")

    def log_of(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def processes(settings: Settings, workdir: Path) -> Iterator[Processes]:
    running = Processes(settings, workdir)
    try:
        yield running
    finally:
        running.reap()


# --- seed data, through the services -----------------------------------------------------------


def settings_for(database_url: str, redis_url: str, data_dir: Path) -> Settings:
    return load_settings(
        {
            "HUIXIANG_DATABASE_URL": database_url,
            "HUIXIANG_REDIS_URL": redis_url,
            "HUIXIANG_DATA_DIR": str(data_dir),
            "HUIXIANG_SECRET_KEY": SECRET,
        }
    )


async def in_ctx(settings: Settings, work: Callable[[Ctx], Awaitable[T]], now: datetime | None = None) -> T:
    """One transaction, committed, like the CLI's _with_ctx."""
    engine = make_engine(settings.database_url or "", pool_size=2)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await work(Ctx(session, settings, Caches(), now or datetime.now(tz=settings.timezone)))
            await session.commit()
            return result
    finally:
        await engine.dispose()


# (username, role, org, notified by SMS)
USERS = [
    ("reg1", Role.REGISTRAR, "s1", True),
    ("lead1", Role.LEADER, "s1", True),
    ("hand1", Role.HANDLER, "s1", True),
    ("reg2", Role.REGISTRAR, "s2", False),
    ("lead2", Role.LEADER, "s2", True),
    ("insp1", Role.INSPECTOR, "d1", True),
]
HOOKS = {"s1": "/robot/s1", "s2": "/robot/s2", "d1": "/robot/d1"}


class World:
    """Orgs city > d1 > s1, s2; the USERS; a WeCom robot per unit pointing at the receiver."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.user_ids: dict[str, int] = {}
        self.principals: dict[str, Principal] = {}

    async def seed(self, receiver: Receiver | None) -> World:
        async def work(ctx: Ctx) -> None:
            await accounts.create_org(
                ctx, None, s.OrgCreate(code="city", name="市教育局", kind=OrgKind.BUREAU)
            )
            await accounts.create_org(
                ctx,
                None,
                s.OrgCreate(code="d1", name="一区教育局", kind=OrgKind.DISTRICT, parent_code="city"),
            )
            for code, name in (("s1", "第一实验小学"), ("s2", "第二中学")):
                await accounts.create_org(
                    ctx, None, s.OrgCreate(code=code, name=name, kind=OrgKind.SCHOOL, parent_code="d1")
                )
            for i, (username, role, org, _) in enumerate(USERS):
                await accounts.create_user(
                    ctx,
                    None,
                    s.UserCreate(
                        username=username,
                        password=PASSWORD,
                        display_name=f"{username}老师",
                        roles=[s.GrantIn(role=role, org_code=org)],
                        phone=f"138000000{i:02d}",
                    ),
                )

        await in_ctx(self.settings, work)
        dsn = (self.settings.database_url or "").replace("postgresql+asyncpg://", "postgresql://", 1)
        sms_users = [username for username, *_, sms in USERS if sms]
        rows = await fetch(
            dsn,
            "UPDATE users SET notify_channels = CASE WHEN username = ANY($1::text[]) THEN '{sms}'::text[] "
            "ELSE '{}' END RETURNING username, id",
            sms_users,
        )
        self.user_ids = {row["username"]: row["id"] for row in rows}
        if receiver is not None:
            for code, path in HOOKS.items():
                await fetch(
                    dsn,
                    "INSERT INTO org_webhooks (org_id, kind, url) "
                    "SELECT id, 'wecom', $2 FROM orgs WHERE code = $1",
                    code,
                    receiver.url(path),
                )
        for username, *_ in USERS:
            self.principals[username] = await self.login(username)
        return self

    async def login(self, username: str) -> Principal:
        async def work(ctx: Ctx) -> Principal:
            outcome = await accounts.login(
                ctx, s.LoginRequest(username=username, password=PASSWORD), address="127.0.0.1"
            )
            principal = await accounts.principal_for(ctx, outcome.token)
            assert principal is not None
            return principal

        return await in_ctx(self.settings, work)

    async def overdue_tickets(self, count: int, days_ago: int = 30) -> list[str]:
        """Tickets recorded by the schools' registrars as collected `days_ago` days ago: by now
        registration and response are overdue, and escalated to the district."""

        async def work(ctx: Ctx) -> list[str]:
            numbers = []
            for i in range(count):
                school = ("s1", "s2")[i % 2]
                receipt = await intake.intake(
                    ctx,
                    s.StaffTicketCreate(
                        school_code=school,
                        kind=Kind.COMPLAINT,
                        category=DEFAULT_CATEGORIES[0],
                        content=f"第{i}件：孩子反映作业太多，希望学校关注。",
                        consent=True,
                        collected_at=ctx.now - timedelta(days=days_ago),
                    ),
                    principal=self.principals[{"s1": "reg1", "s2": "reg2"}[school]],
                )
                numbers.append(receipt.number)
            return numbers

        return await in_ctx(self.settings, work)


def expected_notices(world: World, tickets: list[asyncpg.Record]) -> Counter[tuple[int, str, int]]:
    """(ticket id, rule, user id) for overdue, unregistered, unassigned tickets, each once (and
    the registrar's notice of the new ticket)."""
    ids = world.user_ids
    expected: Counter[tuple[int, str, int]] = Counter()
    for ticket in tickets:
        school = ticket["school"]
        registrar, leader = (
            ids[{"s1": "reg1", "s2": "reg2"}[school]],
            ids[{"s1": "lead1", "s2": "lead2"}[school]],
        )
        for rule, users in (
            ("new_ticket", (registrar,)),  # at intake, not at a sweep
            ("register_overdue", (registrar, leader)),
            ("overdue", (leader,)),
            ("escalated", (ids["insp1"],)),
        ):
            for user in users:
                expected[(ticket["id"], rule, user)] += 1
    return expected


TICKETS = "SELECT t.id, t.number, o.code AS school FROM tickets t JOIN orgs o ON o.id = t.school_id"
