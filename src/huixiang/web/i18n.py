"""Every string the pages show, in one catalogue per language (zh-CN complete)."""

from __future__ import annotations

from typing import Any

from ..domain import words
from .catalog import admin, bureau, bureau_figures, intake, notices, queue, staff, ticket

ZH_CN: dict[str, str] = {
    "site.name": "回响 · 家校意见直通车",
    "site.tagline": "事事有回应，件件有落实",
    "nav.track": "查询进度",
    "nav.home": "首页",
    # landing
    "landing.title": "{school} · 家长意见直通车",
    "landing.who": "由{answerer}负责答复",
    "landing.who_default": "由学校专人登记，校领导交办，承办老师答复",
    "landing.promise": "一般在 {days} 个工作日内答复；紧急事项 24 小时内处理。",
    "landing.channels": "其他反映渠道",
    "landing.phone": "校长热线：{phone}",
    "landing.phone_hours": "（{hours}）",
    "landing.reception": "书记校长接待日：{days}",
    "landing.mailbox": "校长信箱：校门口信箱，每个工作日开箱登记",
    "landing.cta": "我要留言",
    "landing.track": "已有查询码？查询进度",
    "landing.bureau": "对学校本身有意见？可直接提交给{district}",
    "landing.qr": "下载二维码 / 打印海报",
    # form
    "form.title": "我要留言",
    "form.kind": "诉求类型",
    "form.category": "问题类别",
    "form.choose": "请选择",
    "form.title_field": "标题（选填）",
    "form.content": "具体内容",
    "form.content_hint": "请写清时间、地点、经过和您的期望，便于学校核实办理。",
    "form.count": "已输入 {n} / {max} 字",
    "form.files": "照片或 PDF（选填，最多 5 个，每个不超过 10 MB）",
    "form.files_again": "提交未成功时，已选的照片不会保留，请重新选择。",
    "form.anonymous": "匿名提交",
    "form.anonymous_hint": "匿名时不会保存您的姓名、电话和孩子信息；学校无法回电，您只能凭查询码查看答复。",
    "form.contact": "联系方式（选填）",
    "form.contact_hint": "留下电话，学校答复时会短信告知您；电话只对登记和答复的老师可见。",
    "form.contact_name": "您的称呼",
    "form.contact_phone": "手机号码",
    "form.contact_email": "电子邮箱",
    "form.contact_relation": "与学生关系",
    "form.student": "学生信息（选填）",
    "form.student_name": "学生姓名",
    "form.student_class": "班级",
    "form.to_bureau": "直接提交给上级教育局（适用于反映学校领导或学校本身的问题）",
    "form.consent_title": "信息使用说明",
    "form.consent_text": "我们收集您填写的留言内容，以及您自愿留下的联系方式和学生信息，仅用于核实、办理和答复本次留言；"
    "办理部门只能看到与办理有关的信息，电话号码对承办老师部分隐藏。留言及办理记录按教育部门档案要求保存（一般 3 年），"
    "到期后删除或匿名化。您可以选择匿名提交。",
    "form.consent": "我已阅读并同意以上说明",
    "form.submit": "提交留言",
    "form.submitting": "正在提交…",
    "form.errors": "请修改标出的内容后再提交。",
    # field errors
    "error.not_a_form": "提交的不是表单，请在本页面上填写后提交。",
    "error.required": "请填写此项。",
    "error.kind": "请选择诉求类型。",
    "error.category": "请选择问题类别。",
    "error.content_long": "内容不能超过 {max} 字。",
    "error.title_long": "标题不能超过 200 字。",
    "error.phone": "请填写正确的手机或电话号码。",
    "error.email": "请填写正确的电子邮箱。",
    "error.name_long": "不能超过 50 字。",
    "error.consent": "请阅读并勾选同意信息使用说明。",
    "error.files_count": "最多上传 5 个文件。",
    "error.files_size": "每个文件不能超过 10 MB。",
    "error.files_type": "只能上传照片（JPG、PNG、GIF、WebP、HEIC）或 PDF 文件。",
    "error.anonymous_contact": "匿名提交时请不要填写联系方式和学生信息。",
    "error.csrf": "页面已过期，请刷新后重新提交（您填写的内容已保留）。",
    "error.too_many": "提交过于频繁，请稍后再试。",
    "error.track_too_many": "查询次数过多，请 10 分钟后再试。",
    "error.generic": "提交未成功，请检查后重试。",
    "error.not_found": "没有找到与该编号和查询码匹配的留言，请核对后重试。",
    "error.page_not_found": "页面不存在。",
    "error.unavailable": "系统暂时无法访问，请稍后再试。",
    "error.forbidden": "您没有权限进行此操作。",
    "error.conflict": "留言状态刚刚发生了变化，请刷新页面后重试。",
    "error.too_large": "提交的内容过大：最多上传 5 个文件，每个不超过 10 MB。",
    "error.unexpected": "系统出现错误，已记录，请稍后再试。",
    # receipt
    "receipt.title": "留言已收到",
    "receipt.number": "留言编号",
    "receipt.code": "查询码",
    "receipt.key": "请保存好编号和查询码：这是查看答复的唯一凭证，遗失后无法找回。",
    "receipt.expected": "预计答复时间：{date} 前",
    "receipt.copy": "复制",
    "receipt.copied": "已复制",
    "receipt.print": "打印 / 保存为 PDF",
    "receipt.screenshot": "建议截图保存本页。",
    "receipt.track": "查看办理进度",
    "receipt.to_bureau": "已直接提交给{district}",
    # tracking
    "track.title": "查询办理进度",
    "track.number": "留言编号",
    "track.code": "查询码",
    "track.submit": "查询",
    "track.timeline": "办理进度",
    "track.answer": "学校答复",
    "track.no_answer": "学校正在办理，答复后会显示在这里。",
    "track.answer_bureau": "教育局答复",
    "track.no_answer_bureau": "教育局正在办理，答复后会显示在这里。",
    "track.due": "答复期限：{date}",
    "track.merged": "您的留言与同类问题合并办理，办理结果见编号 {number}。",
    "track.your_content": "您的留言",
    "track.reopened": "您对答复不满意，留言已退回承办老师重新办理，将在 {date} 前再次答复。",
    "rate.title": "您对答复满意吗？",
    **{f"rate.{code}": word for code, word in words.RATING.items()},
    "rate.comment": "补充说明（选填）",
    "rate.submit": "提交评价",
    "rate.after": "选择“不满意”后，留言会退回承办老师重新办理，并在 3 个工作日内再次答复；"
    "再次答复后仍可评价。",
    "rate.thanks": "感谢您的评价。",
    "rate.not_now": "现在不能评价：每次答复只能评价一次，学校答复后才能评价。",
    "rate.done": "您的评价：{value}",
    # timeline steps
    "step.intake": "已收到",
    "step.register": "已受理",
    "step.submit": "已提交学校领导",
    "step.assign": "已交办",
    "step.respond": "已答复",
    "step.rate": "家长已评价",
    "step.archive": "已办结",
    "step.reopen": "重新办理",
    "step.extend": "办理期限已延长",
    "step.merge": "已合并办理",
    "step.inspect": "督查复核",
    # statuses
    "status.collected": "已收到",
    "status.registered": "已受理",
    "status.submitted": "已受理",
    "status.assigned": "已交办",
    "status.responded": "已答复",
    "status.archived": "已办结",
    "status.inspected": "已办结",
    "status.merged": "已合并",
    # kinds, channels, priorities and the staff's status words: from the product's words
    **{f"kind.{code}": word for code, word in words.KIND.items()},
    **{f"channel.{code}": word for code, word in words.CHANNEL.items()},
    **{f"priority.{code}": word for code, word in words.PRIORITY.items()},
    **{f"staff_status.{code}": word for code, word in words.STAFF_STATUS.items()},
    # poster
    "poster.title": "家长意见直通车",
    "poster.scan": "微信扫一扫，给学校留言",
    "poster.promise": "事事有回应，件件有落实",
    "poster.download_png": "下载二维码 PNG",
    "poster.download_svg": "下载二维码 SVG",
    "poster.print": "打印 A4 海报",
}

for _part in (staff, queue, ticket, intake, notices, admin, bureau, bureau_figures):
    if _twice := ZH_CN.keys() & _part.ENTRIES.keys():
        raise RuntimeError(f"catalogue keys said twice: {sorted(_twice)}")
    ZH_CN.update(_part.ENTRIES)

CATALOGUES = {"zh-CN": ZH_CN}


def translate(key: str, language: str = "zh-CN", **values: Any) -> str:
    text = CATALOGUES.get(language, ZH_CN).get(key) or ZH_CN.get(key) or key
    return text.format(**values) if values else text
