"""What every admin page shares: the admin check, the nav, reading numbers and the sentence
beside a field for a service's refusal."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.datastructures import State

from ...domain.access import Principal
from ...domain.enums import Role
from ...domain.errors import DomainError, NotPermitted
from ...services.admin import RobotRefused
from ...services.users import Refused
from ..i18n import ZH_CN
from ..i18n import translate as t
from ..staff.pages import page
from ..staff.session import Staff

# The admin's pages in the nav's order: (path, catalogue key).
NAV = (
    ("/admin", "admin.nav.org"),
    ("/admin/users", "admin.nav.users"),
    ("/admin/categories", "admin.nav.categories"),
    ("/admin/policies", "admin.nav.policies"),
    ("/admin/calendar", "admin.nav.calendar"),
    ("/admin/robots", "admin.nav.robots"),
    ("/admin/audit", "admin.nav.audit"),
)
CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
FIELD = re.compile(r"`([a-z_]+)")


def admin_of(staff: Staff) -> Principal:
    """The caller acting as an admin, else 403 (the page says their role may not)."""
    if staff.acting.role is not Role.ADMIN:
        raise NotPermitted("Only an admin may open the admin pages.")
    return staff.principal


def admin_page(
    name: str, request: Request[Any, Any, State], staff: Staff, *, status: int = 200, **context: Any
) -> Response[Any]:
    current = max((p for p, _ in NAV if request.url.path.startswith(p)), key=len, default="/admin")
    context.setdefault("errors", {})
    context.setdefault("values", {})
    if context.get("done") and f"admin.done.{context['done']}" not in ZH_CN:
        context["done"] = ""  # a `done` from the query that says nothing known: no banner
    return page(name, request, staff, status=status, nav=NAV, current=current, **context)


def whole(value: str) -> int | None:
    """A whole number typed in a field ("5", " 5 "), else None."""
    value = value.strip()
    return int(value) if value.isdigit() and len(value) <= 6 else None


def refusal(exc: DomainError, fields: dict[str, str], default: str) -> dict[str, str]:
    """The field a service's refusal concerns and its sentence: a Refused names both; another
    error names its field in backticks (`fields` maps those names to the form's and to a
    catalogue key); else the form's `default` field with the generic sentence."""
    if isinstance(exc, RobotRefused):
        fault = exc.fault
        if fault.code == "address":
            kind = t(f"admin.net.{fault.kind}")
            return {"url": t("admin.reason.address", address=fault.address, kind=kind)}
        return {"url": t(f"admin.reason.{fault.code}")}
    if isinstance(exc, Refused):
        return {exc.field: t(f"admin.reason.{exc.reason}")}
    found = FIELD.search(exc.message)
    key = found.group(1) if found else ""
    if key in fields:
        field, message = fields[key].split(":", 1)
        return {field: t(message)}
    return {default: t("admin.error.invalid")}
