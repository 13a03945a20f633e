"""The `huixiang` command. Every command shares the embedded services when no URLs are set."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from . import embedded
from .migrate import upgrade
from .settings import load_settings

T = TypeVar("T")


def _prepare() -> dict[str, str]:
    """Embedded services where no URLs are set, then the migrations."""
    env = embedded.ensure_services()
    upgrade(env["HUIXIANG_DATABASE_URL"])
    return env


async def _with_ctx(work: Callable[[Any], Awaitable[T]]) -> T:
    from .db.engine import make_engine, make_sessionmaker
    from .services.context import Caches, Ctx

    settings = load_settings()
    engine = make_engine(settings.database_url or "", pool_size=2)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await work(Ctx(session, settings, Caches(), datetime.now(UTC)))
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


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    _prepare()
    settings = load_settings()
    print(f"Huixiang web on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(
        "huixiang.api.app:app_from_env",
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
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "huixiang.cli", "web", "--host", args.host, "--port", str(args.port)],
            env=env,
        )
    ]
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"Huixiang is starting on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    try:
        while not stopping and all(child.poll() is None for child in children):
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
    return 1 if failed and not stopping else 0


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

    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
