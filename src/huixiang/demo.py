"""The demo: an org tree, a login for every role and a few hundred realistic tickets.

`load_demo` builds a city bureau with two districts and four schools, one user per role, and
about 300 parents' tickets spread over the six weeks before `ctx.now`, in every channel, kind and
state. Every ticket is walked through its life by the real services (intake, act, rate) at past
instants, so deadlines, the archive's hash chain and the figures are exactly what the product
itself would have produced. Loading is reproducible for a given `now` (a fixed random seed) and
idempotent: when the demo bureau exists already, nothing is created and only the logins return.
The caller owns the transaction and commits.
"""

from __future__ import annotations

import heapq
import random
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from .db import repo
from .db.models import Org, User
from .domain.access import Principal
from .domain.deadlines import Clock
from .domain.enums import Action, Channel, Kind, OrgKind, Priority, Rating, Role, Status, Verdict
from .services import accounts, intake, tickets
from .services import schemas as s
from .services.context import Ctx
from .services.reference import clock_for

DEMO_BUREAU = "demo-city"
DEMO_PASSWORD = "demo-pass-2026"

# The schools' public facts for their landing pages (校长热线, 接待日).
PROFILES = {
    "demo-shiyan": {
        "answerer": "校长办公室周老师",
        "phone": "0571-8888 1001",
        "phone_hours": "工作日 8:00–17:00",
        "reception": "每月第一个周三下午",
    },
    "demo-erzhong": {
        "answerer": "德育处吴老师",
        "phone": "0571-8888 2002",
        "phone_hours": "工作日 7:30–17:30",
        "reception": "每周五下午",
    },
    "demo-xiangyang": {
        "phone": "0571-8888 3003",
        "phone_hours": "工作日 8:00–16:30",
        "reception": "每月 15 日",
    },
    "demo-yizhong": {
        "answerer": "校长办公室冯老师",
        "phone": "0571-8888 4004",
        "phone_hours": "工作日 8:00–17:00",
        "reception": "每月最后一个周四",
    },
}
SEED = 2026
HISTORY_DAYS = 42  # tickets are spread over the six weeks before now
MARGIN = timedelta(minutes=10)  # the last demo event lies at least this long before now


@dataclass(frozen=True, slots=True)
class Login:
    username: str
    password: str
    role: str
    org_code: str
    org_name: str


# ---- the org tree and the staff ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchoolSpec:
    code: str
    name: str
    district: str
    level: str  # "primary" or "middle"
    short: str  # the username prefix of its staff


ORGS: list[tuple[str, str, OrgKind, str | None]] = [
    (DEMO_BUREAU, "示范市教育局", OrgKind.BUREAU, None),
    ("demo-qinghe", "示范市清河区教育局", OrgKind.DISTRICT, DEMO_BUREAU),
    ("demo-liulin", "示范市柳林县教育局", OrgKind.DISTRICT, DEMO_BUREAU),
    ("demo-shiyan", "示范市第一实验小学", OrgKind.SCHOOL, "demo-qinghe"),
    ("demo-erzhong", "示范市第二中学", OrgKind.SCHOOL, "demo-qinghe"),
    ("demo-xiangyang", "柳林县向阳小学", OrgKind.SCHOOL, "demo-liulin"),
    ("demo-yizhong", "柳林县第一初级中学", OrgKind.SCHOOL, "demo-liulin"),
]
ORG_NAMES = {code: name for code, name, _, _ in ORGS}

SCHOOLS = [
    SchoolSpec("demo-shiyan", "示范市第一实验小学", "demo-qinghe", "primary", "demo-shiyan"),
    SchoolSpec("demo-erzhong", "示范市第二中学", "demo-qinghe", "middle", "demo-erzhong"),
    SchoolSpec("demo-xiangyang", "柳林县向阳小学", "demo-liulin", "primary", "demo-xiangyang"),
    SchoolSpec("demo-yizhong", "柳林县第一初级中学", "demo-liulin", "middle", "demo-yizhong"),
]

# Per school: registrar, leader, two handlers, grid member (display names).
SCHOOL_STAFF = {
    "demo-shiyan": ("周晓梅", "陈志刚校长", "刘佳老师", "王磊主任", "孙丽老师"),
    "demo-erzhong": ("吴敏", "郑国强校长", "黄海燕老师", "马俊老师", "林晓老师"),
    "demo-xiangyang": ("何静", "杨建华校长", "谢芳老师", "韩冬老师", "唐燕老师"),
    "demo-yizhong": ("冯雪", "许文斌校长", "曹颖老师", "彭涛老师", "罗琴老师"),
}
SCHOOL_ROLES = (
    ("registrar", Role.REGISTRAR),
    ("leader", Role.LEADER),
    ("handler1", Role.HANDLER),
    ("handler2", Role.HANDLER),
    ("grid", Role.GRID_MEMBER),
)


def _staff() -> list[tuple[str, str, Role, str]]:
    """(username, display name, role, org code) of every demo user, in the order printed."""
    people: list[tuple[str, str, Role, str]] = [
        ("demo-admin", "赵立新（系统管理员）", Role.ADMIN, DEMO_BUREAU),
        ("demo-city-inspector", "钱卫东督学", Role.INSPECTOR, DEMO_BUREAU),
        ("demo-qinghe-leader", "李红梅科长", Role.LEADER, "demo-qinghe"),
        ("demo-qinghe-inspector", "张振华督学", Role.INSPECTOR, "demo-qinghe"),
        ("demo-liulin-leader", "蒋建军科长", Role.LEADER, "demo-liulin"),
        ("demo-liulin-inspector", "沈玉兰督学", Role.INSPECTOR, "demo-liulin"),
    ]
    for school in SCHOOLS:
        for (suffix, role), name in zip(SCHOOL_ROLES, SCHOOL_STAFF[school.code], strict=True):
            people.append((f"{school.short}-{suffix}", name, role, school.code))
    return people


STAFF = _staff()


def demo_logins() -> list[Login]:
    return [
        Login(username, DEMO_PASSWORD, role.value, org, ORG_NAMES[org]) for username, _, role, org in STAFF
    ]


# ---- what parents write -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Template:
    category: str
    kind: Kind
    title: str
    text: str
    replies: tuple[str, ...]
    level: str | None = None  # "primary" / "middle": only schools of that level
    urgent: bool = False  # may be registered as urgent
    bureau: bool = False  # a complaint sent past the school to the district bureau


K = Kind
TEMPLATES: tuple[Template, ...] = (
    Template(
        "食堂膳食",
        K.COMPLAINT,
        "食堂饭菜偏咸偏油",
        "孩子在{cls}，最近一个月几乎每天回家都说食堂的菜太咸、太油，{weekday}中午的{dish}基本没吃就倒掉了。"
        "孩子正在长身体，希望学校督促食堂少盐少油，并每周公布菜谱。",
        (
            "您好！收到反映后，学校总务处会同食堂负责人对近两周的菜品做了核查，部分菜品确实用盐偏多。学校已要求食堂严格执行少盐少油标准，"
            "每餐由值班行政人员试吃把关；每周菜谱自下周起在校门口公示栏和家长群同步公布。欢迎您报名参加家长陪餐，监督我们的改进。",
            "您好，感谢您的关注。学校已约谈食堂承包方，调整了{dish}等菜品的做法，减少调味料用量，并增加清淡菜品。"
            "下周起每周三开放家长陪餐，您可以通过班主任报名。",
        ),
    ),
    Template(
        "食堂膳食",
        K.COMPLAINT,
        "饭菜中吃出异物",
        "{weekday}中午孩子在食堂打的{dish}里吃出了一根头发，孩子当场就吐了，回家说恶心不想吃饭。"
        "食品安全是大事，请学校尽快调查，给家长一个说法。",
        (
            "您好！学校当天即调取后厨监控并检查当餐留样，确认是分餐环节工作人员未规范佩戴工作帽所致。学校已对涉事员工停岗培训，"
            "对承包方书面警告并扣减当月考核分，要求后厨全员严格执行着装规范。班主任已向孩子当面致歉，孩子如有不适请随时联系我们。",
            "您好，非常抱歉让孩子受了委屈。学校已会同市场监管所对食堂进行了专项检查，更换了分餐人员，增加了出餐前的复检环节，"
            "并由家委会代表每周不定期抽查。处理结果已在家长会上通报。",
        ),
        urgent=True,
    ),
    Template(
        "食堂膳食",
        K.SUGGESTION,
        "建议午餐增加水果",
        "学校午餐荤素搭配还可以，但水果一周只有一两次，建议每天提供一份时令水果或酸奶；"
        "另外希望公布每餐的营养搭配和食材来源，让家长放心。",
        (
            "感谢您的建议！经膳食委员会讨论，从下月起午餐每天提供一份时令水果（或酸奶），费用在现有餐费标准内统筹解决；"
            "每周食谱将同时公布主要食材的供应商和营养搭配说明。",
            "您好，您的建议很好。学校已与配餐公司协商，每周水果供应由两次增加到四次，食材来源和检测报告每月在公示栏公布。",
        ),
    ),
    Template(
        "食堂膳食",
        K.INQUIRY,
        "请假期间餐费能否退还",
        "孩子{month}因病请假在家一周（有医院证明），请问这期间的午餐费能否按天退还？需要找谁办理，提交什么材料？",
        (
            "您好！按学校餐费管理办法，连续请假三天及以上的可以按天退还餐费。请将病假证明交给班主任，"
            "由班主任在月底汇总报总务处，退费将在下月初原路退回。",
            "您好，可以退。请在本月25日前把请假条和医院证明交到班主任处，总务处核对后统一退费，一般在两周内到账。",
        ),
    ),
    Template(
        "作业与考试",
        K.COMPLAINT,
        "作业量太大，孩子天天熬夜",
        "孩子在{cls}，最近{subject}作业特别多，每天要写到{clock}才能写完，周末还有两张试卷。"
        "“双减”规定{hw_rule}，希望学校统筹各科作业总量，不要让孩子天天熬夜。",
        (
            "您好！学校教务处已调阅{cls}近两周的作业公示记录，并与各科老师逐一沟通。目前已落实年级组作业总量统筹，"
            "每天由班主任把关各科作业时长，{subject}老师也调整了作业量。欢迎您继续反馈孩子的完成时间。",
            "感谢您的反映。学校已重申作业管理规定，要求各班每日在班级群公示作业内容和预计用时，周末不再布置成套试卷。"
            "班主任会在两周后回访了解孩子的作业时间。",
        ),
    ),
    Template(
        "作业与考试",
        K.SUGGESTION,
        "建议作业分层布置",
        "建议周末作业分层布置，基础题必做、拓展题选做；另外希望少布置抄写类作业，多一些阅读和实践活动，比如观察记录、家庭小实验。",
        (
            "感谢您的建议！学校本学期正在推进分层作业改革，{grade}已试行“基础+拓展”两级作业，下阶段将推广到其他年级，"
            "并增加阅读和实践类作业的比例。",
            "您好，您的建议已提交教研组讨论。从下周起，周末作业将分为必做和选做两部分，抄写类作业每周不超过一次。",
        ),
    ),
    Template(
        "作业与考试",
        K.INQUIRY,
        "考试成绩是否排名公布",
        "听说这次期中考试后要按成绩排座位、在家长群公布排名，请问学校是否有这样的规定？我们理解老师的用意，但担心对孩子心理有影响。",
        (
            "您好！按照上级规定，学校不公布学生考试成绩和排名，也不按成绩排座位。学校已提醒相关班级，成绩只以等级形式一对一反馈给家长。",
            "您好，学校没有这样的安排。教务处已与{cls}老师核实并纠正了做法，今后成绩通过家校平台单独告知。",
        ),
    ),
    Template(
        "作业与考试",
        K.COMPLAINT,
        "要求家长批改作业、群里打卡",
        "{cls}的{teacher}每天要求家长在群里打卡、批改作业并签字，错题还要家长讲解。我们双职工下班很晚，实在没有时间，孩子也因此被点名。"
        "请问这符合规定吗？",
        (
            "您好！按照“双减”要求，老师不得要求家长批改作业。学校已与{teacher}谈话，取消了家长批改和打卡的要求，作业由老师全批全改。"
            "给您和孩子带来的困扰，我们深表歉意。",
            "您好，学校已在全校重申：不得布置或变相布置需要家长完成的作业，不得要求家长检查批改。{cls}已停止打卡，请您放心。",
        ),
    ),
    Template(
        "校车与交通",
        K.COMPLAINT,
        "校车经常晚点",
        "孩子坐{bus}校车，这两周有四五次晚到二十多分钟，早上差点迟到，下午在站点等不到车，家长也没收到任何通知。"
        "希望学校督促校车公司按时运行，晚点时及时在群里告知。",
        (
            "您好！经与校车公司核实，{bus}近期因{road}施工绕行导致晚点。公司已调整发车时间、增加一辆备用车，"
            "随车照管员会在预计晚点五分钟以上时在家长群通知。学校将每周抽查校车运行记录。",
            "您好，学校已约谈校车公司负责人，要求整改。新的运行时刻表已发到家长群，{bus}早班提前十分钟发车。",
        ),
    ),
    Template(
        "校车与交通",
        K.SUGGESTION,
        "放学时校门口交通拥堵",
        "每天下午放学{gate}外面的{road}堵得水泄不通，接孩子的电动车、私家车乱停，孩子们在车缝里穿行很危险。"
        "建议学校分年级错峰放学，并联系交警和社区在高峰时段协助疏导。",
        (
            "感谢您的建议！学校已从下周一起实行分年级错峰放学（间隔十分钟），并联系交警中队和社区在放学高峰设置护学岗；"
            "{gate}外划定了临时接送区，请家长配合有序停放。",
            "您好，学校已与街道、交警协调，在{road}放学时段增派交通协管员，同时开放另一侧校门分流。欢迎家长志愿者参与护学岗。",
        ),
    ),
    Template(
        "校车与交通",
        K.REPORT,
        "校车疑似超载",
        "今天早上看到{bus}校车上孩子挤得站了一排，有的没有系安全带，车是19座的，目测坐了二十五六个孩子。这太危险了，请立即核查！",
        (
            "您好！学校接报后立即会同交警核查，确认当天因另一辆车故障临时并线，导致超员。学校已责令校车公司立即停止并线运行，"
            "补足车辆，并对驾驶员和照管员进行处理。今后每车每趟由照管员清点人数并拍照上传。",
            "您好，感谢您的监督！核查属实，校车公司已被约谈并处罚，当天起{bus}增开一趟车，确保一人一座、全员系安全带。",
        ),
        urgent=True,
    ),
    Template(
        "课后服务与双减",
        K.INQUIRY,
        "课后服务时间和收费",
        "请问本学期课后服务具体到几点结束？收费标准是多少，按月还是按学期收？如果孩子只参加第一段能不能少交一些？",
        (
            "您好！本学期课后服务分两段：第一段到17:00，第二段到18:00。收费按物价部门核定的标准按月收取，只参加第一段的按半价收取，"
            "详见学校公众号发布的课后服务告家长书。",
            "您好，课后服务坚持自愿参加，收费标准已在校门口公示。您可以在每月报名时选择参加时段，费用按实际时段收取。",
        ),
    ),
    Template(
        "课后服务与双减",
        K.SUGGESTION,
        "课后服务增加社团活动",
        "现在课后服务基本就是在教室写作业，建议增加一些体育、美术、编程、合唱之类的社团，可以让孩子按兴趣选，也可以引进有资质的校外机构。",
        (
            "感谢您的建议！学校下月起在课后服务第二段开设篮球、足球、书法、合唱、编程等十二个社团，学生自主选择，"
            "非学科类校外机构的引进将按教育局规定公开遴选。",
            "您好，您的建议已采纳。学校正在调查学生兴趣，下学期起课后服务将实行“作业辅导+社团活动”的模式。",
        ),
    ),
    Template(
        "课后服务与双减",
        K.COMPLAINT,
        "课后服务时间讲新课",
        "{cls}课后服务第二段时间老师在讲新课，不参加课后服务的孩子就跟不上进度。这是不是变相强制参加？希望学校规范。",
        (
            "您好！学校已核实情况，课后服务时间讲授新课违反规定，已责令{cls}立即纠正，并对相关老师进行了提醒谈话。"
            "课后服务时间只进行作业辅导和兴趣活动。",
            "您好，感谢您的反映。学校已开展课后服务专项检查，明确不得利用课后服务讲新课，教务处将每天巡查。",
        ),
    ),
    Template(
        "师德师风",
        K.REPORT,
        "教师校外有偿补课",
        "反映{cls}{teacher}在校外小区租房给本班学生有偿补课，每次两小时收费{amount}元，还暗示不去补课的孩子上课会被“冷落”。"
        "希望查实处理，请为我保密。",
        (
            "您好！学校纪检和师德工作小组已开展调查，经走访核实，该老师确实存在有偿补课行为。学校已责令其立即停止、退还费用，"
            "给予通报批评，本年度师德考核不合格，并报区教育局备案。对您的信息我们严格保密。",
            "您好，学校高度重视，成立了调查组。经调查，相关情况部分属实，已对该教师作出严肃处理并在全体教师会上警示。"
            "学校同时公布了师德举报电话，欢迎继续监督。",
        ),
    ),
    Template(
        "校园安全",
        K.REPORT,
        "校门口无证流动摊贩",
        "{gate}外放学时段有好几个流动摊贩卖辣条、烤肠和三无饮料，孩子们围着买，卫生没保障，还影响通行。请学校联系城管、市场监管部门处理。",
        (
            "您好！学校已将情况函告街道城管中队和市场监管所，上周起放学时段在{gate}外开展联合整治，流动摊贩已清理。"
            "学校也在班会上开展了“不买三无食品”的教育。",
            "您好，感谢您的反映。经学校协调，城管部门已在{gate}设置固定巡查点，学校安保人员放学时段同步劝离。",
        ),
    ),
    Template(
        "校园安全",
        K.HELP,
        "孩子被高年级学生欺负",
        "我家孩子在{cls}，这两周在厕所和放学路上多次被几个高年级学生推搡、要零花钱，还被威胁不许告诉老师。"
        "孩子现在很害怕上学，晚上睡不好。请学校尽快了解情况，保护孩子。",
        (
            "您好！学校接报后当天即成立处置小组，调取监控、分别约谈相关学生和家长，情况基本属实。学校已对涉事学生进行批评教育并通知其家长，"
            "责令归还钱款、当面道歉；心理老师已为孩子做了两次辅导，班主任每天关注。放学时段已在相关路段增设值守老师。",
            "您好，孩子受委屈了，我们深感抱歉。学校已查明情况并依规处理，涉事学生家长已签订教育承诺书。学校将在全校开展防欺凌专题教育，"
            "也请您留意孩子情绪，有任何情况随时联系班主任。",
        ),
        urgent=True,
    ),
    Template(
        "校园安全",
        K.SUGGESTION,
        "操场体育器材破损",
        "操场西侧的单杠有一根松动，旁边的塑胶跑道也起皮翘边了，孩子上体育课跑步容易绊倒。建议尽快检修，修好之前先拉警戒线。",
        (
            "感谢您的提醒！总务处当天已对单杠区域拉设警戒线，松动的单杠已加固，翘边的跑道已联系厂家修补，本周内完成。"
            "学校将每月对体育器材开展一次安全排查。",
            "您好，学校已完成检修，同时对全校体育器材做了全面排查，更换了两处老化器材。",
        ),
    ),
    Template(
        "校园安全",
        K.HELP,
        "上学路上施工积水",
        "{road}在修管道，围挡占了半边人行道，下雨天积水很深，孩子上学只能走机动车道。能否请学校和街道协调，设置临时通道或安排护学岗？",
        (
            "您好！学校已与街道和施工单位协调，施工方在围挡内侧铺设了临时步道并加装警示灯，上学放学时段安排专人值守。",
            "您好，经协调，{road}施工方已调整围挡范围，雨天安排抽水；学校护学岗也延伸到该路口。",
        ),
    ),
    Template(
        "师德师风",
        K.COMPLAINT,
        "老师言语伤害孩子",
        "孩子回家说{teacher}上课时当着全班的面说他“笨”“拖全班后腿”，孩子哭了好几次，现在很抵触{subject}课。"
        "希望学校核实，老师批评学生要注意方式方法。",
        (
            "您好！学校已找{teacher}和班上几名学生了解情况，老师确有不当言语。学校已对该老师进行批评教育，老师本人已向孩子道歉，"
            "并与您沟通了后续的教育方式。学校将加强教师沟通技巧培训。",
            "您好，感谢您的信任。经核实，{teacher}在批评学生时方式不当，学校已责令其改正并向孩子道歉；心理老师也和孩子谈了心。",
        ),
    ),
    Template(
        "师德师风",
        K.REPORT,
        "老师推荐购买指定教辅",
        "{cls}{teacher}在班级群里推荐家长统一购买一套指定教辅，每套{amount}元，不买的孩子作业没法做。请予调查。",
        (
            "您好！经调查，{teacher}在班级群推荐教辅违反规定，学校已责令其撤回通知，已购买的可以退费；作业一律以课本和学校统一资料为准。"
            "学校已对该老师进行约谈。",
            "您好，学校已核实并纠正，要求所有老师不得推荐或变相推荐教辅。需要退费的家长请联系班主任办理。",
        ),
    ),
    Template(
        "师德师风",
        K.PRAISE,
        "感谢班主任",
        "想表扬{cls}班主任{teacher}。孩子上个月生病住院，{teacher}下班后专门来医院看望，还每天视频给孩子补课。"
        "孩子返校后一点没落下，全家都很感动，希望学校给予表扬。",
        (
            "感谢您对学校工作的肯定！您的表扬已转达给{teacher}，学校在全体教师会上进行了通报表扬。祝孩子身体健康、学习进步！",
            "谢谢您的鼓励！{teacher}的事迹已推荐参评本学期“最美班主任”。家校同心，是我们最大的动力。",
        ),
    ),
    Template(
        "收费管理",
        K.INQUIRY,
        "校服费用明细",
        "这学期通知订购校服，一套冬装加两套夏装共{amount}元，请问校服是自愿还是必须订购？价格是怎么定的，采购过程有没有公示？",
        (
            "您好！校服坚持自愿购买，学校不强制。价格经家委会参与的公开招标确定，招标结果和价格明细已在学校公众号公示，"
            "您可以只购买需要的件数。",
            "您好，校服由家委会组织征订，学校不经手收费。采购过程和中标价格已公示，如有疑问可以联系家委会或学校总务处。",
        ),
    ),
    Template(
        "收费管理",
        K.COMPLAINT,
        "班级收取班费不公开",
        "{cls}家委会在群里通知每人交班费{amount}元，说是买打印纸、奖品和搞活动，但没有明细，上学期的钱也没有公布用途。请问学校是否允许这样收费？",
        (
            "您好！学校不允许以班级名义向家长收取费用。已要求{cls}家委会立即停止收取，已收款项全部退还，上学期的支出明细在家长群公布。",
            "您好，学校已与家委会沟通，班级活动经费一律自愿，收支须每月公开。{cls}已在群里公布账目并退还余款。",
        ),
    ),
    Template(
        "收费管理",
        K.REPORT,
        "强制购买学生保险",
        "班主任在群里说学生意外险“人人都要交”，还统计谁没交，每人{amount}元。保险应当自愿，学校不能代收，请调查。",
        (
            "您好！经核实，班主任转发保险通知时表述不当。学校已在家长群更正：学生保险完全自愿，学校不代收、不统计，已交的可以申请退保。",
            "您好，感谢监督！学校已停止一切代收保险行为，并对相关老师进行了提醒谈话。",
        ),
    ),
    Template(
        "设施环境",
        K.COMPLAINT,
        "厕所异味、缺洗手液",
        "孩子反映教学楼{floor}楼男厕异味很重，洗手池经常没有洗手液，水龙头也坏了两个。现在是流感高发季节，请学校加强保洁和维修。",
        (
            "您好！总务处已维修了坏的水龙头，更换了排风扇，保洁频次由每天两次增加到四次，洗手液由专人每天补充并登记。欢迎家长监督。",
            "您好，感谢反映。学校已对全校卫生间进行了检修和除味处理，并建立了巡查登记表。",
        ),
    ),
    Template(
        "设施环境",
        K.SUGGESTION,
        "教室照明偏暗",
        "孩子所在{cls}教室靠里的几排光线很暗，下午需要开灯，灯管有几根一直闪。孩子视力下降很快，建议检查教室照明，更换护眼灯。",
        (
            "感谢您的建议！学校已对{cls}教室照度进行检测，更换了闪烁的灯管；全校教室护眼灯改造已列入寒假维修计划。",
            "您好，总务处已检测照度并维修，同时给靠内侧座位加装了黑板灯。学校也会定期轮换座位，保护学生视力。",
        ),
    ),
    Template(
        "设施环境",
        K.COMPLAINT,
        "饮水机滤芯长期未换",
        "班上饮水机的滤芯看着很久没换了，水有股味道，孩子们都自己带水。请问学校饮水设备多久清洗消毒一次？能否公示维护记录？",
        (
            "您好！经检查，部分饮水机滤芯确已超期，已全部更换并送检水质，检测合格。今后维护记录张贴在每台饮水机侧面，每月更新。",
            "您好，学校已与饮水设备公司签订维护协议，每季度更换滤芯、每月消毒，记录在公示栏公布。",
        ),
    ),
    Template(
        "招生入学",
        K.INQUIRY,
        "转学手续咨询",
        "我们因工作调动刚搬到本区，孩子今年读{grade}，想转入贵校，请问需要准备哪些材料、到哪里办理，现在还有没有学位？",
        (
            "您好！转学需准备户口簿、房产证明（或居住证）、原学校学籍信息卡。请先到区教育局招生办登记，由招生办统筹安排学位，"
            "学校教务处电话已通过短信发给您。",
            "您好，目前{grade}尚有少量学位。请携带相关材料到学校教务处登记，审核后通过学籍系统办理转入。",
        ),
    ),
    Template(
        "招生入学",
        K.INQUIRY,
        "明年招生划片范围",
        "请问明年招生的划片范围有没有变化？我们户口在{road}，房子是去年买的，能否入读贵校？什么时候公布招生简章？",
        (
            "您好！明年的招生范围以区教育局发布的招生政策为准，预计四月公布。{road}目前在本校施教区内，具体以当年公布为准。",
            "您好，招生简章一般在每年四月底发布，请关注区教育局和学校公众号。如有特殊情况可以到招生办咨询。",
        ),
    ),
    Template(
        "心理健康",
        K.HELP,
        "孩子情绪低落不想上学",
        "孩子这学期升到{grade}后情绪一直不太好，经常说不想上学，周末关在房间里不说话，成绩也下滑。我们不知道怎么沟通，想请学校心理老师帮忙。",
        (
            "您好！心理老师已与孩子进行了两次面谈，班主任也调整了座位、安排了学习伙伴。学校建议家长每周安排固定的亲子交流时间，"
            "心理辅导室每周二、四下午开放，可以预约家庭辅导。",
            "您好，感谢您的信任。学校心理健康中心已为孩子建立关爱档案，每周跟进一次，必要时会建议转介专业机构，请您放心。",
        ),
    ),
    Template(
        "心理健康",
        K.SUGGESTION,
        "建议开展考前心理疏导",
        "期末临近，孩子和家长都很焦虑。建议学校给学生开展考前减压辅导，也给家长办一场讲座，讲讲怎么跟青春期孩子沟通。",
        (
            "感谢您的建议！学校将在期末前两周开展“轻松迎考”团体辅导，并在周六上午举办家长心理讲座，通知将在家长群发布。",
            "您好，学校已安排心理老师到各班上减压班会课，家长讲座同步线上直播并提供回放。",
        ),
        level="middle",
    ),
    Template(
        "家庭教育指导",
        K.HELP,
        "孩子沉迷手机游戏",
        "孩子周末玩手机能玩到半夜，收了手机就发脾气、摔东西。我们家长管不住，想请老师给些方法，也希望学校加强这方面的教育。",
        (
            "您好！班主任已和孩子谈心，约定了周末使用手机的时间；学校家庭教育指导中心为您准备了《家庭手机管理约定》范本，"
            "下周六的家长课堂主题就是“如何与孩子约定手机使用”，欢迎参加。",
            "您好，学校将在班会课开展网络素养教育。建议家庭共同制定手机使用规则，老师会每两周与您电话沟通孩子的情况。",
        ),
    ),
    Template(
        "家庭教育指导",
        K.SUGGESTION,
        "家长学校讲座时间",
        "家长学校的讲座都安排在工作日下午，我们上班的家长基本参加不了。建议改到周末或晚上，或者提供线上回放。",
        (
            "感谢您的建议！从本学期起家长学校讲座改在周六上午或工作日晚上七点，并同步线上直播、提供回放。",
            "您好，学校已调整家长学校安排，后续讲座均提供线上参与方式。",
        ),
    ),
    Template(
        "教育教学",
        K.COMPLAINT,
        "体育课、音乐课被占用",
        "孩子说这个月{cls}好几节体育课、音乐课被{subject}老师占用来讲题、考试。孩子每天在教室坐一整天，希望学校保证开齐开足国家规定课程。",
        (
            "您好！学校已调查核实，并对相关老师进行了批评。教务处已加强课表执行巡查，被占用的体育课、音乐课将在两周内补上。",
            "您好，感谢您的监督。学校重申严禁挤占音体美课程，已在各班张贴课表接受监督，违者纳入考核。",
        ),
    ),
    Template(
        "教育教学",
        K.SUGGESTION,
        "图书馆延长开放时间",
        "建议学校图书馆延长开放时间，午休时间也能借书；各班图书角的书太旧了，家长们愿意捐书，希望学校组织一下。",
        (
            "感谢您的建议！图书馆从下周起午间12:10—13:00开放，学校也将发起“好书漂流”活动，欢迎家长捐赠适龄图书。",
            "您好，学校已安排学生志愿者协助管理，图书馆午间开放；班级图书角将每月轮换更新。",
        ),
    ),
    Template(
        "教育教学",
        K.INQUIRY,
        "为什么频繁更换班主任",
        "开学不到两个月{cls}已经换了两次班主任，孩子很不适应。请问学校换老师的原因是什么？之后还会不会再换？",
        (
            "您好！原班主任因病需要长期休养，学校经过慎重考虑安排了经验丰富的{teacher}接任，本学年不会再调整。"
            "学校将召开班级家长会，由新班主任与家长见面沟通。",
            "您好，给孩子带来不便非常抱歉。人员调整系产假等原因，学校已确定{teacher}担任班主任直至毕业。",
        ),
    ),
    Template(
        "教育教学",
        K.PRAISE,
        "运动会组织得很好",
        "学校这次秋季运动会组织得非常好，亲子项目让家长也参与进来，孩子们玩得很开心，老师们辛苦了！希望以后多办这样的活动。",
        (
            "感谢您的肯定！学校会继续办好运动会、科技节、读书节等活动，也欢迎家长多提建议、多参与。",
            "谢谢您的鼓励！您的留言已在教师群分享，大家很受鼓舞。",
        ),
    ),
    Template(
        "其他",
        K.SUGGESTION,
        "家校沟通群消息太多",
        "现在有班级群、年级群、课后服务群，还有好几个小程序要打卡，通知分散，经常漏看。建议学校统一通知渠道，非紧急的事不要晚上九点以后发。",
        (
            "感谢您的建议！学校已规范家校沟通：每班只保留一个班级群，通知统一通过学校公众号发布，非紧急通知不在21:00以后发送。",
            "您好，学校已清理各类打卡小程序，要求老师在工作时间发布通知。",
        ),
    ),
    Template(
        "其他",
        K.PRAISE,
        "感谢保安师傅雨天护送",
        "{weekday}放学下大雨，校门口的保安师傅和值周老师打着伞把低年级孩子一个个送到家长手里，自己淋得透湿。非常感谢，请学校表扬他们。",
        (
            "感谢您的肯定！学校已对当天值守的保安和值周老师进行了表扬，并在国旗下讲话中向全校师生讲述了这件事。",
            "谢谢您！您的感谢已转达给保安师傅和值周老师，大家都很感动。",
        ),
    ),
    Template(
        "其他",
        K.INQUIRY,
        "学校有没有家长开放日",
        "请问学校今年有没有家长开放日？想进课堂听听孩子上课，也想看看食堂和教室。",
        (
            "您好！学校每学期举办一次家长开放日，本学期定在期中考试后，具体时间会提前一周通知，届时可以进课堂听课、参观食堂。",
            "您好，本学期开放日已在家长群预告，您可以通过班主任报名。",
        ),
    ),
    Template(
        "校园安全",
        K.SUGGESTION,
        "加强防溺水、防诈骗教育",
        "家附近有水塘，孩子周末常和同学去钓鱼，希望学校多开展防溺水教育；另外家里老人接到过冒充老师收费的诈骗电话，请学校提醒家长防范。",
        (
            "感谢您的提醒！学校已在各班开展防溺水专题班会，并发放《致家长的一封信》；同时在家长群发布防诈骗提示：学校收费不会通过个人账户。",
            "您好，学校已联系村委会在水塘边设置警示牌，并将防诈骗提示纳入家长会内容。",
        ),
    ),
    Template(
        "教育教学",
        K.HELP,
        "留守孩子学习跟不上",
        "孩子父母都在外地打工，平时跟爷爷奶奶生活，老人辅导不了作业，孩子{subject}跟不上。希望老师能多关注，课后帮忙辅导一下。",
        (
            "您好！学校已将孩子纳入关爱留守儿童结对帮扶，{teacher}每周两次在课后服务时间单独辅导{subject}，并每月与孩子父母视频沟通一次。",
            "您好，班主任已为孩子安排学习伙伴，课后服务时间有老师专门辅导，请家里老人放心。",
        ),
    ),
    Template(
        "收费管理",
        K.HELP,
        "家庭困难申请资助",
        "孩子爸爸今年生病住院，家庭收入减少，想了解孩子能不能申请助学金，或减免餐费、课后服务费，需要什么手续？",
        (
            "您好！孩子符合家庭经济困难学生认定条件，学校资助办已为您办理申请，本学期的课后服务费予以减免，生活补助将在下月发放到账。",
            "您好，请填写《家庭经济困难学生认定申请表》并附相关证明交给班主任，学校资助工作小组审核公示后即可享受资助。",
        ),
    ),
    # Sent past the school, to the district bureau (to_bureau).
    Template(
        "收费管理",
        K.COMPLAINT,
        "学校统一收取教辅费，多次反映无果",
        "已经向学校反映过两次，一直没有答复：{school}要求全年级统一购买教辅和试卷，每人{amount}元，由班主任代收。请教育局调查并督促学校退费。",
        (
            "您好！区教育局接到反映后，派责任督学到{school}核查，学校统一代收教辅费用的做法违反规定。已责令学校停止收费、全额退还，"
            "并在全区通报。退费将在十个工作日内完成。",
            "您好，经区教育局核查，情况属实。学校已制定退费方案，局里将跟踪退费进度，如有问题请直接联系我们。",
        ),
        bureau=True,
    ),
    Template(
        "师德师风",
        K.REPORT,
        "校领导亲属承包学校食堂",
        "反映{school}食堂由学校一位副校长的亲属承包，饭菜质量差、价格高，家长多次提意见都不了了之。请上级教育局调查。",
        (
            "您好！区教育局纪检组已对此开展调查。经查，该食堂承包合同系三年前公开招标签订，承包人与学校领导无亲属关系；"
            "但食堂存在饭菜质量问题，已责令学校约谈承包方限期整改，并引入家长膳食委员会监督。",
            "您好，局纪检组已调查核实并将处理意见反馈学校，学校食堂将于合同到期后重新公开招标。",
        ),
        bureau=True,
    ),
    Template(
        "招生入学",
        K.COMPLAINT,
        "插班生安排不公",
        "{school}这学期插班进来好几个不在片区的学生，而我们片区的孩子却说学位已满。请教育局核查学校的招生是否规范。",
        (
            "您好！区教育局招生办已核查{school}本学期转入学生名单，均经区招生办统筹审批，属随迁子女和政策性照顾对象。"
            "您孩子的学位问题，招生办已与您电话联系并安排就近入学。",
            "您好，经核查，学校转入学生均符合政策，程序规范。相关名单已按规定在局网站公示。",
        ),
        bureau=True,
    ),
    Template(
        "课后服务与双减",
        K.REPORT,
        "周六组织学生到校补课",
        "{school}{grade}每周六上午组织学生到校“自习”，实际上是老师上新课，说是自愿但不来要写说明。这违反“双减”规定，请教育局查处。",
        (
            "您好！区教育局已派员于周六到{school}现场检查，情况属实。已责令学校立即停止周末集体补课，对分管副校长进行约谈并通报全区。",
            "您好，经核查属实，学校已停止周六到校安排，局里将不定期抽查。",
        ),
        level="middle",
        bureau=True,
    ),
)

CHANNEL_LEAD = {
    Channel.MAILBOX: "（校长信箱来信，原件扫描存档）",
    Channel.HOTLINE: "家长来电反映：",
    Channel.RECEPTION: "书记校长接待日面谈记录：家长反映，",
    Channel.HOME_VISIT: "家访记录：家长提出，",
    Channel.GRID: "网格连心走访记录：",
    Channel.PARENT_MEETING: "家长会上家长提出：",
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘"
    "袁蔡蒋余杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦傅方邹熊孟秦白江阎"
)
GIVEN = (
    "子轩",
    "欣怡",
    "浩然",
    "梓涵",
    "宇航",
    "诗琪",
    "俊杰",
    "雨桐",
    "一诺",
    "思远",
    "佳怡",
    "博文",
    "若汐",
    "天佑",
    "可馨",
    "明轩",
    "紫萱",
    "嘉懿",
    "语桐",
    "皓宇",
    "晨曦",
    "奕辰",
    "安琪",
    "泽宇",
)
RELATIONS = (("母亲", "女士"), ("父亲", "先生"), ("奶奶", "女士"), ("爷爷", "先生"), ("外婆", "女士"))
DISHES = (
    "红烧肉",
    "土豆丝",
    "青椒肉丝",
    "宫保鸡丁",
    "番茄炒蛋",
    "麻婆豆腐",
    "红烧鱼块",
    "炒青菜",
    "咖喱鸡块",
)
SUBJECTS_PRIMARY = ("语文", "数学", "英语", "科学")
SUBJECTS_MIDDLE = ("语文", "数学", "英语", "物理", "化学", "道德与法治")
ROADS = ("建设路", "人民路", "解放大道", "文化街", "清河路", "育才路", "向阳路", "新华街")
GATES = ("东门", "南门", "西门", "北门")
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五")
CLOCKS = ("晚上十点", "晚上十点半", "十一点多", "晚上九点半以后")
GRADES_PRIMARY = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级")
GRADES_MIDDLE = ("初一", "初二", "初三")

REGISTER_NOTES = (
    "已受理，正在转交相关部门办理。",
    "已受理。",
    "已登记，学校将在规定时限内答复。",
    None,
    None,
)
SUBMIT_NOTES = ("请校长阅示。", "请分管领导阅处。", None)
ASSIGN_NOTES = (
    "请于期限内核实情况并答复家长。",
    "请调查核实，答复前报我审阅。",
    "请尽快与家长电话沟通，按时办结。",
)
ARCHIVE_NOTES = ("已办结，归档。", "家长已确认，办结归档。", None)
INTERNAL_NOTES = (
    "已电话联系家长，家长表示理解。",
    "处理情况已报分管副校长。",
    "相关整改照片已存档。",
    None,
    None,
)
EXTEND_REASONS = (
    "涉及校车公司合同调整，需与交通部门共同核查，申请延期。",
    "需调取监控并约谈多名学生和家长，核查工作量大，申请延期。",
    "整改需采购维修材料，申请延长答复期限。",
    "涉及教师，需学校师德工作小组集体研究，申请延期。",
)
SUPERVISE_NOTES = (
    "该件已超期未办结，请学校于两个工作日内办结并报送办理情况。",
    "家长反映强烈，请校长亲自督办，限期答复。",
    "督办：请说明超期原因，并按时报送整改结果。",
)
REOPEN_REASONS = (
    "答复过于笼统，请补充具体整改措施和完成时间后重新答复。",
    "答复未回应家长的主要诉求，请重新核实后答复。",
)
INSPECT_PASS = ("抽查合格：答复及时、内容具体，家长评价满意。", "抽查合格。", "抽查合格，整改措施已落实。")
INSPECT_FAIL = (
    "抽查不合格：答复未说明整改时间和责任人，请限期整改。",
    "抽查不合格：整改措施未落实，家长仍有意见，请重新办理。",
)
REWORK_PREFIX = ("关于您再次反映的问题，学校进行了复查。", "针对您的意见，学校重新核实并补充答复如下：")
REWORK_TEXT = (
    "学校已明确整改责任人为分管副校长，整改措施将在一周内落实到位，届时班主任会与您电话确认。",
    "我们已与您电话沟通，按您的意见调整了处理方式，并将在两周后回访落实情况。",
)
COMMENTS = {
    Rating.SATISFIED: (
        "问题解决了，谢谢学校！",
        "回复很及时，老师很负责。",
        "感谢校长重视。",
        "处理得很快，点赞！",
        None,
    ),
    Rating.BASICALLY_SATISFIED: (
        "基本解决了，希望能长期坚持。",
        "回复收到，后续再看看效果。",
        "还可以，希望以后早点通知家长。",
        None,
    ),
    Rating.UNSATISFIED: (
        "回复只是解释，问题没有实际解决。",
        "说会整改，但这周情况还是一样。",
        "希望学校拿出具体措施和时间表。",
    ),
}


# ---- the plan of one ticket ------------------------------------------------------------------


@dataclass
class Spec:
    """Where a ticket's story ends and what happens on the way."""

    final: Status
    days: tuple[float, float]  # how long ago it was collected
    overdue: bool | None = None  # for open finals: past the respond deadline now, or not
    urgent: bool = False
    extend: bool = False
    supervise: bool = False
    ratings: tuple[Rating, ...] = ()
    reopen_by_leader: bool = False
    inspect_fail: bool = False
    at_once: bool = False  # the registrar answers at once (hotline)
    to_bureau: bool = False
    supervisor: str | None = None  # inspector username, else the district's


@dataclass
class Step:
    at: datetime
    action: str
    by: str | None  # username; None for the parent
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    index: int
    school: SchoolSpec
    template: Template
    details: dict[str, str]
    channel: Channel
    anonymous: bool
    spec: Spec
    collected_at: datetime = datetime.min
    steps: list[Step] = field(default_factory=list)
    handler: str = ""
    open_until: datetime | None = None  # the first response: duplicates merge before it
    number: str | None = None
    code: str | None = None
    into: Plan | None = None  # a duplicate's primary


def _scenarios() -> list[tuple[int, Callable[[random.Random], Spec]]]:
    """How many tickets end in which story."""
    R = Rating

    def rated(rng: random.Random) -> tuple[Rating, ...]:
        roll = rng.random()
        if roll < 0.30:
            return ()
        if roll < 0.70:
            return (R.SATISFIED,)
        if roll < 0.88:
            return (R.BASICALLY_SATISFIED,)
        second = rng.choice((R.SATISFIED, R.BASICALLY_SATISFIED, R.BASICALLY_SATISFIED, R.UNSATISFIED))
        return (R.UNSATISFIED, second)

    return [
        (14, lambda r: Spec(Status.COLLECTED, (0, 3), overdue=False)),
        (4, lambda r: Spec(Status.COLLECTED, (8, 20), overdue=True)),
        (9, lambda r: Spec(Status.REGISTERED, (0, 4), overdue=False)),
        (3, lambda r: Spec(Status.REGISTERED, (8, 25), overdue=True)),
        (9, lambda r: Spec(Status.SUBMITTED, (0, 4), overdue=False)),
        (3, lambda r: Spec(Status.SUBMITTED, (8, 25), overdue=True)),
        (20, lambda r: Spec(Status.ASSIGNED, (0, 5), overdue=False)),
        (3, lambda r: Spec(Status.ASSIGNED, (0, 10), overdue=True, urgent=True)),
        (8, lambda r: Spec(Status.ASSIGNED, (8, 30), overdue=True)),
        (6, lambda r: Spec(Status.ASSIGNED, (3, 14), overdue=False, extend=True)),
        (
            6,
            lambda r: Spec(
                Status.ASSIGNED,
                (10, 35),
                overdue=True,
                supervise=True,
                supervisor=r.choice((None, None, "demo-city-inspector")),
            ),
        ),
        (6, lambda r: Spec(Status.ASSIGNED, (5, 25), ratings=(R.UNSATISFIED,))),
        (3, lambda r: Spec(Status.ASSIGNED, (15, 40), inspect_fail=True)),
        (24, lambda r: Spec(Status.RESPONDED, (1, 12))),
        (
            12,
            lambda r: Spec(
                Status.RESPONDED, (1, 12), ratings=(r.choice((R.SATISFIED, R.BASICALLY_SATISFIED)),)
            ),
        ),
        (6, lambda r: Spec(Status.RESPONDED, (0, 8), at_once=True, ratings=r.choice(((), (R.SATISFIED,))))),
        (2, lambda r: Spec(Status.RESPONDED, (5, 20), reopen_by_leader=True)),
        (4, lambda r: Spec(Status.RESPONDED, (2, 14), urgent=True, ratings=r.choice(((), (R.SATISFIED,))))),
        (
            78,
            lambda r: Spec(
                Status.ARCHIVED,
                (9, 42),
                ratings=rated(r),
                urgent=r.random() < 0.05,
                extend=r.random() < 0.06,
                reopen_by_leader=r.random() < 0.03,
            ),
        ),
        (6, lambda r: Spec(Status.ARCHIVED, (12, 42), at_once=True, ratings=rated(r))),
        (
            5,
            lambda r: Spec(
                Status.ARCHIVED,
                (14, 42),
                supervise=True,
                ratings=rated(r),
                supervisor=r.choice((None, "demo-city-inspector")),
            ),
        ),
        (
            40,
            lambda r: Spec(
                Status.INSPECTED,
                (14, 42),
                ratings=rated(r),
                urgent=r.random() < 0.05,
                extend=r.random() < 0.05,
            ),
        ),
        (4, lambda r: Spec(Status.INSPECTED, (25, 42), ratings=rated(r), inspect_fail=True)),
        # Sent to the district bureau.
        (2, lambda r: Spec(Status.COLLECTED, (0, 2), overdue=False, to_bureau=True)),
        (1, lambda r: Spec(Status.REGISTERED, (1, 4), overdue=False, to_bureau=True)),
        (
            2,
            lambda r: Spec(
                Status.RESPONDED, (2, 10), to_bureau=True, ratings=r.choice(((), (R.BASICALLY_SATISFIED,)))
            ),
        ),
        (4, lambda r: Spec(Status.ARCHIVED, (10, 40), to_bureau=True, ratings=rated(r))),
        (2, lambda r: Spec(Status.INSPECTED, (15, 40), to_bureau=True, ratings=(R.SATISFIED,))),
    ]


MERGED = 14  # duplicates folded into another ticket of the same school

CHANNEL_WEIGHTS = {
    Channel.ONLINE: 40,
    Channel.MAILBOX: 10,
    Channel.HOTLINE: 14,
    Channel.RECEPTION: 8,
    Channel.HOME_VISIT: 12,
    Channel.GRID: 9,
    Channel.PARENT_MEETING: 7,
}


class Planner:
    """Draws every ticket's story with its instants, from one seeded generator."""

    def __init__(self, rng: random.Random, now: datetime, clock: Clock, tz: ZoneInfo) -> None:
        self.rng = rng
        self.now = now
        self.latest = now - MARGIN
        self.clock = clock
        self.tz = tz
        # Strict draws honour a spec's overdue flag and rating window; after a long holiday
        # some cannot fit, and a relaxed draw keeps only the order of time.
        self.strict = True
        self.meetings = {school.code: self._meeting_day(i) for i, school in enumerate(SCHOOLS)}

    # -- instants --

    def _meeting_day(self, i: int) -> datetime:
        """A Friday afternoon parent meeting three to four weeks ago."""
        day = (self.now - timedelta(days=20 + 3 * i)).astimezone(self.tz).date()
        while day.weekday() != 4:
            day -= timedelta(days=1)
        return datetime.combine(day, time(15, 30), tzinfo=self.tz)

    def office(self, at: datetime) -> datetime:
        """The same instant if it falls in office hours on a working day, else the next morning."""
        local = at.astimezone(self.tz)
        is_workday = self.clock.calendar.is_workday
        if is_workday(local.date()) and time(8, 0) <= local.time() < time(17, 40):
            return at
        day = local.date()
        if local.time() >= time(8, 0) or not is_workday(day):
            day += timedelta(days=1)
            while not is_workday(day):
                day += timedelta(days=1)
        return datetime.combine(day, time(8, 0), tzinfo=self.tz) + timedelta(
            seconds=self.rng.randint(5 * 60, 150 * 60)
        )

    def waking(self, at: datetime) -> datetime:
        """A parent's hours: 7:00 to 22:30."""
        local = at.astimezone(self.tz)
        if time(7, 0) <= local.time() < time(22, 30):
            return at
        day = local.date() + (timedelta(days=1) if local.time() >= time(22, 30) else timedelta())
        start = datetime.combine(day, time(7, 0), tzinfo=self.tz)
        return start + timedelta(seconds=self.rng.randint(5 * 60, 120 * 60))

    def after(
        self, at: datetime, lo_hours: float, hi_hours: float, snap: Callable[[datetime], datetime]
    ) -> datetime:
        later = snap(at + timedelta(hours=self.rng.uniform(lo_hours, hi_hours)))
        return max(later, at + timedelta(minutes=1))

    def between(self, start: datetime, end: datetime) -> datetime:
        """An office instant in (start, end), or one just after start when none fits."""
        for _ in range(5):
            span = (end - start).total_seconds()
            candidate = self.office(start + timedelta(seconds=self.rng.uniform(0.1, 0.9) * max(span, 600)))
            if candidate < end:
                return candidate
        return start + timedelta(minutes=self.rng.randint(5, 40))

    # -- the story --

    def collected(self, plan: Plan) -> datetime:
        lo, hi = plan.spec.days
        at = self.now - timedelta(days=self.rng.uniform(lo, hi), hours=self.rng.uniform(0, 1))
        if plan.channel is Channel.PARENT_MEETING:
            meeting = self.meetings[plan.school.code]
            return meeting + timedelta(seconds=self.rng.randint(0, 90 * 60))
        if plan.channel in (Channel.ONLINE, Channel.GRID, Channel.HOME_VISIT):
            return self.waking(at)
        return self.office(at)

    def draw(self, plan: Plan) -> bool:
        """Draw the instants of a plan's story; False when this draw does not fit its spec."""
        spec, rng = plan.spec, self.rng
        school = plan.school
        who = {suffix: f"{school.short}-{suffix}" for suffix, _ in SCHOOL_ROLES}
        district_leader = f"{school.district}-leader"
        inspector = spec.supervisor or f"{school.district}-inspector"
        plan.handler = rng.choice((who["handler1"], who["handler2"]))
        kind = plan.template.kind
        steps: list[Step] = []

        t0 = self.collected(plan)
        plan.collected_at = t0
        if plan.channel is Channel.ONLINE:
            intake_at, recorder = t0, None
        elif plan.channel is Channel.HOTLINE:
            intake_at, recorder = t0 + timedelta(minutes=rng.randint(3, 25)), who["registrar"]
        else:
            recorder = {
                Channel.MAILBOX: who["registrar"],
                Channel.RECEPTION: who["leader"],
                Channel.HOME_VISIT: plan.handler,
                Channel.GRID: who["grid"],
                Channel.PARENT_MEETING: who["registrar"],
            }[plan.channel]
            intake_at = self.after(t0, 0.2, 20, self.office)
        steps.append(Step(intake_at, "intake", recorder))
        due = self.clock.respond_due(t0, kind, Priority.NORMAL)
        t = intake_at
        responder = plan.handler
        plan.open_until = None

        def finish(final_due: datetime) -> bool:
            plan.steps = steps
            if steps[-1].at > self.latest:
                return False
            return not self.strict or spec.overdue is None or spec.overdue == (self.now > final_due)

        if spec.final is Status.COLLECTED:
            return finish(due)

        registrar = district_leader if spec.to_bureau else who["registrar"]
        t = self.after(t, 0.3, 2 if spec.urgent else 20, self.office)
        args: dict[str, Any] = {"note": rng.choice(REGISTER_NOTES)}
        if spec.urgent:
            args["priority"] = Priority.URGENT
            due = t0 + timedelta(hours=self.clock.policy.urgent_respond_hours)
        steps.append(Step(t, "register", registrar, args))
        if spec.final is Status.REGISTERED:
            return finish(due)

        if spec.at_once:
            responder = who["registrar"]
            t = t + timedelta(minutes=rng.randint(5, 50))
        elif spec.to_bureau:
            responder = district_leader
            t = self.between(t, due) if rng.random() < 0.85 else self.after(due, 4, 48, self.office)
        else:
            t = self.after(t, 0.1, 3, self.office)
            steps.append(Step(t, "submit", who["registrar"], {"note": rng.choice(SUBMIT_NOTES)}))
            if spec.final is Status.SUBMITTED:
                return finish(due)
            t = self.after(t, 0.3, 2 if spec.urgent else 20, self.office)
            steps.append(
                Step(t, "assign", who["leader"], {"assignee": plan.handler, "note": rng.choice(ASSIGN_NOTES)})
            )
            if spec.extend:
                if t + timedelta(hours=2) >= due:
                    return False
                t = self.between(t, due - timedelta(hours=1))
                due = self.clock.after_workdays(due, rng.randint(3, 7))
                steps.append(
                    Step(
                        t,
                        "extend",
                        who["leader"],
                        {"respond_due_at": due, "reason": rng.choice(EXTEND_REASONS)},
                    )
                )
            if spec.supervise:
                t = self.after(max(t, due), 4, 60, self.office)
                steps.append(
                    Step(
                        t,
                        "supervise",
                        inspector,
                        {"note": rng.choice(SUPERVISE_NOTES), "due_at": self.clock.after_workdays(t, 2)},
                    )
                )
            if spec.final is Status.ASSIGNED and not (spec.ratings or spec.inspect_fail):
                return finish(due)
            if spec.supervise:
                t = self.after(t, 2, 40, self.office)
            elif rng.random() < 0.86 or spec.urgent:
                t = self.between(t + timedelta(minutes=30), due)
            else:  # answered late
                t = self.after(max(t, due), 3, 72, self.office)
            if rng.random() < 0.08:
                responder = who["leader"]
        steps.append(Step(t, "respond", responder, {"rework": False}))
        plan.open_until = t

        # Rework goes back to the assignee; a ticket answered at once has none, so its leader.
        if spec.at_once:
            responder = who["leader"]
        rated_last, reopened = False, False
        for value in spec.ratings:
            t = self.after(t, 0.5, 50, self.waking)
            steps.append(Step(t, "rate", None, {"value": value}))
            rated_last = True
            if value is Rating.UNSATISFIED and not reopened:  # the first 不满意 reopens
                reopened = True
                due = self.clock.rework_due(t)
                if spec.final is Status.ASSIGNED:
                    return finish(due)
                t = self.after(t, 2, 40, self.office)
                steps.append(Step(t, "respond", responder, {"rework": True}))
                rated_last = False
        if spec.reopen_by_leader:
            leader = district_leader if spec.to_bureau else who["leader"]
            t = self.after(t, 2, 30, self.office)
            steps.append(Step(t, "reopen", leader, {"reason": rng.choice(REOPEN_REASONS)}))
            t = self.after(t, 2, 30, self.office)
            steps.append(Step(t, "respond", responder, {"rework": True}))
            rated_last = False
        if spec.final is Status.RESPONDED:
            window = timedelta(days=self.clock.policy.rating_window_days)
            return finish(due) and (t >= self.now - window or not self.strict)

        archiver = district_leader if spec.to_bureau else rng.choice((who["leader"], who["registrar"]))
        if rated_last:
            t = self.after(t, 0.5, 40, self.office)
        else:  # nobody rated: archived once the rating window has passed
            window = timedelta(days=self.clock.policy.rating_window_days)
            t = self.office(t + window + timedelta(hours=rng.uniform(0, 20)))
        steps.append(Step(t, "archive", archiver, {"note": rng.choice(ARCHIVE_NOTES)}))
        if spec.final is Status.ARCHIVED:
            return finish(due)

        t = self.after(t, 20, 200, self.office)
        if spec.inspect_fail:
            steps.append(
                Step(t, "inspect", inspector, {"verdict": Verdict.FAIL, "note": rng.choice(INSPECT_FAIL)})
            )
            due = self.clock.rework_due(t)
            if spec.final is Status.ASSIGNED:
                return finish(due)
            t = self.after(t, 3, 40, self.office)
            steps.append(Step(t, "respond", responder, {"rework": True}))
            t = self.after(t, 20, 72, self.office)
            steps.append(Step(t, "archive", archiver, {"note": "整改完成，重新归档。"}))
            t = self.after(t, 20, 120, self.office)
        steps.append(
            Step(t, "inspect", inspector, {"verdict": Verdict.PASS, "note": rng.choice(INSPECT_PASS)})
        )
        return finish(due)

    def draw_duplicate(self, plan: Plan, primary: Plan) -> bool:
        """A second parent raising what `primary` raised, merged into it while it is open."""
        school, rng = plan.school, self.rng
        registrar = f"{school.short}-registrar"
        start = primary.steps[0].at
        end = min(primary.open_until or self.latest, self.latest)
        if end - start < timedelta(hours=6):
            return False
        t0 = self.waking(start + (end - start) * rng.uniform(0.05, 0.5))
        if t0 >= end:
            return False
        plan.collected_at = t0
        steps = [Step(t0, "intake", None)]
        t = t0
        if rng.random() < 0.5:
            t = self.between(t, end)
            steps.append(Step(t, "register", registrar, {"note": "已受理。"}))
        t = self.between(t, end)
        note = "与{into}反映同一事项，合并办理，办理结果将一并答复。"
        steps.append(Step(t, "merge", registrar, {"note": note}))
        plan.steps, plan.into = steps, primary
        return steps[-1].at <= min(end, self.latest) and all(
            a.at < b.at for a, b in zip(steps, steps[1:], strict=False)
        )


def _details(rng: random.Random, school: SchoolSpec) -> dict[str, str]:
    primary = school.level == "primary"
    grade = rng.choice(GRADES_PRIMARY if primary else GRADES_MIDDLE)
    surname = rng.choice(SURNAMES)
    return {
        "school": school.name,
        "grade": grade,
        "cls": f"{grade}（{rng.randint(1, 8)}）班",
        "subject": rng.choice(SUBJECTS_PRIMARY if primary else SUBJECTS_MIDDLE),
        "teacher": f"{rng.choice(SURNAMES)}老师",
        "dish": rng.choice(DISHES),
        "weekday": rng.choice(WEEKDAYS),
        "clock": rng.choice(CLOCKS),
        "bus": f"{rng.randint(1, 9)}号线",
        "road": rng.choice(ROADS),
        "gate": rng.choice(GATES),
        "amount": str(rng.choice((80, 120, 150, 180, 200, 260, 300, 450))),
        "floor": str(rng.randint(1, 5)),
        "month": f"{rng.randint(9, 11)}月",
        "hw_rule": "小学三至六年级书面作业平均完成时间不超过60分钟"
        if primary
        else "初中书面作业平均完成时间不超过90分钟",
        "surname": surname,
        "child": surname + rng.choice(GIVEN),
    }


def _plans(rng: random.Random, planner: Planner) -> list[Plan]:
    channels, weights = zip(*CHANNEL_WEIGHTS.items(), strict=True)
    plans: list[Plan] = []
    for count, factory in _scenarios():
        for _ in range(count):
            spec = factory(rng)
            for attempt in range(600):
                planner.strict = attempt < 400
                school = rng.choice(SCHOOLS)
                choices = [
                    t
                    for t in TEMPLATES
                    if t.bureau == spec.to_bureau
                    and t.level in (None, school.level)
                    and (t.urgent or not spec.urgent)
                ]
                template = rng.choice(choices)
                if spec.to_bureau:
                    channel = Channel.ONLINE
                elif spec.at_once:
                    channel = Channel.HOTLINE
                else:
                    channel = rng.choices(channels, weights)[0]
                anonymous = rng.random() < (0.45 if template.kind is Kind.REPORT else 0.1)
                plan = Plan(len(plans), school, template, _details(rng, school), channel, anonymous, spec)
                if planner.draw(plan):
                    plans.append(plan)
                    break
    # Duplicates: other parents raising what an open ticket raised.
    candidates = [p for p in plans if not p.spec.to_bureau]
    made = 0
    for _attempt in range(MERGED * 40):
        if made == MERGED:
            break
        primary = rng.choice(candidates)
        details = dict(primary.details)
        details["child"] = details["surname"] + rng.choice(GIVEN)
        plan = Plan(
            len(plans),
            primary.school,
            primary.template,
            details,
            Channel.ONLINE,
            rng.random() < 0.2,
            Spec(Status.MERGED, (0, 0)),
        )
        if planner.draw_duplicate(plan, primary):
            plans.append(plan)
            made += 1
    return plans


# ---- carrying the plans out ----------------------------------------------------------------


def _intake_request(rng: random.Random, plan: Plan) -> s.PublicTicketCreate:
    text = plan.template.text.format_map(plan.details)
    if plan.into is not None:
        text = rng.choice(("我也想反映同样的问题：", "同班家长都在说这件事：", "")) + text
    contact = student = None
    if not plan.anonymous:
        relation, title = rng.choice(RELATIONS)
        name = plan.details["surname"] if relation in ("母亲", "父亲") else rng.choice(SURNAMES)
        phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
        contact = s.Contact(name=f"{name}{title}", relation=relation, phone=phone)
        if rng.random() < 0.7:
            student = s.Student(name=plan.details["child"], class_name=plan.details["cls"])
    fields: dict[str, Any] = {
        "school_code": plan.school.code,
        "kind": plan.template.kind,
        "category": plan.template.category,
        "content": text,
        "consent": True,
        "anonymous": plan.anonymous,
        "contact": contact,
        "student": student,
        "to_bureau": plan.spec.to_bureau,
    }
    if plan.channel is Channel.ONLINE:
        if rng.random() < 0.8:
            fields["title"] = plan.template.title
        return s.PublicTicketCreate(**fields)
    fields["content"] = CHANNEL_LEAD[plan.channel] + text
    fields["title"] = plan.template.title
    return s.StaffTicketCreate(**fields, channel=plan.channel, collected_at=plan.collected_at)


def _reply(rng: random.Random, plan: Plan, rework: bool) -> str:
    replies = plan.template.replies
    text = (replies[1] if rework and len(replies) > 1 else rng.choice(replies)).format_map(plan.details)
    if rework:
        text = rng.choice(REWORK_PREFIX) + rng.choice(REWORK_TEXT) + text
    if plan.spec.at_once:
        text = "您好，您来电咨询的问题已当场答复：" + text
    return text


async def _principals(ctx: Ctx) -> dict[str, Principal]:
    usernames = [username for username, _, _, _ in STAFF]
    users = (await ctx.session.execute(select(User).where(User.username.in_(usernames)))).scalars().all()
    grants = await repo.grants_of(ctx.session, [user.id for user in users])
    return {
        user.username: Principal(user.id, user.username, user.display_name, tuple(grants[user.id]))
        for user in users
    }


async def _run(ctx: Ctx, rng: random.Random, plans: list[Plan], principals: dict[str, Principal]) -> None:
    """Every step of every plan in the order of time, each at its own instant."""
    queue = [(step.at, plan.index, i) for plan in plans for i, step in enumerate(plan.steps)]
    heapq.heapify(queue)
    by_index = {plan.index: plan for plan in plans}
    while queue:
        at, index, i = heapq.heappop(queue)
        plan = by_index[index]
        step = plan.steps[i]
        past = Ctx(ctx.session, ctx.settings, ctx.caches, at)
        actor = principals[step.by] if step.by else None
        if step.action == "intake":
            receipt = await intake.intake(past, _intake_request(rng, plan), principal=actor)
            plan.number, plan.code = receipt.number, receipt.access_code
            continue
        assert plan.number is not None and plan.code is not None
        if step.action == "rate":
            value = step.args["value"]
            await tickets.rate(
                past,
                plan.number,
                s.RatingRequest(code=plan.code, value=value, comment=rng.choice(COMMENTS[value])),
            )
            continue
        assert actor is not None
        action = Action(step.action)
        request: s.ActionInput
        if action is Action.REGISTER:
            # Words for the parent (已受理…): the timeline shows a public note only.
            request = s.RegisterRequest(priority=step.args.get("priority"), public_note=step.args["note"])
        elif action is Action.MERGE:
            assert plan.into is not None and plan.into.number is not None
            into = plan.into.number
            request = s.MergeRequest(into=into, public_note=step.args["note"].format(into=into))
        elif action is Action.ASSIGN:
            request = s.AssignRequest(assignee=step.args["assignee"], note=step.args["note"])
        elif action is Action.RESPOND:
            request = s.RespondRequest(
                text=_reply(rng, plan, step.args["rework"]), internal_note=rng.choice(INTERNAL_NOTES)
            )
        elif action is Action.EXTEND:
            request = s.ExtendRequest(respond_due_at=step.args["respond_due_at"], reason=step.args["reason"])
        elif action is Action.SUPERVISE:
            request = s.SuperviseRequest(note=step.args["note"], due_at=step.args["due_at"])
        elif action is Action.REOPEN:
            request = s.ReopenRequest(reason=step.args["reason"])
        elif action is Action.INSPECT:
            request = s.InspectRequest(verdict=step.args["verdict"], note=step.args["note"])
        else:  # submit, archive
            request = s.NoteRequest(note=step.args.get("note"))
        await tickets.act(past, actor, plan.number, action, request)


async def load_demo(ctx: Ctx) -> list[Login]:
    """Create the demo bureau, its users and tickets, unless it exists; answer the logins."""
    logins = demo_logins()
    if await repo.org_by_code(ctx.session, DEMO_BUREAU) is not None:
        return logins
    for code, name, kind, parent in ORGS:
        await accounts.create_org(ctx, None, s.OrgCreate(code=code, name=name, kind=kind, parent_code=parent))
        if code in PROFILES:  # what the school's landing page publishes
            await ctx.session.execute(update(Org).where(Org.code == code).values(profile=PROFILES[code]))
    for username, display_name, role, org in STAFF:
        await accounts.create_user(
            ctx,
            None,
            s.UserCreate(
                username=username,
                password=DEMO_PASSWORD,
                display_name=display_name,
                roles=[s.GrantIn(role=role, org_code=org)],
            ),
        )
    principals = await _principals(ctx)

    city = await repo.org_by_code(ctx.session, DEMO_BUREAU)
    assert city is not None
    clock = await clock_for(ctx, city.path)
    rng = random.Random(SEED)
    plans = _plans(rng, Planner(rng, ctx.now, clock, ctx.settings.timezone))
    await _run(ctx, rng, plans, principals)
    await ctx.session.flush()
    return logins


# ---- printing ------------------------------------------------------------------------------

ROLE_NAMES = {
    "admin": "管理员",
    "registrar": "登记员",
    "leader": "责任领导",
    "handler": "承办人",
    "grid_member": "网格员",
    "inspector": "督查员",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def print_logins(logins: list[Login], url: str | None) -> None:
    """Where to start, then one summary line and the logins under it, last, so that they stay
    on screen. `url`: where the site runs (serve), or None (the demo was only loaded)."""
    base = url or "http://127.0.0.1:8000"
    rows = [("username", "role", "org")] + [
        (x.username, f"{x.role} {ROLE_NAMES.get(x.role, '')}".strip(), f"{x.org_name} ({x.org_code})")
        for x in logins
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    print(f"Where to start{'' if url else ' (once `huixiang serve` runs)'}:")
    print(
        f"  as a parent: {base}/s/demo-shiyan  (a school's page: 我要留言; then /track with number and code)"
    )
    print(f"  its poster:  {base}/s/demo-shiyan/poster  (QR code for the mailbox and notice board)")
    print(f"  staff:       {base}/staff/login")
    print(
        f'  the API:     POST {base}/api/v1/auth/login {{"username": "demo-qinghe-inspector", '
        f'"password": "{DEMO_PASSWORD}"}}, then GET /api/v1/tickets?overdue=true with '
        "Authorization: Bearer <token>; figures at GET /api/v1/stats?org_code=demo-city"
    )
    print(f"  API docs:    {base}/schema (OpenAPI); the JSON API lives under /api/v1")
    print()
    where = f"Huixiang is running on {url} (Ctrl-C stops it)" if url else "Huixiang demo loaded"
    print(
        f"{where}. Demo (回响 演示数据): a city bureau, 2 districts, 4 schools, ~300 tickets; "
        f"{len(logins)} logins, all with the demo password {DEMO_PASSWORD!r} (never for real data):"
    )
    for n, row in enumerate(rows):
        print("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    sys.stdout.flush()
