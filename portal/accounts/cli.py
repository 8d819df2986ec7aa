"""flask --app portal users …: accounts from the command line, through the same services as the pages."""
from __future__ import annotations

import click
from sqlalchemy import select

from portal.accounts import services
from portal.accounts.models import Role, User
from portal.actors import OPERATOR
from portal.boundary import CommandGroup
from portal.catalog import queries
from portal.errors import DomainError
from portal.extensions import db

users_cli = CommandGroup("users", help="工作人员账号。")


def _fail(message: str) -> None:
    click.echo(f"未完成：{message}", err=True)
    raise SystemExit(1)  # the unit of work rolls back


def _user(username: str) -> User:
    user = services.user_by_username(db.session, username)
    if user is None:
        _fail(f"没有用户 {username}。")
    return user


def _run(action, *args) -> None:
    try:
        action(db.session, OPERATOR, *args)
    except DomainError as exc:
        _fail(exc.message)


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="省略时交互输入，不留在命令历史中。")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.STAFF.value, show_default=True)
@click.option("--bureau", default=None, help="部门代码（经办人员和部门管理员必填）。")
@click.option("--name", "display_name", default="", help="姓名。")
@click.option("--email", default="", help="接收提醒和督办邮件的地址。")
def create_command(username: str, password: str, role: str, bureau: str | None, display_name: str, email: str):
    """Open an account (staff, bureau_admin, supervisor or admin)."""
    holder = None
    if bureau:
        holder = queries.bureau_by_code(db.session, bureau)
        if holder is None:
            _fail(f"部门 {bureau} 不存在。")
    try:
        user = services.open_account(db.session, OPERATOR, username, password, Role(role), holder, display_name, email)
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"已开通账号 {user.username}（{user.role.label}{'，' + holder.name if holder else ''}）。")


def _activate(username: str, active: bool) -> None:
    user = _user(username)
    _run(services.set_active, user, active)
    click.echo(f"账号 {user.username} 已{'启用' if active else '停用'}。")


@users_cli.command("disable")
@click.argument("username")
def disable_command(username: str):
    """Disable an account; its sessions end at once."""
    _activate(username, False)


@users_cli.command("enable")
@click.argument("username")
def enable_command(username: str):
    """Enable a disabled or locked account."""
    _activate(username, True)


@users_cli.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def password_command(username: str, password: str):
    """Set a new password; the account's sessions end."""
    user = _user(username)
    _run(services.reset_password, user, password)
    click.echo(f"账号 {user.username} 的密码已重置。")


@users_cli.command("email")
@click.argument("username")
@click.argument("address", default="")
def email_command(username: str, address: str):
    """Set (or, without ADDRESS, clear) the address the account's reminders and 督办 mail go to."""
    user = _user(username)
    _run(services.set_email, user, address)
    click.echo(f"账号 {user.username} 的邮箱已{'设为 ' + user.email if user.email else '清除'}。")


@users_cli.command("list")
def list_command():
    """Every account with its role, bureau and state."""
    for user in db.session.scalars(select(User).order_by(User.username)):
        state = "已停用" if not user.active else ("已锁定" if user.locked else "在用")
        click.echo(f"{user.username}\t{user.display_name}\t{user.role.value}\t"
                   f"{user.bureau.code if user.bureau else '-'}\t{state}\t{user.email or '-'}")
