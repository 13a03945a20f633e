"""The home visits' pages (/visits), for teachers on phones, head teachers, leaders and the
bureau, on the same services as the API's visit endpoints."""

from litestar.types import ControllerRouterHandler

from .pages import VisitPages
from .plans import VisitPlanPages

ROUTES: list[ControllerRouterHandler] = [VisitPages, VisitPlanPages]
