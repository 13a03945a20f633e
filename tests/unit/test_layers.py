"""The layer rule beyond imports (import-linter checks those): every SQL statement is built and
run in db/. A service, controller, page or worker that builds a query fails this test."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((ROOT / "src" / "huixiang").rglob("*.py")), *sorted((ROOT / "workers").rglob("*.py"))]
QUERY_DIR = ROOT / "src" / "huixiang" / "db"
# Statement builders: importing one outside db/ means a query is written there.
BUILDERS = {"select", "insert", "update", "delete", "text", "func", "case", "exists", "union_all"}
# Running SQL: these methods on a session or connection.
RUNNERS = {"execute", "scalar", "scalars", "fetch", "fetchrow", "fetchval", "executemany"}


def _violations(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [f"imports sqlalchemy.{a.name}" for a in node.names if a.name in BUILDERS]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in RUNNERS
            and isinstance(node.func.value, ast.Attribute | ast.Name)
            and (getattr(node.func.value, "attr", None) or getattr(node.func.value, "id", ""))
            in {"session", "connection", "conn", "db"}
        ):
            found.append(f"runs SQL (.{node.func.attr}) at line {node.lineno}")
    return found


def test_sources_outside_db_build_and_run_no_sql() -> None:
    offenders = {
        str(path.relative_to(ROOT)): problems
        for path in SOURCES
        if QUERY_DIR not in path.parents and (problems := _violations(path))
    }
    assert offenders == {}, "queries belong in db/: " + repr(offenders)


def test_the_scan_sees_a_query() -> None:
    """The scan itself works: a repository module is full of what it looks for."""
    assert _violations(QUERY_DIR / "repo.py")
