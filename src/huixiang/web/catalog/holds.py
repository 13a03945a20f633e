"""Strings of 退单 and 挂起 (issue 12) on the ticket page, the queue, the parents' timeline and
the figures."""

from ...domain import words

ENTRIES: dict[str, str] = {
    # the actions' words (DESIGN.md's vocabulary) and what each form does
    "ticket.word.return": "退单",
    "ticket.word.request_hold": "申请挂起",
    "ticket.word.hold": "挂起",
    "ticket.word.deny_hold": "驳回挂起",
    "ticket.word.resume": "恢复办理",
    "ticket.what.return": "分派有误，退回重新分派",
    "ticket.what.request_hold": "请责任领导批准暂停办理",
    "ticket.what.hold": "暂停办理，答复期限暂停计算",
    "ticket.what.deny_hold": "不同意挂起申请",
    "ticket.what.resume": "结束挂起，答复期限按挂起的工作日顺延",
    "ticket.return.to_leader": "退回给交办的责任领导，由其重新交办。",
    "ticket.return.to_district": "本件不属本校办理：退回区县教育局，由其重新分派。退回后本校不再看到本件。",
    **{f"ticket.return_reason.{code}": word for code, word in words.RETURN_REASON.items()},
    "ticket.field.reason_code": "退单原因",
    "ticket.field.until": "预计恢复日期（选填）",
    "ticket.hint.until": "到这一天零时自动恢复办理；不填则由责任领导或承办人恢复。",
    "ticket.hint.hold_reason": "例如：等待检测结果、当事人请假。挂起期间不计答复期限。",
    "ticket.hint.approve": "同意承办人的申请：原因和预计恢复日期可不填，沿用申请中的内容。",
    "ticket.error.reason_code": "请选择退单原因。",
    "ticket.error.until": "请选择明天以后、90 天以内的日期。",
    "ticket.error.hold.reason": "请填写挂起原因。",
    "ticket.error.request_hold.reason": "请填写申请挂起的原因。",
    "ticket.error.deny_hold.reason": "请填写不同意的理由。",
    "ticket.done.return": "已退单。",
    "ticket.done.request_hold": "已提交挂起申请，等待责任领导审批。",
    "ticket.done.hold": "已挂起，答复期限暂停计算。",
    "ticket.done.deny_hold": "已驳回挂起申请。",
    "ticket.done.resume": "已恢复办理，答复期限已顺延。",
    # the ticket's head: the hold in force, the request, the returns
    "ticket.hold.title": "挂起中",
    "ticket.hold.paused": "暂停计算",
    "ticket.hold.since": "自 {at} 起",
    "ticket.hold.until": "预计 {at} 恢复办理",
    "ticket.hold.asked": "挂起申请待审批",
    "ticket.hold.asked_by": "{who} 于 {at} 申请",
    "ticket.hold.asked_until": "预计 {day} 恢复",
    "ticket.returns": "已退单 {n} 次",
    "ticket.ev.return": "退单原因：{reason}",
    "ticket.ev.held_days": "挂起 {n} 个工作日，答复期限顺延",
    # the parents' words
    "status.held": "暂停办理",
    "step.return": "重新分派",
    "step.request_hold": "申请暂停",
    "step.hold": "办理暂停",
    "step.deny_hold": "继续办理",
    "step.resume": "恢复办理",
    # the queue
    "queue.view.held": "已挂起",
    # the figures
    "bureau.figure.return_rate": "退单率",
    "bureau.figures.returned": "退单",
}
