"""The domain stays pure: stdlib, chinese_calendar and its own modules; no clock reads."""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import huixiang.domain

DOMAIN_DIR = Path(huixiang.domain.__file__).parent
MODULES = sorted(info.name for info in pkgutil.iter_modules(huixiang.domain.__path__))
SOURCES = sorted(DOMAIN_DIR.glob("*.py"))

ALLOWED_THIRD_PARTY = {"chinese_calendar"}
FORBIDDEN = {"sqlalchemy", "litestar", "dramatiq", "redis", "asyncpg", "msgspec", "alembic"}
CLOCK_READS = {"now", "today", "utcnow", "time", "monotonic", "perf_counter"}
CLOCK_OWNERS = {"datetime", "date", "time", "dt"}


def import_problems(source: str) -> list[str]:
    """Imports that are neither stdlib, chinese_calendar nor relative domain modules."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            tops = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 0:
                continue  # from .enums import ...
            tops = [(node.module or "").split(".")[0]]
        else:
            continue
        for top in tops:
            if top not in sys.stdlib_module_names and top not in ALLOWED_THIRD_PARTY:
                problems.append(f"line {node.lineno}: import {top}")
    return problems


def clock_reads(source: str) -> list[str]:
    """Calls such as datetime.now(), date.today(), datetime.datetime.utcnow(), time.time()."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = (
            owner.id
            if isinstance(owner, ast.Name)
            else owner.attr
            if isinstance(owner, ast.Attribute)
            else None
        )
        if node.func.attr in CLOCK_READS and owner_name in CLOCK_OWNERS:
            found.append(f"line {node.lineno}: {owner_name}.{node.func.attr}()")
    return found


# -- the checkers themselves catch what they should -----------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "import sqlalchemy",
        "from litestar import Litestar",
        "import dramatiq.brokers",
        "from redis.asyncio import Redis",
        "import os, asyncpg",
        "from huixiang.db import models",
    ],
)
def test_import_problems_forbidden_import_reported(source):
    assert import_problems(source)


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "import chinese_calendar",
        "from .enums import Status",
        "from . import errors",
        "from collections.abc import Mapping\nimport zoneinfo",
    ],
)
def test_import_problems_allowed_import_clean(source):
    assert import_problems(source) == []


@pytest.mark.parametrize(
    "source",
    [
        "datetime.now()",
        "datetime.now(UTC)",
        "date.today()",
        "datetime.datetime.utcnow()",
        "dt.datetime.now(tz)",
        "time.time()",
    ],
)
def test_clock_reads_clock_call_reported(source):
    assert clock_reads(source)


def test_clock_reads_plain_arithmetic_clean():
    assert clock_reads("x = datetime.combine(d, t, tzinfo=tz)\ny = date(2026, 1, 1)") == []


# -- the domain -----------------------------------------------------------------------------


def test_domain_modules_expected_set_present():
    assert {"access", "deadlines", "enums", "errors", "lifecycle"} <= set(MODULES)
    assert len(SOURCES) == len(MODULES) + 1  # plus __init__.py


@pytest.mark.parametrize("name", MODULES)
def test_import_domain_module_succeeds(name):
    module = importlib.import_module(f"huixiang.domain.{name}")
    assert module.__name__ == f"huixiang.domain.{name}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_domain_source_imports_only_stdlib_chinese_calendar_relative(path):
    assert import_problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_domain_source_no_clock_reads(path):
    assert clock_reads(path.read_text(encoding="utf-8")) == []


def test_import_domain_fresh_interpreter_loads_no_framework():
    names = ", ".join(f"huixiang.domain.{m}" for m in MODULES)
    code = (
        "import sys\n"
        f"import {names}\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r})\n"
        "print(','.join(bad))\n"
    )
    src_root = str(DOMAIN_DIR.parent.parent)
    env = {**os.environ, "PYTHONPATH": src_root, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
