"""serve's and the scheduler's stop flag (cli.StopFlag): set from a signal handler, it takes no
lock, so a second signal arriving inside the first handler cannot deadlock the process."""

from __future__ import annotations

import os
import signal
import threading
import time

from huixiang.cli import StopFlag


def test_stop_flag_wait_times_out_unset() -> None:
    flag = StopFlag()
    started = time.monotonic()
    assert flag.wait(0.1) is False
    assert time.monotonic() - started >= 0.1


def test_stop_flag_set_from_another_thread_ends_wait() -> None:
    flag = StopFlag()
    threading.Timer(0.05, flag.set).start()
    assert flag.wait(5) is True


def test_stop_flag_survives_a_burst_of_signals_while_waiting() -> None:
    flag = StopFlag()
    previous = signal.signal(signal.SIGUSR1, lambda *_: flag.set())
    try:

        def burst() -> None:
            for _ in range(200):
                os.kill(os.getpid(), signal.SIGUSR1)

        threading.Timer(0.05, burst).start()
        assert flag.wait(5) is True
    finally:
        signal.signal(signal.SIGUSR1, previous)
