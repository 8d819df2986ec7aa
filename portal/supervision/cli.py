"""flask --app portal tickets remind | digest | risk-words: the supervising office's periodic jobs
(daily reminders, the weekly trends digest) and its risk words; figures rebuild | check."""
from __future__ import annotations

import click

from portal.actors import OPERATOR
from portal.boundary import CommandGroup, transaction
from portal.clock import today
from portal.errors import InvalidFields
from portal.extensions import db
from portal.supervision.figures import rebuild
from portal.supervision.models import TrendDigest
from portal.supervision.recount import differences
from portal.supervision.risks import risk_words, save_risk_words
from portal.supervision.services import remind, send_digest
from portal.supervision.trends import keep_missing_words
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


@tickets_cli.command("digest", job=True)
def digest_command():
    """Mail the supervising office last week's trends (Monday mornings; once per ISO week)."""
    with transaction() as unit:
        record, result = send_digest(db.session, today())
    if record is None and db.session.get(TrendDigest, result.week) is not None:
        click.echo(f"{result.label} 的周报已发送过，本次不再发送。")
    elif record is None:
        click.echo(f"{result.label} 的周报未发送：县营商环境办没有登记邮箱的账号（users email 设置后再运行）。")
    else:
        click.echo(f"{result.label} 的周报已发送：{unit.sent} 封，失败 {unit.failed} 封；异常上升 {len(result.flagged)} 项。")


@tickets_cli.command("risk-words")
@click.option("--set", "words", default=None, help="新的风险词表（逗号或空格分隔），替换原有词表")
def risk_words_command(words: str | None):
    """Print the risk words, or replace them (each change audited, as on /supervision/risk-words)."""
    if words is not None:
        try:
            added, removed = save_risk_words(db.session, OPERATOR, words)
        except InvalidFields as exc:
            raise click.ClickException("".join(m for messages in exc.errors.values() for m in messages)) from exc
        click.echo(f"增加 {len(added)} 个：{'、'.join(added) or '无'}；删除 {len(removed)} 个：{'、'.join(removed) or '无'}。")
    click.echo("风险词：" + ("、".join(risk_words(db.session)) or "（空）"))


figures_cli = CommandGroup("figures", help="督办考核数据：由工单记录重建与核对。")


@figures_cli.command("rebuild")
def figures_rebuild_command():
    """Write the kept figures anew from every ticket's events (after an upgrade, or after holidays were
    entered for days already past); one transaction."""
    held, facts = rebuild(db.session)
    worded = keep_missing_words(db.session)
    click.echo(f"已重建：办理段 {held} 条，计数事项 {facts} 条；补记工单词语 {worded} 件。")


@figures_cli.command("check")
def figures_check_command():
    """Recount every ticket in Python and compare with the kept figures; exit 1 on any difference."""
    found = differences(db.session, today())
    for line in found[:50]:
        click.echo(line)
    if found:
        raise click.ClickException(f"发现 {len(found)} 处不一致：请运行 figures rebuild。")
    click.echo("考核数据与逐件重算一致。")
