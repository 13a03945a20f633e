"""The bureau's console (/bureau): figures, the overdue board, supervision, spot checks and
league tables for inspectors, and the same pages over their own school for a school's leader,
on the same services as the API."""

from litestar.types import ControllerRouterHandler

from .callbacks import BureauCallbacks, BureauReveals
from .league import BureauLeague
from .overdue import BureauOverdue
from .overview import BureauOverview
from .spot_checks import BureauSpotChecks
from .supervision import BureauSupervision
from .tickets import BureauTickets
from .visits import BureauVisits

ROUTES: list[ControllerRouterHandler] = [
    BureauOverview,
    BureauTickets,
    BureauOverdue,
    BureauSupervision,
    BureauSpotChecks,
    BureauLeague,
    BureauCallbacks,
    BureauReveals,
    BureauVisits,
]
