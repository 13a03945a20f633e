"""The admins' audit log (services/audit.py, /admin/audit): each change through the admin's
pages and API leaves one entry in the change's transaction, with no password or robot key;
an admin reads the entries under their unit; the table refuses changes."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.models import AdminAudit

from .conftest import PASSWORD, World
from .helpers import sign_in
from .test_web_admin import ROBOT, admin_client, make_district_admin, post

pytestmark = pytest.mark.asyncio


async def entries(connection: AsyncConnection) -> list[tuple[str, str, str, dict[str, object]]]:
    rows = await connection.execute(
        select(AdminAudit.actor, AdminAudit.action, AdminAudit.target, AdminAudit.detail).order_by(
            AdminAudit.id
        )
    )
    return [(r.actor, r.action, r.target, r.detail) for r in rows]


async def test_each_admin_change_leaves_one_entry_without_secrets(
    world: World, connection: AsyncConnection
) -> None:
    before = len(await entries(connection))
    csrf = await admin_client(world)
    steps: list[tuple[str, dict[str, str]]] = [
        ("/admin/orgs", {"parent_code": "d1", "code": "s9", "name": "九小", "kind": "school"}),
        (
            "/admin/users",
            {
                "username": "newreg",
                "display_name": "新登记员",
                "password": "first-pass-1",
                "password_repeat": "first-pass-1",
                "role_0": "registrar",
                "org_0": "s9",
            },
        ),
        ("/admin/users/newreg/password", {"password": "second-pass-2", "password_repeat": "second-pass-2"}),
        ("/admin/users/newreg/active", {"active": "0"}),
        ("/admin/categories", {"name": "校车"}),
        ("/admin/calendar", {"day": "2031-02-03", "is_workday": "0", "note": "春节"}),
        ("/admin/calendar/2031-02-03/clear", {}),
        ("/admin/robots/s1", {"kind": "wecom", "url": ROBOT}),
    ]
    for path, data in steps:
        answer = await post(world, path, csrf, **data)
        assert answer.status_code == 303, (path, answer.text[:300])
    found = (await entries(connection))[before:]
    assert [action for _, action, _, _ in found] == [
        "org_created",
        "user_created",
        "password_set",
        "user_disabled",
        "category_added",
        "calendar_set",
        "calendar_cleared",
        "robot_added",
    ]
    assert {actor for actor, _, _, _ in found} == {"admin老师 (admin)"}
    assert found[1][2:] == ("newreg", {"roles": ["registrar@s9"]})
    assert found[7][3]["robot"] == "wecom https://qyapi.weixin.qq.com/…"
    stored = str(found)
    for secret in ("first-pass-1", "second-pass-2", "secret-key-1"):
        assert secret not in stored

    page = (await world.client.get("/admin/audit")).text
    assert "操作记录" in page and "重设密码" in page and "新建单位" in page and "admin老师 (admin)" in page
    assert "second-pass-2" not in page and "secret-key-1" not in page


async def test_api_changes_are_audited_too(world: World, connection: AsyncConnection) -> None:
    answer = await world.as_(
        "admin",
        "PUT",
        "/api/v1/orgs/s1/webhooks",
        json={
            "webhooks": [
                {"kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=tok-9"}
            ]
        },
    )
    assert answer.status_code == 200, answer.text
    policy = await world.as_("admin", "PUT", "/api/v1/policies/d1", json={"respond_days": 7})
    assert policy.status_code == 200, policy.text
    found = (await entries(connection))[-2:]
    assert [(a, t) for _, a, t, _ in found] == [("robots_replaced", "s1"), ("policy_set", "d1")]
    assert "tok-9" not in str(found) and found[1][3]["policy"]["respond_days"] == 7


async def test_a_district_admin_reads_only_their_subtree(world: World, connection: AsyncConnection) -> None:
    await make_district_admin(world, connection)  # the city admin made dadmin: an entry at d1
    csrf = await admin_client(world)
    assert (await post(world, "/admin/calendar", csrf, day="2031-05-06", is_workday="0")).status_code == 303
    world.client.cookies.clear()
    await admin_client(world, "dadmin")
    page = (await world.client.get("/admin/audit")).text
    assert "dadmin" in page and "新建用户" in page  # about d1
    assert "2031-05-06" not in page  # the calendar is the root bureau's


async def test_only_admins_read_it_and_it_pages_newest_first(
    world: World, connection: AsyncConnection
) -> None:
    csrf = await admin_client(world)
    for day in range(1, 56):  # more than a page (50)
        day_text = f"2032-{1 + day // 28:02d}-{1 + day % 28:02d}"
        assert (await post(world, "/admin/calendar", csrf, day=day_text, is_workday="0")).status_code == 303
    first = (await world.client.get("/admin/audit")).text
    assert first.count("调整节假日") == 50 and 'rel="next"' in first
    later = first.split('href="/admin/audit?before=', 1)[1].split('"', 1)[0]
    rest = (await world.client.get(f"/admin/audit?before={later}")).text
    assert rest.count("调整节假日") == 5 and "回到最新" in rest
    world.client.cookies.clear()
    hand = httpx.AsyncClient(transport=world.client._transport, base_url=world.client.base_url)
    async with hand:
        await sign_in(hand, "hand1", password=PASSWORD)
        assert (await hand.get("/admin/audit")).status_code == 403


async def test_the_table_refuses_update_and_delete(world: World, connection: AsyncConnection) -> None:
    await world.as_("admin", "PUT", "/api/v1/policies/d1", json={"respond_days": 6})
    for statement in ("UPDATE admin_audit SET actor = 'x'", "DELETE FROM admin_audit"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with connection.begin_nested():
                await connection.execute(text(statement))
