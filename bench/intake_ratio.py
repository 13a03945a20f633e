"""Benchmark: our public intake as a ratio of the intake ceiling, measured in the same run.

The machine is shared and its speed drifts, so an absolute figure means little; the ceiling in
`../shared/bench/` (a bare Litestar endpoint: msgspec validation and one raw asyncpg INSERT) is
the ruler. Method (docs/benchmarks.md, "Intake against the ceiling"):

1. our database seeded as bench/run.py does (1,000,000 tickets by default), the ceiling's
   database made afresh from `ceiling_schema.sql`;
2. one server at a time, each with 2 worker processes on 127.0.0.1: the ceiling, then ours, then
   the ceiling again, ... (`--rounds` pairs);
3. on each server, for each connection count (64, then 16): a 2 s warm-up, then
   `wrk -t2 -cN -d10s --latency` with the same 300-character Chinese text in both bodies;
4. per pair the ratio ours/ceiling; the median over the pairs, both p99s, any non-2xx.

    python bench/intake_ratio.py [--tickets 1000000 | --skip-seed] [--rounds 3] [--duration 10]
    python bench/intake_ratio.py --skip-seed --profile var/intake.txt   # py-spy on ours, -c64
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ADMIN_DSN, DB, ROOT, prepare, run_wrk, url_for  # noqa: E402

from huixiang.migrate import upgrade  # noqa: E402

# ../shared/bench beside the checkout; HUIXIANG_CEILING_DIR where the checkout is a worktree elsewhere.
CEILING = Path(os.environ.get("HUIXIANG_CEILING_DIR", ROOT.parent / "shared" / "bench"))
CEILING_DB = "hx_ceiling"
OURS_PORT = 8300
CEILING_PORT = 8301
# 300 Chinese characters (a parent's suggestion about the canteen), the same in both bodies.
_SENTENCES = (
    "老师您好，我是三年级二班学生的家长。最近孩子回家常说学校食堂的饭菜比较单调，"
    "连续几周午餐的蔬菜品种变化不大，而且有时候菜凉了才吃到。"
    "我们理解学校在食品安全和成本上的压力，也非常感谢食堂师傅们的辛苦付出。"
    "希望学校能够考虑增加一些时令蔬菜和水果，适当调整菜单的搭配，"
    "并在冬季做好饭菜保温，让孩子们吃得更健康、更暖和。"
    "另外建议每周在家长群公布一次菜谱，方便家长了解和配合，"
    "也欢迎家长代表定期参与陪餐，共同把孩子们的午餐办好。谢谢学校的关心和支持！"
)
TEXT = (_SENTENCES * 2)[:300]
TITLE = "关于食堂午餐的建议"
OURS_BODY = {
    "school_code": "s1",
    "kind": "suggestion",
    "category": "食堂膳食",
    "title": TITLE,
    "content": TEXT,
    "consent": True,
    "contact": {"phone": "13800001111"},
}
CEILING_BODY = {"school_id": 1, "category": "食堂膳食", "title": TITLE, "body": TEXT}


def dsn(db: str) -> str:
    return ADMIN_DSN.rsplit("/", 1)[0] + "/" + db


async def prepare_ceiling() -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f"DROP DATABASE IF EXISTS {CEILING_DB} WITH (FORCE)")
    await admin.execute(f"CREATE DATABASE {CEILING_DB}")
    await admin.close()
    connection = await asyncpg.connect(dsn(CEILING_DB))
    await connection.execute((CEILING / "ceiling_schema.sql").read_text())
    await connection.close()


def script(folder: Path, name: str, body: dict[str, object]) -> Path:
    text = json.dumps(body, ensure_ascii=False)
    path = folder / f"{name}.lua"
    path.write_text(
        f'wrk.method = "POST"\nwrk.body = [==[{text}]==]\nwrk.headers["Content-Type"] = "application/json"\n'
    )
    return path


class Server:
    """One server at a time: started, waited for, stopped, its port free again."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int, ping: str) -> None:
        self.name, self.command, self.env, self.port, self.ping = name, command, env, port, ping
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            if self.process.poll() is not None:
                self.log.seek(0)
                tail = self.log.read().decode(errors="replace")[-3000:]
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{self.ping}", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer on port {self.port}")

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def ceiling_server(workers: int) -> Server:
    command = [sys.executable, "-m", "uvicorn", "ceiling_app:app", "--app-dir", str(CEILING)]
    command += ["--workers", str(workers), "--host", "127.0.0.1", "--port", str(CEILING_PORT)]
    command += ["--log-level", "warning", "--no-access-log"]
    return Server("ceiling", command, {**os.environ, "PG_DSN": dsn(CEILING_DB)}, CEILING_PORT, "/ping")


def our_server(name: str, src: Path, workers: int) -> Server:
    """`huixiang web` from the sources in `src` (this checkout's by default; another tree to
    compare a change in the same run)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(src.resolve()),
        "HUIXIANG_DATABASE_URL": url_for(DB),
        "HUIXIANG_REDIS_URL": os.environ.get("HUIXIANG_BENCH_REDIS", "redis://127.0.0.1:6379/14"),
        "HUIXIANG_DATA_DIR": tempfile.mkdtemp(prefix="hx-ratio-"),
        "HUIXIANG_SECRET_KEY": secrets.token_hex(16),
        "HUIXIANG_WEB_WORKERS": str(workers),
        # wrk comes from one address: raise (not switch off) the per-address limit, so its
        # counter is paid as in production.
        "HUIXIANG_INTAKE_LIMIT": "1000000000",
    }
    command = [sys.executable, "-m", "huixiang.cli", "web", "--port", str(OURS_PORT)]
    return Server(name, command, env, OURS_PORT, "/health")


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (Linux /proc; a gone process counts 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _children(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, grew = {root}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return sorted(tree)


async def _backends(db: str) -> list[int]:
    connection = await asyncpg.connect(dsn(db))
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", db
        )
    finally:
        await connection.close()
    return [row["pid"] for row in rows]


def load(server: Server, lua: Path, path: str, connections: int, duration: int) -> dict[str, float]:
    """wrk after a warm-up (pools, caches, number blocks), with the CPU the server's processes
    and its PostgreSQL backends spent per request: less at the mercy of the machine's other
    load than req/s, it says where a difference comes from."""
    assert server.process is not None
    run_wrk(lua, path, 2, connections, port=server.port)
    app = _children(server.process.pid)
    backends = asyncio.run(_backends(CEILING_DB if server.name == "ceiling" else DB))
    before = _cpu_seconds(app), _cpu_seconds(backends)
    result = run_wrk(lua, path, duration, connections, port=server.port)
    after = _cpu_seconds(app), _cpu_seconds(backends)
    count = result["rps"] * duration
    result["app_cpu_us"] = 1e6 * (after[0] - before[0]) / count
    result["pg_cpu_us"] = 1e6 * (after[1] - before[1]) / count
    return result


def profile(ours: Server, lua: Path, out: Path, duration: int) -> None:
    """py-spy on our web processes (the uvicorn parent and its workers) under -c64."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with ours:
        assert ours.process is not None
        run_wrk(lua, "/api/v1/public/tickets", 2, 64, port=ours.port)
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(ours.process.pid),
                "--subprocesses",
                "--format",
                "raw",
                "--rate",
                "200",
                "--duration",
                str(duration),
                "--output",
                str(out),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)
        result = run_wrk(lua, "/api/v1/public/tickets", duration, 64, port=ours.port)
        spy.wait()
    print(f"ours under py-spy: {result['rps']:.0f} req/s, p99 {result['p99_ms']:.1f} ms; stacks in {out}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded hx_bench database")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of ceiling, then ours")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", default="64,16")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", type=Path, help="only profile ours with py-spy, to this file")
    parser.add_argument(
        "--variant",
        action="append",
        metavar="NAME=SRC",
        help="a huixiang source tree to measure, as NAME (repeat to compare trees in one run); "
        "default ours=<this checkout>/src",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "intake-ratio.json.tmp")
    args = parser.parse_args()
    levels = [int(c) for c in args.connections.split(",")]

    if args.skip_seed:
        upgrade(url_for(DB))  # the schema as the code expects it; the seeded rows stay
    else:
        env = {
            **os.environ,
            "HUIXIANG_DATABASE_URL": url_for(DB),
            "HUIXIANG_SECRET_KEY": secrets.token_hex(16),
        }
        asyncio.run(prepare(args.tickets, env))
    asyncio.run(prepare_ceiling())
    folder = Path(tempfile.mkdtemp(prefix="hx-ratio-"))
    lua = {"ceiling": script(folder, "ceiling", CEILING_BODY), "ours": script(folder, "ours", OURS_BODY)}
    paths = {"ceiling": "/tickets", "ours": "/api/v1/public/tickets"}
    ceiling = ceiling_server(args.workers)
    ours = {
        name: our_server(name, Path(src), args.workers)
        for name, _, src in (v.partition("=") for v in args.variant or [f"ours={ROOT / 'src'}"])
    }
    lua.update({name: lua["ours"] for name in ours})
    paths.update({name: paths["ours"] for name in ours})
    if args.profile:
        profile(next(iter(ours.values())), lua["ours"], args.profile, args.duration)
        return 0

    names = ["ceiling", *ours]
    runs: dict[int, list[dict[str, dict[str, float]]]] = {c: [] for c in levels}
    for round_ in range(1, args.rounds + 1):
        pair: dict[int, dict[str, dict[str, float]]] = {c: {} for c in levels}
        for server in (ceiling, *ours.values()):
            with server:
                for c in levels:
                    r = load(server, lua[server.name], paths[server.name], c, args.duration)
                    pair[c][server.name] = r
                    print(
                        f"round {round_} {server.name:8} -c{c:<3} {r['rps']:7.0f} req/s  "
                        f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  non-2xx {r['non_2xx']}  "
                        f"CPU/req: app {r['app_cpu_us']:4.0f} us, PostgreSQL {r['pg_cpu_us']:4.0f} us",
                        flush=True,
                    )
        for c in levels:
            runs[c].append(pair[c])

    summary: dict[str, dict[str, object]] = {}
    print(
        "\n| server | conn. | req/s | ratio to ceiling, median (each round) | p50 ms | p99 ms | "
        "CPU µs/req: app + PostgreSQL | non-2xx |"
    )
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for name in names:
        for c in levels:
            rounds = [p[name] for p in runs[c]]
            ratios = [p[name]["rps"] / p["ceiling"]["rps"] for p in runs[c]]
            rps, p50, p99, app, pg = (
                [r[k] for r in rounds] for k in ("rps", "p50_ms", "p99_ms", "app_cpu_us", "pg_cpu_us")
            )
            errors = sum(int(r["non_2xx"]) for r in rounds)
            summary[f"{name} c{c}"] = {"median_ratio": statistics.median(ratios), "ratios": ratios}
            ratio = (
                "—"
                if name == "ceiling"
                else f"**{statistics.median(ratios):.2f}** ({', '.join(f'{r:.2f}' for r in ratios)})"
            )
            print(
                f"| {name} | {c} | {min(rps):,.0f}–{max(rps):,.0f} | {ratio} | "
                f"{statistics.median(p50):.1f} | {min(p99):.0f}–{max(p99):.0f} | "
                f"{statistics.median(app):.0f} + {statistics.median(pg):.0f} | {errors} |"
            )
    record = {
        "at": datetime.now(UTC).isoformat(),
        "cpus": os.cpu_count(),
        "loadavg_after": os.getloadavg(),
        "workers": args.workers,
        "duration_s": args.duration,
        "text_chars": len(TEXT),
        "variants": {name: str(server.env["PYTHONPATH"]) for name, server in ours.items()},
        "runs": {str(c): runs[c] for c in levels},
        "summary": summary,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, ensure_ascii=False, indent=2))
    print(f"\nraw figures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
