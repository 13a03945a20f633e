"""Strings of parents' trust: naming staff, identity escrow, the unseal (keys prefixed `trust.`)."""

ENTRIES: dict[str, str] = {
    # the parents' form
    "trust.legend": "投诉、举报涉及的老师（可选）",
    "trust.hint": (
        "仅在投诉或举报时使用。被您选中的老师看不到这条留言，也不会被交办处理；"
        "如涉及校长等学校领导，留言将直接转交上级教育局办理。"
    ),
    "trust.pick": "选择涉及的老师",
    "trust.staff_none": "本校尚未公布工作人员名单。",
    "trust.escrow": "身份仅教育局可见",
    "trust.escrow_hint": (
        "学校只看到“家长（身份由教育局保管）”，看不到您的姓名和电话；答复仍会以短信告知您，"
        "您也可以凭查询码查看。仅教育局指定的审核人员在必要时可查看您的身份，每次查看都有记录。"
    ),
    "trust.error.kind": "只有投诉或举报可以选择涉及的老师或“身份仅教育局可见”。",
    "trust.error.escrow_anonymous": "匿名提交不保存任何身份，无需再选“身份仅教育局可见”。",
    "trust.error.escrow_contact": "选择“身份仅教育局可见”时，请留下电话或邮箱，以便把答复告知您。",
    "trust.receipt_escrow": "您的身份由教育局保管，学校看不到您的姓名和电话。",
    # staff pages
    "trust.escrowed_parent": "家长（身份由教育局保管）",
    "trust.named.title": "涉及的教职工",
    "trust.named.lead": "被点名的教职工看不到此工单，不能被交办，也不会收到任何提醒。",
    "trust.named.current": "已标记：{names}",
    "trust.named.none": "尚未标记。",
    "trust.named.submit": "标记涉及人员",
    "trust.named.note": "说明（内部）",
    "trust.named.moved": "已标记。因涉及学校领导，工单已转交上级教育局办理，本校不再可见。",
    "trust.unseal.title": "查看托管身份",
    "trust.unseal.reason": "查看理由（将记入档案，督查人员可见）",
    "trust.unseal.submit": "查看身份",
    # the ticket page's words for the two archive entries, its notices and its field errors
    "ticket.word.name_staff": "标记涉及人员",
    "ticket.word.unseal": "查看托管身份",
    "ticket.done.named": "已标记涉及人员。被标记的教职工将看不到此工单。",
    "ticket.done.unseal": "已查看托管身份。本次查看已记入档案，督查人员可见。",
    "ticket.error.named_staff": "请从本校教职工名单中选择涉及的人员（不能选择当前承办人）。",
    "ticket.error.named.form": "此工单现在不能标记涉及人员（仅限待登记、已登记、待交办的投诉或举报）。",
    "ticket.error.unseal.reason": "请填写查看托管身份的原因。",
    "ticket.ev.named": "涉及：{names}",
    "trust.named.after_intake": (
        "学校看不到家长身份，答复仍会以短信告知家长。如涉及本校教职工，录入后可在工单页标记涉及人员。"
    ),
    "trust.intake.named": "涉及的本校教职工（投诉、举报，可选）",
    "trust.intake.escrow": "身份仅教育局可见（投诉、举报）",
}
