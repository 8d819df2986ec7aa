"""Operator commands: flask --app portal <command>. Each runs as one unit of work (portal.boundary)."""
from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from portal import demo, migrate
from portal.boundary import CommandGroup, command, transaction
from portal.catalog.content import ContentError, export_content, import_content
from portal.catalog.models import Bureau
from portal.catalog.services import expire_policies
from portal.clock import today
from portal.extensions import db
from portal.mail import masked, parked, release_parked, send_pending

DEMO_CONTENT = demo.CONTENT

content_cli = CommandGroup("content", help="导入或导出内容文件（JSON Lines）。")
policies_cli = CommandGroup("policies", help="政策文件的定期任务。")
mail_cli = CommandGroup("mail", help="邮件发送。")


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the schema or upgrade it to the newest migration (Alembic keeps its own transactions)."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("数据库已就绪（已升级到最新版本）。")


def _import_file(path: Path) -> None:
    """Import a file: every line is checked first, and a file with any error writes nothing (exit 1).
    On PostgreSQL the file is one unit of work; on SQLite, whose one writer at a time would keep a
    business's filing waiting for the whole import, it is written in batches of BATCH lines, each its
    own unit (a crash part-way leaves the first batches in: importing the file again completes it)."""
    batches = db.engine.dialect.name == "sqlite"
    try:
        with path.open(encoding="utf-8") as handle, (nullcontext() if batches else transaction()):
            report = import_content(db.session, handle, unit=transaction if batches else None)
    except UnicodeDecodeError:
        click.echo(f"导入失败：{path} 不是 UTF-8 编码的文本文件，未写入任何内容。", err=True)
        sys.exit(1)
    except ContentError as exc:
        click.echo(f"导入失败，未写入任何内容。共 {len(exc.lines)} 处错误：", err=True)
        for error in exc.lines:
            click.echo(f"  {error}", err=True)
        sys.exit(1)
    click.echo(f"导入完成：{report}。")


@content_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path):
    """Import a content file: upsert by code/slug, all or nothing."""
    _import_file(path)


@content_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_command(path: Path):
    """Export all content to a file in the import format ('-' for standard output)."""
    lines = export_content(db.session)
    text = "".join(line + "\n" for line in lines)
    if str(path) == "-":
        sys.stdout.write(text)
    else:
        path.write_text(text, encoding="utf-8")
        click.echo(f"已导出 {len(lines)} 行到 {path}。")


@command("seed-demo")
@click.option("--force", is_flag=True, help="Import again over a catalog that already has content.")
def seed_demo_command(force: bool):
    """Load the demo content written from the county plan, through the import path (once)."""
    if not force and db.session.scalar(select(func.count()).select_from(Bureau)):
        click.echo("目录中已有内容，未重复导入演示数据（需要覆盖时加 --force）。")
    else:
        _import_file(DEMO_CONTENT)
    if current_app.config["PORTAL_ENV"] == "production":
        click.echo("生产环境不创建演示账号；请用 users create 开通账号。")
        return
    from portal.demo.tickets import demo_key, seed_tickets

    with transaction():
        created = demo.seed_accounts(db.session)
    for user in created:
        click.echo(f"演示账号：{user.username}（{user.role.label}{'，' + user.bureau.name if user.bureau else ''}）")
    if created:
        click.echo(f"演示账号的密码均为 {demo.PASSWORD}，仅供本机演示。")
    with transaction():
        record, key = demo_key(db.session)
    if key:  # development only (production returned above); stored hashed, so shown this once
        click.echo(f"演示 Open311 API key {record.name}（渠道：{record.channel.label}），仅供本机演示：")
        click.echo(key)
    with transaction():
        tickets = seed_tickets(db.session)
    if tickets:
        click.echo(f"演示工单 {len(tickets)} 件（各种状态，部分已逾期；含电话受理、12345转办、保密件和一对并单）。")


@policies_cli.command("expire", job=True)
def expire_command():
    """Record as expired every in-force policy past its expiry date (safe to run again)."""
    expired = expire_policies(db.session, today())
    for policy in expired:
        click.echo(f"已失效：{policy.title}（有效期至 {policy.expires_on}）")
    click.echo(f"共 {len(expired)} 件政策文件标记为已失效。")


@mail_cli.command("send", job=True)
def mail_send_command():
    """Send (or retry) the mail waiting in the outbox: the mail sender's own job."""
    sent, failed = send_pending(db.session)
    stuck = len(parked(db.session))
    click.echo(f"已发送 {sent} 封，失败 {failed} 封（失败的下次重试）。"
               + (f"另有 {stuck} 封多次发送失败已暂停，见 mail parked。" if stuck else ""))


@mail_cli.command("parked")
def mail_parked_command():
    """List the mail that failed too often to be retried, with the last error (addresses masked)."""
    rows = parked(db.session)
    for message in rows:
        click.echo(f"{message.id}\t{masked(message.recipient)}\t{message.subject}\t{message.last_error}")
    click.echo(f"共 {len(rows)} 封已暂停；排除原因后运行 mail release 重新发送。")


@mail_cli.command("release")
def mail_release_command():
    """Retry the parked mail again (after the cause was mended)."""
    click.echo(f"已恢复 {release_parked(db.session)} 封暂停的邮件，将由 mail send 重新发送。")


def init_app(app: Flask) -> None:
    """Register every command group of every part."""
    from portal.accounts.cli import users_cli
    from portal.open311.cli import apikeys_cli
    from portal.search.cli import search_cli
    from portal.subscriptions.cli import subscriptions_cli
    from portal.supervision import cli as supervision_cli  # noqa: F401  (adds `tickets remind`)
    from portal.tickets.cli import calendar_cli, tickets_cli

    for group in (init_db_command, seed_demo_command, content_cli, policies_cli, search_cli, tickets_cli,
                  calendar_cli, mail_cli, users_cli, subscriptions_cli, apikeys_cli):
        app.cli.add_command(group)
