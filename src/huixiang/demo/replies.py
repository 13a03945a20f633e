"""The demo's canned answers (常用回复): a few per school, saved by its leader through the service.

The demo loader calls `await load_replies(ctx)` once the users exist (load_demo, after `_run`).
Idempotent: a school that already has canned answers is left as it is."""

from __future__ import annotations

from ..db import demo as db
from ..db import repo
from ..domain.access import Principal
from ..services import replies
from ..services.context import Ctx
from .story import SCHOOLS

REPLIES = [
    (
        "已受理·正在核实",
        "{称呼}您好！您反映的问题（编号{编号}）学校已受理，正在安排专人核实，将于{期限}前给您答复。感谢您对学校工作的关心。",
    ),
    (
        "食堂膳食",
        "{称呼}您好！关于您反映的食堂问题（编号{编号}），学校已约谈食堂负责人并抽查了近一周的菜品，"
        "已要求调整口味、控制油盐，后勤处每天巡查。欢迎您参加家长陪餐日实地了解。",
    ),
    (
        "校园安全",
        "{称呼}您好！您反映的安全隐患（编号{编号}）学校已派人现场查看，已设置警示并安排维修，"
        "完成前由值班老师在该处值守。如再发现问题，请随时通过直通车或校长热线告诉我们。",
    ),
    (
        "作业负担",
        "{称呼}您好！关于作业量的意见（编号{编号}），教导处已与年级组沟通，按“双减”要求统筹各科作业，"
        "书面作业控制在规定时间内。孩子如遇困难，可随时联系班主任。",
    ),
]


async def load_replies(ctx: Ctx) -> int:
    """Each demo school's canned answers, saved as its leader; answers how many were added."""
    leaders = [f"{school.short}-leader" for school in SCHOOLS]
    users = await db.users_by_username(ctx.session, leaders)
    grants = await repo.grants_of(ctx.session, [user.id for user in users])
    added = 0
    for user in users:
        leader = Principal(user.id, user.username, user.display_name, tuple(grants[user.id]))
        if await replies.list_replies(ctx, leader):
            continue
        for title, body in REPLIES:
            await replies.save_reply(ctx, leader, None, title, body)
            added += 1
    return added
