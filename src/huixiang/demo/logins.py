"""The demo's logins and what `huixiang demo` and `huixiang serve --demo` print."""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass

from .story import DEMO_PASSWORD, MULTI_ROLE, ORG_NAMES, STAFF


@dataclass(frozen=True, slots=True)
class Login:
    username: str
    password: str
    role: str
    org_code: str
    org_name: str
    also: tuple[str, ...] = ()  # further roles at the same unit (the pages ask which to act as)


def demo_logins() -> list[Login]:
    username, _, roles, org = MULTI_ROLE
    multi = Login(
        username, DEMO_PASSWORD, roles[0].value, org, ORG_NAMES[org], tuple(r.value for r in roles[1:])
    )
    return [
        Login(username, DEMO_PASSWORD, role.value, org, ORG_NAMES[org]) for username, _, role, org in STAFF
    ] + [multi]


# ---- printing ------------------------------------------------------------------------------

ROLE_NAMES = {
    "admin": "管理员",
    "registrar": "登记员",
    "leader": "责任领导",
    "handler": "承办人",
    "grid_member": "网格员",
    "inspector": "督查员",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def print_logins(logins: list[Login], url: str | None) -> None:
    """Where to start, then one summary line and the logins under it, last, so that they stay
    on screen. `url`: where the site runs (serve), or None (the demo was only loaded)."""
    base = url or "http://127.0.0.1:8000"
    rows = [("username", "role", "org")] + [
        (
            x.username,
            " + ".join(f"{r} {ROLE_NAMES.get(r, '')}".strip() for r in (x.role, *x.also)),
            f"{x.org_name} ({x.org_code})",
        )
        for x in logins
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    print(f"Where to start{'' if url else ' (once `huixiang serve` runs)'}:")
    print(
        f"  as a parent: {base}/s/demo-shiyan  (a school's page: 我要留言; then /track with number and code)"
    )
    print(f"  its poster:  {base}/s/demo-shiyan/poster  (QR code for the mailbox and notice board)")
    print(
        f'  the API:     POST {base}/api/v1/auth/login {{"username": "demo-qinghe-inspector", '
        f'"password": "{DEMO_PASSWORD}"}}, then GET /api/v1/tickets?overdue=true with '
        "Authorization: Bearer <token>; figures at GET /api/v1/stats?org_code=demo-qinghe"
    )
    print(f"  API docs:    {base}/schema (OpenAPI); the JSON API lives under /api/v1")
    print()
    where = f"Huixiang is running on {url} (Ctrl-C stops it)" if url else "Huixiang demo loaded"
    print(
        f"{where}. Demo (回响 演示数据): a city bureau, 2 districts, 4 schools, ~300 tickets; "
        f"{len(logins)} logins, all with the demo password {DEMO_PASSWORD!r} (never for real data):"
    )
    for n, row in enumerate(rows):
        print("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    sys.stdout.flush()
