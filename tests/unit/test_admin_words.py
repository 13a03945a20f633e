"""Every reason the admin services give for refusing a field has a sentence in the admin
catalogue (web/catalog/admin.py), so no page shows a bare key."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from huixiang.services.targets import FAULTS
from huixiang.web.i18n import ZH_CN

SRC = Path(__file__).resolve().parents[2] / "src" / "huixiang" / "services"
NETWORK_KINDS = ["loopback", "link-local", "multicast", "unspecified", "reserved", "private", "non-public"]


def _refused_reasons() -> set[str]:
    """The `reason` argument of every `Refused(field, reason, message)` in the services."""
    reasons: set[str] = set()
    for path in (SRC / "users.py", SRC / "admin.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Refused":
                reason = node.args[1]
                assert isinstance(reason, ast.Constant), ast.dump(node)
                reasons.add(str(reason.value))
    return reasons


def test_services_refuse_with_some_reasons() -> None:
    assert {"duplicate", "last_role", "self_disable", "robot_kind"} <= _refused_reasons()


@pytest.mark.parametrize("reason", sorted(_refused_reasons() | set(FAULTS) | {"address"}))
def test_every_refusal_reason_has_a_sentence(reason: str) -> None:
    assert ZH_CN.get(f"admin.reason.{reason}"), reason


@pytest.mark.parametrize("kind", NETWORK_KINDS)
def test_every_refused_network_kind_has_words(kind: str) -> None:
    assert ZH_CN.get(f"admin.net.{kind}"), kind
