"""hx_bigrams() (migration 0007) gives the very array 0006's quadratic form gave, so the index
built with either stays valid: compared here on texts with every kind of white space, case and
characters outside the BMP."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from .helpers import raw

# 0006's definition, as a temporary function beside the migrated one.
QUADRATIC = r"""
CREATE OR REPLACE FUNCTION pg_temp.quadratic_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}')
    FROM (SELECT substr(lower($1), i, 2) AS g FROM generate_series(1, char_length($1) - 1) AS i) AS runs
    WHERE g !~ '\s'
$$
"""
TEXTS = [
    "",
    "a",
    "ab",
    "AB cD",
    "食堂\t饭 菜\n好",
    "  ",
    "Ab\u3000中文",
    "\u3000\u3000ab",
    "\u00a0x y\u2003z",
    "😀😁x",
    "ÄÖ ü",
    "a\r\nb\fc\vd",
    "x  y",
    "关于食堂午餐的建议 老师您好，我是三年级二班学生的家长。最近孩子回家常说学校食堂的饭菜比较单调，" * 5,
]


@pytest.mark.parametrize("value", TEXTS)
async def test_bigrams_any_text_same_as_the_quadratic_form(connection: AsyncConnection, value: str) -> None:
    driver = await raw(connection)
    await driver.execute(QUADRATIC)
    ours, theirs = await driver.fetchrow("SELECT hx_bigrams($1), pg_temp.quadratic_bigrams($1)", value)
    assert ours == theirs
