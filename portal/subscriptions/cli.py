"""flask --app portal subscriptions send"""
from __future__ import annotations

import click
from sqlalchemy.exc import IntegrityError

from portal.boundary import CommandGroup, transaction
from portal.clock import today
from portal.extensions import db
from portal.mail import send_pending
from portal.subscriptions import services

subscriptions_cli = CommandGroup("subscriptions", help="政策订阅推送。")


@subscriptions_cli.command("send", job=True)
def send_command():
    """Record today's 今日起施行 notices, then mail each subscriber its new notices once (safe to rerun)."""
    session = db.session
    with transaction():
        effective = services.record_effective_today(session, today())
        forgotten = services.forget_unconfirmed(session)
    # Mail recorded by an earlier run that the server never took (SMTP down, a crash after commit).
    earlier_sent, earlier_failed = send_pending(session, ids=services.unsent_mail_ids(session))
    mails = deliveries = sent = failed = 0
    for subscriber in services.live_subscribers(session):
        # One unit per subscriber: its deliveries and its mail are committed together or not at all.
        try:
            with transaction() as unit:
                recorded = services.record_deliveries(session, subscriber)
        except IntegrityError:  # a run going on beside this one recorded them first, and sends them
            continue
        if recorded:
            mails, deliveries = mails + 1, deliveries + len(recorded)
            sent, failed = sent + unit.sent, failed + unit.failed
    click.echo(
        f"今日起施行通知 {len(effective)} 条；推送邮件 {mails} 封（{deliveries} 条内容），"
        f"发出 {sent + earlier_sent} 封，失败 {failed + earlier_failed} 封（失败的由 mail send 和下次运行重试）；"
        f"删除逾期未确认的订阅 {forgotten} 个。"
    )
