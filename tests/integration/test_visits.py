"""Home visits over the API (api/visits.py): the roster and who sees it, the XLSX import (all or
nothing, faults by row), visit records whose opinions become home_visit tickets, coverage."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db import repo
from huixiang.db.engine import make_sessionmaker
from huixiang.db.models import RosterAccess, Student
from huixiang.demo import load_demo
from huixiang.domain.access import Principal
from huixiang.services import visits
from huixiang.services.context import Caches, Ctx
from huixiang.settings import Settings

from .conftest import World
from .helpers import WORLD_TICKETS

pytestmark = pytest.mark.asyncio

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "年级",
    "班级",
    "学生姓名",
    "新生",
    "特殊群体",
    "监护人1姓名",
    "监护人1关系",
    "监护人1电话",
    "监护人2姓名",
    "监护人2关系",
    "监护人2电话",
    "班主任账号",
]


async def make_class(world: World, name: str = "三年级（2）班", **extra: Any) -> dict[str, Any]:
    body = {
        "school_code": "s1",
        "grade": 3,
        "name": name,
        "head_teacher": "hand1",
        "teachers": [{"username": "lead1", "subject": "数学"}],
        **extra,
    }
    answer = await world.as_("lead1", "POST", "/api/v1/visits/classes", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def make_student(world: World, class_id: int, name: str = "张小明", **extra: Any) -> dict[str, Any]:
    body = {
        "class_id": class_id,
        "name": name,
        "new_intake": True,
        "groups": ["left_behind"],
        "guardians": [{"name": "张建国", "relation": "父亲", "phone": "13812345678"}],
        **extra,
    }
    answer = await world.as_("lead1", "POST", "/api/v1/visits/students", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def visit_body(world: World, student_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "student_id": student_id,
        "visited_at": (world.now() - timedelta(hours=2)).isoformat(),
        "form": "home",
        "campaign": "2026秋季家访月",
        "teachers": ["lead1"],
        "family_members_met": "父亲、祖母",
        "family_situation": "父亲在外务工，祖母照顾。",
        "student_at_home": "按时完成作业。",
        "opinions": [
            {"text": "希望学校增加课后托管时间。", "ticket": {"consent": True, "category": "课后服务与双减"}},
            {"text": "孩子很喜欢语文老师。"},
        ],
        "effect": "家长了解了学校的课后服务安排。",
        "reflection": "多关注留守学生的情绪。",
        **extra,
    }


def workbook(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(world: World, content: bytes, user: str = "lead1", school: str = "s1") -> Any:
    return await world.as_(
        user,
        "POST",
        f"/api/v1/visits/roster-import?school_code={school}",
        files={"files": ("花名册.xlsx", content, XLSX)},
    )


async def test_roster_scope_and_masking(world: World, connection: AsyncConnection) -> None:
    klass = await make_class(world)
    pupil = await make_student(world, klass["id"])
    assert klass["head_teacher"] == "hand1老师" and klass["teachers"][0]["subject"] == "数学"

    # The leader sees the phone; the head teacher sees it masked and reveals it, logged.
    lead = (await world.as_("lead1", "GET", f"/api/v1/visits/classes/{klass['id']}/students")).json()
    assert lead["students"][0]["guardians"][0]["phone"] == "13812345678"
    head = await world.as_("hand1", "GET", f"/api/v1/visits/classes/{klass['id']}/students")
    assert head.status_code == 200
    assert head.json()["students"][0]["guardians"][0]["phone"] == "138****5678"
    assert head.json()["students"][0]["groups"] == ["left_behind"]
    revealed = await world.as_("hand1", "POST", f"/api/v1/visits/students/{pupil['id']}/reveal")
    assert revealed.status_code == 200 and revealed.json()["guardians"][0]["phone"] == "13812345678"
    logged = await connection.scalar(select(func.count()).select_from(RosterAccess))
    assert logged == 1
    # Every opening of the student's file is logged too; the leader reads who and when.
    assert (await world.as_("hand1", "GET", f"/api/v1/visits/students/{pupil['id']}")).status_code == 200
    log = await world.as_("lead1", "GET", f"/api/v1/visits/students/{pupil['id']}/access")
    assert [(e["by"], e["action"]) for e in log.json()["items"]] == [
        ("hand1老师", "view"),
        ("hand1老师", "reveal"),
    ]
    refused = await world.as_("hand1", "GET", f"/api/v1/visits/students/{pupil['id']}/access")
    assert refused.status_code == 403

    # Another teacher of the school sees the class but not its students: 404, as another
    # school's staff and the bureau's inspectors.
    listed = (await world.as_("hand1b", "GET", "/api/v1/visits/classes")).json()["items"]
    assert [c["roster_visible"] for c in listed] == [False]
    for user in ("hand1b", "lead2", "insp1", "cityinsp", "leadd1"):
        for url in (
            f"/api/v1/visits/classes/{klass['id']}/students",
            f"/api/v1/visits/students/{pupil['id']}",
        ):
            answer = await world.as_(user, "GET", url)
            assert answer.status_code == 404, (user, url, answer.text)
        answer = await world.as_(user, "POST", f"/api/v1/visits/students/{pupil['id']}/reveal")
        assert answer.status_code == 404
    assert (await world.as_("lead2", "GET", "/api/v1/visits/classes")).json()["items"] == []
    beyond = await world.as_("lead1", "GET", f"/api/v1/visits/classes/{2**40}/students")
    assert beyond.status_code == 404
    huge = await world.as_("lead1", "POST", "/api/v1/visits/students", json={"class_id": 2**40, "name": "x"})
    assert huge.status_code == 400
    assert len((await world.as_("insp1", "GET", "/api/v1/visits/classes")).json()["items"]) == 1

    # Only a leader sets up classes; a teacher named must teach at the school.
    refused = await world.as_(
        "hand1", "POST", "/api/v1/visits/classes", json={"school_code": "s1", "grade": 1, "name": "一（1）班"}
    )
    assert refused.status_code == 403
    stranger = await world.as_(
        "lead1",
        "POST",
        "/api/v1/visits/classes",
        json={"school_code": "s1", "grade": 1, "name": "一（1）班", "head_teacher": "hand2"},
    )
    assert stranger.status_code == 400 and "hand2" in stranger.json()["detail"]
    twin = await world.as_(
        "lead1", "POST", "/api/v1/visits/students", json={"class_id": klass["id"], "name": "张小明"}
    )
    assert twin.status_code == 400 and "`name`" in twin.json()["detail"]


async def test_import_all_or_nothing(world: World, connection: AsyncConnection) -> None:
    template = await world.as_("hand1", "GET", "/api/v1/visits/roster-template.xlsx")
    assert template.status_code == 200 and template.headers["content-type"].startswith(XLSX)
    sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER

    bad = workbook(
        [
            [3, "三年级（1）班", "李雷", "是", "", "李父", "父亲", "13900001111", "", "", "", "hand1"],
            [3, "三年级（1）班", "韩梅梅", "不知道", "留守、学困", "", "母亲", "12345", "", "", "", "nobody"],
            ["十三", "", "", "", "", "", "", "", "", "", "", ""],
            [4, "三年级（1）班", "王五", "", "", "", "", "", "", "", "", ""],
        ]
    )
    answer = await upload(world, bad)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["imported"] is False
    faults = {(e["row"], e["column"]) for e in report["errors"]}
    assert faults == {
        (3, "新生"),
        (3, "特殊群体"),
        (3, "监护人1姓名"),
        (3, "监护人1电话"),
        (3, "班主任账号"),
        (4, "年级"),
        (4, "班级"),
        (4, "学生姓名"),
        (5, "年级"),
    }
    assert any("学困" in e["message"] for e in report["errors"])
    assert await connection.scalar(select(func.count()).select_from(Student)) == 0

    good = workbook(
        [
            [3, "三年级（1）班", "李雷", "是", "", "李父", "父亲", 13900001111, "", "", "", "hand1"],
            [
                "三年级",
                "三年级（1）班",
                "韩梅梅",
                "",
                "留守/单亲、学习困难",
                "韩母",
                "母亲",
                "13900002222",
                "",
                "",
                "",
                "",
            ],
            ["初一", "七年级（3）班", "王五", "否", "", "", "", "", "", "", "", ""],
        ]
    )
    report = (await upload(world, good)).json()
    assert report == {
        "imported": True,
        "classes_created": 2,
        "students_created": 3,
        "students_updated": 0,
        "errors": [],
    }
    groups = await connection.scalar(text("SELECT groups FROM students WHERE name = '韩梅梅'"))
    assert groups == ["left_behind", "learning"]
    # Again, changed: updated by (class, name), guardians replaced, nothing duplicated.
    again = workbook(
        [[3, "三年级（1）班", "李雷", "否", "学习困难", "李母", "母亲", "13900003333", "", "", "", ""]]
    )
    report = (await upload(world, again)).json()
    assert (report["students_created"], report["students_updated"]) == (0, 1)
    assert await connection.scalar(select(func.count()).select_from(Student)) == 3
    phones = (
        (
            await connection.execute(
                text(
                    "SELECT g.phone FROM guardians g JOIN students s ON s.id = g.student_id "
                    "WHERE s.name = '李雷'"
                )
            )
        )
        .scalars()
        .all()
    )
    assert phones == ["13900003333"]

    # Not a workbook; a teacher; another school's leader.
    assert (await upload(world, b"name,class\n")).status_code == 400
    assert (await upload(world, good, user="hand1")).status_code == 403
    assert (await upload(world, good, user="lead2")).status_code == 404
    plain = await world.as_("lead1", "POST", "/api/v1/visits/roster-import?school_code=s1", json={})
    assert plain.status_code == 400


async def test_visit_record_and_its_tickets(world: World, connection: AsyncConnection) -> None:
    klass = await make_class(world)
    pupil = await make_student(world, klass["id"])
    answer = await world.as_("hand1", "POST", "/api/v1/visits", json=visit_body(world, pupil["id"]))
    assert answer.status_code == 201, answer.text
    record = answer.json()
    assert {t["username"] for t in record["teachers"]} == {"hand1", "lead1"}
    assert record["form_label"] == "入户"
    first, second = record["opinions"]
    assert second["ticket"] is None
    assert first["ticket"]["status"] == "collected"
    (receipt,) = record["receipts"]
    assert receipt["number"] == first["ticket"]["number"] and receipt["access_code"]

    # The ticket is an ordinary one: channel home_visit, the guardian as contact, the student.
    row = (
        await connection.execute(
            text("SELECT channel, contact, student, category, content FROM tickets WHERE number = :n"),
            {"n": receipt["number"]},
        )
    ).one()
    assert row.channel == "home_visit"
    assert row.contact["phone"] == "13812345678" and row.student == {
        "name": "张小明",
        "class_name": "三年级（2）班",
    }
    assert row.category == "课后服务与双减" and row.content == "希望学校增加课后托管时间。"
    tracked = await world.client.get(
        f"/api/v1/public/tickets/{receipt['number']}", params={"code": receipt["access_code"]}
    )
    assert tracked.status_code == 200

    # The record shows the ticket's state as it moves through the loop.
    assert (await world.action("reg1", receipt["number"], "register")).status_code == 200
    shown = (await world.as_("hand1", "GET", f"/api/v1/visits/{record['id']}")).json()
    assert shown["opinions"][0]["ticket"]["status"] == "registered"

    # The second opinion becomes a ticket later; once only; with consent only.
    url = f"/api/v1/visits/{record['id']}/opinions/{second['id']}/ticket"
    assert (await world.as_("hand1", "POST", url, json={"consent": False})).status_code == 400
    later = await world.as_(
        "hand1", "POST", url, json={"consent": True, "kind": "praise", "with_contact": False}
    )
    assert later.status_code == 201, later.text
    assert (await world.as_("hand1", "POST", url, json={"consent": True})).status_code == 400
    contact = await connection.scalar(
        text("SELECT contact FROM tickets WHERE number = :n"), {"n": later.json()["number"]}
    )
    assert contact is None

    # The same record sent again under its key (a draft retried): the first, no second ticket.
    keyed = visit_body(world, pupil["id"], client_key="draft-0001-abcd")
    first_try = await world.as_("hand1", "POST", "/api/v1/visits", json=keyed)
    retry = await world.as_("hand1", "POST", "/api/v1/visits", json=keyed)
    assert first_try.status_code == retry.status_code == 201
    assert retry.json()["id"] == first_try.json()["id"] and retry.json()["replayed"] is True
    assert len(first_try.json()["receipts"]) == 1 and retry.json()["receipts"] == []
    assert await connection.scalar(text("SELECT count(*) FROM visits")) == 2
    keyed_id = first_try.json()["id"]

    # The class's 家访台账: a row per record, the ticket's number beside its opinion.
    ledger = await world.as_("hand1", "GET", f"/api/v1/visits/classes/{klass['id']}/ledger.xlsx")
    assert ledger.status_code == 200 and ledger.headers["content-type"].startswith(XLSX)
    rows = list(load_workbook(io.BytesIO(ledger.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:5] == ("学生", "新生", "关注群体", "家访时间", "形式")
    assert [r[0] for r in rows[2:]] == ["张小明", "张小明"] and rows[2][2] == "留守/单亲"
    assert receipt["number"] in (rows[2][8] or "") + (rows[3][8] or "")
    other = await world.as_("hand1b", "GET", f"/api/v1/visits/classes/{klass['id']}/ledger.xlsx")
    assert other.status_code == 404

    listed = (await world.as_("lead1", "GET", f"/api/v1/visits?class_id={klass['id']}")).json()["items"]
    assert {v["id"] for v in listed} == {record["id"], keyed_id}
    mine = (await world.as_("lead1", "GET", "/api/v1/visits")).json()["items"]  # present at
    assert {v["id"] for v in mine} == {record["id"], keyed_id}
    assert (await world.as_("hand1b", "GET", "/api/v1/visits")).json()["items"] == []
    file = (await world.as_("hand1", "GET", f"/api/v1/visits/students/{pupil['id']}")).json()
    assert file["visits_this_year"] == 2 and {v["id"] for v in file["visits"]} == {record["id"], keyed_id}

    # Out of scope: 404; a ticket without consent, a future visit, an unknown teacher: 400.
    assert (await world.as_("hand1b", "GET", f"/api/v1/visits/{record['id']}")).status_code == 404
    assert (
        await world.as_("hand1b", "POST", "/api/v1/visits", json=visit_body(world, pupil["id"]))
    ).status_code == 404
    for change in (
        {"opinions": [{"text": "x", "ticket": {"consent": False}}]},
        {"visited_at": (world.now() + timedelta(days=1)).isoformat()},
        {"teachers": ["hand2"]},
        {"form": "letter"},
    ):
        bad = await world.as_(
            "hand1", "POST", "/api/v1/visits", json=visit_body(world, pupil["id"], **change)
        )
        assert bad.status_code == 400, (change, bad.text)
    tickets = await connection.scalar(text(WORLD_TICKETS))
    assert tickets == 3  # the refused records took no ticket with them


async def test_coverage(world: World) -> None:
    one = await make_class(world, "三年级（1）班")
    two = await make_class(world, "三年级（2）班")
    a = await make_student(world, one["id"], "甲", new_intake=True)
    await make_student(world, one["id"], "乙", new_intake=False)
    c = await make_student(world, two["id"], "丙", new_intake=True)
    await make_student(world, two["id"], "丁", new_intake=True)
    for pupil, form in ((a, "home"), (a, "phone"), (c, "video")):
        body = visit_body(world, pupil["id"], form=form, opinions=[])
        assert (await world.as_("lead1", "POST", "/api/v1/visits", json=body)).status_code == 201

    school = (await world.as_("lead1", "GET", "/api/v1/visits/coverage")).json()
    assert school["org_code"] == "s1"
    assert {k: school[k] for k in ("students", "visited", "visit_rate", "new_students", "new_visited")} == {
        "students": 4,
        "visited": 2,
        "visit_rate": 0.5,
        "new_students": 3,
        "new_visited": 2,
    }
    assert school["new_visit_rate"] == 0.6667 and school["home_visits"] == 3
    assert school["followups_due"] == 0 and school["followups_overdue"] == 0
    units = {u["name"]: u for u in school["by_unit"]}
    assert units["三年级（1）班"]["visited"] == 1 and units["三年级（1）班"]["home_visits"] == 2
    assert units["三年级（2）班"]["visit_rate"] == 0.5

    # Up the tree: the district by school, the city by district; the same totals.
    district = (await world.as_("insp1", "GET", "/api/v1/visits/coverage")).json()
    assert district["org_code"] == "d1" and district["visited"] == 2
    schools = {u["org_code"]: u for u in district["by_unit"]}
    assert (
        schools["s1"]["students"] == 4
        and schools["s2"]["students"] == 0
        and schools["s2"]["visit_rate"] is None
    )
    city = (await world.as_("cityinsp", "GET", "/api/v1/visits/coverage")).json()
    assert [(u["org_code"], u["visited"]) for u in city["by_unit"]] == [("d1", 2), ("d2", 0)]

    # A campaign and a period narrow the visits, never the students.
    other = (await world.as_("cityinsp", "GET", "/api/v1/visits/coverage?campaign=别的活动")).json()
    assert (other["students"], other["visited"]) == (4, 0)
    tomorrow = (world.now() + timedelta(days=1)).date().isoformat()
    later = (await world.as_("cityinsp", "GET", f"/api/v1/visits/coverage?from={tomorrow}")).json()
    assert later["visited"] == 0 and later["students"] == 4

    # Scope: out of it 404; a bad date 400.
    assert (await world.as_("insp2", "GET", "/api/v1/visits/coverage?org_code=s1")).status_code == 404
    assert (await world.as_("lead2", "GET", "/api/v1/visits/coverage?org_code=d1")).status_code == 404
    assert (await world.as_("insp1", "GET", "/api/v1/visits/coverage?from=yesterday")).status_code == 400


async def test_the_demo_school_has_a_roster_and_a_campaign_half_done(
    settings: Settings, connection: AsyncConnection
) -> None:
    now = datetime.now(UTC)
    async with make_sessionmaker(connection)() as session:
        ctx = Ctx(session, settings, Caches(), now)
        await load_demo(ctx)
        await session.commit()
        user = await repo.user_by_username(session, "demo-shiyan-leader")
        assert user is not None
        grants = (await repo.grants_of(session, [user.id]))[user.id]
        leader = Principal(user.id, user.username, user.display_name, tuple(grants))
        figures = await visits.coverage(ctx, leader)
    assert figures["students"] == 12
    assert 0 < figures["visited"] < figures["students"]  # half done, whatever the day
    assert {u["name"] for u in figures["by_unit"]} == {"一年级（1）班", "三年级（2）班"}
    groups = await connection.scalar(text("SELECT count(*) FROM students WHERE groups <> '{}'"))
    assert groups == 6


async def test_the_ledger_keeps_typed_text_as_text(world: World) -> None:
    """What a teacher or an import typed stays words in the 家访台账, never a formula."""
    klass = await make_class(world)
    pupil = await make_student(world, klass["id"], name='=HYPERLINK("http://x","y")')
    unvisited = await make_student(world, klass["id"], name="=1+1")
    assert unvisited["id"] != pupil["id"]
    body = visit_body(world, pupil["id"], family_members_met="=2+2", effect="+SUM(A1:A2)", opinions=[])
    assert (await world.as_("hand1", "POST", "/api/v1/visits", json=body)).status_code == 201
    ledger = await world.as_("hand1", "GET", f"/api/v1/visits/classes/{klass['id']}/ledger.xlsx")
    assert ledger.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(ledger.content)).worksheets[0].iter_rows() for c in row]
    typed = {c.value: c.data_type for c in cells if isinstance(c.value, str) and c.value[:1] in "=+"}
    assert typed == {'=HYPERLINK("http://x","y")': "s", "=1+1": "s", "=2+2": "s", "+SUM(A1:A2)": "s"}
