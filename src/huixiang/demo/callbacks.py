"""The demo's 回访: the city calls back a 30% sample through the schools' offices, 柳林 a 20%
sample through its inspectors; the 实验小学's registrar has made three calls (one 未解决, back
to its handler for rework) and 柳林's inspector one, the rest are pending in their queues."""

from __future__ import annotations

from datetime import timedelta

from ..db import callbacks as db
from ..db import repo
from ..domain.access import Principal
from ..domain.callbacks import CallbackPolicy, Caller
from ..domain.enums import Action, Rating
from ..services import callbacks, tickets
from ..services import schemas as s
from ..services.context import Ctx
from .story import DEMO_BUREAU

POLICIES = (
    (DEMO_BUREAU, CallbackPolicy(Caller.SCHOOL, 30, "demo-callbacks-2026")),
    ("demo-liulin", CallbackPolicy(Caller.BUREAU, 20, "demo-liulin-2026")),
)
CALLS = {
    "demo-shiyan-registrar": (
        (True, Rating.SATISFIED, "家长表示问题已解决，感谢学校及时处理。"),
        (True, Rating.BASICALLY_SATISFIED, "家长认可处理结果，希望后续继续关注。"),
        (False, Rating.UNSATISFIED, "家长反映答复中承诺的措施尚未落实，要求重新办理。"),
    ),
    "demo-liulin-inspector": ((True, Rating.SATISFIED, "区教育局回访：家长表示满意。"),),
}


async def set_policies(ctx: Ctx) -> None:
    """Before the tickets are answered: the policies decide which answers fall due."""
    for code, policy in POLICIES:
        org = await repo.org_by_code(ctx.session, code)
        assert org is not None
        await db.put_policy(ctx.session, org.id, policy.to_json(), ctx.now)


async def load_callbacks(ctx: Ctx, principals: dict[str, Principal]) -> None:
    """A few calls made a few minutes ago (after every planned event and the spot checks)."""
    for minute, (username, calls) in enumerate(CALLS.items()):
        caller = principals[username]
        pending = await callbacks.queue(ctx, caller)
        for i, ((resolved, satisfaction, note), item) in enumerate(zip(calls, pending, strict=False)):
            at = ctx.now - timedelta(minutes=4 - minute, seconds=-10 * i)
            request = s.CallbackRequest(
                resolved=resolved, satisfaction=satisfaction, treated_differently=False, note=note
            )
            await tickets.act(
                Ctx(ctx.session, ctx.settings, ctx.caches, at), caller, item.number, Action.CALLBACK, request
            )
