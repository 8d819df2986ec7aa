"""flask --app portal apikeys …: the Open311 partners' keys, through the same services as everything else."""
from __future__ import annotations

import click

from portal.actors import OPERATOR
from portal.boundary import CommandGroup
from portal.clock import chinese_moment
from portal.errors import DomainError
from portal.extensions import db
from portal.open311 import services
from portal.tickets.models import KEY_CHANNELS

apikeys_cli = CommandGroup("apikeys", help="Open311 接口的 API key。")


def _fail(message: str) -> None:
    click.echo(f"未完成：{message}", err=True)
    raise SystemExit(1)  # the unit of work rolls back


@apikeys_cli.command("create")
@click.argument("name")
@click.option("--channel", type=click.Choice([c.value for c in KEY_CHANNELS]), default="open311", show_default=True,
              help="该 key 提交的工单记为哪个渠道：open311，或 12345 平台用 hotline、微信小程序用 wechat。")
def create_command(name: str, channel: str):
    """Make a key for a partner; the key is printed once, alone on the last line."""
    try:
        record, key = services.create_key(db.session, OPERATOR, name, channel)
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"已创建 API key {record.name}（渠道：{record.channel.label}）。")
    click.echo("密钥只显示这一次，系统只保存其摘要：请立即交给对方保存；遗失后只能吊销并重新创建。")
    click.echo(key)


@apikeys_cli.command("list")
def list_command():
    """Every key: name, channel, the key's first characters, when made, whether revoked."""
    rows = services.keys(db.session)
    for record in rows:
        state = f"已吊销 {chinese_moment(record.revoked_at)}" if record.revoked_at else "有效"
        click.echo(f"{record.name}\t{record.channel.value}\t{record.prefix}…\t{chinese_moment(record.created_at)}\t{state}")
    click.echo(f"共 {len(rows)} 个。")


@apikeys_cli.command("revoke")
@click.argument("name")
def revoke_command(name: str):
    """Revoke a key: its next request is refused (403)."""
    try:
        services.revoke_key(db.session, OPERATOR, name)
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"已吊销 API key {name}：此后使用它的请求一律拒绝（403）。")
