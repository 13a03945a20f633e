"""The demo's home visits: two classes of 示范市第一实验小学 with their students and guardians (a
new-intake class and a third-year class with special groups), and a campaign half done — the
campaign itself, each class's plan, visit records in each form, a parent's opinion that became
a ticket; special-group students whose follow-up is due (孙梓轩, for 一年级（1）班's head teacher)
and overdue (吴俊杰, 郑雅琪, never visited since the roster came in September), and a talk record.
Written by the real services (create_class, add_student, create_visit, create_campaign,
set_plan, create_talk) as the school's leader and head teachers, at past instants;
deterministic for a given `now`."""

from __future__ import annotations

from datetime import date, timedelta

from ..db import demo as db
from ..db import repo
from ..domain.access import Principal
from ..domain.visits import Group, VisitForm
from ..services import campaigns, talks, visits
from ..services import visit_schemas as vs
from ..services.context import Ctx
from ..services.visits import current_school_year

SCHOOL = "demo-shiyan"
CAMPAIGN_SEASON = "秋季家访月"
# (class, grade, head teacher, subject teachers, new intake, students)
# A student: (name, groups, guardian, relation, phone)
CLASSES = (
    (
        "一年级（1）班",
        1,
        "demo-shiyan-handler1",
        (("demo-shiyan-handler2", "数学"),),
        True,
        (
            ("陈一诺", (), "陈建", "父亲", "13905140001"),
            ("林子涵", (), "林秀英", "母亲", "13905140002"),
            ("王浩宇", (Group.MIGRANT,), "王德福", "父亲", "13905140003"),
            ("赵欣怡", (), "赵丽", "母亲", "13905140004"),
            ("孙梓轩", (Group.LEFT_BEHIND,), "孙桂兰", "奶奶", "13905140005"),
            ("周雨桐", (), "周强", "父亲", "13905140006"),
        ),
    ),
    (
        "三年级（2）班",
        3,
        "demo-shiyan-handler2",
        (("demo-shiyan-handler1", "语文"),),
        False,
        (
            ("李明轩", (Group.LEARNING,), "李军", "父亲", "13905140011"),
            ("张可馨", (), "张敏", "母亲", "13905140012"),
            ("刘思远", (Group.HARDSHIP, Group.LEFT_BEHIND), "刘福生", "爷爷", "13905140013"),
            ("黄诗涵", (), "黄蕾", "母亲", "13905140014"),
            ("吴俊杰", (Group.CHANGE,), "吴海", "父亲", "13905140015"),
            ("郑雅琪", (Group.DISABILITY,), "郑芳", "母亲", "13905140016"),
        ),
    ),
)
# (class index, student index, days ago, form, opinion, the family agreed to a ticket)
VISITS = (
    (0, 0, 20, VisitForm.HOME, "希望学校的课后服务能延长到下午六点，我们下班来不及接。", True),
    (0, 1, 18, VisitForm.HOME, "", False),
    (0, 2, 15, VisitForm.VIDEO, "孩子刚转来，希望老师多关注他的普通话。", False),
    (0, 4, 28, VisitForm.HOME, "", False),  # 留守, every 30 days: its follow-up is due in two
    (1, 0, 10, VisitForm.AT_SCHOOL, "作业有时太多，孩子写到很晚。", True),
    (1, 2, 8, VisitForm.HOME, "", False),
    (1, 2, 2, VisitForm.PHONE, "", False),
)


async def _principal(ctx: Ctx, username: str) -> Principal:
    (user,) = await db.users_by_username(ctx.session, [username])
    grants = (await repo.grants_of(ctx.session, [user.id]))[user.id]
    return Principal(user.id, user.username, user.display_name, tuple(grants))


async def load_visits(ctx: Ctx) -> int:
    """The demo school's classes, students and visits; answers how many visits were recorded."""
    leader = await _principal(ctx, f"{SCHOOL}-leader")
    year = current_school_year(ctx)
    campaign = f"{year}{CAMPAIGN_SEASON}"
    students: list[list[int]] = []
    heads: list[str] = []
    class_ids: list[int] = []
    for name, grade, head, teachers, new_intake, pupils in CLASSES:
        made = await visits.create_class(
            ctx,
            leader,
            vs.ClassCreate(
                school_code=SCHOOL,
                grade=grade,
                name=name,
                school_year=year,
                head_teacher=head,
                teachers=[vs.TeacherIn(username=u, subject=subject) for u, subject in teachers],
            ),
        )
        heads.append(head)
        class_ids.append(int(made["id"]))
        ids = []
        for pupil, groups, guardian, relation, phone in pupils:
            view = await visits.add_student(
                ctx,
                leader,
                vs.StudentCreate(
                    class_id=made["id"],
                    name=pupil,
                    new_intake=new_intake,
                    groups=list(groups),
                    guardians=[vs.GuardianIn(name=guardian, relation=relation, phone=phone)],
                ),
            )
            ids.append(int(view["id"]))
        students.append(ids)
    count = 0
    start = visits.school_year_start(ctx, year)
    # The roster came in at the start of the school year: follow-ups count from then.
    await db.joined_at(ctx.session, [i for ids in students for i in ids], start)
    today = ctx.now.astimezone(ctx.settings.timezone).date()
    first = max(today - timedelta(days=30), start.date())
    for i, (klass, who, days, form, opinion, ticket) in enumerate(VISITS):
        at = (ctx.now - timedelta(days=days)).replace(hour=11, minute=30, second=0, microsecond=0)
        # Early in a school year the campaign is squeezed into the days it has had.
        at = max(at, start + timedelta(hours=i + 1))
        if at > ctx.now - timedelta(minutes=10):
            continue
        teacher = await _principal(ctx, heads[klass])
        past = Ctx(ctx.session, ctx.settings, ctx.caches, at + timedelta(minutes=5))
        await visits.create_visit(
            past,
            teacher,
            vs.VisitCreate(
                student_id=students[klass][who],
                visited_at=at,
                form=form,
                campaign=campaign,
                family_members_met="父母" if form is VisitForm.HOME else "",
                family_situation="家庭和睦，父母重视孩子的学习。",
                student_at_home="能按时完成作业，喜欢阅读。",
                opinions=[
                    vs.OpinionIn(
                        text=opinion,
                        ticket=vs.TicketFromOpinion(consent=True, category="课后服务与双减")
                        if ticket
                        else None,
                    )
                ]
                if opinion
                else [],
                effect="家长了解了孩子在校表现，约定每周沟通一次。",
                reflection="多肯定、少告状，家校配合效果更好。",
            ),
        )
        count += 1
    await _campaign(ctx, leader, campaign, first, today, class_ids, students, heads)
    talker = await _principal(ctx, heads[1])
    at = (ctx.now - timedelta(days=3)).replace(hour=16, minute=20, second=0, microsecond=0)
    if at >= start:
        await talks.create_talk(
            Ctx(ctx.session, ctx.settings, ctx.caches, at + timedelta(minutes=30)),
            talker,
            vs.TalkCreate(
                student_id=students[1][4],
                talked_at=at,
                topic="最近上课注意力不集中",
                place="班主任办公室",
                participants="心理健康教师",
                content="说父母最近常吵架，晚上睡不好，上课容易走神。",
                advice="把担心说给信任的大人听；每天固定时间睡觉。",
                followup="一周后再谈一次，并电话联系家长。",
            ),
        )
    return count


async def _campaign(
    ctx: Ctx,
    leader: Principal,
    name: str,
    first: date,
    today: date,
    class_ids: list[int],
    students: list[list[int]],
    heads: list[str],
) -> None:
    """The school's campaign, half way through, and each class's plan made by its head teacher:
    every student given to a teacher with a day; the first days' are behind."""
    made = await campaigns.create_campaign(
        ctx,
        leader,
        vs.CampaignCreate(org_code=SCHOOL, name=name, starts_on=first, ends_on=today + timedelta(days=14)),
    )
    span = (today + timedelta(days=14) - first).days
    for klass, ids in enumerate(students):
        head = await _principal(ctx, heads[klass])
        other = heads[1 - klass]
        items = [
            vs.PlanItemIn(
                student_id=student,
                teacher=heads[klass] if n % 3 else other,
                due_on=first + timedelta(days=min(span, 4 + n * span // len(ids))),
            )
            for n, student in enumerate(ids)
        ]
        await campaigns.set_plan(ctx, head, made["id"], class_ids[klass], vs.PlanIn(items=items))
