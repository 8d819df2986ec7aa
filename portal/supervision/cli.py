"""flask --app portal tickets remind: the supervising office's daily reminder job."""
from __future__ import annotations

import click

from portal.boundary import transaction
from portal.clock import today
from portal.extensions import db
from portal.supervision.services import remind
from portal.tickets.cli import tickets_cli
from portal.tickets.workdays import Calendar


@tickets_cli.command("remind", job=True)
def remind_command():
    """Mail each bureau its tickets due on the next working day and those overdue (once a day)."""
    day = today()
    if not Calendar.load(db.session).is_workday(day):
        click.echo(f"{day} 不是工作日，不发提醒。")
        return
    with transaction() as unit:
        counts = remind(db.session, day)
    click.echo(f"提醒 {counts['bureaus']} 个部门、{counts['tickets']} 件工单；发出邮件 {unit.sent} 封，失败 {unit.failed} 封。")
    if counts["without_address"]:
        click.echo("以下部门有到期工单但没有登记邮箱（users email 设置后再运行）：" + "、".join(counts["without_address"]))
