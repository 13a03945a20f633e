"""The `huixiang` command. Every command shares the embedded services when no URLs are set."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from . import embedded
from .migrate import upgrade
from .settings import load_settings

T = TypeVar("T")


def _stop_signal() -> threading.Event:
    """Set by Ctrl-C or SIGTERM, so a loop can finish its step and stop its children."""
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    return stopping


def _prepare() -> dict[str, str]:
    """Embedded services where no URLs are set, then the migrations."""
    env = embedded.ensure_services()
    upgrade(env["HUIXIANG_DATABASE_URL"])
    return env


async def _with_ctx(work: Callable[[Any], Awaitable[T]], now: datetime | None = None) -> T:
    from .db.engine import make_engine, make_sessionmaker
    from .services.context import Caches, Ctx

    settings = load_settings()
    engine = make_engine(settings.database_url or "", pool_size=2)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await work(Ctx(session, settings, Caches(), now or datetime.now(UTC)))
            await session.commit()
            return result
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
    print_logins(asyncio.run(_with_ctx(load_demo)))
    return 0


async def _sweep_once(now: datetime | None, deliver_inline: bool) -> str:
    """One sweep in its own transaction; then send what it found, inline or through the queue."""
    from . import queue
    from .services import delivery, reminders
    from .services.channels import channels_from_env

    report = await _with_ctx(reminders.sweep, now)
    if not deliver_inline:
        await queue.send_deliveries(load_settings().redis_url or "", report.deliveries)
        return report.summary()
    channels = channels_from_env(os.environ)
    outcomes: dict[str, int] = {}
    for delivery_id in report.deliveries:
        outcome = await _with_ctx(lambda ctx, i=delivery_id: delivery.deliver(ctx, i, channels), now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    sent = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())) or "none"
    return f"{report.summary()}; delivered: {sent}"


def cmd_sweep(args: argparse.Namespace) -> int:
    _prepare()
    now = datetime.fromisoformat(args.now) if args.now else None
    if now is not None and now.tzinfo is None:
        print("--now must carry a time zone offset, e.g. 2026-10-09T09:00:00+08:00", file=sys.stderr)
        return 2
    print(asyncio.run(_sweep_once(now, deliver_inline=True)))
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Sweep at the start of every minute. Several schedulers may run: a sweep locks and skips
    what another is firing, and unique keys hold every notice to once."""
    _prepare()
    stopping = _stop_signal()
    print("Huixiang scheduler: a deadline sweep every minute", flush=True)
    while not stopping.is_set():
        try:
            print(asyncio.run(_sweep_once(None, deliver_inline=False)), flush=True)
        except Exception as exc:  # noqa: BLE001 - a failed sweep is retried next minute
            print(f"sweep failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        wait_until = time.time() // args.every * args.every + args.every
        while not stopping.is_set() and time.time() < wait_until:
            time.sleep(0.2)
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
    ]
    os.execvp(argv[0], argv)
    return 0  # not reached


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    _prepare()
    settings = load_settings()
    print(f"Huixiang web on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(
        "huixiang.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=settings.web_workers,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("HUIXIANG_TRUSTED_PROXIES", "127.0.0.1"),
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Everything on one node: embedded services, migrations, demo data, and the web app as a
    child process. Ctrl-C or SIGTERM stops every child, then the embedded services."""
    env = _prepare()
    if args.demo:
        from .demo import load_demo, print_logins

        print_logins(asyncio.run(_with_ctx(load_demo)))
    part = [sys.executable, "-m", "huixiang.cli"]
    children = [
        subprocess.Popen([*part, "web", "--host", args.host, "--port", str(args.port)], env=env),
        subprocess.Popen([*part, "worker", "--processes", "1", "--threads", "2"], env=env),
        subprocess.Popen([*part, "scheduler"], env=env),
    ]
    stopping = _stop_signal()
    print(f"Huixiang is starting on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    try:
        while not stopping.is_set() and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
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
    worker.set_defaults(run=cmd_worker)

    scheduler = commands.add_parser("scheduler", help="run the deadline sweep every minute")
    scheduler.add_argument("--every", type=int, default=60, help="seconds between sweeps")
    scheduler.set_defaults(run=cmd_scheduler)

    sweep = commands.add_parser("sweep", help="one deadline sweep now, delivering what it finds")
    sweep.add_argument("--now", help="as of this ISO-8601 instant (with offset)")
    sweep.set_defaults(run=cmd_sweep)

    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
