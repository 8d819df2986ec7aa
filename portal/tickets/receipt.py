"""The receipt (回执) of a filing: number, what was filed, the bureau, the deadlines and how to track,
as one list of facts that the printable page and the PDF both show. It holds no personal data and not
the retrieval code, and only a browser that opened the ticket with its code reaches it."""
from __future__ import annotations

from portal.clock import chinese_date, chinese_moment, today
from portal.pdf import new_document
from portal.tickets.models import Ticket

TITLE = {"correction": "纠错回执"}


def title(ticket: Ticket) -> str:
    return TITLE.get(ticket.type.value, "诉求回执")


def facts(ticket: Ticket) -> list[tuple[str, str]]:
    """What the receipt says, in order: label and value."""
    rows = [("流水号", ticket.number), ("类型", ticket.type.label), ("标题", ticket.subject),
            ("提交时间", chinese_moment(ticket.created_at))]
    if ticket.guide is not None:
        rows.append(("涉及事项", ticket.guide.title))
    if ticket.policy is not None:
        rows.append(("涉及文件", ticket.policy.title))
    if ticket.page:
        rows.append(("涉及页面", ticket.page))
    if ticket.problem is not None:
        rows.append(("问题类型", ticket.problem.label))
    if ticket.topic is not None:
        rows.append(("领域", ticket.topic.name))
    rows.append(("承办单位", ticket.bureau.name if ticket.bureau else "县营商环境办（分办中）"))
    rows.append(("签收期限", f"{chinese_date(ticket.sign_due)}前" if ticket.sign_due else "分办后确定"))
    rows.append(("答复期限", f"{chinese_date(ticket.reply_due)}前" if ticket.reply_due else "分办后确定"))
    rows.append(("当前状态", ticket.state.label))
    return rows


def how_to_track(track_url: str) -> str:
    return (f"凭流水号和提取码在 {track_url} 查询办理进度、查看答复并评价。提取码只在提交成功页面显示一次"
            "（填写邮箱的同时发到邮箱），本回执不载提取码，请另行妥善保管。期限均为工作日，以查询页面显示为准。")


def receipt_pdf(ticket: Ticket, font, site_name: str, track_url: str) -> bytes:
    """The receipt as an A4 PDF drawn here with the CJK `font`."""
    document = new_document(font)
    document.set_title(f"{title(ticket)} {ticket.number}")
    document.set_font_size(18)
    document.cell(0, 12, f"{site_name}　{title(ticket)}", align="C", new_x="LMARGIN", new_y="NEXT")
    document.ln(4)
    document.set_font_size(11)
    with document.table(col_widths=(30, 144), text_align=("LEFT", "LEFT"), line_height=7,
                        first_row_as_headings=False) as table:
        for label, value in facts(ticket):
            row = table.row()
            row.cell(label)
            row.cell(value)
    document.ln(6)
    document.multi_cell(0, 7, how_to_track(track_url), new_x="LMARGIN", new_y="NEXT")
    document.ln(4)
    document.set_font_size(9)
    document.cell(0, 6, f"生成日期：{chinese_date(today())}", new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())
