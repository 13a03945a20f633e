"""Campaigns and their plans per class, the class's 家访台账 as rows and as XLSX (the same),
talk records (附表2): over the API, with who may see and change what."""

from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import World
from .helpers import csrf_of, sign_in
from .test_followups import record
from .test_visits import make_class, make_student

pytestmark = pytest.mark.asyncio
CAMPAIGN = {"org_code": "s1", "name": "2026秋季家访月", "starts_on": "2026-11-01", "ends_on": "2026-11-30"}


async def test_a_campaign_its_plan_and_progress(world: World) -> None:
    assert (await world.as_("hand1", "POST", "/api/v1/visits/campaigns", json=CAMPAIGN)).status_code == 403
    made = await world.as_("lead1", "POST", "/api/v1/visits/campaigns", json=CAMPAIGN)
    assert made.status_code == 201, made.text
    campaign = made.json()
    again = await world.as_("lead1", "POST", "/api/v1/visits/campaigns", json=CAMPAIGN)
    assert again.status_code == 400 and "`name`" in again.text
    backwards = {**CAMPAIGN, "name": "倒", "starts_on": "2026-12-01"}
    answer = await world.as_("lead1", "POST", "/api/v1/visits/campaigns", json=backwards)
    assert answer.status_code == 400 and "ends_on" in answer.text
    assert [
        c["name"] for c in (await world.as_("hand1", "GET", "/api/v1/visits/campaigns")).json()["items"]
    ] == ["2026秋季家访月"]
    assert (await world.as_("hand2", "GET", "/api/v1/visits/campaigns")).json()["items"] == []

    klass = await make_class(world)
    a = await make_student(world, klass["id"], "甲")
    b = await make_student(world, klass["id"], "乙", groups=[])
    url = f"/api/v1/visits/campaigns/{campaign['id']}/classes/{klass['id']}/plan"
    items = [
        {"student_id": a["id"], "teacher": "hand1", "due_on": "2026-11-20"},
        {"student_id": b["id"], "teacher": "hand1b", "due_on": "2026-11-10"},
    ]
    # The head teacher plans; another teacher of the school does not see the class at all.
    assert (await world.as_("hand1b", "PUT", url, json={"items": items})).status_code == 404
    assert (await world.as_("hand1b", "GET", url)).status_code == 404
    assert (await world.as_("hand2", "GET", f"/api/v1/visits/campaigns/{campaign['id']}")).status_code == 404
    late = [{**items[0], "due_on": "2026-12-05"}]
    answer = await world.as_("hand1", "PUT", url, json={"items": late})
    assert answer.status_code == 400 and "items[0].due_on" in answer.text
    stranger = [{**items[0], "teacher": "hand2"}]
    answer = await world.as_("hand1", "PUT", url, json={"items": stranger})
    assert answer.status_code == 400 and "items[0].teacher" in answer.text
    answer = await world.as_("hand1", "PUT", url, json={"items": items})
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert plan["may_edit"] and plan["counts"] == {"done": 0, "planned": 1, "late": 1, "unplanned": 0}

    # A visit naming the campaign, within its days, marks the item done.
    await record(world, a["id"], "hand1", days_ago=1, campaign="2026秋季家访月")
    plan = (await world.as_("hand1", "GET", url)).json()
    assert {i["name"]: i["state"] for i in plan["items"]} == {"甲": "done", "乙": "late"}
    progress = (await world.as_("lead1", "GET", f"/api/v1/visits/campaigns/{campaign['id']}")).json()
    [row] = [c for c in progress["classes"] if c["class_id"] == klass["id"]]
    assert (row["students"], row["planned"], row["visited"], row["late"]) == (2, 2, 1, 1)

    # coverage's `campaign=`: the campaign's days are the period; only its visits count.
    await record(world, b["id"], "hand1", days_ago=1, campaign="别的活动")
    figures = (
        await world.as_("lead1", "GET", "/api/v1/visits/coverage?org_code=s1&campaign=2026秋季家访月")
    ).json()
    assert figures["from"].startswith("2026-11-01") and figures["to"].startswith("2026-12-01")
    assert (figures["visited"], figures["home_visits"]) == (1, 1)
    everything = (await world.as_("lead1", "GET", "/api/v1/visits/coverage?org_code=s1")).json()
    assert everything["visited"] == 2


async def test_the_ledger_page_rows_are_the_xlsx_rows(world: World) -> None:
    klass = await make_class(world)
    a = await make_student(world, klass["id"], "甲")
    await make_student(world, klass["id"], "乙", groups=[])
    await record(world, a["id"], "hand1", days_ago=3)
    await record(world, a["id"], "lead1", days_ago=1)
    rows = (await world.as_("hand1", "GET", f"/api/v1/visits/classes/{klass['id']}/ledger")).json()
    book = await world.as_("hand1", "GET", f"/api/v1/visits/classes/{klass['id']}/ledger.xlsx")
    sheet = list(load_workbook(io.BytesIO(book.content)).worksheets[0].iter_rows(values_only=True))
    assert sheet[0][0] == rows["title"] and list(sheet[1]) == rows["columns"]
    as_text = [[c or "" for c in row] for row in sheet[2:]]
    assert [r["cells"] + [""] * (len(rows["columns"]) - len(r["cells"])) for r in rows["rows"]] == [
        row + [""] * (len(rows["columns"]) - len(row)) for row in as_text
    ]
    assert len(rows["rows"]) == 3 and [r["cells"][-1] for r in rows["rows"]].count("未家访") == 1
    assert (rows["students"], rows["visited"], rows["records"]) == (2, 1, 2)
    assert (
        await world.as_("hand1b", "GET", f"/api/v1/visits/classes/{klass['id']}/ledger")
    ).status_code == 404
    assert (await sign_in(world.client, "hand1")).status_code == 303
    page = await world.client.get(f"/visits/classes/{klass['id']}/ledger")
    assert page.status_code == 200 and "未家访" in page.text and rows["title"] in page.text
    for row in rows["rows"]:  # every cell of the workbook is on the page
        assert all(str(escape(cell)) in page.text for cell in row["cells"])


async def test_talk_records(world: World, connection: AsyncConnection) -> None:
    klass = await make_class(world)
    pupil = await make_student(world, klass["id"])
    body = {
        "student_id": pupil["id"],
        "talked_at": (world.now() - timedelta(hours=1)).isoformat(),
        "place": "心理辅导室",
        "participants": "母亲（电话）",
        "topic": "最近上课走神",
        "content": "说晚上想爸爸，睡得晚。",
        "advice": "每周和爸爸视频一次；早睡。",
        "followup": "两周后再谈一次。",
        "client_key": "talk-key-0001",
    }
    made = await world.as_("hand1", "POST", "/api/v1/visits/talks", json=body)
    assert made.status_code == 201, made.text
    talk = made.json()
    assert talk["topic"] == "最近上课走神" and not talk["replayed"] and talk["teacher"] == "hand1老师"
    again = await world.as_("hand1", "POST", "/api/v1/visits/talks", json=body)
    assert again.json()["id"] == talk["id"] and again.json()["replayed"]
    future = {**body, "client_key": None, "talked_at": (world.now() + timedelta(days=1)).isoformat()}
    answer = await world.as_("hand1", "POST", "/api/v1/visits/talks", json=future)
    assert answer.status_code == 400 and "talked_at" in answer.text
    answer = await world.as_("hand1", "POST", "/api/v1/visits/talks", json={**body, "topic": ""})
    assert answer.status_code == 400 and "topic" in answer.text

    for user in ("hand1b", "lead2", "insp1", "leadd1"):
        assert (await world.as_(user, "GET", f"/api/v1/visits/talks/{talk['id']}")).status_code == 404, user
        listed = await world.as_(user, "GET", f"/api/v1/visits/talks?student_id={pupil['id']}")
        assert listed.status_code == 404, user
        answer = await world.as_(user, "POST", "/api/v1/visits/talks", json={**body, "client_key": None})
        assert answer.status_code == 404, user
    assert (await world.as_("lead1", "GET", f"/api/v1/visits/talks/{talk['id']}")).status_code == 200
    listed = (await world.as_("hand1", "GET", f"/api/v1/visits/talks?student_id={pupil['id']}")).json()
    assert [t["id"] for t in listed["items"]] == [talk["id"]]
    log = (await world.as_("lead1", "GET", f"/api/v1/visits/students/{pupil['id']}/access")).json()
    assert [e["action"] for e in log["items"]] == ["talk"]


async def test_the_pages_a_head_teacher_plans_and_a_teacher_talks_on(world: World) -> None:
    made = await world.as_("lead1", "POST", "/api/v1/visits/campaigns", json=CAMPAIGN)
    campaign = made.json()
    klass = await make_class(world)
    a = await make_student(world, klass["id"], "甲")
    await record(world, a["id"], "hand1", days_ago=28)
    assert (await sign_in(world.client, "hand1")).status_code == 303

    home = await world.client.get("/visits")
    assert "待回访" in home.text and "回访超期" in home.text  # coverage's follow-up figures
    due = await world.client.get("/visits/followups")
    assert due.status_code == 200 and "甲" in due.text and "待回访" in due.text
    listing = await world.client.get("/visits/campaigns")
    assert listing.status_code == 200 and "2026秋季家访月" in listing.text
    assert "发起家访活动" not in listing.text  # a teacher starts none
    url = f"/visits/campaigns/{campaign['id']}/classes/{klass['id']}"
    page = await world.client.get(url)
    assert page.status_code == 200 and "保存计划" in page.text
    csrf = csrf_of(page.text)
    bad = await world.client.post(
        url, data={"csrf": csrf, f"teacher_{a['id']}": "hand1", f"due_{a['id']}": "2027-01-01"}
    )
    assert bad.status_code == 400 and "日期须在活动起止日期内" in bad.text
    saved = await world.client.post(
        url, data={"csrf": csrf, f"teacher_{a['id']}": "hand1b", f"due_{a['id']}": "2026-11-25"}
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=1")
    plan = (
        await world.as_(
            "hand1", "GET", f"/api/v1/visits/campaigns/{campaign['id']}/classes/{klass['id']}/plan"
        )
    ).json()
    assert plan["items"][0]["teacher"]["username"] == "hand1b"
    progress = await world.client.get(f"/visits/campaigns/{campaign['id']}")
    assert progress.status_code == 200 and "三年级（2）班" in progress.text

    form = await world.client.get(f"/visits/students/{a['id']}/talk")
    assert form.status_code == 200 and '<label for="topic"' in form.text
    csrf = csrf_of(form.text)
    now = world.now().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    empty = await world.client.post(
        f"/visits/students/{a['id']}/talk", data={"csrf": csrf, "talked_at": now, "content": "留着"}
    )
    assert empty.status_code == 400 and "请填写谈心主题" in empty.text and "留着" in empty.text
    done = await world.client.post(
        f"/visits/students/{a['id']}/talk",
        data={"csrf": csrf, "talked_at": now, "topic": "<b>最近</b>", "content": "说想爸爸"},
    )
    assert (
        done.status_code == 200 and "谈心记录已保存" in done.text and "&lt;b&gt;最近&lt;/b&gt;" in done.text
    )
    student = await world.client.get(f"/visits/students/{a['id']}")
    assert "&lt;b&gt;最近&lt;/b&gt;" in student.text
    assert (await sign_in(world.client, "hand1b")).status_code == 303
    assert (await world.client.get(f"/visits/students/{a['id']}/talk")).status_code == 404


async def test_a_leader_sets_the_schools_cadences_on_the_follow_ups_page(world: World) -> None:
    assert (await sign_in(world.client, "lead1")).status_code == 303
    page = await world.client.get("/visits/followups")
    assert page.status_code == 200 and "回访周期" in page.text and 'id="days_change"' in page.text
    csrf = csrf_of(page.text)
    bad = await world.client.post("/visits/cadences", data={"csrf": csrf, "days_change": "3"})
    assert bad.status_code == 400 and "7 到 365" in bad.text and 'value="3"' in bad.text
    saved = await world.client.post("/visits/cadences", data={"csrf": csrf, "days_change": "10"})
    assert saved.status_code == 303
    cadences = (await world.as_("lead1", "GET", "/api/v1/visits/cadences?org_code=s1")).json()
    assert {i["group"]: i["days"] for i in cadences["items"]}["change"] == 10
    assert (await sign_in(world.client, "hand1")).status_code == 303
    assert 'id="days_change"' not in (await world.client.get("/visits/followups")).text
