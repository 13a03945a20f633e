"""Benchmark: the peak memory (RSS) of `GET /api/v1/exports/tickets.xlsx` as the rows grow.

Method (docs/benchmarks.md, "Export memory"):
1. a database of its own (hx_bench_export), migrated; bench/run.py's org tree (a city, 10
   districts, 100 schools) made through the services, with the city's inspector, the inspector
   of d1 and the leader of s0; `--tickets` tickets seeded by bench/seed.sql; VACUUM ANALYZE;
2. for each user in turn (s0's leader ~1%, d1's inspector ~10%, the city's inspector all of the
   tickets), a fresh `huixiang web` (one process, niced, its address space capped at
   `--cap-gib`) on 127.0.0.1: sign in, one empty export (an unknown school: the baseline with
   openpyxl, asyncpg and the export path loaded), the process's peak RSS (VmHWM in
   /proc/PID/status), then that peak reset to the current RSS (`5` into /proc/PID/clear_refs),
   so what follows is the export's own; the user's whole export, streamed by the client to a
   file, and the process's peak RSS again; the server stopped;
3. per export: rows (counted in the workbook's sheet XML as it is read back), bytes, seconds,
   the server's peak RSS before and after, and the growth.

    python bench/export_rss.py [--tickets 1000000 | --skip-seed] [--cap-gib 4]

Bounded memory: the growth of the peak must not follow the rows (a million rows held in memory
would be gigabytes: ~1.5 KB per row as Python objects).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_ratio import Server  # noqa: E402
from run import ADMIN_DSN, DISTRICTS, ROOT, SCHOOLS  # noqa: E402

from huixiang.db.engine import make_engine, make_sessionmaker  # noqa: E402
from huixiang.domain.enums import OrgKind, Role  # noqa: E402
from huixiang.migrate import upgrade  # noqa: E402
from huixiang.services import accounts  # noqa: E402
from huixiang.services import schemas as s  # noqa: E402
from huixiang.services.context import Caches, Ctx  # noqa: E402
from huixiang.settings import load_settings  # noqa: E402

DB = "hx_bench_export"
PORT = 8330
PASSWORD = "bench-pass-1"
USERS = (("lead", Role.LEADER, "s0"), ("insp", Role.INSPECTOR, "d1"), ("cityinsp", Role.INSPECTOR, "city"))
EXPORT = "/api/v1/exports/tickets.xlsx"


def dsn(name: str) -> str:
    return ADMIN_DSN.rsplit("/", 1)[0] + "/" + name


def url_for(name: str) -> str:
    return dsn(name).replace("postgresql://", "postgresql+asyncpg://")


async def prepare(count: int, env: dict[str, str]) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    await admin.execute(f"CREATE DATABASE {DB}")
    await admin.close()
    await asyncio.to_thread(upgrade, url_for(DB))
    engine = make_engine(url_for(DB), pool_size=2)
    async with make_sessionmaker(engine)() as session:
        ctx = Ctx(session, load_settings(env), Caches(), datetime.now(UTC))
        await accounts.create_org(ctx, None, s.OrgCreate(code="city", name="压测市", kind=OrgKind.BUREAU))
        for d in range(1, DISTRICTS + 1):
            org = s.OrgCreate(code=f"d{d}", name=f"{d}区", kind=OrgKind.DISTRICT, parent_code="city")
            await accounts.create_org(ctx, None, org)
        for n in range(SCHOOLS):
            org = s.OrgCreate(
                code=f"s{n}", name=f"学校{n}", kind=OrgKind.SCHOOL, parent_code=f"d{1 + n % DISTRICTS}"
            )
            await accounts.create_org(ctx, None, org)
        for username, role, org_code in USERS:
            grants = [s.GrantIn(role=role, org_code=org_code)]
            user = s.UserCreate(
                username=username, password=PASSWORD, display_name=f"{username}老师", roles=grants
            )
            await accounts.create_user(ctx, None, user)
        await session.commit()
    await engine.dispose()
    connection = await asyncpg.connect(dsn(DB))
    await connection.execute(
        "CREATE TEMP TABLE bench_schools AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, "
        "id, path, parent_id FROM orgs WHERE kind = 'school'"
    )
    started = time.monotonic()
    await connection.execute((ROOT / "bench" / "seed.sql").read_text().replace(":count", str(count)))
    await connection.execute("VACUUM ANALYZE tickets")
    print(f"seeded {count:,} tickets in {time.monotonic() - started:.0f} s", flush=True)
    await connection.close()


def status_kib(pid: int, field: str) -> int:
    """A figure of /proc/PID/status in KiB: VmHWM (the peak resident set) or VmRSS (now)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its current RSS (Linux ≥ 4.0, our own process or root), so
    the peak read afterwards is the export's alone, not the start-up's imports."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rows_in(path: Path) -> int:
    """The 工单 sheet's data rows, counted in its XML as it is read back (no workbook in memory)."""
    count, tail = 0, b""
    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        while chunk := sheet.read(1 << 20):
            data = tail + chunk
            count += data.count(b"<row ") + data.count(b"<row>")
            tail = data[-8:]
            count -= tail.count(b"<row ") + tail.count(b"<row>")  # counted again with the next chunk
    return count - 1  # the header


def measure(username: str, env: dict[str, str], cap_gib: float, folder: Path) -> dict[str, Any]:
    # nice and prlimit exec the server in place: the child's pid is the server's.
    command = ["nice", "-n", "10", "prlimit", f"--as={int(cap_gib * (1 << 30))}"]
    command += [sys.executable, "-m", "huixiang.cli", "web", "--port", str(PORT)]
    with Server("ours", command, env, PORT, "/health") as server:
        assert server.process is not None
        pid = server.process.pid
        base = f"http://127.0.0.1:{PORT}"
        with httpx.Client(base_url=base, timeout=3600) as client:
            login = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            login.raise_for_status()
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            empty = client.get(EXPORT, headers=headers, params={"school_code": "nowhere"})
            empty.raise_for_status()
            startup = status_kib(pid, "VmHWM")
            reset = reset_peak(pid)
            before = status_kib(pid, "VmHWM")
            path = folder / f"{username}.xlsx"
            started = time.monotonic()
            size = 0
            with client.stream("GET", EXPORT, headers=headers) as answer, path.open("wb") as out:
                answer.raise_for_status()
                first = None
                for chunk in answer.iter_bytes(1 << 16):
                    first = first or time.monotonic() - started
                    size += len(chunk)
                    out.write(chunk)
            seconds = time.monotonic() - started
            after = status_kib(pid, "VmHWM")
            now = status_kib(pid, "VmRSS")
    rows = rows_in(path)
    path.unlink()
    result = {
        "user": username,
        "rows": rows,
        "bytes": size,
        "seconds": round(seconds, 1),
        "first_byte_seconds": round(first or seconds, 1),
        "startup_peak_rss_mib": round(startup / 1024, 1),
        "peak_reset": reset,
        "peak_rss_before_mib": round(before / 1024, 1),
        "peak_rss_after_mib": round(after / 1024, 1),
        "growth_mib": round((after - before) / 1024, 1),
        "rss_after_mib": round(now / 1024, 1),
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded hx_bench_export database")
    parser.add_argument("--cap-gib", type=float, default=4.0, help="the server's address-space limit")
    parser.add_argument("--users", default=",".join(u for u, _, _ in USERS))
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hx-export-rss-"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "HUIXIANG_DATABASE_URL": url_for(DB),
        "HUIXIANG_REDIS_URL": os.environ.get("HUIXIANG_BENCH_REDIS", "redis://127.0.0.1:6379/13"),
        "HUIXIANG_DATA_DIR": str(folder),
        "HUIXIANG_SECRET_KEY": secrets.token_hex(16),
        "HUIXIANG_WEB_WORKERS": "1",
    }
    if args.skip_seed:
        upgrade(url_for(DB))
    else:
        asyncio.run(prepare(args.tickets, env))
    try:
        results = [measure(user, env, args.cap_gib, folder) for user in args.users.split(",")]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.out:
        args.out.write_text(json.dumps({"tickets": args.tickets, "exports": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
