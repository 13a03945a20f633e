"""概览 (/bureau): the headline figures of the caller's scope, or of one unit in it, for a period
(this term unless the form says otherwise: 第一学期 from 1 September, 第二学期 from 1 February),
the same figures per school, channel, kind and category, and the trends by month and week
(charts, each with its table); every figure links to the tickets behind it (tickets.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State

from ...domain.errors import Invalid
from ...domain.league import period_of
from ...services import stats
from ..i18n import translate
from ..routes import CtxDep
from ..staff.pages import StaffPages
from ..staff.session import StaffDep
from .common import bureau_of, bureau_page


class BureauOverview(StaffPages):
    path = "/bureau"

    @get("/")
    async def overview(
        self, request: Request[Any, Any, State], ctx: CtxDep, staff: StaffDep
    ) -> Response[Any]:
        principal = bureau_of(staff)
        query = request.query_params
        today = ctx.now.astimezone(ctx.settings.timezone).date()
        values = {
            "org": query.get("org", "").strip(),
            "from": query.get("from", "").strip() or period_of("term", None, today).first.isoformat(),
            "to": query.get("to", "").strip() or today.isoformat(),
        }
        try:
            shown = await stats.overview(
                ctx, principal, org_code=values["org"] or None, start=values["from"], end=values["to"]
            )
        except Invalid:
            return bureau_page(
                "bureau/overview.html", request, staff, status=400, values=values, figures=None
            )
        return bureau_page(
            "bureau/overview.html",
            request,
            staff,
            values=values,
            figures=shown["figures"],
            shown=shown,
            charts=charts(shown),
        )


def charts(shown: dict[str, Any]) -> dict[str, Any]:
    """What the charts draw (read by bureau-charts.js from a JSON data block): the same numbers
    as the tables beside them."""

    def label(key: str, value: Any) -> str:
        return translate(f"{key}.{value}") if key in ("channel", "kind") else str(value)

    def series(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
        return {
            "labels": [label(key, r[key]) for r in rows],
            "total": [r["total"] for r in rows],
            "responded": [r["responded"] for r in rows],
            "response_rate": [r["response_rate"] for r in rows],
            "satisfaction_rate": [r["satisfaction_rate"] for r in rows],
        }

    return {
        "names": {
            "total": translate("bureau.figure.total"),
            "responded": translate("bureau.figures.responded"),
            "response_rate": translate("bureau.figure.response_rate"),
            "satisfaction_rate": translate("bureau.figure.satisfaction_rate"),
            "count": translate("bureau.figures.unit"),
        },
        # months as the table names them (2026-11), not by their first day
        "by_month": {
            **series(shown["by_month"], "period"),
            "labels": [r["period"][:7] for r in shown["by_month"]],
        },
        "by_week": series(shown["by_week"], "period"),
        "by_school": series(shown["figures"]["by_school"], "school_name"),
        "by_channel": series(shown["by_channel"], "channel"),
        "by_kind": series(shown["by_kind"], "kind"),
        "by_category": series(shown["by_category"], "category"),
    }
