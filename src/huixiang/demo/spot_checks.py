"""The demo's spot check (抽查): the 清河 district's inspector draws two archived tickets per
school from the demo's six weeks with a fixed seed, passes some and sends one back for 整改."""

from __future__ import annotations

from datetime import timedelta

from ..domain.access import Principal
from ..domain.enums import Verdict
from ..services import spot_checks
from ..services.context import Ctx
from .plan import HISTORY_DAYS

INSPECTOR = "demo-qinghe-inspector"
SEED = "demo-qinghe-2026"
CHECKS = (
    (Verdict.PASS, "答复及时，回应了家长关切，办理过程记录完整。"),
    (Verdict.PASS, "已核实整改落实情况，家长表示认可。"),
    (Verdict.FAIL, "答复只说明“已处理”，未写明具体措施和时间，请补充后重新答复家长。"),
)


async def load_spot_checks(ctx: Ctx, principals: dict[str, Principal]) -> None:
    """One draw a few minutes ago (after every planned event), and three of its tickets checked."""
    inspector = principals[INSPECTOR]
    tz = ctx.settings.timezone
    at = ctx.now - timedelta(minutes=5)
    past = Ctx(ctx.session, ctx.settings, ctx.caches, at)
    view = await spot_checks.draw(
        past,
        inspector,
        spot_checks.DrawRequest(
            start=(ctx.now - timedelta(days=HISTORY_DAYS)).astimezone(tz).date(),
            end=ctx.now.astimezone(tz).date(),
            size=2,
            seed=SEED,
        ),
    )
    for i, (item, (verdict, note)) in enumerate(zip(view.items, CHECKS, strict=False)):
        later = Ctx(ctx.session, ctx.settings, ctx.caches, at + timedelta(minutes=1 + i))
        await spot_checks.check(
            later, inspector, view.draw.id, item.number, spot_checks.CheckRequest(verdict=verdict, note=note)
        )
