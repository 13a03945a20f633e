"""Talk records (潜江's 附表2, 谈心记载表): a teacher's talk with one student — when, where, who
else took part, the topic, a summary, the teacher's advice and what follows. For the school's
leaders and the class's teachers, as a visit record is; each opening of one is logged
(roster_access, `talk`), since what a minor said is theirs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..db import talks as db
from ..db import visits as visits_db
from ..db.followup_models import Talk
from ..domain.access import Principal
from ..domain.errors import Invalid, NotFound
from . import visit_schemas as vs
from .context import Ctx
from .visits import MAX_BACKDATE, class_access, student_access


def _view(talk: Talk, author: str | None) -> dict[str, Any]:
    return {
        "id": talk.id,
        "student_id": talk.student_id,
        "class_id": talk.class_id,
        "talked_at": talk.talked_at,
        "place": talk.place,
        "participants": talk.participants,
        "topic": talk.topic,
        "content": talk.content,
        "advice": talk.advice,
        "followup": talk.followup,
        "teacher": author,
        "created_at": talk.created_at,
    }


async def create_talk(ctx: Ctx, principal: Principal, data: vs.TalkCreate) -> dict[str, Any]:
    found, access = await student_access(ctx, principal, data.student_id)
    if data.client_key and (known := await db.keyed_talk(ctx.session, principal.user_id, data.client_key)):
        return {**await get_talk(ctx, principal, known, log=False), "replayed": True}
    at = data.talked_at
    if at.tzinfo is None:
        raise Invalid("`talked_at` must carry a time zone offset, e.g. 2026-10-09T16:00:00+08:00.")
    if at > ctx.now + timedelta(minutes=5):
        raise Invalid("`talked_at` cannot be in the future.")
    if at < ctx.now - MAX_BACKDATE:
        raise Invalid("`talked_at` cannot be more than a year ago.")
    if not data.topic.strip():
        raise Invalid("`topic`: say what the talk was about.")
    talk_id = await db.add_talk(
        ctx.session,
        {
            "student_id": found.id,
            "class_id": found.class_id,
            "school_id": access.row.school_id,
            "talked_at": at,
            "place": data.place.strip(),
            "participants": data.participants.strip(),
            "topic": data.topic.strip(),
            "content": data.content.strip(),
            "advice": data.advice.strip(),
            "followup": data.followup.strip(),
            "created_by_id": principal.user_id,
            "client_key": data.client_key,
            "created_at": ctx.now,
        },
    )
    return {**await get_talk(ctx, principal, talk_id, log=False), "replayed": False}


async def get_talk(ctx: Ctx, principal: Principal, talk_id: int, *, log: bool = True) -> dict[str, Any]:
    found = await db.talk(ctx.session, talk_id) if 0 < talk_id < 2**63 else None
    if found is None:
        raise NotFound(f"No talk record {talk_id} in your scope.")
    talk, author = found
    try:
        await class_access(ctx, principal, talk.class_id)
    except NotFound:
        raise NotFound(f"No talk record {talk_id} in your scope.") from None
    if log:
        await visits_db.log_access(ctx.session, principal.user_id, talk.student_id, "talk", ctx.now)
    names = await visits_db.student_names(ctx.session, [talk.student_id])
    return {**_view(talk, author), "student_name": names.get(talk.student_id, "")}


async def list_talks(ctx: Ctx, principal: Principal, student_id: int) -> list[dict[str, Any]]:
    found, _ = await student_access(ctx, principal, student_id)
    return [_view(t, a) for t, a in await db.talks_of(ctx.session, found.id)]


async def talk_form(ctx: Ctx, principal: Principal, student_id: int) -> dict[str, Any]:
    found, access = await student_access(ctx, principal, student_id)
    return {"student": {"id": found.id, "name": found.name, "class_name": access.row.name}}
