"""The admin's pages (/admin): the org tree, users and roles, categories, deadline policies,
holiday overrides and group robots, on the same services as the API's admin endpoints."""

from litestar.types import ControllerRouterHandler

from .audit import AdminAuditLog
from .org import AdminOrg
from .settings import AdminSettings
from .users import AdminUsers

ROUTES: list[ControllerRouterHandler] = [AdminOrg, AdminUsers, AdminSettings, AdminAuditLog]
