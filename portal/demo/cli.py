"""flask --app portal demo tickets --count N --days D [--seed S] [--surge TOPIC:WEEK:FACTOR]: realistic load
for trying and measuring, and a week's surge of one topic's complaints for the trends."""
from __future__ import annotations

import time

import click
from flask import current_app
from sqlalchemy import func, select

from portal.boundary import CommandGroup, transaction
from portal.catalog.models import Topic
from portal.demo.load import DEFAULT_SEED, Surge, write_tickets
from portal.errors import Invalid
from portal.extensions import db
from portal.supervision.trends import parse_week

demo_cli = CommandGroup("demo", help="演示与压测数据（生产环境不可用）。")


@demo_cli.command("tickets")
@click.option("--count", type=click.IntRange(1, 1_000_000), required=True, help="写入的工单件数")
@click.option("--days", type=click.IntRange(1, 3660), required=True, help="分布在最近多少天内")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="随机种子：相同种子写出相同的工单")
@click.option("--surge", metavar="TOPIC:WEEK:FACTOR", help="某领域在某周（如 hddl:2026-W47:3）投诉激增到平时的 FACTOR 倍")
def tickets_command(count: int, days: int, seed: int, surge: str | None):
    """Write COUNT tickets over the last DAYS days through the real services, each step at its own moment;
    with --surge, one topic's complaints in one ISO week are FACTOR times its usual share (on top of COUNT)."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("生产环境（PORTAL_ENV=production）不能写入演示工单。")
    if not db.session.scalar(select(func.count()).select_from(Topic)):
        raise click.ClickException("目录中还没有领域和部门：请先运行 flask --app portal seed-demo。")
    started = time.perf_counter()
    try:
        written = write_tickets(db.session, count, days, seed, unit=transaction, surge=_surge(surge) if surge else None)
    except Invalid as exc:  # the surge's topic or week
        raise click.ClickException(exc.message) from exc
    spent = time.perf_counter() - started
    click.echo(f"已写入演示工单 {written} 件（最近 {days} 天，种子 {seed}），用时 {spent:.1f} 秒，"
               f"每秒 {written / spent:.0f} 件。")


def _surge(text: str) -> Surge:
    topic, _, rest = text.partition(":")
    week, _, factor = rest.partition(":")
    monday = parse_week(week)
    try:
        times = float(factor)
    except ValueError:
        times = 0.0
    if not topic or monday is None or not 1 < times <= 100:
        raise click.BadParameter("格式为 领域代码:ISO周:倍数，如 hddl:2026-W47:3（倍数大于 1）。", param_hint="--surge")
    return Surge(topic, monday, times)
