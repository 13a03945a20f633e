"""`huixiang demo`: the demo loads through the real services, covers every state and channel,
keeps valid chains, is idempotent, and every login it prints works."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from huixiang.db import repo
from huixiang.db.engine import make_sessionmaker
from huixiang.db.models import Callback, Org, SupervisionOrder, Ticket, TicketEvent, User
from huixiang.demo import DEMO_BUREAU, DEMO_PASSWORD, Login, load_demo, print_logins
from huixiang.domain.access import Principal
from huixiang.domain.enums import AWAITING_RESPONSE, Channel, Kind, Role, Status
from huixiang.services import callbacks, grids, queues, spot_checks, tickets
from huixiang.services.context import Caches, Ctx
from huixiang.settings import Settings

pytestmark = pytest.mark.slow


async def _counts(ctx: Ctx) -> tuple[int, int, int, int]:
    session = ctx.session
    return (
        int((await session.execute(select(func.count()).select_from(Org))).scalar_one()),
        int((await session.execute(select(func.count()).select_from(User))).scalar_one()),
        int((await session.execute(select(func.count()).select_from(Ticket))).scalar_one()),
        int((await session.execute(select(func.count()).select_from(TicketEvent))).scalar_one()),
    )


async def _principal(ctx: Ctx, username: str) -> Principal:
    user = await repo.user_by_username(ctx.session, username)
    assert user is not None
    grants = (await repo.grants_of(ctx.session, [user.id]))[user.id]
    return Principal(user.id, user.username, user.display_name, tuple(grants))


async def test_demo_covers_the_loop_is_idempotent_and_its_logins_work(
    settings: Settings,
    connection: AsyncConnection,
    client: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = datetime.now(UTC)
    async with make_sessionmaker(connection)() as session:
        ctx = Ctx(session, settings, Caches(), now)
        logins = await load_demo(ctx)
        await session.commit()

        # Every role has a login, all with the one printed demo password.
        assert {login.role for login in logins} == {role.value for role in Role}
        assert all(isinstance(login, Login) and login.password == DEMO_PASSWORD for login in logins)
        assert len({login.username for login in logins}) == len(logins)

        city = await repo.org_by_code(session, DEMO_BUREAU)
        assert city is not None
        rows = (
            await session.execute(
                select(
                    Ticket.status,
                    Ticket.channel,
                    Ticket.kind,
                    Ticket.category,
                    Ticket.respond_due_at,
                    Ticket.anonymous,
                    Ticket.to_bureau,
                    Ticket.priority,
                    Ticket.extended,
                    Ticket.supervised,
                    Ticket.reopened_by_rating,
                    Ticket.rating,
                    Ticket.number,
                )
                .where(Ticket.org_path.startswith(city.path))
                .order_by(Ticket.id)
            )
        ).all()
        assert 250 <= len(rows) <= 350
        assert {r.status for r in rows} == {status.value for status in Status}
        assert {r.channel for r in rows} == {channel.value for channel in Channel}
        assert {r.kind for r in rows} == {kind.value for kind in Kind}
        assert len({r.category for r in rows}) >= 10
        overdue = [r for r in rows if r.status in AWAITING_RESPONSE and r.respond_due_at < now]
        assert len(overdue) >= 5
        assert any(r.anonymous for r in rows) and any(r.to_bureau for r in rows)
        assert any(r.priority == "urgent" for r in rows)
        assert any(r.extended for r in rows) and any(r.supervised for r in rows)
        # 督办 orders (issue 10): open ones on late tickets, answered ones, and chases logged.
        states = dict(
            (
                await session.execute(
                    select(SupervisionOrder.state, func.count()).group_by(SupervisionOrder.state)
                )
            ).all()
        )
        assert states.get("open", 0) >= 3 and states.get("answered", 0) >= 3
        chases = select(func.count()).select_from(TicketEvent).where(TicketEvent.action == "chase")
        assert (await session.execute(chases)).scalar_one() >= 1
        assert any(r.reopened_by_rating and r.status == "assigned" for r in rows)
        assert {r.rating for r in rows} >= {"satisfied", "basically_satisfied", "unsatisfied", None}
        assert any(r.status == "responded" and r.rating is None for r in rows)
        assert any(r.status == "responded" and r.rating is not None for r in rows)

        # No event lies in the future, and the archive's chain holds (a sample of every status).
        latest = (await session.execute(select(func.max(TicketEvent.at)))).scalar_one()
        assert latest <= now
        inspector = await _principal(ctx, "demo-city-inspector")
        sample: dict[str, str] = {}
        for r in rows:
            sample.setdefault(r.status, r.number)
        for number in [*sample.values(), *(r.number for r in rows[::25])]:
            log = await tickets.events(ctx, inspector, number)
            assert log.chain_ok, number
            assert [e.seq for e in log.items] == list(range(1, len(log.items) + 1))
            assert all(a.at <= b.at for a, b in zip(log.items, log.items[1:], strict=False)), number

        # One spot check (抽查) of the district, with passes and a 整改 sent back.
        district = await _principal(ctx, "demo-qinghe-inspector")
        [draw] = (await spot_checks.list_draws(ctx, district)).items
        assert (draw.checked, draw.failed) == (3, 1) and draw.sampled > 3
        view = await spot_checks.get_draw(ctx, district, draw.id)
        assert {i.status for i in view.items if i.verdict == "fail"} == {"assigned"}

        # 回访 (issue 12): a few calls made, one 未解决 sent back, others pending in the queues.
        made = dict(
            (
                await session.execute(
                    select(Callback.resolved, func.count())
                    .where(Callback.done_at.is_not(None))
                    .group_by(Callback.resolved)
                )
            ).all()
        )
        assert made == {True: 3, False: 1}
        for caller in ("demo-shiyan-registrar", "demo-liulin-inspector"):
            assert await callbacks.queue(ctx, await _principal(ctx, caller)), caller

        # A second load creates nothing and answers the same logins.
        before = await _counts(ctx)
        again = await load_demo(Ctx(session, settings, Caches(), datetime.now(UTC)))
        assert again == logins
        assert await _counts(ctx) == before

    print_logins(logins, None)
    printed = capsys.readouterr().out
    assert DEMO_PASSWORD in printed and "/api/v1" in printed and "/schema" in printed
    for login in logins:
        assert login.username in printed

        answer = await client.post(
            "/api/v1/auth/login", json={"username": login.username, "password": login.password}
        )
        assert answer.status_code == 200, (login.username, answer.text)
        roles = answer.json()["user"]["roles"]
        assert roles == [{"role": r, "org_code": login.org_code} for r in (login.role, *login.also)]
        client.cookies.clear()


async def test_demo_every_roles_queues_hold_something(
    settings: Settings, connection: AsyncConnection
) -> None:
    """At the demo's now, each queue of each school role (and the inspectors') is non-empty, and
    the two-role user shows the role picker."""
    now = datetime.now(UTC)
    async with make_sessionmaker(connection)() as session:
        ctx = Ctx(session, settings, Caches(), now)
        await load_demo(ctx)
        empty: list[tuple[str, str, str]] = []
        users = [
            *(f"demo-shiyan-{s}" for s in ("registrar", "leader", "handler1", "handler2")),
            "demo-qinghe-inspector",
            "demo-city-inspector",
            "demo-shiyan-office",
        ]
        for username in users:
            principal = await _principal(ctx, username)
            for grant in principal.grants:
                acting = replace(principal, grants=(grant,))
                found = await queues.queue(ctx, acting, None, queues.QueueFilter())
                empty += [(username, grant.role.value, c.code) for c in found.counts if c.count == 0]
        assert empty == []
        dual = await _principal(ctx, "demo-shiyan-office")
        assert {g.role for g in dual.grants} == {Role.REGISTRAR, Role.HANDLER}


async def test_demo_grids_have_a_volunteer_contacts_and_a_ticket_in_the_members_queue(
    settings: Settings, connection: AsyncConnection
) -> None:
    now = datetime.now(UTC)
    async with make_sessionmaker(connection)() as session:
        ctx = Ctx(session, settings, Caches(), now)
        await load_demo(ctx)
        volunteer = await _principal(ctx, "demo-shiyan-grid")
        mine = await grids.list_grids(ctx, volunteer)
        assert [g["name"] for g in mine["items"]] == ["第一网格"]
        figures = mine["items"][0]["figures"]
        assert figures["families"] == 3 and figures["contacts"] == 3 and figures["tickets"] == 1
        file = await grids.grid_file(ctx, volunteer, mine["items"][0]["id"])
        (raised,) = [c["ticket"]["number"] for c in file["contacts"] if c["ticket"]]
        # 我的网格 is her default view: the matter she raised, the grid tickets she recorded, and
        # the ticket of 李明轩's home visit (a family of her grid).
        found = await queues.queue(ctx, volunteer, None, queues.QueueFilter())
        assert found.view == "grid" and raised in [r.number for r in found.rows]
        assert {r.channel for r in found.rows} == {"grid", "home_visit"}
