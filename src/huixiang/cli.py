"""The `huixiang` command. Every command shares the embedded services when no URLs are set."""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from . import embedded, procs
from .logs import quiet_chatty_loggers
from .migrate import upgrade
from .settings import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

T = TypeVar("T")

STOP_GRACE = 4.0  # seconds serve's children get to stop before SIGKILL (runtimes kill after 10)


class StopFlag:
    """Set by Ctrl-C or SIGTERM, so a loop can finish its step and stop its children.

    A signal handler runs in the main thread between two bytecodes, possibly inside
    `threading.Event.wait` or `set`, which hold the event's lock: a handler that calls
    `Event.set` takes that lock again and, on a second signal (Ctrl-C twice, a supervisor's
    repeated SIGTERM), waited for itself forever. So the handler only sets a flag, and waiting
    is a short sleep that checks it."""

    STEP = 0.05

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self._set and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(self.STEP, left))
        return self._set


def _stop_signal() -> StopFlag:
    stopping = StopFlag()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    return stopping


def _prepare() -> dict[str, str]:
    """Embedded services where no URLs are set, then the migrations."""
    env = embedded.ensure_services()
    upgrade(env["HUIXIANG_DATABASE_URL"])
    return env


async def _in_session(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    work: Callable[[Any], Awaitable[T]],
    now: datetime | None = None,
) -> T:
    """One unit of work in its own committed transaction."""
    from .services.context import Caches, Ctx

    async with sessions() as session:
        result = await work(Ctx(session, settings, Caches(), now or datetime.now(UTC)))
        await session.commit()
        return result


async def _with_ctx(work: Callable[[Any], Awaitable[T]], now: datetime | None = None) -> T:
    """For one-shot commands: an engine for this one unit of work."""
    from .db.engine import make_engine, make_sessionmaker

    settings = load_settings()
    engine = make_engine(settings.database_url or "", pool_size=2)
    try:
        return await _in_session(make_sessionmaker(engine), settings, work, now)
    finally:
        await engine.dispose()


def cmd_migrate(_: argparse.Namespace) -> int:
    _prepare()
    print("migrations applied")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from .services.accounts import ensure_admin

    _prepare()
    root, created = asyncio.run(_with_ctx(lambda ctx: ensure_admin(ctx, args.username, args.password)))
    print(f"admin {args.username!r} {'created' if created else 'updated'} at {root!r}")
    return 0


def cmd_demo(_: argparse.Namespace) -> int:
    from .demo import load_demo, print_logins

    _prepare()
    print_logins(asyncio.run(_with_ctx(load_demo)), None)
    return 0


def cmd_rollups(args: argparse.Namespace) -> int:
    from .services.stats import rebuild_rollups

    _prepare()
    done = asyncio.run(_with_ctx(rebuild_rollups))
    drift = "they had drifted from the tickets" if done["drifted"] else "they matched the tickets"
    print(
        f"rollups rebuilt in {done['timezone']}: {done['days']} day rows, {done['months']} month rows; "
        f"{drift}"
    )
    return 0


async def _sweep_once(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    now: datetime | None,
    deliver_inline: bool,
    requeue_after: timedelta = timedelta(0),
) -> str:
    """One sweep in its own transaction; then send what it found, inline or through the queue.
    Inline, every pending delivery that is due is sent now; through the queue, one already
    queued is queued again only after `requeue_after`."""
    from . import queue
    from .services import reminders
    from .services.channels import channels_from_env

    sweep = functools.partial(reminders.sweep, requeue_after=requeue_after)
    report = await _in_session(sessions, settings, sweep, now)
    if not deliver_inline:
        await queue.send_deliveries(settings.redis_url or "", report.deliveries)
        return report.summary()
    channels = channels_from_env(os.environ)
    outcomes: dict[str, int] = {}
    for delivery_id in report.deliveries:
        send = functools.partial(_deliver, delivery_id=delivery_id, channels=channels)
        outcome = await _in_session(sessions, settings, send, now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    sent = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())) or "none"
    return f"{report.summary()}; delivered: {sent}"


async def _deliver(ctx: Any, delivery_id: int, channels: dict[str, Any]) -> str:
    from .services import delivery

    return await delivery.deliver(ctx, delivery_id, channels)


async def _sweeps(now: datetime | None, every: int | None, stopping: StopFlag) -> None:
    """One sweep (`every` None), or one at the start of every `every` seconds until stopped,
    all on one engine."""
    from .db.engine import make_engine, make_sessionmaker

    settings = load_settings()
    engine = make_engine(settings.database_url or "", pool_size=2)
    sessions = make_sessionmaker(engine)
    try:
        if every is None:
            print(await _sweep_once(sessions, settings, now, deliver_inline=True), flush=True)
            return
        while not stopping.is_set():
            try:
                # A message still waiting in the queue is sent again after two sweep intervals.
                window = timedelta(seconds=2 * every)
                print(await _sweep_once(sessions, settings, None, False, window), flush=True)
            except Exception as exc:  # noqa: BLE001 - a failed sweep is retried next time
                print(f"sweep failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            next_sweep = time.time() // every * every + every
            await asyncio.to_thread(stopping.wait, max(0.0, next_sweep - time.time()))
    finally:
        await engine.dispose()


def cmd_sweep(args: argparse.Namespace) -> int:
    _prepare()
    now = datetime.fromisoformat(args.now) if args.now else None
    if now is not None and now.tzinfo is None:
        print("--now must carry a time zone offset, e.g. 2026-10-09T09:00:00+08:00", file=sys.stderr)
        return 2
    asyncio.run(_sweeps(now, None, StopFlag()))
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Sweep at the start of every minute. Several schedulers may run: a sweep locks and skips
    what another is firing, and unique keys hold every notice to once."""
    _prepare()
    stopping = _stop_signal()
    print(f"Huixiang scheduler: a deadline sweep every {args.every} s", flush=True)
    asyncio.run(_sweeps(None, args.every, stopping))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """dramatiq's own worker over workers.actors, in place of this process."""
    _prepare()
    argv = [
        sys.executable,
        "-m",
        "dramatiq",
        "workers.actors",
        "--processes",
        str(args.processes),
        "--threads",
        str(args.threads),
        # a message still running then is sent again by a later sweep (deliveries are rows)
        "--worker-shutdown-timeout",
        str(int(args.shutdown_timeout * 1000)),
    ]
    # Idle threads look for work (and for a stop) every 250 ms instead of every second: a stop
    # then takes about 2 s instead of 4.
    os.environ.setdefault("dramatiq_worker_timeout", "250")
    os.execvp(argv[0], argv)


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    _prepare()
    settings = load_settings()
    print(f"Huixiang web on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(
        "huixiang.serving:web_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=settings.web_workers,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,  # default "": no X-Forwarded-For is believed
    )
    return 0


def _answers_health(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _relay(scheduler: subprocess.Popen[bytes], swept: threading.Event) -> None:
    """Copy the scheduler's output to ours; note its first sweep (its summary or its failure, not
    the banner, which names the sweep too)."""
    assert scheduler.stdout is not None
    for line in scheduler.stdout:
        sys.stdout.buffer.write(line)
        sys.stdout.flush()
        if line.startswith((b"sweep: ", b"sweep failed: ")):
            swept.set()
    swept.set()


def cmd_serve(args: argparse.Namespace) -> int:
    """Everything on one node: embedded services, migrations, demo data, and the web app, a
    worker and the scheduler as children. Ctrl-C or SIGTERM stops the children, then the
    embedded services; every child dies with serve, even when serve is killed (procs.py)."""
    try:
        env = embedded.ensure_services(own=True)
    except embedded.DataDirBusy as exc:
        print(exc, file=sys.stderr)
        return 1
    upgrade(env["HUIXIANG_DATABASE_URL"])
    logins = None
    if args.demo:
        from .demo import load_demo

        logins = asyncio.run(_with_ctx(load_demo))
    part = [sys.executable, "-m", "huixiang.cli"]
    scheduler = procs.spawn([*part, "scheduler"], env=env, output=subprocess.PIPE)
    children = [
        procs.spawn([*part, "web", "--host", args.host, "--port", str(args.port)], env=env),
        procs.spawn([*part, "worker", "--processes", "1", "--threads", "2"], env=env),
        scheduler,
    ]
    embedded.record_children([child.pid for child in children])
    stopping = _stop_signal()
    swept = threading.Event()
    threading.Thread(target=_relay, args=(scheduler, swept), daemon=True).start()
    url = f"http://{args.host}:{args.port}"
    probe = f"http://127.0.0.1:{args.port}" if args.host in ("0.0.0.0", "::", "") else url

    def running() -> bool:
        return not stopping.is_set() and all(child.poll() is None for child in children)

    def until(ready: Callable[[], bool], within: float) -> None:
        deadline = time.monotonic() + within
        while running() and not ready() and time.monotonic() < deadline:
            stopping.wait(0.2)

    try:
        until(lambda: _answers_health(probe), within=600)
        until(swept.is_set, within=30)  # the first sweep's line comes before the logins
        if running():
            if logins is not None:
                from .demo import print_logins

                print_logins(logins, url)
            else:
                print(f"Huixiang is running on {url} (Ctrl-C stops it)", flush=True)
        until(lambda: False, within=float("inf"))
    finally:
        procs.stop([(child, signal.SIGTERM) for child in children], STOP_GRACE)
        embedded.stop()
    failed = [child.returncode for child in children if child.returncode not in (0, -signal.SIGTERM)]
    return 1 if failed and not stopping.is_set() else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="huixiang", description="Huixiang (回响) ticketing system")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run everything on one node")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="load the demo org tree, users and tickets first",
    )
    serve.set_defaults(run=cmd_serve)

    web = commands.add_parser("web", help="run the web app alone")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8000)
    web.set_defaults(run=cmd_web)

    commands.add_parser("migrate", help="apply the database migrations").set_defaults(run=cmd_migrate)

    admin = commands.add_parser("create-admin", help="an admin at the root of the org tree")
    admin.add_argument("--username", required=True)
    admin.add_argument("--password", required=True)
    admin.set_defaults(run=cmd_create_admin)

    commands.add_parser("demo", help="load the demo data (idempotent)").set_defaults(run=cmd_demo)

    worker = commands.add_parser("worker", help="deliver notifications (dramatiq)")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, default=4)
    worker.add_argument(
        "--shutdown-timeout",
        type=float,
        default=3.0,
        help="seconds a stopping worker waits for running messages",
    )
    worker.set_defaults(run=cmd_worker)

    scheduler = commands.add_parser("scheduler", help="run the deadline sweep every minute")
    scheduler.add_argument("--every", type=int, default=60, help="seconds between sweeps")
    scheduler.set_defaults(run=cmd_scheduler)

    sweep = commands.add_parser("sweep", help="one deadline sweep now, delivering what it finds")
    sweep.add_argument("--now", help="as of this ISO-8601 instant (with offset)")
    sweep.set_defaults(run=cmd_sweep)

    rollups = commands.add_parser("rollups", help="the figures' rollups")
    rollup_commands = rollups.add_subparsers(dest="rollups_command", required=True)
    rollup_commands.add_parser(
        "rebuild", help="recompute them from the tickets (also after changing HUIXIANG_TIMEZONE)"
    ).set_defaults(run=cmd_rollups)

    args = parser.parse_args(argv)
    quiet_chatty_loggers()
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
