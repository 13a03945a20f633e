"""League tables (services/league.py) and the monthly 通报 with its 限期整改 orders
(services/league_report.py, run by the sweep): scores and ranks from real tickets, scope, the
assessment (API and form), one report per unit and month, the workbook, the deliveries, and
the orders' overdue rule firing once."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from huixiang.db import fast
from huixiang.db import league as league_db
from huixiang.db.engine import make_sessionmaker
from huixiang.db.repo import subtree_end
from huixiang.domain.league import DEFAULT_WEIGHTS, score, shares
from huixiang.services import league_report
from huixiang.services.context import Caches, Ctx
from huixiang.services.reference import clock_for
from huixiang.settings import Settings

from .conftest import World
from .helpers import assert_error, csrf_of, raw, sign_in, walk
from .test_reminders import Run

pytestmark = pytest.mark.asyncio
T = TypeVar("T")
SH = ZoneInfo("Asia/Shanghai")
OCTOBER = datetime(2026, 10, 20, 10, 0, tzinfo=SH)  # a Tuesday
# November 2026: the 1st is a Sunday, Monday the 2nd the first working day.
REPORT_DAY = datetime(2026, 11, 2, 9, 0, tzinfo=SH)
WEIGHTS = dict(DEFAULT_WEIGHTS)


@pytest.fixture
def run(settings: Settings, connection: AsyncConnection) -> Run:
    return Run(settings, connection)


async def october(world: World) -> dict[str, str]:
    """s1: two tickets answered on time and rated 满意 (a perfect month); s2: one ticket left
    open past its deadline; s3: nothing. Collected in October 2026."""
    world.clock.set(OCTOBER.astimezone(UTC))  # type: ignore[attr-defined]
    numbers = {}
    for i in range(2):
        receipt = await world.submit("s1")
        await walk(world, receipt["number"], "responded")
        rated = await world.client.post(
            f"/api/v1/public/tickets/{receipt['number']}/rating",
            json={"code": receipt["access_code"], "value": "satisfied"},
        )
        assert rated.status_code == 200, rated.text
        numbers[f"s1-{i}"] = receipt["number"]
    numbers["s2"] = (await world.submit("s2"))["number"]
    return numbers


async def set_city(world: World, line: int = 60, **weights: int) -> None:
    body = {"weights": {**WEIGHTS, **weights}, "passing_line": line, "rectify_days": 10}
    answer = await world.as_("cityinsp", "PUT", "/api/v1/league/assessment/city", json=body)
    assert answer.status_code == 200, answer.text


# ---- scores and ranks -------------------------------------------------------------------------


async def test_scores_and_ranks_come_from_the_stats_figures_of_real_tickets(world: World) -> None:
    await october(world)
    world.clock.set(REPORT_DAY.astimezone(UTC))  # type: ignore[attr-defined]
    params = {"period": "month", "key": "2026-10"}
    table = (await world.as_("cityinsp", "GET", "/api/v1/league", params=params)).json()
    stats = (
        await world.as_("cityinsp", "GET", "/api/v1/stats", params={"from": "2026-10-01", "to": "2026-10-31"})
    ).json()
    by_code = {row["school_code"]: row for row in stats["by_school"]}
    items = {i["school_code"]: i for i in table["items"]}
    assert [i["school_code"] for i in table["items"]] == ["s1", "s2", "s3"]
    assert items["s1"]["score"] == 100.0 and items["s1"]["rank"] == 1
    assert items["s2"]["score"] == score(shares(by_code["s2"]), WEIGHTS) == round(100 * 10 / 70, 1)
    assert items["s2"]["rank"] == 2 and items["s2"]["below_line"] is True
    assert items["s3"] | {"rank": None, "score": None, "total": 0} == items["s3"]  # no tickets: unranked
    assert table["ranked"] == 2 and table["assessment"]["set_at"] is None  # the defaults
    for code in ("s1", "s2"):
        assert items[code]["total"] == by_code[code]["total"]

    await sign_in(world.client, "cityinsp")
    page = await world.client.get("/bureau/league", params=params)
    assert page.status_code == 200
    chart = page.text.split('id="league-chart-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(chart)["scores"] == [100.0, items["s2"]["score"]]  # the chart's data: the table's
    assert (
        '<th scope="row">第二中学</th><td data-label="所属区县">一区教育局</td>'
        '<td data-label="得分">14.3</td>' in page.text
    )
    for period, key in (("term", "2026-2027-1"), ("year", "2026")):
        wider = (
            await world.as_("cityinsp", "GET", "/api/v1/league", params={"period": period, "key": key})
        ).json()
        assert wider["period"]["key"] == key and wider["items"] == table["items"]  # October's tickets only
    earlier = (await world.as_("cityinsp", "GET", "/api/v1/league", params={"key": "2026-09"})).json()
    assert [i["score"] for i in earlier["items"]] == [None, None, None] and earlier["ranked"] == 0
    district = (await world.as_("insp1", "GET", "/api/v1/league", params=params)).json()
    assert [i["school_code"] for i in district["items"]] == ["s1", "s2"]  # d1's schools only


async def test_a_leader_sees_the_school_alone_with_its_rank_in_the_city(world: World) -> None:
    await october(world)
    world.clock.set(REPORT_DAY.astimezone(UTC))  # type: ignore[attr-defined]
    answer = await world.as_("lead2", "GET", "/api/v1/league", params={"key": "2026-10"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [i["school_code"] for i in body["items"]] == ["s2"]
    assert (body["items"][0]["rank"], body["ranked"], body["among"]) == (2, 2, "市教育局")
    await sign_in(world.client, "lead2")
    page = await world.client.get("/bureau/league", params={"key": "2026-10"})
    assert page.status_code == 200
    assert "在市教育局参与排名的 2 所学校中排第 2 名" in page.text and "第一实验小学" not in page.text


async def test_league_scope_out_of_reach_is_404_and_a_handler_is_403(world: World) -> None:
    assert_error(await world.as_("insp1", "GET", "/api/v1/league", params={"org_code": "d2"}), 404, "d2")
    assert_error(await world.as_("lead1", "GET", "/api/v1/league", params={"org_code": "s2"}), 404)
    assert_error(await world.as_("hand1", "GET", "/api/v1/league"), 403)
    assert_error(await world.as_("insp1", "GET", "/api/v1/league", params={"key": "2026-13"}), 400, "key")
    await sign_in(world.client, "hand1")
    assert (await world.client.get("/bureau/league")).status_code == 403


# ---- the assessment ---------------------------------------------------------------------------


async def test_assessment_api_checks_weights_and_who_may_set_them(world: World) -> None:
    url = "/api/v1/league/assessment/city"
    bad = {"weights": {**WEIGHTS, "satisfaction": 25}}
    assert_error(await world.as_("cityinsp", "PUT", url, json=bad), 400, "weights", "95")
    over = {"weights": {**WEIGHTS, "reopen": 101}}
    assert_error(await world.as_("cityinsp", "PUT", url, json=over), 400, "reopen")
    good = {"weights": {**WEIGHTS, "satisfaction": 40, "overdue": 0}, "passing_line": 70}
    answer = await world.as_("cityinsp", "PUT", url, json=good)
    assert answer.status_code == 200 and answer.json()["weights"]["satisfaction"] == 40
    assert_error(await world.as_("insp1", "PUT", "/api/v1/league/assessment/d1", json=good), 403)
    assert_error(await world.as_("insp1", "PUT", url, json=good), 404)
    assert_error(await world.as_("admin", "PUT", "/api/v1/league/assessment/s1", json=good), 400, "org_code")
    assert (await world.as_("admin", "PUT", "/api/v1/league/assessment/d1", json=good)).status_code == 200
    await sign_in(world.client, "admin")  # an admin uses the page's form too
    page = await world.client.get("/bureau/league", params={"org": "d2"})
    assert page.status_code == 200 and 'action="/bureau/league/assessment/d2"' in page.text
    table = (await world.as_("insp1", "GET", "/api/v1/league")).json()
    assert table["assessment"]["set_at"] == "d1" and table["assessment"]["passing_line"] == 70
    d2 = (await world.as_("insp2", "GET", "/api/v1/league")).json()
    assert d2["assessment"]["set_at"] == "city"


async def test_weights_form_refuses_bad_weights_beside_the_field_and_keeps_the_input(world: World) -> None:
    await sign_in(world.client, "cityinsp")
    page = await world.client.get("/bureau/league")
    assert page.status_code == 200 and 'aria-current="page">排名通报' in page.text
    form = {f: str(v) for f, v in WEIGHTS.items()} | {"passing_line": "60", "rectify_days": "10"}
    sent = {**form, "satisfaction": "25", "csrf": csrf_of(page.text)}
    answer = await world.client.post("/bureau/league/assessment/city", data=sent)
    assert answer.status_code == 400
    assert "各项分值合计须为 100 分，现为 95 分" in answer.text
    assert 'id="satisfaction" name="satisfaction"' in answer.text and 'value="25"' in answer.text
    typo = await world.client.post(
        "/bureau/league/assessment/city", data={**form, "reopen": "ten", "csrf": csrf_of(page.text)}
    )
    assert (
        typo.status_code == 400
        and 'value="ten" aria-invalid="true" aria-describedby="reopen-error"' in typo.text
    )
    no_csrf = await world.client.post("/bureau/league/assessment/city", data=form)
    assert no_csrf.status_code == 403
    saved = await world.client.post(
        "/bureau/league/assessment/city",
        data={**form, "passing_line": "75", "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    again = await world.client.get(saved.headers["location"])
    assert "考核已保存" in again.text and 'value="75"' in again.text


async def test_a_district_inspector_reads_the_weights_without_a_form(world: World) -> None:
    await sign_in(world.client, "insp1")
    page = await world.client.get("/bureau/league")
    assert page.status_code == 200
    assert "/bureau/league/assessment/" not in page.text and "尚未设定" in page.text


# ---- the monthly 通报 ---------------------------------------------------------------------------


async def reporting_world(world: World, run: Run) -> dict[str, str]:
    numbers = await october(world)
    await set_city(world)
    me = {"channels": ["email"], "email": "city@example.cn"}
    assert (await world.as_("cityinsp", "PUT", "/api/v1/me/notifications", json=me)).status_code == 200
    await run.rows(
        "INSERT INTO org_webhooks (org_id, kind, url) SELECT id, 'wecom', 'https://qyapi.example.cn/hook' "
        "FROM orgs WHERE code = 'city' RETURNING id"
    )
    return numbers


async def test_the_monthly_report_is_made_once_with_its_orders_and_deliveries(world: World, run: Run) -> None:
    await reporting_world(world, run)
    before = await run.sweep(REPORT_DAY - timedelta(days=1))  # Sunday, November 1: not yet
    early = await run.sweep(REPORT_DAY - timedelta(hours=1, minutes=1))  # Monday 07:59: not yet
    assert not await run.rows("SELECT id FROM league_reports") and not early.fired
    first = await run.sweep(REPORT_DAY)
    second = await run.sweep(REPORT_DAY + timedelta(minutes=1))
    reports = await run.rows(
        "SELECT r.id, r.month, o.code FROM league_reports r JOIN orgs o ON o.id = r.org_id"
    )
    assert [(str(r[1]), r[2]) for r in reports] == [("2026-10-01", "city")]
    report_id = reports[0][0]

    deliveries = await run.rows(
        "SELECT id, channel, target, link FROM deliveries WHERE rule = 'league_report' ORDER BY channel"
    )
    assert [(d[1], d[2]) for d in deliveries] == [
        ("email", "city@example.cn"),
        ("wecom", "https://qyapi.example.cn/hook"),
    ]
    assert all(d[3] == f"/bureau/league/reports/{report_id}" for d in deliveries)
    assert {d[0] for d in deliveries} <= set(first.deliveries)
    assert not set(before.deliveries) & {d[0] for d in deliveries}
    assert not {d[0] for d in deliveries} & set(second.deliveries)  # queued once, not again within the window
    notices = await run.rows(
        "SELECT u.username, n.rule FROM notifications n JOIN users u ON u.id = n.user_id "
        "WHERE n.rule IN ('league_report', 'rectification') ORDER BY n.rule, u.username"
    )
    assert [tuple(n) for n in notices] == [("cityinsp", "league_report"), ("lead2", "rectification")]

    orders = await run.rows(
        "SELECT o.code, r.period, r.score, r.state, r.due_at FROM rectification_orders r "
        "JOIN orgs o ON o.id = r.school_id"
    )
    assert [(o[0], o[1], o[3]) for o in orders] == [("s2", "2026-10", "open")]
    assert orders[0][2] == round(100 * 10 / 70, 1)
    # 10 working days from Monday, November 2: Monday, November 16, at the end of the day.
    assert orders[0][4] == datetime(2026, 11, 16, 18, 0, tzinfo=SH)


async def test_the_report_workbook_has_frozen_headers_filters_and_text_cells(world: World, run: Run) -> None:
    await reporting_world(world, run)
    await run.rows("UPDATE orgs SET name = '=HYPERLINK(\"http://x\")' WHERE code = 's3' RETURNING id")
    await run.sweep(REPORT_DAY)
    [(xlsx, summary)] = await run.rows("SELECT xlsx, summary FROM league_reports")
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == ["学校排名", "区县汇总", "限期整改", "评分权重"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
    ranks = book["学校排名"]
    assert [c.value for c in ranks[1]][:4] == ["名次", "学校", "所属区县", "得分"]
    assert ranks.auto_filter.ref == "A1:K4"
    rows = {r[1].value: r for r in ranks.iter_rows(min_row=2)}
    assert rows["第一实验小学"][3].value == 100.0 and rows["第一实验小学"][0].value == 1
    formula = rows['=HYPERLINK("http://x")']
    assert formula[1].data_type == "s"  # text, never a formula
    assert [c.value for c in book["限期整改"][2]][:2] == ["第二中学", summary["below"][0]["score"]]


async def test_the_report_pages_show_and_download_within_scope(world: World, run: Run) -> None:
    await reporting_world(world, run)
    await run.sweep(REPORT_DAY)
    [(report_id,)] = await run.rows("SELECT id FROM league_reports")
    await sign_in(world.client, "cityinsp")
    page = await world.client.get("/bureau/league")
    assert f'href="/bureau/league/reports/{report_id}/xlsx"' in page.text
    printable = await world.client.get(f"/bureau/league/reports/{report_id}")
    assert printable.status_code == 200
    assert (
        "市教育局2026年10月家长意见办理情况通报" in printable.text and "第二中学：14.3 分" in printable.text
    )
    download = await world.client.get(f"/bureau/league/reports/{report_id}/xlsx")
    assert download.status_code == 200 and download.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    load_workbook(io.BytesIO(download.content))
    for user in ("insp1", "lead1"):
        world.client.cookies.clear()
        await sign_in(world.client, user)
        assert (await world.client.get(f"/bureau/league/reports/{report_id}")).status_code == 404
        assert (await world.client.get(f"/bureau/league/reports/{report_id}/xlsx")).status_code == 404


async def test_an_order_turns_overdue_once_and_the_leader_marks_it_done(world: World, run: Run) -> None:
    await reporting_world(world, run)
    await run.sweep(REPORT_DAY)
    [(order_id, due_at)] = await run.rows("SELECT id, due_at FROM rectification_orders")
    await run.sweep(due_at - timedelta(minutes=1))
    assert (await run.rows("SELECT state FROM rectification_orders"))[0][0] == "open"
    late = await run.sweep(due_at + timedelta(minutes=1))
    again = await run.sweep(due_at + timedelta(hours=2))
    assert late.fired["rectification_overdue"] == 1 and again.fired.get("rectification_overdue", 0) == 0
    assert (await run.rows("SELECT state FROM rectification_orders"))[0][0] == "overdue"
    told = await run.rows(
        "SELECT u.username FROM notifications n JOIN users u ON u.id = n.user_id "
        "WHERE n.rule = 'rectification_overdue' ORDER BY u.username"
    )
    assert [t[0] for t in told] == ["cityinsp", "lead2"]

    world.clock.set(due_at + timedelta(hours=3))  # type: ignore[attr-defined]
    await sign_in(world.client, "lead1")  # another school's leader: not theirs
    page = await world.client.get("/bureau/league")
    refused = await world.client.post(
        f"/bureau/league/orders/{order_id}/done", data={"note": "x", "csrf": csrf_of(page.text)}
    )
    assert refused.status_code == 404
    world.client.cookies.clear()
    await sign_in(world.client, "lead2")
    page = await world.client.get("/bureau/league")
    assert "已逾期" in page.text and "标记整改完成" in page.text
    empty = await world.client.post(
        f"/bureau/league/orders/{order_id}/done", data={"note": "  ", "csrf": csrf_of(page.text)}
    )
    assert empty.status_code == 400 and "请写明整改情况" in empty.text
    done = await world.client.post(
        f"/bureau/league/orders/{order_id}/done",
        data={"note": "已建立逾期工单每日督办制度。", "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert (await run.rows("SELECT state, done_note FROM rectification_orders"))[0] == (
        "done",
        "已建立逾期工单每日督办制度。",
    )
    twice = await world.client.post(
        f"/bureau/league/orders/{order_id}/done", data={"note": "again", "csrf": csrf_of(page.text)}
    )
    assert twice.status_code == 409
    await run.sweep(due_at + timedelta(days=3))
    assert len(await run.rows("SELECT id FROM notifications WHERE rule = 'rectification_overdue'")) == 2
    listed = (await world.as_("cityinsp", "GET", "/api/v1/league/orders")).json()["items"]
    assert [(o["school_code"], o["state"]) for o in listed] == [("s2", "done")]
    assert (await world.as_("lead1", "GET", "/api/v1/league/orders")).json()["items"] == []
    assert (await world.as_("insp2", "GET", "/api/v1/league/orders")).json()["items"] == []
    assert_error(await world.as_("hand2", "GET", "/api/v1/league/orders"), 403)


async def test_no_report_without_an_assessment_of_the_units_own(world: World, run: Run) -> None:
    await october(world)
    await run.sweep(REPORT_DAY)
    assert not await run.rows("SELECT id FROM league_reports")


# ---- two schedulers at once, on transactions that really commit --------------------------------


async def test_two_concurrent_sweeps_make_one_report(settings: Settings, engine: AsyncEngine) -> None:
    tag = uuid.uuid4().hex[:8]
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        root = (
            await session.execute(
                text(
                    "INSERT INTO orgs (code, name, kind, path) "
                    "VALUES (:c, '并发市', 'bureau', '/tmp') RETURNING id"
                ),
                {"c": f"lg-{tag}"},
            )
        ).scalar_one()
        await session.execute(
            text("UPDATE orgs SET path = :p WHERE id = :id"), {"p": f"/{root}/", "id": root}
        )
        school = (
            await session.execute(
                text(
                    "INSERT INTO orgs (code, name, kind, parent_id, path) "
                    "VALUES (:c, '并发小学', 'school', :r, '/tmp2') RETURNING id"
                ),
                {"c": f"lg-s-{tag}", "r": root},
            )
        ).scalar_one()
        await session.execute(
            text("UPDATE orgs SET path = :p WHERE id = :id"), {"p": f"/{root}/{school}/", "id": school}
        )
        await session.execute(
            text(
                "INSERT INTO league_settings (org_id, assessment, created_at) "
                "VALUES (:id, CAST(:a AS jsonb), :at)"
            ),
            {
                "id": root,
                "a": json.dumps({"weights": WEIGHTS}),
                "at": OCTOBER,
            },
        )
        await session.commit()

    async def one_sweep() -> list[int]:
        async with sessions() as session:
            ctx = Ctx(session, settings, Caches(), REPORT_DAY)
            clock = await clock_for(ctx, f"/{root}/")
            made = await league_report.monthly_reports(ctx, await fast.driver(ctx), clock, f"/{root}/")
            await asyncio.sleep(0.05)  # hold the transaction open while the other one runs
            await session.commit()
            return made

    try:
        await asyncio.gather(one_sweep(), one_sweep())
        async with sessions() as session:
            count = (
                await session.execute(
                    text("SELECT count(*) FROM league_reports WHERE org_id = :id"), {"id": root}
                )
            ).scalar_one()
        assert count == 1
    finally:
        async with sessions() as session:
            await session.execute(text("DELETE FROM league_reports WHERE org_id = :id"), {"id": root})
            await session.execute(text("DELETE FROM league_settings WHERE org_id = :id"), {"id": root})
            await session.execute(text("DELETE FROM orgs WHERE id IN (:s, :r)"), {"s": school, "r": root})
            await session.commit()


async def test_the_order_rule_is_served_by_its_partial_index(
    world: World, connection: AsyncConnection
) -> None:
    """3,000 orders, all but a few done: the overdue rule reads ix_rectification_orders_open_due."""
    del world  # the org tree
    now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    await connection.execute(
        text(
            """
            WITH report AS (
                INSERT INTO league_reports (org_id, month, made_at, summary, xlsx)
                SELECT id, DATE '2026-10-01', :now, '{}'::jsonb, ''::bytea FROM orgs WHERE code = 'city'
                RETURNING id, org_id
            )
            INSERT INTO rectification_orders (report_id, issuer_id, school_id, school_path, period, score,
                                              passing_line, due_at, state, created_at)
            SELECT r.id, r.org_id, s.id, s.path, 'P' || g, 50, 60,
                   CAST(:now AS timestamptz) + (g - 1500) * interval '1 minute',
                   CASE WHEN g > 10 THEN 'done' ELSE 'open' END, :now
            FROM generate_series(1, 3000) g CROSS JOIN report r JOIN orgs s ON s.code = 's1'
            """
        ),
        {"now": now},
    )
    await connection.execute(text("ANALYZE rectification_orders"))
    root = (await connection.execute(text("SELECT path FROM orgs WHERE code = 'city'"))).scalar()
    driver = await raw(connection)
    await driver.execute("SET LOCAL enable_seqscan = off")
    plan = await driver.fetchval(f"EXPLAIN (FORMAT JSON) {league_db.OVERDUE}", root, subtree_end(root), now)
    plan = json.loads(plan) if isinstance(plan, str) else plan
    names: set[str] = set()

    def walk_plan(node: dict[str, Any]) -> None:
        names.update([node["Index Name"]] if "Index Name" in node else [])
        for child in node.get("Plans", []):
            walk_plan(child)

    walk_plan(plan[0]["Plan"])
    assert "ix_rectification_orders_open_due" in names, plan
    fired = await league_db.fire_overdue(driver, root, now)
    assert len(fired) == 10 and not await league_db.fire_overdue(driver, root, now)


async def test_a_unit_assessed_after_the_first_working_day_waits_for_next_month(
    world: World, run: Run
) -> None:
    world.clock.set(datetime(2026, 11, 18, 10, 0, tzinfo=SH).astimezone(UTC))  # type: ignore[attr-defined]
    await set_city(world)
    await run.sweep(datetime(2026, 11, 18, 11, 0, tzinfo=SH))
    assert not await run.rows("SELECT id FROM league_reports")  # October's: not for a unit assessed since
    await run.sweep(datetime(2026, 12, 1, 9, 0, tzinfo=SH))  # Tuesday, December 1: the first working day
    assert [str(r[0]) for r in await run.rows("SELECT month FROM league_reports")] == ["2026-11-01"]
