"""Random walks of lifecycle actions through the API: every 200 lands in a status the table
allows from the previous one, every refusal leaves the status alone, and the chain verifies."""

from __future__ import annotations

import random

import pytest

from huixiang.domain.enums import Action, Status
from huixiang.domain.lifecycle import RULES

from .conftest import World

# (username, action, body) — a menu wide enough to hit every row and many refusals.
MENU = [
    ("reg1", "register", {}),
    ("lead1", "register", {"priority": "urgent"}),
    ("reg1", "submit", {}),
    ("lead1", "assign", {"assignee": "hand1"}),
    ("lead1", "assign", {"assignee": "hand1b"}),
    ("hand1", "respond", {"text": "已处理"}),
    ("reg1", "respond", {"text": "已当场答复"}),
    ("lead1", "respond", {"text": "校长答复"}),
    ("lead1", "archive", {}),
    ("reg1", "archive", {}),
    ("insp1", "reopen", {"reason": "答复不具体"}),
    ("lead1", "reopen", {"reason": "家长再次来电"}),
    ("insp1", "supervise", {"note": "请加快办理"}),
    ("insp1", "inspect", {"verdict": "pass", "note": "合格"}),
    ("insp1", "inspect", {"verdict": "fail", "note": "整改"}),
    ("hand1", "register", {}),
    ("insp1", "assign", {"assignee": "hand1"}),
    ("parent", "satisfied", {}),
    ("parent", "unsatisfied", {}),
]


def allowed_targets(status: Status, action: Action) -> set[Status]:
    targets = set()
    for rule in RULES[action]:
        if status in rule.sources:
            targets.add(rule.target or status)
            if rule.rework_target:
                targets.add(rule.rework_target)
    return targets


@pytest.mark.parametrize("seed", range(6))
async def test_random_walk_stays_in_table_and_chain_verifies(world: World, seed: int) -> None:
    rng = random.Random(seed)
    receipt = await world.submit()
    number, code = receipt["number"], receipt["access_code"]
    status = Status.COLLECTED
    for _ in range(25):
        user, action, body = rng.choice(MENU)
        if user == "parent":
            answer = await world.client.post(
                f"/api/v1/public/tickets/{number}/rating", json={"code": code, "value": action}
            )
            action = "rate"
        else:
            answer = await world.action(user, number, action, **body)
        if answer.status_code == 200:
            new = Status(answer.json()["status"])
            assert new in allowed_targets(status, Action(action)), (status, action, new)
            status = new
        else:
            # Every body on the menu is valid: a refusal is the role (403) or the state (409).
            assert answer.status_code in (403, 409), answer.text
            assert "detail" in answer.json()
        current = await world.as_("insp1", "GET", f"/api/v1/tickets/{number}")
        assert Status(current.json()["status"]) is status
    log = await world.as_("insp1", "GET", f"/api/v1/tickets/{number}/events")
    assert log.json()["chain_ok"] is True
    assert [e["seq"] for e in log.json()["items"]] == list(range(1, len(log.json()["items"]) + 1))
