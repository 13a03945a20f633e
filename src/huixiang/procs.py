"""Child processes that never outlive their parent, and stopping them in a few seconds.

On Linux the kernel sends a child a chosen signal when its parent dies (`PR_SET_PDEATHSIG`), even
when the parent is killed with SIGKILL: `spawn` asks for it before the child's program starts.
Each child leads a process group of its own, so a terminal's Ctrl-C reaches only the parent,
which then stops its children in order, and a last-resort SIGKILL reaches a child's own children.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
HAS_PROC = Path("/proc/self/stat").exists()  # else `ps` answers (macOS, BSD)


def die_with_parent(sig: int, parent: int) -> None:
    """Have the kernel send `sig` to this process when its parent (pid `parent`) exits; if the
    parent is already gone, send it now. Linux only; elsewhere a no-op."""
    if _libc is None:
        return
    _libc.prctl(PR_SET_PDEATHSIG, sig)
    if os.getppid() != parent:
        os.kill(os.getpid(), sig)


def _before_exec(sig: int, parent: int) -> Callable[[], None]:
    def prepare() -> None:  # runs in the child between fork and exec: no locks, no allocations of note
        die_with_parent(sig, parent)

    return prepare


def spawn(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    death_signal: int = signal.SIGKILL,
    user: str | None = None,
    output: IO[bytes] | int | None = None,
) -> subprocess.Popen[bytes]:
    """Start `argv` as a process-group leader that receives `death_signal` when this process
    dies: SIGKILL unless the program has a fast safe stop (PostgreSQL's SIGINT), since a parent
    that died was not stopped cleanly and a child must not hang in a graceful stop.

    Call it from the main thread: the kernel ties the signal to the thread that forked the
    child, so a child spawned from a short-lived thread would be signalled when that thread ends."""
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("spawn children from the main thread (PR_SET_PDEATHSIG follows the thread)")
    return subprocess.Popen(
        list(argv),
        env=env,
        user=user,
        process_group=0,
        preexec_fn=_before_exec(death_signal, os.getpid()),
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
    )


def stop(children: Sequence[tuple[subprocess.Popen[bytes], int]], grace: float) -> None:
    """Send each child its stop signal, wait up to `grace` seconds for all of them together, then
    SIGKILL the process group of any still running."""
    for child, sig in children:
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(sig)
    deadline = time.monotonic() + grace
    for child, _ in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
    for child, _ in children:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)  # the group: what the child started too
        if child.poll() is None:
            child.wait(timeout=5)


def _ps(pid: int, field: str) -> str:
    """One field of `ps` for a live process, or "" (where there is no /proc)."""
    found = subprocess.run(["ps", "-p", str(pid), "-o", f"{field}="], capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else ""


def _stat(pid: int) -> tuple[str, str, str] | None:
    """(program, state, start time) of a process from /proc, or None when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return stat[stat.index("(") + 1 : stat.rindex(")")], fields[0], fields[19]


def is_running(pid: int, name: str) -> bool:
    """Whether `pid` is a live (not zombie) process whose program starts with `name`."""
    if HAS_PROC:
        stat = _stat(pid)
        return stat is not None and stat[1] != "Z" and stat[0].startswith(name[:15])
    program, state = _ps(pid, "comm"), _ps(pid, "state")
    return bool(program) and not state.startswith("Z") and Path(program).name.startswith(name)


def started_at(pid: int) -> str:
    """When a live process started, as an opaque token ("" when there is no such process): a pid
    and this together name one process, even after the pid is reused."""
    if HAS_PROC:
        stat = _stat(pid)
        return stat[2] if stat is not None else ""
    return _ps(pid, "lstart")


def end(pid: int, name: str, sig: int, grace: float) -> bool:
    """Stop a process that is not our child (one left behind by a dead parent): `sig`, then
    SIGKILL after `grace` seconds. Answer whether there was one to stop."""
    if not is_running(pid, name):
        return False
    for signal_, wait in ((sig, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal_)
        deadline = time.monotonic() + wait
        while is_running(pid, name):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        else:
            return True
    raise RuntimeError(f"could not stop the {name} process {pid} left behind by an earlier run")
