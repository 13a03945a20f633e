"""The demo's parent grids (网格连心): 三年级（2）班 of 示范市第一实验小学 in two grids — one looked
after by a parent volunteer (the school's grid member login), one by the head teacher — with a
few contacts of this term, two of whose matters became `grid` tickets that wait, unanswered, in
the members' 我的网格 queues. Written by the real services at past instants."""

from __future__ import annotations

from datetime import timedelta

from ..db import visits as visits_db
from ..domain.grids import ContactForm
from ..services import grid_schemas as gs
from ..services import grids
from ..services.context import Ctx
from ..services.visits import current_school_year
from .visits import SCHOOL, _principal

CLASS = "三年级（2）班"
# (grid, member, students by index in the class's roster order of demo/visits.py)
GRIDS = (
    ("第一网格", f"{SCHOOL}-grid", (0, 1, 2)),
    ("第二网格", f"{SCHOOL}-handler2", (3, 4, 5)),
)
# (grid index, student index in the grid or None for the whole grid, days ago, form, note,
#  matter, sent as a ticket with this category)
CONTACTS = (
    (0, 0, 9, ContactForm.MESSAGE, "微信问候，了解孩子最近的学习情况。", "", None),
    (0, None, 6, ContactForm.GROUP, "网格家长小组交流，分享陪伴孩子阅读的做法。", "", None),
    (
        0,
        2,
        3,
        ContactForm.PHONE,
        "电话联系刘思远爷爷。",
        "放学时校门口接送车辆拥堵，老人接孩子不安全，希望学校错峰放学。",
        "校园安全",
    ),
    (
        1,
        1,
        2,
        ContactForm.HOME,
        "到吴俊杰家走访，孩子情绪比上月好。",
        "希望学校多开展一些体育类的课后社团。",
        "课后服务与双减",
    ),
)


async def load_grids(ctx: Ctx) -> int:
    """The grids and their contacts; answers how many contacts were recorded."""
    leader = await _principal(ctx, f"{SCHOOL}-leader")
    year = current_school_year(ctx)
    classes = await visits_db.classes_of(ctx.session, [leader.grants[0].org_id], year)
    (klass,) = [c for c in classes if c.name == CLASS]
    students = sorted(await visits_db.students_of(ctx.session, klass.id), key=lambda st: st.id)
    made = []
    for name, member, picks in GRIDS:
        grid = await grids.create_grid(
            ctx,
            leader,
            gs.GridCreate(
                class_id=klass.id,
                name=name,
                member=gs.MemberIn(username=member),
                students=[students[i].id for i in picks],
            ),
        )
        made.append((grid["id"], member, [students[i].id for i in picks]))
    count = 0
    for index, who, days, form, note, matter, category in CONTACTS:
        grid_id, member, families = made[index]
        at = (ctx.now - timedelta(days=days)).replace(hour=19, minute=0, second=0, microsecond=0)
        if at > ctx.now - timedelta(minutes=10):
            at = ctx.now - timedelta(hours=1)
        past = Ctx(ctx.session, ctx.settings, ctx.caches, at + timedelta(minutes=5))
        await grids.add_contact(
            past,
            await _principal(ctx, member),
            grid_id,
            gs.ContactCreate(
                contacted_at=at,
                form=form,
                student_id=families[who] if who is not None else None,
                note=note,
                matter=matter,
                ticket=gs.TicketFromMatter(consent=True, category=category, with_contact=True)
                if category
                else None,
            ),
        )
        count += 1
    return count
