"""The home visits' pages (/visits), for teachers on phones, head teachers, leaders, grid members
and the bureau, on the same services as the API's visit endpoints."""

from litestar.types import ControllerRouterHandler

from .grids import GridPages
from .pages import VisitPages
from .plans import VisitPlanPages
from .school import SchoolVisitPages

ROUTES: list[ControllerRouterHandler] = [VisitPages, VisitPlanPages, SchoolVisitPages, GridPages]
