"""Children that die with their parent (huixiang/procs.py), with real processes: a parent killed by
SIGKILL takes its children along, a clean stop escalates to SIGKILL for a child that ignores
SIGTERM, and a process left behind is recognised by its program and start time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from huixiang import procs

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")

PARENT = """
import signal, sys
from huixiang import procs
child = procs.spawn(["sleep", "60"], death_signal=int(sys.argv[1]))
print(child.pid, flush=True)
signal.pause()
"""


def _wait_for(check: Callable[[], bool], within: float) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < within, "condition not met in time"
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.mark.parametrize("death_signal", [signal.SIGKILL, signal.SIGTERM])
def test_a_child_dies_when_its_parent_is_killed(death_signal: int) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(death_signal)], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert procs.is_running(child, "sleep")
    parent.kill()
    parent.wait()
    parent.stdout.close()
    assert _wait_for(lambda: not procs.is_running(child, "sleep"), within=2) < 2


def test_stop_kills_a_child_that_ignores_its_stop_signal() -> None:
    stubborn = procs.spawn(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(15, signal.SIG_IGN); print(1, flush=True); time.sleep(60)",
        ],
        output=subprocess.PIPE,
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline()  # its handler is set
    started = time.monotonic()
    procs.stop([(stubborn, signal.SIGTERM)], grace=0.5)
    stubborn.stdout.close()
    assert stubborn.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 3


def test_end_stops_a_leftover_by_name_and_tells_a_reused_pid_apart() -> None:
    stray = subprocess.Popen(["sleep", "60"], start_new_session=True)
    token = procs.started_at(stray.pid)
    assert token and procs.started_at(os.getpid()) != token
    assert procs.end(stray.pid, "postgres", signal.SIGINT, 1.0) is False  # not a postgres: untouched
    assert stray.poll() is None
    assert procs.end(stray.pid, "sleep", signal.SIGTERM, 1.0) is True
    assert stray.wait(timeout=5) == -signal.SIGTERM
