"""The rollups under concurrent committed writes: intakes and re-classifications of one school's
tickets at once never fail (no deadlock on the rollup rows, no 500) and leave the rollups equal
to the raw counts."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from sqlalchemy import text

from huixiang.domain import figures as f

from .test_concurrency import PUBLIC, Committed, committed  # noqa: F401 - the fixture

CATEGORIES = ("食堂膳食", "校园安全")


async def test_concurrent_intakes_and_reclassifications_keep_the_rollups_exact(committed: Committed) -> None:  # noqa: F811
    tickets = [await committed.ticket() for _ in range(8)]
    registers = [
        committed.action("reg", t["number"], "register", category=CATEGORIES[i % 2], kind="inquiry")
        for i, t in enumerate(tickets)
    ]
    intakes = [
        committed.client.post(PUBLIC, json=committed.intake(category=CATEGORIES[i % 2], kind="inquiry"))
        for i in range(8)
    ]
    answers = await asyncio.gather(*(x for pair in zip(registers, intakes, strict=True) for x in pair))
    assert sorted({a.status_code for a in answers}) == [200, 201], [
        a.text for a in answers if a.status_code >= 300
    ]
    async with committed.engine.connect() as connection:
        school = {"code": committed.school}
        raw = (
            await connection.execute(
                text("SELECT t.* FROM tickets t JOIN orgs o ON o.id = t.school_id WHERE o.code = :code"),
                school,
            )
        ).all()
        kept = (
            await connection.execute(
                text("SELECT d.* FROM figure_days d JOIN orgs o ON o.id = d.school_id WHERE o.code = :code"),
                school,
            )
        ).all()
    want: dict[Any, dict[str, int]] = defaultdict(dict)
    for row in raw:
        facts = f.TicketFacts(
            row.status,
            row.collected_at,
            row.first_responded_at,
            row.responded_on_time,
            row.rating,
            row.reopen_count,
            row.to_bureau,
        )
        f.add(want[(row.channel, row.kind, row.category)], f.contribution(facts))
    got: dict[Any, dict[str, int]] = defaultdict(dict)
    for row in kept:
        f.add(
            got[(row.channel, row.kind, row.category)], {c: getattr(row, c) for c in f.COUNTERS + f.HISTOGRAM}
        )
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}
    assert sum(v.get("total", 0) for v in got.values()) == 16
