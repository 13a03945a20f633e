"""The JSON API: one module per controller; ROUTES is what the app mounts."""

from litestar.types import ControllerRouterHandler

from .admin import POLICIES, AdminController
from .auth import AuthController
from .callbacks import CallbackController, RevealController
from .grids import GridController
from .health import health
from .league import LeagueController
from .public import PublicController
from .reports import ReportController
from .spot_checks import SpotCheckController
from .supervision import SupervisionController
from .tickets import TicketController
from .trust import TrustController
from .visit_plans import VisitPlanController
from .visits import VisitController

ROUTES: list[ControllerRouterHandler] = [
    AuthController,
    AdminController,
    PublicController,
    TicketController,
    TrustController,
    ReportController,
    SpotCheckController,
    LeagueController,
    SupervisionController,
    VisitController,
    CallbackController,
    RevealController,
    VisitPlanController,
    GridController,
    health,
    POLICIES,
]
