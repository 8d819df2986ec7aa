"""flask --app portal tickets remind (the supervising office's daily reminder job); figures rebuild | check."""
from __future__ import annotations

import click

from portal.boundary import CommandGroup, transaction
from portal.clock import today
from portal.extensions import db
from portal.supervision.figures import rebuild
from portal.supervision.recount import differences
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


figures_cli = CommandGroup("figures", help="督办考核数据：由工单记录重建与核对。")


@figures_cli.command("rebuild")
def figures_rebuild_command():
    """Write the kept figures anew from every ticket's events (after an upgrade, or after holidays were
    entered for days already past); one transaction."""
    held, facts = rebuild(db.session)
    click.echo(f"已重建：办理段 {held} 条，计数事项 {facts} 条。")


@figures_cli.command("check")
def figures_check_command():
    """Recount every ticket in Python and compare with the kept figures; exit 1 on any difference."""
    found = differences(db.session, today())
    for line in found[:50]:
        click.echo(line)
    if found:
        raise click.ClickException(f"发现 {len(found)} 处不一致：请运行 figures rebuild。")
    click.echo("考核数据与逐件重算一致。")
