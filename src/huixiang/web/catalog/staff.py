"""The staff frame: sign-in, the role picker, the password, the header and the error page."""

from ...domain import words

ENTRIES: dict[str, str] = {
    "staff.name": "回响 · 工作台",
    "staff.nav.queue": "工作台",
    "staff.nav.intake": "录入",
    "staff.nav.notices": "通知",
    "staff.nav.admin": "管理",
    "staff.nav.password": "修改密码",
    "staff.nav.switch": "切换身份",
    "staff.nav.logout": "退出",
    "staff.nav.skip": "跳到正文",
    "staff.acting": "{role} · {org}",
    # sign-in
    "staff.login.title": "工作人员登录",
    "staff.login.lead": "学校登记员、领导、承办人和教育局督查员在此登录。",
    "staff.login.username": "用户名",
    "staff.login.password": "密码",
    "staff.login.submit": "登录",
    "staff.login.missing": "请填写用户名和密码。",
    "staff.login.wrong": "用户名或密码不正确。",
    "staff.login.too_many": "尝试次数过多，请 15 分钟后再试。",
    "staff.login.parents": "家长请扫描学校二维码留言，或凭查询码查询进度。",
    # the role picker
    "staff.act.title": "选择身份",
    "staff.act.lead": "您在多个单位或岗位任职，请选择本次以哪个身份办理。下次登录会记住您的选择。",
    "staff.act.submit": "以此身份进入",
    "staff.act.current": "当前身份",
    # the password
    "staff.password.title": "修改密码",
    "staff.password.current": "当前密码",
    "staff.password.new": "新密码",
    "staff.password.new_hint": "至少 8 个字符。修改后其他已登录的设备不会退出。",
    "staff.password.repeat": "再次输入新密码",
    "staff.password.submit": "修改密码",
    "staff.password.done": "密码已修改。",
    "staff.password.wrong": "当前密码不正确。",
    "staff.password.too_short": "新密码至少 {n} 个字符。",
    "staff.password.mismatch": "两次输入的新密码不一致。",
    # errors
    "staff.error.title": "出错了",
    "staff.error.invalid": "提交的内容有误，请返回修改后再试。",
    "staff.error.signed_out": "登录已过期，请重新登录。",
    "staff.error.forbidden": "您的岗位不能进行此操作。",
    "staff.error.not_found": "没有找到该页面或工单，或它不在您的管辖范围内。",
    "staff.error.conflict": "该工单刚被他人处理过，状态已变化。请刷新后查看最新情况再操作。",
    "staff.error.too_large": "提交的内容或附件太大。",
    "staff.error.too_many": "操作过于频繁，请稍后再试。",
    "staff.error.unavailable": "系统暂时无法连接数据库，请稍后再试。",
    "staff.error.unexpected": "系统出错，已记录，请稍后再试。",
    "staff.error.csrf": "页面已过期或不是从本系统打开的，请刷新页面后重试。",
    "staff.error.back": "返回工作台",
    "staff.form.errors": "请修改标出的内容后再提交。",
    "staff.empty": "暂无工单。",
    # roles
    **{f"role.{code}": word for code, word in words.ROLE.items()},
}
