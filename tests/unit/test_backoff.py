"""The retry schedule of outbound deliveries: exponential from 30 s, capped at an hour, no jitter."""

from __future__ import annotations

import pytest

from huixiang.services.channels import MAX_ATTEMPTS, backoff_seconds


def test_backoff_doubles_from_30_seconds_then_caps_at_an_hour() -> None:
    assert [backoff_seconds(n) for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_backoff_is_capped_for_any_large_attempt() -> None:
    assert backoff_seconds(13) == 3600
    assert backoff_seconds(10_000) == 3600


def test_backoff_is_deterministic_and_never_decreases() -> None:
    delays = [backoff_seconds(n) for n in range(1, 40)]
    assert delays == [backoff_seconds(n) for n in range(1, 40)]
    assert all(a <= b for a, b in zip(delays, delays[1:], strict=False))


@pytest.mark.parametrize("attempt", [0, -1])
def test_backoff_before_first_attempt_is_rejected(attempt: int) -> None:
    with pytest.raises(ValueError):
        backoff_seconds(attempt)


def test_max_attempts_spans_about_sixteen_minutes_of_retries() -> None:
    assert MAX_ATTEMPTS == 6
    assert sum(backoff_seconds(n) for n in range(1, MAX_ATTEMPTS)) == 30 + 60 + 120 + 240 + 480
