"""The demo's 主办/协办 and 审核签发: at the showcase school, complaints and reports are signed
off by a leader; each of its handlers helps a colleague on one ticket (with a note and a draft),
and one complaint's answer waits in the leader's 待签发 list.

The demo loader calls `await load_cohandling(ctx, principals)` after `_run` (load_demo)."""

from __future__ import annotations

from ..db import cohandling as rows
from ..domain.access import Principal
from ..domain.enums import Action, Kind
from ..services import admin, tickets
from ..services import cohandling_schemas as cs
from ..services import schemas as s
from ..services.context import Ctx
from ..services.reference import org_info
from ..services.tickets import cohandling
from .plan import SHOWCASE, SHOWCASE_HANDLERS

REVIEWED_KINDS = (Kind.COMPLAINT, Kind.REPORT)
ADMIN = "demo-admin"
NOTES = (
    "已向年级组长了解情况，当天值班老师可以作证。",
    "我已调出上周的记录，情况基本属实，建议答复时说明整改时间。",
    "家长所说的时段我在现场，可补充细节：放学时校门口车辆较多。",
)
DRAFTS = (
    "家长您好！您反映的问题我们已经核实，学校将于本周内落实整改，并请班主任与您电话沟通。",
    "家长您好！感谢您的反馈，相关老师已谈话提醒，后续由年级组每周检查。",
    "家长您好！学校已安排专人在放学时段值守，并与交警协调疏导车辆。",
)
SIGN_ANSWER = (
    "家长您好！您反映的情况学校已认真核查：相关老师已作出说明并致歉，学校已约谈并要求整改，"
    "德育处将在两周内回访班级。感谢您对学校工作的监督。"
)


async def load_cohandling(ctx: Ctx, principals: dict[str, Principal]) -> None:
    school = await org_info(ctx, SHOWCASE)
    assert school is not None
    flags = {kind.value: True for kind in REVIEWED_KINDS}
    await admin.update_policy(ctx, principals[ADMIN], SHOWCASE, {"review_required_by_kind": flags})
    leader = principals[f"{SHOWCASE}-leader"]
    handled = [r for r in await rows.assigned_of_school(ctx.session, school.id) if r.respond_due_at > ctx.now]
    used: set[str] = set()
    # One complaint answered by its assignee: it waits for 签发 (not the one a helper is on), and
    # still counts in the handler's 即将超期 and 已超期 (an answer under review is not yet one).
    complaint = next((r for r in handled if r.kind == Kind.COMPLAINT.value and not r.supervised), None)
    if complaint is not None:
        used.add(complaint.number)
        request = s.RespondRequest(text=SIGN_ANSWER, internal_note="已与当事老师、班主任核实。")
        await tickets.act(ctx, principals[complaint.username], complaint.number, Action.RESPOND, request)
    # Each showcase handler helps the next one on a ticket of theirs, with a note and a draft.
    for i, lead in enumerate(SHOWCASE_HANDLERS):
        helper = SHOWCASE_HANDLERS[(i + 1) % len(SHOWCASE_HANDLERS)]
        found = next((r for r in handled if r.username == lead and r.number not in used), None)
        if found is None:
            continue
        used.add(found.number)
        at = ctx
        assign = s.AssignRequest(assignee=lead, helpers=[helper], note="请两位老师共同办理，主办人负责答复。")
        await tickets.act(at, leader, found.number, Action.ASSIGN, assign)
        note = cs.NoteAction(note=NOTES[i % len(NOTES)])
        await tickets.act(at, principals[helper], found.number, Action.NOTE, note)
        draft = cs.DraftRequest(text=DRAFTS[i % len(DRAFTS)])
        await cohandling.save_draft(at, principals[helper], found.number, draft)
