"""flask --app portal tickets … | calendar …"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from portal.boundary import CommandGroup
from portal.catalog.models import Bureau, Topic
from portal.clock import today
from portal.extensions import db
from portal.tickets.attachments import clean
from portal.tickets.models import CalendarOverride, CalendarYear, DeadlineRule, TicketType
from portal.tickets.services import autoclose
from portal.tickets.similar import rebuild_terms
from portal.tickets.workdays import Calendar, missing_years, official_year

tickets_cli = CommandGroup("tickets", help="诉求工单的定期任务与设置。")
calendar_cli = CommandGroup("calendar", help="工作日日历：节假日与调休的补充设置。")


@tickets_cli.command("autoclose", job=True)
def autoclose_command():
    """Close replied tickets left unrated for the configured working days (safe to run again)."""
    closed = autoclose(db.session, today())
    click.echo(f"自动办结 {len(closed)} 件：{'、'.join(t.number for t in closed) or '无'}。")


@tickets_cli.command("attachments-clean", job=True)
def attachments_clean_command():
    """Daily: finish moving files a killed filing left half-stored; remove day-old files with no ticket."""
    named, removed = clean(db.session, Path(current_app.config["ATTACHMENT_DIR"]))
    click.echo(f"附件整理：补全 {named} 个，删除无对应工单的文件 {removed} 个。")


@tickets_cli.command("rebuild-terms")
def rebuild_terms_command():
    """Write the index of the tickets' words (likely repeats) anew: after upgrading to revision 0019."""
    tickets, terms = rebuild_terms(db.session)
    click.echo(f"疑似重复检索词已重建：{tickets} 件工单，{terms} 个词。")


@tickets_cli.command("rule")
@click.option("--scope", type=click.Choice(["type", "topic", "bureau"]), required=True)
@click.option("--key", required=True, help="类型（consultation/help/complaint/suggestion）、领域或部门代码")
@click.option("--clock", type=click.Choice(["sign", "reply", "autoclose", "cohandle"]), required=True)
@click.option("--days", type=click.IntRange(0, 365), required=True)
def rule_command(scope: str, key: str, clock: str, days: int):
    """Set a deadline in working days; a topic rule wins over a bureau rule, which wins over a type rule."""
    if scope == "type" and key not in {t.value for t in TicketType}:
        raise click.BadParameter("类型应为 consultation、help、complaint 或 suggestion", param_hint="--key")
    model = {"topic": Topic, "bureau": Bureau}.get(scope)
    if model is not None and db.session.scalars(select(model).where(model.code == key)).one_or_none() is None:
        raise click.BadParameter(f"没有代码为 {key} 的{'领域' if scope == 'topic' else '部门'}", param_hint="--key")
    rule = db.session.scalars(select(DeadlineRule).where(
        DeadlineRule.scope == scope, DeadlineRule.key == key, DeadlineRule.clock == clock)).one_or_none()
    if rule is None:
        rule = DeadlineRule(scope=scope, key=key, clock=clock, days=days)
        db.session.add(rule)
    rule.days = days
    since = "新商请的协办" if clock == "cohandle" else "新分办的工单"
    click.echo(f"已设置：{scope}={key} 的 {clock} 期限为 {days} 个工作日（{since}起生效）。")


@calendar_cli.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--workday/--holiday", required=True, help="调休上班日，或法定节假日")
@click.option("--note", default="", help="如：元旦、春节调休")
def calendar_set_command(day: dt.datetime, workday: bool, note: str):
    """Record a holiday or a make-up workday; it wins over the package's calendar."""
    override = db.session.scalars(select(CalendarOverride).where(CalendarOverride.day == day.date())).one_or_none()
    if override is None:
        override = CalendarOverride(day=day.date(), workday=workday, note=note)
        db.session.add(override)
    override.workday, override.note = workday, note
    click.echo(f"{day.date()}：{'上班' if workday else '放假'}{('（' + note + '）') if note else ''}。")


@calendar_cli.command("confirm")
@click.argument("year", type=click.IntRange(2000, 2100))
def calendar_confirm_command(year: int):
    """Say that every holiday and make-up workday of YEAR has been entered."""
    if official_year(year):
        click.echo(f"{year} 年已由官方日历覆盖，无需确认。")
        return
    if db.session.get(CalendarYear, year) is None:
        db.session.add(CalendarYear(year=year))
    click.echo(f"已确认 {year} 年的节假日和调休已全部录入。")


@calendar_cli.command("status")
def calendar_status_command():
    """Which years are counted on the official calendar, and which on the statutory holidays."""
    this_year = today().year
    years = range(this_year - 1, this_year + 3)
    missing = missing_years(db.session, years)
    for year in years:
        entered = sum(1 for day in db.session.scalars(select(CalendarOverride.day)) if day.year == year)
        source = "官方日历（chinesecalendar）" if official_year(year) else (
            f"缺少国务院节假日安排：按法定节假日（逢周末补假）加已录入的 {entered} 天计算，期限可能因调休而变动，"
            f"请用 calendar set 录入后 calendar confirm {year}"
            if year in missing else f"法定节假日（逢周末补假）加人工录入的 {entered} 天（已确认）")
        click.echo(f"{year}：{source}")


@calendar_cli.command("check")
@click.argument("day", metavar="DATE", type=click.DateTime(formats=["%Y-%m-%d"]))
def calendar_check_command(day: dt.datetime):
    """Print one line: the date, workday or holiday, and what decided it (override, official,
    statutory, weekend)."""
    calendar = Calendar.load(db.session)
    day = day.date()
    click.echo(f"{day.isoformat()} {'workday' if calendar.is_workday(day) else 'holiday'} {calendar.source(day)}")
