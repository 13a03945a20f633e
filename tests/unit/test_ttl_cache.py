"""The per-process TtlCache (services/context.py): a value is reused until its ttl has passed,
then loaded again; a ttl of 0 never reuses."""

from __future__ import annotations

import pytest

from huixiang.services.context import TtlCache

pytestmark = pytest.mark.asyncio


class Loads:
    def __init__(self) -> None:
        self.n = 0

    async def __call__(self) -> int:
        self.n += 1
        return self.n


async def test_a_value_is_reused_until_its_ttl_has_passed() -> None:
    now = [100.0]
    cache: TtlCache[int] = TtlCache(5, clock=lambda: now[0])
    load = Loads()
    assert await cache.get("k", load) == 1
    now[0] = 104.9
    assert await cache.get("k", load) == 1
    assert await cache.get("other", load) == 2  # each key its own
    now[0] = 105.0
    assert await cache.get("k", load) == 3


async def test_a_ttl_of_zero_never_reuses_and_clear_forgets() -> None:
    load = Loads()
    never: TtlCache[int] = TtlCache(0)
    assert [await never.get("k", load), await never.get("k", load)] == [1, 2]
    cache: TtlCache[int] = TtlCache(60)
    assert await cache.get("k", load) == 3
    cache.clear()
    assert await cache.get("k", load) == 4
