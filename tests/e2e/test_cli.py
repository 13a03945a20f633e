"""The scheduler and the worker as real processes: what they log while delivering (quietly, never a
robot's key), and the scheduler's one database engine for all its sweeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from huixiang.settings import Settings

from .faults import Database, World, processes, wait_until

pytestmark = pytest.mark.slow

KEY = "0f6a2c77-robot-secret-key"


async def test_delivering_logs_no_sms_line_and_no_robot_key(
    database: Database,
    world: World,
    fault_settings: Settings,
    tmp_path: Path,
) -> None:
    """A first sweep over many overdue tickets sends robot posts (their URLs carry a key, as
    WeCom's do) and SMS through the development provider. The worker logs neither an SMS line
    per message nor a URL; the scheduler prints one summary line per sweep."""
    await database.fetch("UPDATE org_webhooks SET url = url || '?key=' || $1", KEY)
    await world.overdue_tickets(6)
    with processes(fault_settings, tmp_path) as running:
        running.scheduler()
        running.worker()

        async def delivered() -> bool:
            counts = await database.fetch(
                "SELECT channel, count(*) FILTER (WHERE status = 'pending') AS pending, count(*) AS n "
                "FROM deliveries WHERE rule IN ('register_overdue', 'overdue', 'escalated') GROUP BY channel"
            )
            return {row["channel"] for row in counts} == {"sms", "wecom"} and not any(
                row["pending"] for row in counts
            )

        await wait_until(delivered, "the sweep's robot posts and SMS sent")
        worker, scheduler = running.log_of("worker"), running.log_of("scheduler")
    assert "Worker process is ready" in worker  # the log is the worker's, at INFO
    assert "SMS to" not in worker, worker[-2000:]
    assert KEY not in worker and KEY not in scheduler
    assert "HTTP Request" not in worker
    sweeps = [line for line in scheduler.splitlines() if line.startswith("sweep: ")]
    assert sweeps and "deliveries to send" in sweeps[0]


async def test_scheduler_sweeps_on_one_engine(
    database: Database, fault_settings: Settings, tmp_path: Path
) -> None:
    """The scheduler keeps one pooled connection across its sweeps: the same backend answers
    every sweep, instead of a new engine (and connection) each minute."""

    async def backends() -> set[tuple[int, object]]:
        rows = await database.fetch(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database.name,
        )
        return {(row["pid"], row["backend_start"]) for row in rows}

    with processes(fault_settings, tmp_path) as running:
        running.start("scheduler", "scheduler", "--every", "1")

        async def swept(times: int) -> bool:
            return running.sweeps("scheduler") >= times

        await wait_until(lambda: swept(2), "two sweeps")
        first, target = await backends(), running.sweeps("scheduler") + 2
        await wait_until(lambda: swept(target), "two more sweeps")
        assert len(first) == 1, first
        assert await backends() == first
