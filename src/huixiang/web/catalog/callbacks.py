"""Strings of 回访 (keys `callbacks.`), 查看记录 (`reveals.`) and the words of the two new
archive actions (`ticket.word.callback`, `ticket.word.anonymise`)."""

ENTRIES: dict[str, str] = {
    "ticket.word.callback": "回访",
    "ticket.word.anonymise": "到期匿名化",
    "ticket.what.callback": "回访家长，记录是否解决",
    # the callers' queue (/staff/callbacks)
    "callbacks.nav": "回访",
    "callbacks.title": "回访待办",
    "callbacks.lead": (
        "答复后，由承办人以外的人电话回访家长，记录问题是否解决、是否满意，以及孩子此后是否受到不同对待。"
        "未解决的工单退回承办人重办；家长反映孩子受到不同对待的，立即告知区教育局督查员。"
    ),
    "callbacks.none": "目前没有待回访的工单。",
    "callbacks.since": "待回访自",
    "callbacks.answered": "答复时间",
    "callbacks.answer": "答复内容",
    "callbacks.handler": "承办人",
    "callbacks.contact": "家长",
    "callbacks.rating": "家长评价",
    "callbacks.no_rating": "未评价",
    "callbacks.reveal": "查看完整电话",
    "callbacks.reveal_hint": "查看会记入档案，督查员可见。",
    "callbacks.revealed": "完整电话已显示，本次查看已记入档案。",
    "callbacks.resolved": "问题是否解决",
    "callbacks.resolved.yes": "已解决",
    "callbacks.resolved.no": "未解决（退回重办）",
    "callbacks.satisfaction": "家长满意度",
    "callbacks.treated": "孩子此后是否受到不同对待",
    "callbacks.treated.no": "没有",
    "callbacks.treated.yes": "有（立即告知督查员）",
    "callbacks.note": "回访记录（仅工作人员可见）",
    "callbacks.submit": "记录回访",
    "callbacks.done": "已记录回访：",
    "callbacks.done.rework": "已记录回访，工单已退回承办人重办：",
    "callbacks.error.form": "请完整填写回访结果。",
    "callbacks.error.resolved": "请选择问题是否解决。",
    "callbacks.error.satisfaction": "请选择家长满意度。",
    "callbacks.error.treated_differently": "请选择孩子是否受到不同对待。",
    # the console's figures (/bureau/callbacks)
    "callbacks.figures.nav": "回访",
    "callbacks.figures.title": "回访情况",
    "callbacks.figures.lead": (
        "期间内完成的回访（按回访日期）及目前待回访的工单；"
        "解决率 = 已解决 ÷ 已回访，满意率 = (满意 + 基本满意) ÷ 已回访。"
    ),
    "callbacks.figures.pending": "待回访",
    "callbacks.figures.made": "已回访",
    "callbacks.figures.resolved": "已解决",
    "callbacks.figures.resolved_rate": "解决率",
    "callbacks.figures.satisfaction_rate": "满意率",
    "callbacks.figures.unsatisfied": "不满意",
    "callbacks.figures.treated": "报复迹象",
    "callbacks.figures.signs": "回访反映孩子受到不同对待",
    "callbacks.figures.signs_none": "期间内没有回访反映孩子受到不同对待。",
    "callbacks.figures.number": "工单",
    "callbacks.figures.at": "回访时间",
    "callbacks.figures.by": "回访人",
    "callbacks.figures.none": "期间内没有回访。",
    "callbacks.figures.queue": "去回访待办",
    # the admin's policy (/admin/policies)
    "admin.done.callback_saved": "回访政策已保存，此后答复的工单按新政策抽取。",
    "callbacks.admin.title": "回访政策",
    "callbacks.admin.lead": (
        "答复后由谁回访家长（学校办公室：登记员和校领导；或区教育局督查员），以及回访多少：全部，"
        "或按比例随机抽取（可复现的抽样）。只回访留了电话的家长；承办人本人不能回访。"
    ),
    "callbacks.admin.own": "本单位设置了自己的回访政策。",
    "callbacks.admin.inherited": "本单位沿用上级（或默认）的回访政策。",
    "callbacks.admin.school": "学校执行所属区县或市局的回访政策：由{caller}回访，比例 {percent}%。",
    "callbacks.admin.caller": "由谁回访",
    "callbacks.admin.caller.school": "学校办公室（登记员、校领导）",
    "callbacks.admin.caller.bureau": "区教育局督查员",
    "callbacks.admin.percent": "回访比例（%）",
    "callbacks.admin.percent_hint": "0 到 100 的整数；100 为全部回访，0 为不回访。",
    "callbacks.admin.submit": "保存回访政策",
    "callbacks.admin.bad.caller": "请选择由谁回访。",
    "callbacks.admin.bad.percent": "请填写 0 到 100 的整数。",
    # the overdue board's flag
    "callbacks.board.title": "回访反映报复迹象（待督办）",
    "callbacks.board.hint": "家长在回访中反映孩子此后受到不同对待；对工单下达督办后不再列出。",
    # 查看记录 (/bureau/reveals)
    "reveals.nav": "查看记录",
    "reveals.title": "个人信息查看记录",
    "reveals.lead": (
        "每一次查看家长联系方式、学生信息或家访名册中的家长电话，都记录查看人、时间、对象和原因。"
        "此处只列出谁看了什么，不显示被查看的内容。"
    ),
    "reveals.school": "学校代码",
    "reveals.user": "查看人用户名",
    "reveals.export": "导出 Excel",
    "reveals.none": "期间内没有查看记录。",
    "reveals.truncated": "记录较多，只显示最近 {n} 条；请缩短期间或按学校、查看人筛选。",
    "reveals.at": "时间",
    "reveals.who": "查看人",
    "reveals.role": "身份",
    "reveals.subject": "对象",
    "reveals.what": "查看内容",
    "reveals.reason": "原因",
    "reveals.bad": "筛选条件有误：{detail}",
}
