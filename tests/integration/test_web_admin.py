"""The admin pages (/admin, web/admin/): org tree, users and roles, categories, deadline
policies, holiday overrides and group robots, in the browser's terms: forms with CSRF, 400s in
Chinese beside the field with the input kept, 403 for other roles, 404 outside the scope."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db.models import CalendarOverride, Category, Org, OrgWebhook, User

from .conftest import PASSWORD, World
from .helpers import csrf_of, sign_in

pytestmark = pytest.mark.asyncio

PAGES = [
    "/admin",
    "/admin/users",
    "/admin/users/new",
    "/admin/categories",
    "/admin/policies",
    "/admin/calendar",
    "/admin/robots",
    "/admin/users/reg1",
]


async def admin_client(world: World, username: str = "admin") -> str:
    """Signed in as `username` (an admin); answers a CSRF token of the session."""
    answer = await sign_in(world.client, username)
    assert answer.status_code == 303, answer.text
    return csrf_of((await world.client.get("/admin")).text)


async def post(world: World, to: str, csrf: str | None, **data: str) -> httpx.Response:
    body = {**data, **({"csrf": csrf} if csrf is not None else {})}
    return await world.client.post(to, data=body)


def assert_error_beside(answer: httpx.Response, field: str, words: str) -> None:
    """A 400 page with the error summary linking to `field` and the sentence beside it."""
    assert answer.status_code == 400, answer.text[:2000]
    html = answer.text
    assert f'href="#{field}"' in html, html[:3000]
    assert f'id="{field}-error"' in html and words in html
    assert f'id="{field}"' in html


def assert_field_error(answer: httpx.Response, field: str, words: str) -> None:
    """As assert_error_beside, the control marked invalid too."""
    assert_error_beside(answer, field, words)
    assert 'aria-invalid="true"' in answer.text


async def make_district_admin(world: World, connection: AsyncConnection) -> None:
    """An admin at district d1 only (`dadmin`), made through the page as the city admin."""
    csrf = await admin_client(world)
    answer = await post(
        world,
        "/admin/users",
        csrf,
        username="dadmin",
        display_name="区管理员",
        password=PASSWORD,
        password_repeat=PASSWORD,
        role_0="admin",
        org_0="d1",
    )
    assert answer.status_code == 303, answer.text
    world.client.cookies.clear()


async def category_id(connection: AsyncConnection, name: str) -> int:
    """The id of the world's bureau's category `name` (other tests may have bureaus of their own)."""
    city = select(Org.id).where(Org.code == "city").scalar_subquery()
    found = await connection.scalar(select(Category.id).where(Category.name == name, Category.org_id == city))
    assert found is not None
    return int(found)


# ---- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
async def test_admin_page_for_admin_renders_with_nav(world: World, url: str) -> None:
    await admin_client(world)
    answer = await world.client.get(url)
    assert answer.status_code == 200, answer.text[:2000]
    for word in ("组织架构", "用户与角色", "问题类别", "办理时限", "节假日", "群机器人"):
        assert word in answer.text
    assert len(answer.content) < 50_000
    assert 'style="' not in answer.text and "<script>" not in answer.text


@pytest.mark.parametrize("url", ["/admin", "/admin/users", "/admin/categories", "/admin/robots"])
async def test_admin_page_for_registrar_is_forbidden(world: World, url: str) -> None:
    await sign_in(world.client, "reg1")
    answer = await world.client.get(url)
    assert answer.status_code == 403
    assert "您的岗位不能进行此操作" in answer.text


async def test_admin_post_for_registrar_is_forbidden(world: World) -> None:
    await sign_in(world.client, "reg1")
    csrf = csrf_of((await world.client.get("/staff")).text)
    answer = await post(world, "/admin/categories", csrf, name="新类别")
    assert answer.status_code == 403


async def test_admin_signed_out_redirects_to_login(world: World) -> None:
    answer = await world.client.get("/admin/users")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/staff/login?next=")


async def test_district_admin_out_of_scope_units_are_not_found(
    world: World, connection: AsyncConnection
) -> None:
    await make_district_admin(world, connection)
    csrf = await admin_client(world, "dadmin")
    tree = await world.client.get("/admin")
    assert "第一实验小学" in tree.text and "三区小学" not in tree.text and "市教育局（" not in tree.text
    assert (await world.client.get("/admin/policies?org=s3")).status_code == 404
    assert (await world.client.get("/admin/robots?org=d2")).status_code == 404
    assert (await world.client.get("/admin/users/reg3")).status_code == 404
    assert (await world.client.get("/admin/users/admin")).status_code == 404
    users = await world.client.get("/admin/users")
    assert "reg1" in users.text and "reg3" not in users.text and "cityinsp" not in users.text
    refused = await post(world, "/admin/orgs", csrf, parent_code="d2", code="s9", name="九小", kind="school")
    assert refused.status_code == 404
    robot = await post(world, "/admin/robots/s3", csrf, kind="wecom", url="https://qyapi.weixin.qq.com/x")
    assert robot.status_code == 404
    role = await post(world, "/admin/users/reg1/roles", csrf, role="leader", org_code="s3")
    assert_field_error(role, "org_code", "管辖范围内")


async def test_admin_post_without_csrf_is_forbidden(world: World, connection: AsyncConnection) -> None:
    await admin_client(world)
    for url, data in [
        ("/admin/orgs", {"parent_code": "d1", "code": "s9", "name": "九小", "kind": "school"}),
        ("/admin/categories", {"name": "新类别"}),
        ("/admin/users/reg1/active", {"active": "0"}),
        ("/admin/calendar", {"day": "2027-01-04", "is_workday": "0"}),
    ]:
        answer = await post(world, url, None, **data)
        assert answer.status_code == 403, url
        assert "页面已过期" in answer.text
    active = await connection.scalar(select(User.is_active).where(User.username == "reg1"))
    assert active is True


# ---- org tree ---------------------------------------------------------------------------------


async def test_org_tree_shows_units_indented(world: World) -> None:
    await admin_client(world)
    html = (await world.client.get("/admin")).text
    assert re.search(r'class="depth-0"><span class="tree-name">市教育局', html)
    assert re.search(r'class="depth-1"><span class="tree-name">一区教育局', html)
    assert re.search(r'class="depth-2"><span class="tree-name">第一实验小学', html)


async def test_add_org_under_district_appears_in_tree(world: World) -> None:
    csrf = await admin_client(world)
    answer = await post(
        world, "/admin/orgs", csrf, parent_code="d1", code="s9", name="第九小学", kind="school"
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/admin?added=s9"
    html = (await world.client.get(answer.headers["location"])).text
    assert "已新增单位 s9" in html and re.search(r'depth-2"><span class="tree-name">第九小学', html)


async def test_add_org_bad_input_is_400_with_input_kept(world: World) -> None:
    csrf = await admin_client(world)
    taken = await post(
        world, "/admin/orgs", csrf, parent_code="d1", code="s1", name="重复小学", kind="school"
    )
    assert_field_error(taken, "code", "该代码已被其他单位使用")
    assert 'value="重复小学"' in taken.text
    wrong_kind = await post(
        world, "/admin/orgs", csrf, parent_code="city", code="s8", name="八小", kind="school"
    )
    assert_field_error(wrong_kind, "kind", "类型与上级单位不符")
    assert 'value="s8"' in wrong_kind.text and '<option value="city" selected' in wrong_kind.text
    bad_code = await post(world, "/admin/orgs", csrf, parent_code="d1", code="九 小", name="", kind="school")
    assert_field_error(bad_code, "code", "代码只能用字母")
    assert 'id="name-error"' in bad_code.text


# ---- users ------------------------------------------------------------------------------------


async def test_users_list_shows_roles_and_searches(world: World) -> None:
    await admin_client(world)
    html = (await world.client.get("/admin/users")).text
    assert "reg1老师" in html and "登记员 · 第一实验小学" in html
    found = (await world.client.get("/admin/users?q=hand1")).text
    assert "hand1b" in found and "reg1" not in found
    by_name = (await world.client.get("/admin/users", params={"q": "lead2老"})).text
    assert "lead2" in by_name and "lead1" not in by_name
    none = (await world.client.get("/admin/users?q=%25")).text
    assert "没有找到用户" in none


async def test_users_list_pages_by_username(world: World, connection: AsyncConnection) -> None:
    await connection.execute(
        text(
            "INSERT INTO users (username, password_hash, display_name) "
            "SELECT 'zz' || lpad(i::text, 3, '0'), 'x', '批量' || i FROM generate_series(1, 60) i"
        )
    )
    await connection.execute(
        text(
            "INSERT INTO role_grants (user_id, role, org_id) SELECT u.id, 'handler', o.id "
            "FROM users u, orgs o WHERE u.username LIKE 'zz%' AND o.code = 's1'"
        )
    )
    await admin_client(world)
    first = (await world.client.get("/admin/users")).text
    nxt = re.search(r'href="(/admin/users\?q=&amp;after=[^"]+)" rel="next"', first)
    assert nxt, first[-1500:]
    second = (await world.client.get(nxt.group(1).replace("&amp;", "&"))).text
    assert "zz060" in second and "zz060" not in first and "<code>admin</code>" not in second
    assert 'rel="next"' not in second


async def test_create_user_with_two_roles_then_they_sign_in(world: World) -> None:
    csrf = await admin_client(world)
    answer = await post(
        world,
        "/admin/users",
        csrf,
        username="zhang",
        display_name="张老师",
        password="first-pass-1",
        password_repeat="first-pass-1",
        role_0="handler",
        org_0="s1",
        role_1="registrar",
        org_1="s2",
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/users/zhang?done=created"
    page = (await world.client.get(answer.headers["location"])).text
    assert "用户已创建" in page and "承办人 · 第一实验小学" in page and "登记员 · 第二中学" in page
    assert "first-pass-1" not in page
    world.client.cookies.clear()
    assert (await sign_in(world.client, "zhang", password="first-pass-1")).status_code == 303


async def test_create_user_bad_input_is_400_with_input_kept_never_password(world: World) -> None:
    csrf = await admin_client(world)
    taken = await post(
        world,
        "/admin/users",
        csrf,
        username="reg1",
        display_name="新老师",
        password="pass-word-1",
        password_repeat="pass-word-1",
        role_0="handler",
        org_0="s1",
    )
    assert_field_error(taken, "username", "该用户名已被使用")
    assert 'value="新老师"' in taken.text and "pass-word-1" not in taken.text
    assert '<option value="handler" selected' in taken.text and '<option value="s1" selected' in taken.text
    short = await post(
        world,
        "/admin/users",
        csrf,
        username="li",
        display_name="李老师",
        password="short",
        password_repeat="short",
    )
    assert_field_error(short, "password", "8 至 200 个字符")
    assert 'id="role_0-error"' in short.text and "请至少选择一个角色" in short.text
    mismatch = await post(
        world,
        "/admin/users",
        csrf,
        username="li",
        display_name="李老师",
        password="pass-word-1",
        password_repeat="pass-word-2",
        role_0="handler",
        org_0="s1",
    )
    assert_field_error(mismatch, "password_repeat", "两次输入的密码不一致")
    half = await post(
        world,
        "/admin/users",
        csrf,
        username="li",
        display_name="李老师",
        password="pass-word-1",
        password_repeat="pass-word-1",
        role_0="handler",
    )
    assert_field_error(half, "role_0", "请同时选择角色和所在单位")
    unknown = await post(
        world,
        "/admin/users",
        csrf,
        username="li",
        display_name="李老师",
        password="pass-word-1",
        password_repeat="pass-word-1",
        role_0="handler",
        org_0="nowhere",
    )
    assert_field_error(unknown, "role_0", "管辖范围内")
    assert (await world.client.get("/admin/users/li")).status_code == 404


async def test_disable_user_ends_their_session_at_once_and_enable_restores_login(world: World) -> None:
    reg = httpx.AsyncClient(transport=world.client._transport, base_url=world.client.base_url)
    async with reg:
        assert (await sign_in(reg, "reg1")).status_code == 303
        assert (await reg.get("/staff")).status_code == 200
        csrf = await admin_client(world)
        answer = await post(world, "/admin/users/reg1/active", csrf, active="0")
        assert answer.status_code == 303
        page = (await world.client.get(answer.headers["location"])).text
        assert "已停用该用户" in page and "已停用" in page
        assert (await reg.get("/staff")).status_code == 303  # the session is gone
        assert (await sign_in(reg, "reg1")).status_code == 401
        api = await world.client.post("/api/v1/auth/login", json={"username": "reg1", "password": PASSWORD})
        assert api.status_code == 401
        enabled = await post(world, "/admin/users/reg1/active", csrf, active="1")
        assert enabled.status_code == 303
        assert (await sign_in(reg, "reg1")).status_code == 303


async def test_disable_self_is_refused(world: World) -> None:
    csrf = await admin_client(world)
    answer = await post(world, "/admin/users/admin/active", csrf, active="0")
    assert_error_beside(answer, "active", "不能停用您自己的账号")


async def test_reset_password_signs_out_and_new_one_works(world: World) -> None:
    other = httpx.AsyncClient(transport=world.client._transport, base_url=world.client.base_url)
    async with other:
        await sign_in(other, "hand1")
        csrf = await admin_client(world)
        answer = await post(
            world, "/admin/users/hand1/password", csrf, password="brand-new-1", password_repeat="brand-new-1"
        )
        assert answer.status_code == 303
        page = (await world.client.get(answer.headers["location"])).text
        assert "新密码已保存" in page and "brand-new-1" not in page
        assert (await other.get("/staff")).status_code == 303
        assert (await sign_in(other, "hand1")).status_code == 401
        assert (await sign_in(other, "hand1", password="brand-new-1")).status_code == 303


async def test_reset_password_bad_input_is_400_and_keeps_old(world: World) -> None:
    csrf = await admin_client(world)
    short = await post(world, "/admin/users/hand1/password", csrf, password="short", password_repeat="short")
    assert_field_error(short, "password", "8 至 200 个字符")
    assert 'value="short"' not in short.text
    world.client.cookies.clear()
    assert (await sign_in(world.client, "hand1")).status_code == 303


async def test_add_and_remove_role(world: World) -> None:
    csrf = await admin_client(world)
    added = await post(world, "/admin/users/hand1/roles", csrf, role="registrar", org_code="s1")
    assert added.status_code == 303
    page = (await world.client.get("/admin/users/hand1")).text
    assert "登记员 · 第一实验小学" in page
    twice = await post(world, "/admin/users/hand1/roles", csrf, role="registrar", org_code="s1")
    assert_field_error(twice, "role", "已有此角色")
    grant = re.search(r'/admin/users/hand1/roles/(\d+)/remove"', page)
    assert grant
    removed = await post(world, f"/admin/users/hand1/roles/{grant.group(1)}/remove", csrf)
    assert removed.status_code == 303
    page = (await world.client.get(removed.headers["location"])).text
    assert "已移除角色" in page and page.count('/remove"') == 1
    last = re.search(r'/admin/users/hand1/roles/(\d+)/remove"', page)
    assert last
    refused = await post(world, f"/admin/users/hand1/roles/{last.group(1)}/remove", csrf)
    assert_error_beside(refused, "grant", "唯一的角色")


# ---- categories -------------------------------------------------------------------------------


async def test_category_add_rename_retire_restore(world: World, connection: AsyncConnection) -> None:
    csrf = await admin_client(world)
    added = await post(world, "/admin/categories", csrf, name="午休管理")
    assert added.status_code == 303
    cid = await category_id(connection, "午休管理")
    renamed = await post(world, f"/admin/categories/{cid}/rename", csrf, name="午休与托管")
    assert renamed.status_code == 303
    receipt = await world.submit(category="午休与托管")
    retired = await post(world, f"/admin/categories/{cid}/retire", csrf, retired="1")
    assert retired.status_code == 303
    page = (await world.client.get(retired.headers["location"])).text
    assert "已停用该类别" in page and "午休与托管" in page
    refused = await world.client.post(
        "/api/v1/public/tickets",
        json={
            "school_code": "s1",
            "kind": "complaint",
            "category": "午休与托管",
            "content": "内容",
            "consent": True,
        },
    )
    assert refused.status_code == 400
    ticket = await world.as_("reg1", "GET", f"/api/v1/tickets/{receipt['number']}")
    assert ticket.json()["category"] == "午休与托管"
    world.client.cookies.clear()
    csrf = await admin_client(world)
    restored = await post(world, f"/admin/categories/{cid}/retire", csrf, retired="0")
    assert restored.status_code == 303
    assert (await world.submit(category="午休与托管"))["number"]


async def test_category_bad_input_is_400_with_input_kept(world: World, connection: AsyncConnection) -> None:
    csrf = await admin_client(world)
    dup = await post(world, "/admin/categories", csrf, name="食堂膳食")
    assert_field_error(dup, "new-name", "已有同名的问题类别")
    assert 'id="new-name" name="name" required maxlength="64" value="食堂膳食"' in dup.text
    empty = await post(world, "/admin/categories", csrf, name="  ")
    assert_field_error(empty, "new-name", "请填写此项")
    cid = await category_id(connection, "其他")
    clash = await post(world, f"/admin/categories/{cid}/rename", csrf, name="食堂膳食")
    assert_field_error(clash, f"name-{cid}", "已有同名的问题类别")


async def test_category_change_by_district_admin_is_forbidden(
    world: World, connection: AsyncConnection
) -> None:
    await make_district_admin(world, connection)
    csrf = await admin_client(world, "dadmin")
    page = (await world.client.get("/admin/categories")).text
    assert "管理员维护，您可以查看" in page and "/rename" not in page
    assert (await post(world, "/admin/categories", csrf, name="新类别")).status_code == 403


# ---- policies ---------------------------------------------------------------------------------


async def test_policy_shows_defaults_then_unit_keeps_own_and_children_inherit(world: World) -> None:
    csrf = await admin_client(world)
    page = (await world.client.get("/admin/policies?org=d1")).text
    assert "使用系统默认的办理时限" in page and 'id="respond_days"' in page and "答复时限（工作日）" in page
    saved = await post(
        world,
        "/admin/policies/d1",
        csrf,
        register_days="2",
        respond_days="7",
        urgent_respond_hours="12",
        rework_days="3",
        rating_window_days="7",
        max_extension_days="5",
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/policies?org=d1&done=saved"
    own = (await world.client.get(saved.headers["location"])).text
    assert "正在使用自己的办理时限" in own and 'value="7"' in own
    child = (await world.client.get("/admin/policies?org=s1")).text
    assert "沿用一区教育局的办理时限" in child and re.search(r'id="respond_days"[^>]*value="7"', child)
    receipt = await world.submit()
    assert receipt["respond_due_at"]


async def test_policy_bad_number_is_400_with_input_kept(world: World) -> None:
    csrf = await admin_client(world)
    answer = await post(
        world,
        "/admin/policies/s1",
        csrf,
        register_days="1",
        respond_days="五",
        urgent_respond_hours="0",
        rework_days="3",
        rating_window_days="7",
        max_extension_days="10",
    )
    assert_field_error(answer, "respond_days", "请填写 1 至 365 的整数")
    assert 'value="五"' in answer.text and 'id="urgent_respond_hours-error"' in answer.text


# ---- calendar ---------------------------------------------------------------------------------


async def test_calendar_add_holiday_and_workday(world: World, connection: AsyncConnection) -> None:
    csrf = await admin_client(world)
    page = (await world.client.get("/admin/calendar")).text
    assert "chinese-calendar" in page
    answer = await post(world, "/admin/calendar", csrf, day="2031-02-03", is_workday="0", note="春节")
    assert answer.status_code == 303
    answer = await post(world, "/admin/calendar", csrf, day="2031-02-08", is_workday="1", note="春节调休上班")
    assert answer.status_code == 303
    listed = (await world.client.get("/admin/calendar")).text
    assert "2031-02-03" in listed and "春节调休上班" in listed
    rows = (await connection.execute(select(CalendarOverride.day, CalendarOverride.is_workday))).all()
    assert {(d.isoformat(), w) for d, w in rows} >= {("2031-02-03", False), ("2031-02-08", True)}


async def test_calendar_override_taken_back_on_the_page_and_by_the_api(
    world: World, connection: AsyncConnection
) -> None:
    """撤销调整 removes a day's override (the package's calendar holds again); without the form's
    CSRF token nothing is removed; the API's DELETE does the same and says 404 the second time."""
    csrf = await admin_client(world)
    for day in ("2031-02-03", "2031-02-04"):
        assert (await post(world, "/admin/calendar", csrf, day=day, is_workday="0")).status_code == 303
    assert 'action="/admin/calendar/2031-02-03/clear"' in (await world.client.get("/admin/calendar")).text
    refused = await post(world, "/admin/calendar/2031-02-03/clear", None)
    assert refused.status_code == 403
    answer = await post(world, "/admin/calendar/2031-02-03/clear", csrf)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/calendar?done=cleared"
    listed = (await world.client.get("/admin/calendar?done=cleared")).text
    assert "已撤销这一天的调整" in listed and "2031-02-03" not in listed
    days = {d.isoformat() for (d,) in (await connection.execute(select(CalendarOverride.day))).all()}
    assert "2031-02-03" not in days and "2031-02-04" in days

    gone = await world.as_("admin", "DELETE", "/api/v1/calendar/2031-02-04")
    assert gone.status_code == 204
    again = await world.as_("admin", "DELETE", "/api/v1/calendar/2031-02-04")
    assert again.status_code == 404 and "2031-02-04" in again.json()["detail"]
    assert (await world.as_("insp1", "DELETE", "/api/v1/calendar/2031-02-04")).status_code == 403


async def test_calendar_unknown_year_is_explained(world: World) -> None:
    await admin_client(world)
    page = (await world.client.get("/admin/calendar")).text
    # chinese-calendar knows the years up to its release; the world's clock is in 2026, so the
    # page explains the next year the package does not know, if any (2027 at the time of writing).
    from huixiang.domain.deadlines import WorkCalendar

    year = world.now().year
    for y in (year, year + 1):
        assert (f"还没有 {y} 年的放假安排" in page) is (not WorkCalendar().knows(y))


async def test_calendar_bad_day_is_400_with_input_kept(world: World) -> None:
    csrf = await admin_client(world)
    answer = await post(world, "/admin/calendar", csrf, day="2031-02-30", is_workday="1", note="调休")
    assert_field_error(answer, "day", "请填写正确的日期")
    assert 'value="调休"' in answer.text and 'value="1" checked' in answer.text


async def test_calendar_by_district_admin_is_read_only(world: World, connection: AsyncConnection) -> None:
    await make_district_admin(world, connection)
    csrf = await admin_client(world, "dadmin")
    page = (await world.client.get("/admin/calendar")).text
    assert "最上级教育局的管理员调整" in page and 'action="/admin/calendar"' not in page
    answer = await post(world, "/admin/calendar", csrf, day="2031-02-03", is_workday="0", note="")
    assert answer.status_code == 404


# ---- robots -----------------------------------------------------------------------------------

S1 = select(Org.id).where(Org.code == "s1").scalar_subquery()
S1_ROBOTS = select(OrgWebhook.id).where(OrgWebhook.org_id == S1)
ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key-1"


async def test_robot_add_replace_remove_masked(world: World, connection: AsyncConnection) -> None:
    csrf = await admin_client(world)
    added = await post(world, "/admin/robots/s1", csrf, kind="wecom", url=ROBOT)
    assert added.status_code == 303
    page = (await world.client.get(added.headers["location"])).text
    assert "已新增机器人" in page and "https://qyapi.weixin.qq.com/…" in page and "secret-key-1" not in page
    hook = await connection.scalar(S1_ROBOTS)
    replaced = await post(
        world, "/admin/robots/s1", csrf, kind="wecom", url=ROBOT.replace("1", "2"), replaces=str(hook)
    )
    assert replaced.status_code == 303
    urls = (
        await connection.execute(select(OrgWebhook.id, OrgWebhook.url).where(OrgWebhook.org_id == S1))
    ).all()
    assert len(urls) == 1 and urls[0].url.endswith("secret-key-2")
    removed = await post(world, f"/admin/robots/s1/{urls[0].id}/remove", csrf)
    assert removed.status_code == 303
    assert await connection.scalar(S1_ROBOTS) is None
    assert "还没有群机器人" in (await world.client.get("/admin/robots?org=s1")).text


async def test_robot_private_address_is_refused_beside_the_field(
    world: World, connection: AsyncConnection
) -> None:
    csrf = await admin_client(world)
    answer = await post(world, "/admin/robots/s1", csrf, kind="dingtalk", url="http://10.1.2.3/robot/send")
    assert_field_error(answer, "url", "10.1.2.3 是内网地址，不在公网上")
    assert 'value="http://10.1.2.3/robot/send"' in answer.text
    assert '<option value="dingtalk" selected' in answer.text
    local = await post(world, "/admin/robots/s1", csrf, kind="feishu", url="http://localhost:8080/x")
    assert_field_error(local, "url", "本机回环地址")
    scheme = await post(world, "/admin/robots/s1", csrf, kind="feishu", url="ftp://example.com/x")
    assert_field_error(scheme, "url", "http:// 或 https://")
    assert await connection.scalar(S1_ROBOTS) is None


@pytest.mark.parametrize("big", [0, 2**31, 2**63 + 1])
async def test_admin_ids_beyond_any_row_are_not_found(world: World, big: int) -> None:
    csrf = await admin_client(world)
    for to in (
        f"/admin/categories/{big}/rename",
        f"/admin/categories/{big}/retire",
        f"/admin/robots/s1/{big}/remove",
        f"/admin/users/hand1/roles/{big}/remove",
    ):
        answer = await post(world, to, csrf, name="新名称", retired="1")
        assert answer.status_code == 404, (to, answer.status_code)


async def test_done_banner_from_query_shows_only_known_words(world: World) -> None:
    await admin_client(world)
    page = (await world.client.get("/admin/categories?done=%E4%BD%A0%E5%B7%B2%E4%B8%AD%E5%A5%96")).text
    assert "admin.done" not in page and 'role="status"' not in page
    tree = (await world.client.get("/admin?added=evil.example")).text
    assert "evil.example" not in tree
