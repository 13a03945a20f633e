"""The int64 guard (edge/errors.py `path_ints_in_range`) sits on exactly the routes with an
integer in their path: every such route keeps the 404 for ids beyond int64, and no other route
(public intake above all) pays for it on every request."""

from __future__ import annotations

from typing import Any

from litestar.routes import HTTPRoute

from huixiang.edge.errors import path_ints_in_range


def _guarded(app: Any) -> dict[str, bool]:
    found = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.http_methods == {"OPTIONS"}:
                    continue  # Litestar's own CORS preflight answer
                found[f"{route.path} {sorted(handler.http_methods)}"] = (
                    path_ints_in_range in handler.resolve_guards()
                )
    return found


def test_the_int64_guard_is_on_the_integer_paths_only(shared_app: Any) -> None:
    guarded = _guarded(shared_app)
    assert {route for route, has in guarded.items() if has} == {
        route for route in guarded if ":int}" in route
    }
    assert {route for route in guarded if ":int}" in route} == {
        "/admin/categories/{category_id:int}/rename ['POST']",
        "/admin/categories/{category_id:int}/retire ['POST']",
        "/admin/robots/{org_code:str}/{hook_id:int}/remove ['POST']",
        "/admin/users/{username:str}/roles/{grant_id:int}/remove ['POST']",
        "/api/v1/notifications/{notification_id:int}/read ['POST']",
        "/api/v1/tickets/{number:str}/attachments/{attachment_id:int} ['GET']",
        "/staff/notifications/{notification_id:int}/read ['POST']",
        "/staff/tickets/{number:str}/files/{attachment_id:int} ['GET']",
        "/staff/replies/{reply_id:int} ['GET']",
        "/staff/replies/{reply_id:int} ['POST']",
        "/staff/replies/{reply_id:int}/delete ['POST']",
        "/api/v1/supervision/orders/{order_id:int} ['GET']",
        "/api/v1/supervision/orders/{order_id:int}/chase ['POST']",
        "/bureau/supervision/{order_id:int}/chase ['POST']",
        "/bureau/supervision/{order_id:int}/print ['GET']",
        "/api/v1/spot-checks/{draw_id:int} ['GET']",
        "/api/v1/spot-checks/{draw_id:int}/items/{number:str} ['POST']",
        "/bureau/spot-checks/{draw_id:int} ['GET']",
        "/bureau/spot-checks/{draw_id:int}/items/{number:str} ['POST']",
        "/bureau/league/orders/{order_id:int}/done ['POST']",
        "/bureau/league/reports/{report_id:int} ['GET']",
        "/bureau/league/reports/{report_id:int}/xlsx ['GET']",
        "/api/v1/visits/classes/{class_id:int}/students ['GET']",
        "/api/v1/visits/classes/{class_id:int}/ledger.xlsx ['GET']",
        "/visits/classes/{class_id:int}/ledger.xlsx ['GET']",
        "/api/v1/visits/students/{student_id:int} ['GET']",
        "/api/v1/visits/students/{student_id:int}/reveal ['POST']",
        "/api/v1/visits/students/{student_id:int}/access ['GET']",
        "/api/v1/visits/{visit_id:int} ['GET']",
        "/api/v1/visits/{visit_id:int}/opinions/{opinion_id:int}/ticket ['POST']",
        "/visits/classes/{class_id:int} ['GET']",
        "/visits/students/{student_id:int} ['GET']",
        "/visits/students/{student_id:int}/reveal ['POST']",
        "/visits/students/{student_id:int}/new ['GET']",
        "/visits/students/{student_id:int}/new ['POST']",
        "/visits/{visit_id:int} ['GET']",
        "/api/v1/visits/campaigns/{campaign_id:int} ['GET']",
        "/api/v1/visits/campaigns/{campaign_id:int}/classes/{class_id:int}/plan ['GET']",
        "/api/v1/visits/campaigns/{campaign_id:int}/classes/{class_id:int}/plan ['PUT']",
        "/api/v1/visits/classes/{class_id:int}/ledger ['GET']",
        "/api/v1/visits/talks/{talk_id:int} ['GET']",
        "/visits/campaigns/{campaign_id:int} ['GET']",
        "/visits/campaigns/{campaign_id:int}/classes/{class_id:int} ['GET']",
        "/visits/campaigns/{campaign_id:int}/classes/{class_id:int} ['POST']",
        "/visits/classes/{class_id:int}/ledger ['GET']",
        "/visits/students/{student_id:int}/talk ['GET']",
        "/visits/students/{student_id:int}/talk ['POST']",
        "/visits/talks/{talk_id:int} ['GET']",
        "/api/v1/visits/grids/{grid_id:int} ['GET']",
        "/api/v1/visits/grids/{grid_id:int} ['PATCH']",
        "/api/v1/visits/grids/{grid_id:int}/contacts ['POST']",
        "/visits/grids/{grid_id:int} ['GET']",
        "/visits/grids/{grid_id:int}/contacts ['POST']",
    }
