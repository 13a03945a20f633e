"""Strings of the notices pages (keys prefixed `notices.`)."""

ENTRIES: dict[str, str] = {
    "notices.title": "通知",
    "notices.lead": "您有 {n} 条未读通知。",
    "notices.none_unread": "没有未读通知。",
    "notices.empty": "还没有通知。新工单、交办、即将到期和逾期时，这里会提醒您。",
    "notices.unread": "未读",
    "notices.read": "已读",
    "notices.open": "查看工单 {number}",
    "notices.mark_read": "标为已读",
    "notices.read_all": "全部标为已读",
    "notices.settings_link": "通知方式设置",
    # one's own channels
    "notices.settings.title": "通知方式",
    "notices.settings.back": "‹ 返回通知",
    "notices.settings.channels": "除站内通知外，还通过以下方式提醒我",
    "notices.settings.email": "电子邮箱",
    "notices.settings.phone": "手机号码（接收短信）",
    "notices.settings.submit": "保存",
    "notices.settings.saved": "已保存。",
    "notices.settings.robots": "单位群机器人",
    "notices.settings.robots_hint": (
        "企业微信、钉钉、飞书的群机器人由管理员为单位设置，通知会发到单位的工作群。"
    ),
    "notices.channel.in_app": "站内通知（始终开启）",
    "notices.channel.email": "电子邮件",
    "notices.channel.sms": "短信",
    "notices.channel.wecom": "企业微信",
    "notices.channel.dingtalk": "钉钉",
    "notices.channel.feishu": "飞书",
    "notices.robot.on": "已设置",
    "notices.robot.off": "未设置",
    "notices.error.channel": "请从列出的通知方式中选择。",
    "notices.error.email": "请填写正确的电子邮箱。",
    "notices.error.email_needed": "选择了电子邮件，请填写电子邮箱。",
    "notices.error.phone": "请填写正确的手机号码。",
    "notices.error.phone_needed": "选择了短信，请填写手机号码。",
}
