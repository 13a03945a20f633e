"""Strings of the bureau's console (keys prefixed `bureau.`)."""

ENTRIES: dict[str, str] = {
    "bureau.title": "督查",
    "bureau.nav.label": "督查栏目",
    "bureau.nav.overview": "概览",
    "bureau.period": "统计期间",
    "bureau.from": "起始日期",
    "bureau.to": "截止日期",
    "bureau.org": "单位代码（选填）",
    "bureau.show": "查看",
    "bureau.bad_period": "统计期间有误：请填写形如 2026-11-01 的日期，起始日期不晚于截止日期。",
    "bureau.overview.title": "办理情况概览",
    "bureau.overview.by_school": "各校情况",
    "bureau.overview.none": "这段时间没有收件。",
    "bureau.figure.total": "收件",
    "bureau.figure.response_rate": "反馈率",
    "bureau.figure.on_time_rate": "按时反馈率",
    "bureau.figure.satisfaction_rate": "满意率",
    "bureau.figure.reopen_rate": "重办率",
    "bureau.figure.overdue_open": "超期未办",
    "bureau.figure.median_hours": "答复用时中位数（小时）",
    "bureau.school": "学校",
}
