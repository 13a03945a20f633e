"""The grids' pages (/visits/grids), the student's file page, the promotion button, the file
views' report and the bureau's home-visit board (/bureau/visits): what each role sees, the forms
with CSRF and their 400s, aggregate only for the bureau."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from huixiang.domain.visits import school_year_of

from .conftest import World
from .helpers import csrf_of, sign_in
from .test_grids import make_grid
from .test_visits import make_class, make_student, visit_body

pytestmark = pytest.mark.asyncio
BUREAU = ZoneInfo("Asia/Shanghai")


async def test_a_grid_member_records_a_contact_whose_matter_becomes_a_ticket(world: World) -> None:
    klass = await make_class(world)
    pupil = await make_student(world, klass["id"])
    grid = await make_grid(world, klass["id"], [pupil["id"]])
    assert (await sign_in(world.client, "mama.li", "volunteer-2026")).status_code == 303
    staff = await world.client.get("/staff")
    assert 'href="/visits/grids"' in staff.text and "我的网格" in staff.text
    mine = await world.client.get("/visits/grids")
    assert mine.status_code == 200 and "第一网格" in mine.text and "班级与覆盖" not in mine.text
    page = await world.client.get(f"/visits/grids/{grid['id']}")
    assert page.status_code == 200 and "张小明家" in page.text
    assert f'href="/visits/students/{pupil["id"]}"' not in page.text  # a volunteer opens no file
    at = (world.now() - timedelta(hours=1)).astimezone(BUREAU).strftime("%Y-%m-%dT%H:%M")
    form = {
        "csrf": csrf_of(page.text),
        "contacted_at": at,
        "form": "phone",
        "student_id": str(pupil["id"]),
        "note": "",
        "matter": "",
    }
    empty = await world.client.post(f"/visits/grids/{grid['id']}/contacts", data=form)
    assert empty.status_code == 400 and "请填写联系内容" in empty.text
    sent = await world.client.post(
        f"/visits/grids/{grid['id']}/contacts",
        data={**form, "matter": "希望增加课后托管。", "ticket": "1", "category": "课后服务与双减"},
    )
    assert sent.status_code == 200, sent.text
    number = re.search(r"已转为工单 (\S+)，查询码", sent.text)
    assert number is not None
    assert "希望增加课后托管。" in sent.text and "待登记" in sent.text
    queue = await world.client.get("/staff?view=grid")
    assert number.group(1) in queue.text
    assert (await world.client.get("/visits")).status_code == 403
    refused = await world.client.post(f"/visits/grids/{grid['id']}/contacts", data={**form, "csrf": "x"})
    assert refused.status_code == 403


async def test_a_head_teacher_sets_up_a_grid_on_the_page(world: World) -> None:
    klass = await make_class(world)
    pupil = await make_student(world, klass["id"])
    assert (await sign_in(world.client, "hand1")).status_code == 303
    roster = await world.client.get(f"/visits/classes/{klass['id']}")
    assert f'href="/visits/grids?class={klass["id"]}"' in roster.text
    page = await world.client.get(f"/visits/grids?class={klass['id']}")
    assert page.status_code == 200 and '<label for="member_username"' in page.text
    body = {
        "csrf": csrf_of(page.text),
        "class_id": str(klass["id"]),
        "name": "东片网格",
        "students": str(pupil["id"]),
    }
    bad = await world.client.post("/visits/grids", data={**body, "member_username": "nobody"})
    assert bad.status_code == 400 and "网格员须为本校教师" in bad.text and 'value="东片网格"' in bad.text
    made = await world.client.post(
        "/visits/grids",
        data={
            **body,
            "member_username": "ba.wang",
            "member_name": "王爸爸",
            "member_password": "volunteer-1",
        },
    )
    assert made.status_code == 303
    file = await world.client.get(made.headers["location"])
    assert "王爸爸" in file.text and "张小明家" in file.text
    assert f'href="/visits/students/{pupil["id"]}"' in file.text
    assert (await world.client.get("/visits/promotion")).status_code == 403  # a leader's page
    mine = await world.client.get("/visits/grids")  # the classes taught, each to its grids
    assert f'href="/visits/grids?class={klass["id"]}"' in mine.text


async def test_the_student_file_page_promotion_and_access_report(world: World) -> None:
    year = school_year_of(world.now().astimezone(BUREAU).date())
    klass = await make_class(world)
    pupil = await make_student(world, klass["id"])
    assert (
        await world.as_("hand1", "POST", "/api/v1/visits", json=visit_body(world, pupil["id"]))
    ).status_code == 201
    assert (await sign_in(world.client, "lead1")).status_code == 303
    file = await world.client.get(f"/visits/students/{pupil['id']}")
    assert file.status_code == 200
    assert "一生一档" in file.text and "历年班级" in file.text and f"{year}学年 · 三年级（2）班" in file.text
    assert "家访意见" in file.text and "还没有谈心记录" in file.text

    page = await world.client.get("/visits/promotion")
    assert page.status_code == 200 and "四年级（2）班" in page.text
    unconfirmed = await world.client.post(
        "/visits/promotion", data={"csrf": csrf_of(page.text), "from_year": str(year)}
    )
    assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.text
    done = await world.client.post(
        "/visits/promotion", data={"csrf": csrf_of(page.text), "from_year": str(year), "confirm": "1"}
    )
    assert done.status_code == 200 and "1 个班级升级（1 名学生）" in done.text
    after = await world.client.get(f"/visits/students/{pupil['id']}")
    assert f"{year + 1}学年 · 四年级（2）班" in after.text and f"{year}学年 · 三年级（2）班" in after.text

    report = await world.client.get("/visits/access")
    assert report.status_code == 200 and report.text.count("查看档案") == 2  # the two openings above
    assert "teacher-stats.xlsx" in report.text
    stats = await world.client.get("/visits/teacher-stats.xlsx")
    assert stats.status_code == 200 and stats.content.startswith(b"PK")
    assert (await world.client.get("/visits/access?from=2026-13-01")).status_code == 400


async def test_the_bureau_board_drills_down_in_aggregate(world: World) -> None:
    klass = await make_class(world)
    pupil = await make_student(world, klass["id"])
    assert (
        await world.as_("hand1", "POST", "/api/v1/visits", json=visit_body(world, pupil["id"]))
    ).status_code == 201
    assert (await sign_in(world.client, "cityinsp")).status_code == 303
    city = await world.client.get("/bureau/visits")
    assert city.status_code == 200 and 'href="/bureau/visits"' in city.text
    assert 'href="/bureau/visits?org=d1"' in city.text and "一区教育局" in city.text
    district = await world.client.get("/bureau/visits?org=d1")
    assert 'href="/bureau/visits?org=s1"' in district.text and "返回上一级" in district.text
    school = await world.client.get("/bureau/visits?org=s1")
    assert school.status_code == 200 and "三年级（2）班" in school.text and "100.0%" in school.text
    for html in (city.text, district.text, school.text):
        assert "张小明" not in html and "留守" not in html and "/visits/classes/" not in html
    assert (await world.client.get("/bureau/visits?org=nowhere")).status_code == 404
