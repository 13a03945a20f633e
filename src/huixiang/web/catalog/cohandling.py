"""Strings of 主办/协办 and 审核签发 (issue 12): the ticket page's helpers, drafts, notes and
sign-off, the 协办 and 待签发 queues, the review flags of the policies page."""

ENTRIES: dict[str, str] = {
    # the parents' words: an answer under review is not an answer yet
    "status.reviewing": "已交办",
    "step.approve": "已答复",
    # the actions' words and what each form does
    "ticket.word.approve": "签发",
    "ticket.word.send_back": "退回修改",
    "ticket.word.note": "备注",
    "ticket.what.approve": "审核通过，答复发送给家长",
    "ticket.what.send_back": "退回主办人修改答复",
    "ticket.what.note": "内部备注，家长看不到",
    "ticket.done.approve": "已签发，家长会收到答复通知。",
    "ticket.done.send_back": "已退回主办人修改。",
    "ticket.done.note": "备注已添加。",
    "ticket.done.review": "答复已提交责任领导签发；签发后家长才能看到。",
    "ticket.done.draft": "草稿已保存。",
    "ticket.actor.helper": "协办人",
    # helpers (协办)
    "ticket.fact.helpers": "协办人",
    "ticket.field.helpers": "协办人（选填）",
    "ticket.hint.helpers": "协办人可添加备注和答复草稿，由主办人（上面选定的承办人）答复家长；期限只有一个。",
    "ticket.helping": "您是本件的协办人：可添加备注和答复草稿，由主办人答复家长。",
    "ticket.ev.helpers": "协办人：{names}",
    "ticket.ev.helpers_none": "不设协办人",
    "ticket.error.helpers": "请选择本校的承办人作为协办人（不能是主办人，最多 10 人）。",
    # 审核签发
    "ticket.review.hint": "本校对此类诉求实行审核签发：提交后由责任领导签发，家长在签发后才能看到答复。",
    "ticket.review.submit": "提交签发",
    "ticket.pending": "待签发的答复",
    "ticket.pending.returned": "退回修改的答复",
    "ticket.pending.by": "{name} 提交于 {at}",
    "ticket.pending.note": "给家长的说明：{note}",
    "ticket.field.send_back_note": "修改意见（主办人可见，家长看不到）",
    "ticket.field.approve_note": "内部意见（选填，家长看不到）",
    "ticket.error.send_back.note": "请写明需要修改的地方。",
    "ticket.error.note.note": "请填写备注内容。",
    "ticket.field.note_text": "备注内容（家长看不到）",
    "ticket.ev.review": "待签发",
    "ticket.ev.author": "答复人：{name}",
    # drafts
    "ticket.drafts": "答复草稿",
    "ticket.drafts.none": "还没有草稿。",
    "ticket.draft.field": "我的草稿",
    "ticket.draft.hint": "草稿只有主办人、协办人和责任领导能看到，不进入办理记录；清空后保存即删除。",
    "ticket.draft.save": "保存草稿",
    "ticket.draft.use": "用此草稿答复",
    "ticket.draft.by": "{name} · {at}",
    "ticket.error.draft.text": "草稿不能超过 5000 字。",
    # the queues
    "queue.view.helping": "协办",
    "queue.view.signing": "待签发",
    # the policies page
    "admin.policy.review": "审核签发",
    "admin.policy.review_hint": (
        "勾选的诉求类型，承办人的答复须经责任领导签发后家长才能看到；责任领导本人答复的无需签发。"
    ),
}
