"""The staff workbench: sign-in and role, queues, one ticket, offline intake, notifications."""

from litestar.types import ControllerRouterHandler

from .auth import StaffAccount, StaffAuth
from .callbacks import StaffCallbacks
from .intake import StaffIntake
from .live import StaffLive
from .notices import StaffNotices
from .queue import StaffQueue
from .replies import StaffReplies
from .ticket import StaffTicket
from .trust import StaffTrust

ROUTES: list[ControllerRouterHandler] = [
    StaffAuth,
    StaffAccount,
    StaffQueue,
    StaffTrust,
    StaffTicket,
    StaffLive,
    StaffIntake,
    StaffNotices,
    StaffReplies,
    StaffCallbacks,
]
