"""Spot checks (抽查) over real tickets: a recorded draw that the same seed repeats, checks that
are `inspect` events on the ticket's chain, 整改 with a deadline the sweep notices once, results
per school, scope and roles, CSRF, and the forms' 400s that keep what was typed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db import repo
from huixiang.domain.access import Principal
from huixiang.domain.enums import Action
from huixiang.domain.spot_checks import Eligible, SampleSize, draw_sample
from huixiang.services import schemas as s
from huixiang.services import tickets
from huixiang.services.context import Ctx
from huixiang.settings import Settings

from .conftest import World
from .helpers import assert_error, csrf_of, parse_time, sign_in, ticket_at
from .test_reminders import Run, notices_for

pytestmark = pytest.mark.asyncio

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def run(settings: Settings, connection: AsyncConnection) -> Run:
    return Run(settings, connection)


async def _archived(world: World, counts: dict[str, int]) -> dict[str, list[str]]:
    return {
        school: [(await ticket_at(world, "archived", school))["number"] for _ in range(n)]
        for school, n in counts.items()
    }


async def _draw(world: World, user: str = "insp1", **body: Any) -> Any:
    return await world.as_(user, "POST", "/api/v1/spot-checks", json={**NOVEMBER, "size": 2, **body})


async def _check(world: World, draw_id: int, number: str, verdict: str, note: str = "抽查意见") -> Any:
    return await world.as_(
        "insp1",
        "POST",
        f"/api/v1/spot-checks/{draw_id}/items/{number}",
        json={"verdict": verdict, "note": note},
    )


async def test_a_draw_takes_archived_tickets_per_school_and_the_same_seed_draws_them_again(
    world: World, run: Run
) -> None:
    numbers = await _archived(world, {"s1": 4, "s2": 1})
    open_one = await world.submit("s1")  # not archived: never drawn
    answer = await _draw(world, seed="seed-42")
    assert answer.status_code == 201, answer.text
    view = answer.json()
    draw = view["draw"]
    assert (draw["from"], draw["to"], draw["size"], draw["size_unit"], draw["seed"]) == (
        "2026-11-01",
        "2026-11-30",
        2,
        "per_school",
        "seed-42",
    )
    assert draw["eligible"] == 5 and draw["sampled"] == 3 and draw["org_code"] == "d1"
    sampled = [item["number"] for item in view["items"]]
    by_school = {s: [i["number"] for i in view["items"] if i["school_code"] == s] for s in ("s1", "s2")}
    assert len(by_school["s1"]) == 2 and by_school["s2"] == numbers["s2"]  # every school represented
    assert set(by_school["s1"]) <= set(numbers["s1"]) and open_one["number"] not in sampled
    assert all(item["status"] == "archived" and item["verdict"] is None for item in view["items"])

    # The sample is the domain's pure function of the seed and the ordered eligible list.
    rows = await run.rows(
        "SELECT school_id, number FROM tickets WHERE status = 'archived' ORDER BY school_id, number"
    )
    expected = draw_sample("seed-42", [Eligible(r[0], r[1]) for r in rows], SampleSize(2))
    assert sampled == [t.number for t in expected]

    again = await _draw(world, seed="seed-42")
    assert again.status_code == 201
    assert again.json()["draw"]["id"] != draw["id"]
    assert [item["number"] for item in again.json()["items"]] == sampled
    assert again.json()["draw"]["eligible_digest"] == draw["eligible_digest"]

    listed = (await world.as_("insp1", "GET", "/api/v1/spot-checks")).json()["items"]
    assert [d["id"] for d in listed][:2] == [again.json()["draw"]["id"], draw["id"]]
    generated = (await _draw(world)).json()["draw"]["seed"]
    assert len(generated) == 16  # a seed of its own when none is given, kept with the draw


async def test_a_percentage_draws_at_least_one_per_school(world: World) -> None:
    await _archived(world, {"s1": 3, "s2": 1})
    view = (await _draw(world, size=10, size_unit="percent")).json()
    assert sorted(item["school_code"] for item in view["items"]) == ["s1", "s2"]


async def test_a_pass_is_an_inspect_event_on_the_chain_and_counts_in_the_results(world: World) -> None:
    await _archived(world, {"s1": 1})
    view = (await _draw(world)).json()
    draw_id, number = view["draw"]["id"], view["items"][0]["number"]
    answer = await _check(world, draw_id, number, "pass", "答复及时，内容完整")
    assert answer.status_code == 200, answer.text
    assert answer.json()["verdict"] == "pass" and answer.json()["status"] == "inspected"
    log = (await world.as_("insp1", "GET", f"/api/v1/tickets/{number}/events")).json()
    last = log["items"][-1]
    assert (last["action"], last["from_status"], last["to_status"]) == ("inspect", "archived", "inspected")
    assert last["internal_note"] == "答复及时，内容完整" and log["chain_ok"] is True
    again = await _check(world, draw_id, number, "fail")
    assert_error(again, 409, number, "already checked")
    results = (await world.as_("insp1", "GET", f"/api/v1/spot-checks/{draw_id}")).json()["results"]
    assert results["total"]["checked"] == 1 and results["total"]["passed"] == 1
    assert results["total"]["pass_rate"] == 1.0


async def test_a_fail_sends_the_ticket_back_with_a_deadline_the_sweep_notices_once(
    world: World, run: Run
) -> None:
    await _archived(world, {"s1": 2})
    view = (await _draw(world)).json()
    draw_id = view["draw"]["id"]
    late, prompt = (item["number"] for item in view["items"])
    answer = await _check(world, draw_id, late, "fail", "答复未说明整改措施")
    assert answer.status_code == 200, answer.text
    item = answer.json()
    assert item["status"] == "assigned" and item["rectification"] == "pending"
    due = parse_time(item["rectify_due_at"])
    ticket = (await world.as_("insp1", "GET", f"/api/v1/tickets/{late}")).json()
    assert ticket["status"] == "assigned" and parse_time(ticket["respond_due_at"]) == due
    assert due > world.now() + timedelta(days=2)  # 3 working days of rework
    assert (await _check(world, draw_id, prompt, "fail")).status_code == 200

    # The rework deadline is the ticket's deadline: the sweep's overdue rule fires once for it.
    assert (await world.action("hand1", prompt, "respond", text="已按要求整改。")).status_code == 200
    await run.sweep(due - timedelta(minutes=1))
    assert not [n for n in await notices_for(run, late) if n[0] == "overdue"]
    await run.sweep(due + timedelta(minutes=1))
    await run.sweep(due + timedelta(minutes=2))
    overdue = [n for n in await notices_for(run, late) if n[0] == "overdue"]
    assert sorted(n[1] for n in overdue) == ["hand1", "lead1"]  # once each, for this deadline
    assert all(n[2] == due for n in overdue)
    assert not [n for n in await notices_for(run, prompt) if n[0] == "overdue"]

    # Answered after the deadline: rectified, but late; the other on time.
    after = await run(due + timedelta(hours=1), _respond_late(late))
    assert after == "responded"
    draw = (await world.as_("insp1", "GET", f"/api/v1/spot-checks/{draw_id}")).json()
    states = {i["number"]: i["rectification"] for i in draw["items"]}
    assert states == {late: "late", prompt: "on_time"}
    total = draw["results"]["total"]
    assert (total["failed"], total["rectified"], total["rectified_on_time"], total["pass_rate"]) == (
        2,
        2,
        1,
        0.0,
    )
    period = (
        await world.as_("insp1", "GET", "/api/v1/spot-checks/results", params={**NOVEMBER, "org_code": "s1"})
    ).json()
    assert period["draws"] == 1 and period["by_school"][0]["school_code"] == "s1"
    assert period["by_school"][0]["rectified_on_time"] == 1


async def test_an_extension_during_the_rework_is_the_deadline_a_rectification_is_on_time_against(
    world: World, run: Run
) -> None:
    await _archived(world, {"s1": 1})
    view = (await _draw(world)).json()
    draw_id, number = view["draw"]["id"], view["items"][0]["number"]
    due = parse_time((await _check(world, draw_id, number, "fail", "请补充")).json()["rectify_due_at"])
    later = due + timedelta(days=2)
    extended = await world.action(
        "lead1", number, "extend", respond_due_at=later.isoformat(), reason="需要调查"
    )
    assert extended.status_code == 200, extended.text
    assert await run(due + timedelta(hours=1), _respond_late(number)) == "responded"  # past the first
    [item] = (await world.as_("insp1", "GET", f"/api/v1/spot-checks/{draw_id}")).json()["items"]
    assert item["rectification"] == "on_time" and parse_time(item["rectify_due_at"]) == due
    assert parse_time(item["rectified_at"]) == due + timedelta(hours=1)


def _respond_late(number: str) -> Any:
    """The handler's answer as of the run's instant (after the rework deadline)."""

    async def work(ctx: Ctx) -> str:
        user = await repo.user_by_username(ctx.session, "hand1")
        assert user is not None
        grants = (await repo.grants_of(ctx.session, [user.id]))[user.id]
        principal = Principal(user.id, user.username, user.display_name, tuple(grants))
        view = await tickets.act(ctx, principal, number, Action.RESPOND, s.RespondRequest(text="整改完成。"))
        return view.status

    return work


async def test_another_districts_inspector_gets_404_and_the_city_sees_the_draw(world: World) -> None:
    await _archived(world, {"s1": 1})
    view = (await _draw(world)).json()
    draw_id, number = view["draw"]["id"], view["items"][0]["number"]
    assert_error(await world.as_("insp2", "GET", f"/api/v1/spot-checks/{draw_id}"), 404)
    assert_error(
        await world.as_(
            "insp2",
            "POST",
            f"/api/v1/spot-checks/{draw_id}/items/{number}",
            json={"verdict": "pass", "note": "x"},
        ),
        404,
    )
    assert (await world.as_("insp2", "GET", "/api/v1/spot-checks")).json()["items"] == []
    assert_error(await _draw(world, "insp2", org_code="d1"), 404, "d1")
    assert (await world.as_("cityinsp", "GET", f"/api/v1/spot-checks/{draw_id}")).status_code == 200
    assert_error(await world.as_("insp1", "GET", "/api/v1/spot-checks/99999999"), 404)


@pytest.mark.parametrize("user", ["lead1", "hand1", "admin"])
async def test_leaders_handlers_and_admins_may_not_draw(world: World, user: str) -> None:
    assert_error(await _draw(world, user), 403, "inspectors")


@pytest.mark.parametrize("user", ["hand1", "admin", "reg1"])
async def test_only_inspectors_and_leaders_see_spot_checks(world: World, user: str) -> None:
    assert_error(await world.as_(user, "GET", "/api/v1/spot-checks"), 403, "inspectors and leaders")


async def test_a_leader_reads_the_schools_items_and_results_and_may_not_check(world: World) -> None:
    await _archived(world, {"s1": 1, "s2": 1})
    view = (await _draw(world)).json()
    draw_id = view["draw"]["id"]
    mine = next(i["number"] for i in view["items"] if i["school_code"] == "s1")
    own = (await world.as_("lead1", "GET", f"/api/v1/spot-checks/{draw_id}")).json()
    assert [i["number"] for i in own["items"]] == [mine]
    assert [r["school_code"] for r in own["results"]["by_school"]] == ["s1"]
    assert own["draw"]["sampled"] == 1
    [listed] = (await world.as_("lead1", "GET", "/api/v1/spot-checks")).json()["items"]
    assert (listed["id"], listed["sampled"]) == (draw_id, 1)
    district = (await world.as_("leadd1", "GET", f"/api/v1/spot-checks/{draw_id}")).json()
    assert len(district["items"]) == 2  # a district's leader: every school under it
    results = (await world.as_("lead1", "GET", "/api/v1/spot-checks/results", params=NOVEMBER)).json()
    assert results["org_code"] == "s1" and [r["school_code"] for r in results["by_school"]] == ["s1"]
    assert_error(
        await world.as_("lead1", "GET", "/api/v1/spot-checks/results", params={"org_code": "s2"}), 404, "s2"
    )
    assert_error(
        await world.as_(
            "lead1",
            "POST",
            f"/api/v1/spot-checks/{draw_id}/items/{mine}",
            json={"verdict": "pass", "note": "x"},
        ),
        403,
    )
    only_s1 = (await _draw(world, org_code="s1")).json()["draw"]["id"]
    assert_error(await world.as_("lead2", "GET", f"/api/v1/spot-checks/{only_s1}"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"size": 0}, "size"),
        ({"size": 51}, "size"),
        ({"size": 101, "size_unit": "percent"}, "size"),
        ({"size": "five"}, "size"),
        ({"size_unit": "some"}, "size_unit"),
        ({"from": "2026-12-01"}, "from"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"seed": ""}, "seed"),
        ({"from": "2020-01-01"}, "to"),
    ],
)
async def test_a_bad_size_or_period_is_400_naming_the_field(
    world: World, body: dict[str, Any], field: str
) -> None:
    assert_error(await _draw(world, **body), 400, f"`{field}`" if field != "size_unit" else field)


async def test_a_period_with_nothing_archived_is_400_and_records_nothing(world: World) -> None:
    await world.submit("s1")
    assert_error(await _draw(world), 400, "nothing to draw", "`from`")
    assert (await world.as_("insp1", "GET", "/api/v1/spot-checks")).json()["items"] == []


# ---- pages ------------------------------------------------------------------------------------


async def test_pages_draw_check_and_show_results(world: World) -> None:
    numbers = await _archived(world, {"s1": 1, "s2": 1})
    await sign_in(world.client, "insp1")
    page = await world.client.get("/bureau/spot-checks")
    assert page.status_code == 200, page.text
    assert 'aria-current="page">抽查' in page.text and "还没有抽查记录" in page.text
    form = {
        "csrf": csrf_of(page.text),
        "org": "d1",
        **NOVEMBER,
        "size": "5",
        "size_unit": "per_school",
        "seed": "s",
    }
    drawn = await world.client.post("/bureau/spot-checks", data=form)
    assert drawn.status_code == 303, drawn.text
    location = drawn.headers["location"]
    one = await world.client.get(location)
    assert one.status_code == 200
    for number in numbers["s1"] + numbers["s2"]:
        assert f'id="item-{number}"' in one.text
    assert "<code>s</code>" in one.text and "2 件已归档" in one.text
    target = numbers["s1"][0]
    empty = await world.client.post(
        f"{location}/items/{target}", data={"csrf": csrf_of(one.text), "verdict": "fail", "note": " "}
    )
    assert empty.status_code == 400 and "请填写抽查意见" in empty.text
    assert 'value="fail" checked' in empty.text
    failed = await world.client.post(
        f"{location}/items/{target}",
        data={"csrf": csrf_of(one.text), "verdict": "fail", "note": "请补充回访记录"},
    )
    assert failed.status_code == 303
    after = await world.client.get(failed.headers["location"])
    assert "已记录" in after.text and "整改期限" in after.text and "请补充回访记录" in after.text
    listing = await world.client.get(
        "/bureau/spot-checks", params={"r_from": "2026-11-01", "r_to": "2026-11-30"}
    )
    assert "共 1 次抽查" in listing.text and "第一实验小学" in listing.text


async def test_the_draw_form_keeps_its_values_and_names_the_field_on_a_bad_size_or_period(
    world: World,
) -> None:
    await sign_in(world.client, "insp1")
    page = await world.client.get("/bureau/spot-checks")
    csrf = csrf_of(page.text)
    bad = {"csrf": csrf, "org": "d1", **NOVEMBER, "size": "abc", "size_unit": "per_school", "seed": "keep-me"}
    answer = await world.client.post("/bureau/spot-checks", data=bad)
    assert answer.status_code == 400
    assert (
        "样本量须为整数" in answer.text and 'value="abc"' in answer.text and 'value="keep-me"' in answer.text
    )
    period = {**bad, "size": "3", "from": "2026-12-01"}
    answer = await world.client.post("/bureau/spot-checks", data=period)
    assert answer.status_code == 400 and "起始日期不晚于截止日期" in answer.text
    assert 'value="2026-12-01"' in answer.text and 'value="3"' in answer.text
    zero = {**bad, "size": "0"}
    answer = await world.client.post("/bureau/spot-checks", data=zero)
    assert answer.status_code == 400 and "样本量须为整数" in answer.text


async def test_the_draw_form_without_its_csrf_token_is_refused(world: World) -> None:
    await _archived(world, {"s1": 1})
    await sign_in(world.client, "insp1")
    answer = await world.client.post(
        "/bureau/spot-checks", data={"org": "d1", **NOVEMBER, "size": "5", "size_unit": "per_school"}
    )
    assert answer.status_code == 403
    assert (await world.as_("insp1", "GET", "/api/v1/spot-checks")).json()["items"] == []


@pytest.mark.parametrize("user", ["lead1", "hand1"])
async def test_leaders_and_handlers_may_not_draw_or_check_on_the_pages(world: World, user: str) -> None:
    await _archived(world, {"s1": 1})
    view = (await _draw(world)).json()
    draw_id, number = view["draw"]["id"], view["items"][0]["number"]
    await sign_in(world.client, user)
    csrf = csrf_of((await world.client.get("/staff")).text)
    answer = await world.client.post(
        "/bureau/spot-checks",
        data={"csrf": csrf, "org": "s1", **NOVEMBER, "size": "5", "size_unit": "per_school"},
    )
    assert answer.status_code == 403
    check = await world.client.post(
        f"/bureau/spot-checks/{draw_id}/items/{number}", data={"csrf": csrf, "verdict": "pass", "note": "好"}
    )
    assert check.status_code == 403
    assert (await world.as_("insp1", "GET", f"/api/v1/tickets/{number}")).json()["status"] == "archived"


async def test_a_leader_reads_the_pages_without_the_forms_and_a_handler_may_not_open_them(
    world: World,
) -> None:
    await _archived(world, {"s1": 1})
    draw_id = (await _draw(world)).json()["draw"]["id"]
    await sign_in(world.client, "lead1")
    listing = await world.client.get("/bureau/spot-checks")
    assert listing.status_code == 200 and "抽查由教育局督查员进行" in listing.text
    assert 'action="/bureau/spot-checks"' not in listing.text.split("各校抽查结果")[0]
    one = await world.client.get(f"/bureau/spot-checks/{draw_id}")
    assert one.status_code == 200 and "尚未抽查" in one.text and 'name="verdict"' not in one.text
    world.client.cookies.clear()
    await sign_in(world.client, "hand1")
    assert (await world.client.get("/bureau/spot-checks")).status_code == 403


async def test_another_districts_inspector_gets_404_on_the_draw_page(world: World) -> None:
    await _archived(world, {"s1": 1})
    draw_id = (await _draw(world)).json()["draw"]["id"]
    await sign_in(world.client, "insp2")
    assert (await world.client.get(f"/bureau/spot-checks/{draw_id}")).status_code == 404


async def test_a_bad_results_period_on_the_page_is_400_and_keeps_it(world: World) -> None:
    await sign_in(world.client, "insp1")
    answer = await world.client.get(
        "/bureau/spot-checks", params={"r_from": "2026-12-01", "r_to": "2026-11-01"}
    )
    assert answer.status_code == 400 and "起始日期不晚于截止日期" in answer.text
    assert 'value="2026-12-01"' in answer.text and 'aria-invalid="true"' in answer.text
