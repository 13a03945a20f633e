"""The home visits' pages (/visits), for teachers on phones, head teachers, leaders, grid members
and the bureau, on the same services as the API's visit endpoints."""

from litestar.types import ControllerRouterHandler

from .grids import GridPages
from .pages import VisitPages
from .school import SchoolVisitPages

ROUTES: list[ControllerRouterHandler] = [VisitPages, SchoolVisitPages, GridPages]
