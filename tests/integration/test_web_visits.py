"""The home visits' pages (/visits): the classes and coverage, a roster with masked phones and an
audited reveal, a teacher's visit form (CSRF, 400 with the input kept, an opinion that becomes a
ticket), the roster import with its row-by-row report; 404 for a teacher of another class."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import World
from .helpers import WORLD_TICKETS, csrf_of, sign_in
from .test_visits import XLSX, make_class, make_student, workbook

pytestmark = pytest.mark.asyncio
BUREAU = ZoneInfo("Asia/Shanghai")  # the settings' default zone


async def test_a_teacher_records_a_visit_on_the_phone_form(world: World, connection: AsyncConnection) -> None:
    klass = await make_class(world)
    pupil = await make_student(world, klass["id"])
    assert (await sign_in(world.client, "hand1")).status_code == 303

    home = await world.client.get("/visits")
    assert home.status_code == 200 and "三年级（2）班" in home.text and "家访率" in home.text
    assert 'href="/visits"' in home.text  # the nav link
    roster = await world.client.get(f"/visits/classes/{klass['id']}")
    assert roster.status_code == 200
    assert "138****5678" in roster.text and "13812345678" not in roster.text
    assert "留守/单亲" in roster.text and "未家访" in roster.text

    # Reveal: the full number, one line in the log.
    page = await world.client.get(f"/visits/students/{pupil['id']}")
    revealed = await world.client.post(
        f"/visits/students/{pupil['id']}/reveal", data={"csrf": csrf_of(page.text)}
    )
    assert revealed.status_code == 200 and "tel:13812345678" in revealed.text
    logged = (await connection.execute(text("SELECT action FROM roster_access ORDER BY id"))).scalars().all()
    assert logged == ["view", "reveal"]  # the page opened, then the phone revealed

    form = await world.client.get(f"/visits/students/{pupil['id']}/new")
    assert form.status_code == 200
    html = form.text
    for name in ("visited_at", "family_situation", "opinion_1", "effect", "reflection"):
        assert f'<label for="{name}"' in html and f'id="{name}"' in html
    assert "staff-visits.js" in html
    csrf = csrf_of(html)
    key = re.search(r'name="client_key" value="([^"]+)"', html)
    assert key
    body = {
        "csrf": csrf,
        "client_key": key.group(1),
        "visited_at": "2000-01-01T19:00",
        "form": "home",
        "teachers": "lead1",
        "family_situation": "祖孙二人。",
        "opinion_1": "放学后的托管能否延长到六点？",
        "ticket_1": "1",
        "category_1": "课后服务与双减",
    }
    refused = await world.client.post(f"/visits/students/{pupil['id']}/new", data=body)
    assert refused.status_code == 400
    assert 'id="visited_at-error"' in refused.text and "祖孙二人。" in refused.text
    assert await connection.scalar(text("SELECT count(*) FROM visits")) == 0
    forged = await world.client.post(f"/visits/students/{pupil['id']}/new", data={**body, "csrf": "x"})
    assert forged.status_code == 403

    body["visited_at"] = (world.now() - timedelta(minutes=30)).astimezone(BUREAU).strftime("%Y-%m-%dT%H:%M")
    done = await world.client.post(f"/visits/students/{pupil['id']}/new", data=body)
    assert done.status_code == 200, done.text[:3000]
    number = re.search(r"编号 (\d{4}-\d{6})，查询码 (\S+)", done.text)
    assert number, done.text[:3000]
    assert "待登记" in done.text  # the ticket's state on the record
    channel = await connection.scalar(
        text("SELECT channel FROM tickets WHERE number = :n"), {"n": number.group(1)}
    )
    assert channel == "home_visit"
    assert 'id="draft-done"' in done.text
    # The draft sent again (the answer was lost on the way): the one record, no second ticket.
    twice = await world.client.post(f"/visits/students/{pupil['id']}/new", data=body)
    assert twice.status_code == 200 and "已经提交过" in twice.text
    assert await connection.scalar(text("SELECT count(*) FROM visits")) == 1
    assert await connection.scalar(text(WORLD_TICKETS)) == 1

    again = await world.client.get(f"/visits/classes/{klass['id']}")
    assert "1 次" in again.text
    mine = await world.client.get("/visits/mine")
    assert "张小明" in mine.text


async def test_other_teachers_and_the_import_page(world: World, connection: AsyncConnection) -> None:
    klass = await make_class(world)
    pupil = await make_student(world, klass["id"])
    assert (await sign_in(world.client, "hand1b")).status_code == 303
    for url in (
        f"/visits/classes/{klass['id']}",
        f"/visits/students/{pupil['id']}",
        f"/visits/students/{pupil['id']}/new",
    ):
        assert (await world.client.get(url)).status_code == 404, url
    home = await world.client.get("/visits")
    assert "仅本班教师可见" in home.text
    assert "只有学校领导" in (await world.client.get("/visits/import")).text

    world.client.cookies.clear()
    assert (await sign_in(world.client, "lead1")).status_code == 303
    page = await world.client.get("/visits/import")
    csrf = csrf_of(page.text)
    template = await world.client.get("/visits/template.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK")
    bad = workbook([[3, "三年级（5）班", "赵六", "也许", "", "", "", "", "", "", "", ""]])
    answer = await world.client.post(
        "/visits/import", data={"csrf": csrf}, files={"files": ("a.xlsx", bad, XLSX)}
    )
    assert answer.status_code == 400 and "第 2 行" in answer.text and "新生" in answer.text
    good = workbook([[3, "三年级（5）班", "赵六", "是", "", "", "", "", "", "", "", ""]])
    answer = await world.client.post(
        "/visits/import", data={"csrf": csrf}, files={"files": ("a.xlsx", good, XLSX)}
    )
    assert answer.status_code == 200 and "新增学生 1 名" in answer.text
    assert await connection.scalar(text("SELECT count(*) FROM students")) == 2


async def test_the_bureau_drills_down_to_the_class(world: World) -> None:
    klass = await make_class(world)
    await make_student(world, klass["id"])
    assert (await sign_in(world.client, "cityinsp")).status_code == 303
    city = await world.client.get("/visits")
    assert city.status_code == 200 and "市教育局" in city.text
    assert 'href="/visits?org=d1"' in city.text and "三年级（2）班" not in city.text
    district = await world.client.get("/visits?org=d1")
    assert 'href="/visits?org=s1"' in district.text
    school = await world.client.get("/visits?org=s1")
    assert "三年级（2）班" in school.text and f'href="/visits/classes/{klass["id"]}"' not in school.text
    assert (await world.client.get(f"/visits/classes/{klass['id']}")).status_code == 404
    assert (await world.client.get("/visits?org=nowhere")).status_code == 404
