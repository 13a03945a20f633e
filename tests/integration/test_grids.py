"""Parent grids (网格连心), the yearly promotion and the student's file (一生一档) over the API:
a parent volunteer as grid member, the grid's file and its tickets in the member's 我的网格
queue until answered, 404 for another class's teacher, every file view in the school's report,
a promotion that keeps each student's history, once per school year; the 教师家访统计表."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.domain.visits import school_year_of

from ..conftest import _client
from .conftest import PASSWORD, World
from .helpers import sign_in, walk
from .test_visits import make_class, make_student, visit_body

pytestmark = pytest.mark.asyncio


async def make_grid(world: World, class_id: int, students: list[int], **member: Any) -> dict[str, Any]:
    body = {
        "class_id": class_id,
        "name": "第一网格",
        "member": member or {"username": "mama.li", "display_name": "李妈妈", "password": "volunteer-2026"},
        "students": students,
    }
    answer = await world.as_("lead1", "POST", "/api/v1/visits/grids", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def contact(world: World, student_id: int | None, **extra: Any) -> dict[str, Any]:
    return {
        "contacted_at": (world.now() - timedelta(hours=1)).isoformat(),
        "form": "message",
        "student_id": student_id,
        "note": "微信问候，了解孩子近况。",
        **extra,
    }


async def grid_queue(pages: httpx.AsyncClient, username: str, password: str = PASSWORD) -> list[str]:
    pages.cookies.clear()
    assert (await sign_in(pages, username, password)).status_code == 303
    page = await pages.get("/staff?view=grid")
    assert page.status_code == 200
    return re.findall(r'<td class="number"><a href="/staff/tickets/([^"]+)"', page.text)


async def test_a_parent_volunteer_runs_a_grid_whose_matter_is_followed_to_its_answer(
    world: World, connection: AsyncConnection, shared_app: Any
) -> None:
    klass = await make_class(world)
    ming = await make_student(world, klass["id"])
    hong = await make_student(world, klass["id"], name="李小红", groups=[])
    grid = await make_grid(world, klass["id"], [ming["id"], hong["id"]])
    assert grid["member"] == {"username": "mama.li", "name": "李妈妈"}
    assert [f["name"] for f in grid["families"]] == ["张小明", "李小红"]
    # The volunteer is a login with the grid_member role at the school, its creation audited.
    grants = (
        (
            await connection.execute(
                text(
                    "SELECT g.role FROM role_grants g JOIN users u ON u.id = g.user_id "
                    "WHERE u.username = 'mama.li'"
                )
            )
        )
        .scalars()
        .all()
    )
    assert grants == ["grid_member"]
    audited = await connection.scalar(text("SELECT count(*) FROM admin_audit WHERE target = 'mama.li'"))
    assert audited == 1

    # The volunteer sees the grid's file (families by name), never a student's file.
    volunteer = await world.client.post(
        "/api/v1/auth/login", json={"username": "mama.li", "password": "volunteer-2026"}
    )
    world.tokens["mama.li"] = volunteer.json()["token"]
    mine = (await world.as_("mama.li", "GET", "/api/v1/visits/grids")).json()
    assert [g["id"] for g in mine["items"]] == [grid["id"]]
    opened = await world.as_("mama.li", "GET", f"/api/v1/visits/grids/{grid['id']}")
    assert opened.status_code == 200 and "left_behind" not in opened.text and "13812345678" not in opened.text
    assert (await world.as_("mama.li", "GET", f"/api/v1/visits/students/{ming['id']}")).status_code == 404

    # A contact; then a matter the family agrees to send: a `grid` ticket, receipt once.
    plain = await world.as_(
        "mama.li", "POST", f"/api/v1/visits/grids/{grid['id']}/contacts", json=contact(world, ming["id"])
    )
    assert plain.status_code == 201 and plain.json()["ticket"] is None
    raised = await world.as_(
        "mama.li",
        "POST",
        f"/api/v1/visits/grids/{grid['id']}/contacts",
        json=contact(
            world,
            hong["id"],
            form="phone",
            matter="放学时校门口接送拥堵，希望错峰放学。",
            ticket={"consent": True, "category": "校园安全", "kind": "suggestion"},
        ),
    )
    assert raised.status_code == 201, raised.text
    receipt = raised.json()["receipt"]
    number = receipt["number"]
    assert receipt["access_code"]
    ticket = (await world.as_("lead1", "GET", f"/api/v1/tickets/{number}")).json()
    assert ticket["channel"] == "grid" and ticket["student"]["class_name"] == "三年级（2）班"

    # A family of the grid writes online too: that ticket is the grid's as well; another's is not.
    online = await world.submit("s1", student={"name": "张小明", "class_name": "三年级（2）班"})
    other = await world.submit("s1", student={"name": "王五", "class_name": "三年级（2）班"})
    async with _client(shared_app) as pages:
        queued = await grid_queue(pages, "mama.li", "volunteer-2026")
        assert set(queued) == {number, online["number"]} and other["number"] not in queued
        assert await grid_queue(pages, "grid1") == []  # another grid member's queue

        # Followed to an answer: the figures count it answered, and it leaves the queue once archived.
        figures = (await world.as_("mama.li", "GET", f"/api/v1/visits/grids/{grid['id']}")).json()["figures"]
        assert figures == {
            "families": 2,
            "contacts": 2,
            "families_reached": 2,
            "matters": 1,
            "tickets": 1,
            "answered": 0,
        }
        await walk(world, number, "archived")
        after = (await world.as_("lead1", "GET", f"/api/v1/visits/grids/{grid['id']}")).json()
        assert after["figures"]["answered"] == 1
        assert after["contacts"][0]["ticket"]["status"] == "archived"
        assert number not in await grid_queue(pages, "mama.li", "volunteer-2026")


async def test_grid_access_and_bad_input(world: World) -> None:
    klass = await make_class(world)
    pupil = await make_student(world, klass["id"])
    # A teacher as member (the class's head teacher, hand1); another teacher of the school: 404.
    grid = await make_grid(world, klass["id"], [pupil["id"]], username="hand1")
    assert (await world.as_("hand1b", "GET", f"/api/v1/visits/grids/{grid['id']}")).status_code == 404
    assert (await world.as_("hand2", "GET", f"/api/v1/visits/grids/{grid['id']}")).status_code == 404
    assert (await world.as_("insp1", "GET", f"/api/v1/visits/grids/{grid['id']}")).status_code == 404
    # The head teacher runs the class's grids; a member who is not of the school is refused.
    stranger = await world.as_(
        "hand1",
        "POST",
        "/api/v1/visits/grids",
        json={"class_id": klass["id"], "name": "第二网格", "member": {"username": "hand2"}},
    )
    assert stranger.status_code == 400 and "member.username" in stranger.json()["detail"]
    no_password = await world.as_(
        "lead1",
        "POST",
        "/api/v1/visits/grids",
        json={"class_id": klass["id"], "name": "第二网格", "member": {"username": "new.parent"}},
    )
    assert no_password.status_code == 400 and "member.password" in no_password.json()["detail"]
    same = await world.as_(
        "lead1",
        "POST",
        "/api/v1/visits/grids",
        json={"class_id": klass["id"], "name": "第一网格", "member": {"username": "hand1"}},
    )
    assert same.status_code == 400 and "`name`" in same.json()["detail"]
    # A contact about a family not of the grid; a ticket without consent; nothing written.
    path = f"/api/v1/visits/grids/{grid['id']}/contacts"
    outsider = await world.as_("hand1", "POST", path, json=contact(world, 999))
    assert outsider.status_code == 400 and "student_id" in outsider.json()["detail"]
    refused = await world.as_(
        "hand1", "POST", path, json=contact(world, pupil["id"], matter="x", ticket={"consent": False})
    )
    assert refused.status_code == 400 and "consent" in refused.json()["detail"]
    future = await world.as_(
        "hand1",
        "POST",
        path,
        json=contact(world, pupil["id"], contacted_at=(world.now() + timedelta(days=2)).isoformat()),
    )
    assert future.status_code == 400 and "`contacted_at` cannot be in the future" in future.json()["detail"]
    assert (await world.as_("hand1", "GET", f"/api/v1/visits/grids/{grid['id']}")).json()["contacts"] == []


async def test_a_student_file_is_for_the_current_teachers_and_every_view_is_reported(
    world: World, connection: AsyncConnection
) -> None:
    klass = await make_class(world)
    other = await make_class(world, name="三年级（3）班", head_teacher="hand1b", teachers=[])
    pupil = await make_student(world, klass["id"])
    assert (
        await world.as_("hand1", "POST", "/api/v1/visits", json=visit_body(world, pupil["id"], teachers=[]))
    ).status_code == 201
    del other

    mine = await world.as_("hand1", "GET", f"/api/v1/visits/students/{pupil['id']}")
    assert mine.status_code == 200
    file = mine.json()
    assert file["groups"] == ["left_behind"] and file["visits"][0]["family_situation"]
    assert [y["class_name"] for y in file["years"]] == ["三年级（2）班"]
    assert [t["via"] for t in file["tickets"]] == ["visit"] and file["talks"] == []  # none recorded
    # A teacher of another class of the school, another school's, the bureau: 404, nothing told.
    for user in ("hand1b", "hand2", "insp1", "leadd1", "grid1"):
        answer = await world.as_(user, "GET", f"/api/v1/visits/students/{pupil['id']}")
        assert answer.status_code == 404, user
        assert "left_behind" not in answer.text
    # Every view is logged; the school's leaders read the report, nobody else.
    await world.as_("lead1", "GET", f"/api/v1/visits/students/{pupil['id']}")
    report = await world.as_("lead1", "GET", "/api/v1/visits/access?school_code=s1")
    assert report.status_code == 200
    assert [(i["username"], i["student_name"], i["action"]) for i in report.json()["items"]] == [
        ("lead1", "张小明", "view"),
        ("hand1", "张小明", "view"),
    ]
    assert (await world.as_("hand1", "GET", "/api/v1/visits/access?school_code=s1")).status_code == 403
    assert (await world.as_("lead2", "GET", "/api/v1/visits/access?school_code=s1")).status_code == 404
    bad = await world.as_("lead1", "GET", "/api/v1/visits/access?school_code=s1&from=yesterday")
    assert bad.status_code == 400 and "from" in bad.json()["detail"]
    rows = await connection.scalar(text("SELECT count(*) FROM roster_access WHERE action = 'view'"))
    assert rows == 2


async def test_promotion_moves_classes_up_keeps_history_once_per_year(
    world: World, connection: AsyncConnection
) -> None:
    year = school_year_of(world.now().date())
    klass = await make_class(world)
    top = await make_class(world, name="六年级（1）班", grade=6, teachers=[])
    pupil = await make_student(world, klass["id"])
    leaver = await make_student(world, top["id"], name="赵毕业", groups=[])
    grid = await make_grid(world, klass["id"], [pupil["id"]], username="hand1")
    created = await world.as_("hand1", "POST", "/api/v1/visits", json=visit_body(world, pupil["id"]))
    assert created.status_code == 201
    before = (await world.as_("lead1", "GET", "/api/v1/visits/coverage?org_code=s1")).json()

    preview = (
        await world.as_("lead1", "GET", f"/api/v1/visits/promotions/preview?school_code=s1&from_year={year}")
    ).json()
    assert [(p["name"], p["to_name"]) for p in preview["promote"]] == [("三年级（2）班", "四年级（2）班")]
    assert [g["name"] for g in preview["graduate"]] == ["六年级（1）班"] and preview["done"] is None
    body = {"school_code": "s1", "from_year": year}
    unconfirmed = await world.as_("lead1", "POST", "/api/v1/visits/promotions", json=body)
    assert unconfirmed.status_code == 400 and "confirm" in unconfirmed.json()["detail"]
    assert (
        await world.as_("hand1", "POST", "/api/v1/visits/promotions", json={**body, "confirm": True})
    ).status_code == 403
    done = await world.as_("lead1", "POST", "/api/v1/visits/promotions", json={**body, "confirm": True})
    assert done.status_code == 200, done.text
    outcome = done.json()
    assert (outcome["classes_promoted"], outcome["classes_graduated"]) == (1, 1)
    assert (outcome["students_promoted"], outcome["students_graduated"], outcome["replayed"]) == (1, 1, False)
    again = (
        await world.as_("lead1", "POST", "/api/v1/visits/promotions", json={**body, "confirm": True})
    ).json()
    assert again["replayed"] is True and again["students_promoted"] == 1
    classes = (
        await connection.execute(
            text("SELECT school_year, name FROM visit_classes ORDER BY school_year, name")
        )
    ).all()
    assert [tuple(c) for c in classes] == [
        (year, "三年级（2）班"),
        (year, "六年级（1）班"),
        (year + 1, "四年级（2）班"),
    ]

    # The student's file keeps both years and the visit; the grid went with the class.
    file = (await world.as_("hand1", "GET", f"/api/v1/visits/students/{pupil['id']}")).json()
    assert [(y["school_year"], y["class_name"]) for y in file["years"]] == [
        (year, "三年级（2）班"),
        (year + 1, "四年级（2）班"),
    ]
    assert (
        file["class"]["name"] == "四年级（2）班" and len(file["visits"]) == 1 and file["new_intake"] is False
    )
    assert file["grid"] == "第一网格"
    moved = (await world.as_("lead1", "GET", f"/api/v1/visits/grids/{grid['id']}")).json()
    assert moved["class"]["name"] == "四年级（2）班" and len(moved["families"]) == 1
    # The past year's coverage is what it was (the student counted in their class of that year).
    after = (await world.as_("lead1", "GET", "/api/v1/visits/coverage?org_code=s1")).json()
    keys = ("students", "visited", "new_students", "new_visited", "home_visits")
    assert {k: after[k] for k in keys} == {k: before[k] for k in keys}
    # The graduate stays in the past year's class, out of next year's.
    nxt = (
        await world.as_("lead1", "GET", f"/api/v1/visits/coverage?org_code=s1&from={year + 1}-09-01")
    ).json()
    assert nxt["students"] == 1 and nxt["new_students"] == 0
    assert leaver["class_id"] == top["id"]


async def test_teacher_stats_workbook(world: World) -> None:
    klass = await make_class(world, teachers=[{"username": "hand1b", "subject": "语文"}])
    pupil = await make_student(world, klass["id"], name='=HYPERLINK("x")')
    await make_student(world, klass["id"], name="李小红", new_intake=False)
    assert (
        await world.as_("hand1", "POST", "/api/v1/visits", json=visit_body(world, pupil["id"], teachers=[]))
    ).status_code == 201
    answer = await world.as_("lead1", "GET", "/api/v1/visits/teacher-stats.xlsx?school_code=s1")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:9] == (
        "教师",
        "账号",
        "任教学生",
        "已家访学生",
        "家访率",
        "新生",
        "已家访新生",
        "新生家访率",
        "家访记录",
    )
    by_user = {r[1]: r for r in rows[2:]}
    assert by_user["hand1"][2:9] == (2, 1, 0.5, 1, 1, 1.0, 1)
    assert by_user["hand1"][9] == 1  # 入户
    assert by_user["hand1b"][2:4] == (2, 0)
    assert (
        await world.as_("hand1", "GET", "/api/v1/visits/teacher-stats.xlsx?school_code=s1")
    ).status_code == 403
    assert (
        await world.as_("insp1", "GET", "/api/v1/visits/teacher-stats.xlsx?school_code=s1")
    ).status_code == 403


async def test_a_grid_gets_another_member_and_families_the_head_teacher_runs_it(world: World) -> None:
    klass = await make_class(world)
    ming = await make_student(world, klass["id"])
    hong = await make_student(world, klass["id"], name="李小红", groups=[])
    first = await make_grid(world, klass["id"], [ming["id"], hong["id"]], username="hand1")
    second = await world.as_(
        "hand1",
        "POST",
        "/api/v1/visits/grids",
        json={"class_id": klass["id"], "name": "第二网格", "member": {"username": "grid1"}, "students": []},
    )
    assert second.status_code == 201, second.text
    # A family moves to the second grid: it leaves the first (one grid per family in a class).
    moved = await world.as_(
        "hand1", "PATCH", f"/api/v1/visits/grids/{second.json()['id']}", json={"students": [hong["id"]]}
    )
    assert moved.status_code == 200 and [f["name"] for f in moved.json()["families"]] == ["李小红"]
    kept = (await world.as_("lead1", "GET", f"/api/v1/visits/grids/{first['id']}")).json()
    assert [f["name"] for f in kept["families"]] == ["张小明"]
    # The leader names another member; a member who does not teach the class sees only the grid.
    lead_only = await world.as_(
        "lead1", "PATCH", f"/api/v1/visits/grids/{first['id']}", json={"member": {"username": "hand1b"}}
    )
    assert lead_only.status_code == 200 and lead_only.json()["member"]["username"] == "hand1b"
    listed = (await world.as_("hand1", "GET", f"/api/v1/visits/grids?class_id={klass['id']}")).json()
    assert [g["name"] for g in listed["items"]] == ["第一网格", "第二网格"] and listed["may_run"] is True
    assert (
        await world.as_("hand1b", "GET", f"/api/v1/visits/grids?class_id={klass['id']}")
    ).status_code == 404
    refused = await world.as_(
        "grid1", "PATCH", f"/api/v1/visits/grids/{second.json()['id']}", json={"students": []}
    )
    assert refused.status_code == 403
    foreign = await world.as_(
        "hand1", "PATCH", f"/api/v1/visits/grids/{first['id']}", json={"students": [10**9]}
    )
    assert foreign.status_code == 400 and "students" in foreign.json()["detail"]


async def test_after_promotion_last_years_teacher_no_longer_opens_the_file(world: World) -> None:
    year = school_year_of(world.now().date())
    klass = await make_class(world, teachers=[])
    pupil = await make_student(world, klass["id"])
    visit = await world.as_(
        "hand1", "POST", "/api/v1/visits", json=visit_body(world, pupil["id"], teachers=[])
    )
    assert visit.status_code == 201
    # Next year's 四年级（2）班 is set up already, with another head teacher: the class moves into it.
    ahead = await make_class(
        world, name="四年级（2）班", grade=4, school_year=year + 1, head_teacher="hand1b", teachers=[]
    )
    body = {"school_code": "s1", "from_year": year, "confirm": True}
    assert (await world.as_("lead1", "POST", "/api/v1/visits/promotions", json=body)).status_code == 200
    assert (await world.as_("hand1", "GET", f"/api/v1/visits/students/{pupil['id']}")).status_code == 404
    assert (await world.as_("hand1", "GET", f"/api/v1/visits/{visit.json()['id']}")).status_code == 404
    listed = (await world.as_("hand1", "GET", f"/api/v1/visits?class_id={klass['id']}")).json()["items"]
    assert listed == []  # last year's class: its records are of students now elsewhere
    now = await world.as_("hand1b", "GET", f"/api/v1/visits/students/{pupil['id']}")
    assert now.status_code == 200 and now.json()["class"]["id"] == ahead["id"]
    assert len(now.json()["visits"]) == 1 and now.json()["visits"][0]["class_id"] == klass["id"]
    # The leader still reads every year's records of the class.
    assert (
        len((await world.as_("lead1", "GET", f"/api/v1/visits?class_id={klass['id']}")).json()["items"]) == 1
    )


async def test_promotion_refuses_a_name_already_in_the_class_a_grade_up(world: World) -> None:
    year = school_year_of(world.now().date())
    klass = await make_class(world)
    await make_student(world, klass["id"])
    ahead = await make_class(world, name="四年级（2）班", grade=4, school_year=year + 1, teachers=[])
    await make_student(world, ahead["id"])  # 张小明 there already (a roster imported early)
    body = {"school_code": "s1", "from_year": year, "confirm": True}
    refused = await world.as_("lead1", "POST", "/api/v1/visits/promotions", json=body)
    assert refused.status_code == 400 and "张小明" in refused.json()["detail"]
    preview = (
        await world.as_("lead1", "GET", f"/api/v1/visits/promotions/preview?school_code=s1&from_year={year}")
    ).json()
    assert preview["done"] is None  # nothing was recorded: it can be done once the names differ
