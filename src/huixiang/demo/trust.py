"""Parents' trust in the demo: a complaint that names a teacher (who never sees it), one whose
parent chose 身份仅教育局可见, and a district inspector designated to unseal it."""

from __future__ import annotations

from datetime import timedelta

from ..db import trust as trust_db
from ..domain.access import Principal
from ..domain.enums import Action, Kind
from ..services import intake, tickets
from ..services import schemas as s
from ..services.context import Ctx

SCHOOL = "demo-shiyan"
NAMED_TEACHER = "demo-shiyan-handler2"  # 王磊主任
REVIEWER = "demo-qinghe-inspector"  # 张振华督学

NAMING = (
    "王磊主任在课后服务时多次当着全班的面讽刺我家孩子“笨”，孩子现在不愿意上学。"
    "希望学校调查处理，也请不要让王主任知道是谁反映的。"
)
ESCROWED = (
    "学校门口的托管班由本校老师私下介绍，每月收费一千二，不参加好像会被穿小鞋。"
    "我担心反映之后孩子受影响，所以选择身份只让教育局知道。"
)


async def load_trust(ctx: Ctx, principals: dict[str, Principal]) -> None:
    registrar = principals[f"{SCHOOL}-registrar"]
    await trust_db.set_reviewer(ctx.session, principals[REVIEWER].user_id, True)
    yesterday = Ctx(ctx.session, ctx.settings, ctx.caches, ctx.now - timedelta(hours=20))
    named = await intake.intake(
        yesterday,
        s.PublicTicketCreate(
            school_code=SCHOOL,
            kind=Kind.COMPLAINT,
            category="师德师风",
            title="老师当众讽刺孩子",
            content=NAMING,
            consent=True,
            contact=s.Contact(name="赵女士", relation="母亲", phone="13905710321"),
            student=s.Student(name="赵子涵", class_name="四年级（2）班"),
            named_staff=[principals[NAMED_TEACHER].user_id],
        ),
    )
    await tickets.act(
        yesterday,
        registrar,
        named.number,
        Action.REGISTER,
        s.RegisterRequest(public_note="已受理，学校将另行安排人员核实，请放心。"),
    )
    await intake.intake(
        Ctx(ctx.session, ctx.settings, ctx.caches, ctx.now - timedelta(hours=6)),
        s.PublicTicketCreate(
            school_code=SCHOOL,
            kind=Kind.REPORT,
            category="收费管理",
            title="老师私下介绍收费托管班",
            content=ESCROWED,
            consent=True,
            contact=s.Contact(name="钱先生", relation="父亲", phone="13706512234"),
            escrow=True,
        ),
    )
