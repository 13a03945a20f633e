"""The JSON API: one module per controller; ROUTES is what the app mounts."""

from litestar.types import ControllerRouterHandler

from .admin import AdminController, set_calendar_day, set_policy
from .auth import AuthController
from .health import health
from .public import PublicController
from .reports import ReportController
from .tickets import TicketController

ROUTES: list[ControllerRouterHandler] = [
    AuthController,
    AdminController,
    PublicController,
    TicketController,
    ReportController,
    health,
    set_policy,
    set_calendar_day,
]
