"""Account rules: who may exist, how a password is checked, when an account locks, who manages whom.
The staff actions (opening, disabling, resetting, logging in and out) write their audit line from the
actor they are given, so the `users` commands record the same lines as the pages. Callers commit."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.models import Role, User, new_session_token
from portal.actors import Actor
from portal.audit import audit, name_actions
from portal.catalog.models import Bureau
from portal.clock import now
from portal.errors import Forbidden, Invalid
from portal.text import CONTROL, valid_email

USERNAME = re.compile(r"[a-z][a-z0-9_.-]{2,39}")
MIN_PASSWORD = 10
MAX_FAILURES = 5  # in a row; then the account waits LOCK_TIME
LOCK_TIME = dt.timedelta(minutes=15)
LOGIN_FAILED = f"用户名或密码错误。连续错误 {MAX_FAILURES} 次，账号将锁定 {LOCK_TIME.seconds // 60} 分钟。"
_DUMMY_HASH = generate_password_hash("not-a-real-password")
# Pairs rather than a dict literal: bandit (B105) reads a "password" key with a string as a password.
name_actions(dict((
    ("login", "登录"), ("login_failed", "登录失败"), ("logout", "退出"), ("password_change", "修改密码"),
    ("password_change_failed", "修改密码时当前密码错误"), ("user_email", "设置邮箱"), ("user_create", "开通账号"),
    ("user_disable", "停用账号"), ("user_enable", "启用账号"), ("user_password_reset", "重置密码"),
)))


class AccountError(Invalid):
    """A request the account rules refuse; the message is shown next to its field."""


def check_password_rules(password: str, username: str) -> None:
    """At least 10 characters with letters and digits, and not the username."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位。", "password")
    if len(password) > 200:
        raise AccountError("密码最多 200 位。", "password")
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise AccountError("密码须同时包含字母和数字。", "password")
    if username and username.lower() in password.lower():
        raise AccountError("密码不能包含用户名。", "password")


def user_by_username(session: Session, username: str) -> User | None:
    """The account of a well-formed username; anything else is not looked up at all."""
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        return None
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def check_email(email: str) -> str:
    """An optional address for reminders and 督办 mail, checked like a business's."""
    email = email.strip()
    if email and not valid_email(email):
        raise AccountError("电子邮箱格式不正确；可不填。", "email")
    return email


def create_user(session: Session, username: str, password: str, role: Role, bureau: Bureau | None,
                display_name: str = "", email: str = "") -> User:
    """A new account: a unique lowercase username, a bureau for bureau roles and none for the admin."""
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise AccountError("用户名为 3 至 40 位小写字母、数字、点、下划线或连字符，以字母开头。", "username")
    if user_by_username(session, username) is not None:
        raise AccountError(f"用户名 {username} 已被使用。", "username")
    if role.needs_bureau and bureau is None:
        raise AccountError(f"{role.label}须属于一个部门。", "bureau")
    if role is Role.ADMIN and bureau is not None:
        raise AccountError("系统管理员不属于任何部门。", "bureau")
    display_name = display_name.strip() or username
    if len(display_name) > 50:
        raise AccountError("姓名最多 50 个字。", "display_name")
    if CONTROL.search(display_name):
        raise AccountError("姓名含有不可见的控制字符。", "display_name")
    check_password_rules(password, username)
    user = User(username=username, display_name=display_name, role=role, bureau=bureau, email=check_email(email),
                password_hash=generate_password_hash(password), password_changed_at=now())
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The account if the password is right and it is neither disabled nor locked. Five wrong
    passwords in a row lock it for 15 minutes; an unknown name costs the same hash check."""
    user = user_by_username(session, username) if username.strip() else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    right = check_password_hash(user.password_hash, password)
    if user.locked or not user.active:
        return None
    if not right:
        register_failure(session, user)
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now()
    return user


def register_failure(session: Session, user: User) -> bool:
    """Count one wrong password in the database itself, so guesses made at once all count; the
    fifth in a row locks the account. Returns whether it is now locked."""
    count = session.execute(update(User).where(User.id == user.id)
                            .values(failed_logins=User.failed_logins + 1).returning(User.failed_logins)
                            .execution_options(synchronize_session=False)).scalar_one()
    if count >= MAX_FAILURES:
        session.execute(update(User).where(User.id == user.id)
                        .values(failed_logins=0, locked_until=now() + LOCK_TIME)
                        .execution_options(synchronize_session=False))
    session.expire(user, ["failed_logins", "locked_until"])
    return count >= MAX_FAILURES


def log_in(session: Session, username: str, password: str, address: str) -> User | None:
    """The account if the password is right (see `authenticate`), with the login or the failed
    attempt in the audit log; the failure count stays recorded when the login is refused."""
    user = authenticate(session, username, password)
    if user is None:
        known = user_by_username(session, username) if username.strip() else None
        who = known.as_actor(address) if known else Actor("system", address=address)
        audit(session, who, "login_failed", username=username.strip().lower())
        return None
    audit(session, user.as_actor(address), "login")
    return user


def log_out(session: Session, actor: Actor, user: User) -> None:
    """End every session of the account: the token in copies of the cookie stops working too."""
    audit(session, actor, "logout")
    user.session_token = new_session_token()


def change_password(session: Session, actor: Actor, user: User, current: str, new: str) -> str | None:
    """The holder changes the password, knowing the current one; other sessions end. Returns why not,
    for a wrong current password: that counts like a failed login (recorded, not rolled back), and
    the fifth locks the account and ends all its sessions. Other refusals raise AccountError."""
    if user.locked:
        raise AccountError("账号已被暂时锁定，请稍后再试。", "current")
    if not check_password_hash(user.password_hash, current):
        audit(session, actor, "password_change_failed", target=user.username)
        if register_failure(session, user):
            user.session_token = new_session_token()
            return "当前密码连续错误，账号已锁定 15 分钟并退出登录。"
        return "当前密码不正确。"
    if current == new:
        raise AccountError("新密码不能与当前密码相同。", "password")
    set_password(user, new)
    audit(session, actor, "password_change", target=user.username)
    return None


def set_password(user: User, new: str) -> None:
    """A new password (also an administrator's reset); every open session of the account ends."""
    check_password_rules(new, user.username)
    user.password_hash = generate_password_hash(new)
    user.password_changed_at = now()
    user.session_token = new_session_token()
    user.failed_logins = 0
    user.locked_until = None


def set_email(session: Session, actor: Actor, user: User, email: str) -> None:
    """The address reminders and 督办 mail for the account's bureau go to (empty: none): one's own,
    or that of an account one manages."""
    if user.id != actor.user_id:
        _require_manager(actor, user)
    user.email = check_email(email)
    audit(session, actor, "user_email", target=user.username, detail=user.email)


def set_active(session: Session, actor: Actor, user: User, active: bool) -> None:
    """Disable (its sessions end at once) or enable a managed account; history stays with it."""
    if user.id == actor.user_id:
        raise AccountError("不能停用或启用自己的账号。", "self")
    _require_manager(actor, user)
    user.active = active
    if not active:
        user.session_token = new_session_token()
    else:
        user.failed_logins = 0
        user.locked_until = None
    audit(session, actor, "user_enable" if active else "user_disable", target=user.username)


def reset_password(session: Session, actor: Actor, user: User, new: str) -> None:
    """Reset a managed account's password; its sessions end and a lock is lifted. One's own password
    is changed with `change_password`, which asks for the current one."""
    if user.id == actor.user_id:
        raise AccountError("请在“修改密码”页面修改自己的密码。", "self")
    _require_manager(actor, user)
    set_password(user, new)
    audit(session, actor, "user_password_reset", target=user.username)


def may_manage(manager: Actor, user: User) -> bool:
    """The admin manages every other account; a bureau admin the staff (not the other admins) of
    their own bureau. Nobody manages their own account here: that is the password page's job,
    which asks for the current password."""
    if user.id == manager.user_id:
        return False
    if manager.is_admin:
        return True
    return (manager.role == Role.BUREAU_ADMIN.value and user.role is Role.STAFF
            and user.bureau_id == manager.bureau_id)


def _require_manager(actor: Actor, user: User) -> None:
    if not may_manage(actor, user):
        raise Forbidden("无权管理该账号。")


def roles_opened_by(actor: Actor) -> list[Role]:
    """The admin opens any kind of account; a bureau admin opens staff accounts of the bureau."""
    if actor.is_admin:
        return list(Role)
    return [Role.STAFF] if actor.role == Role.BUREAU_ADMIN.value else []


def open_account(session: Session, actor: Actor, username: str, password: str, role: Role, bureau: Bureau | None,
                 display_name: str = "", email: str = "") -> User:
    """Open an account: the admin any, a bureau admin staff of their own bureau only."""
    if role not in roles_opened_by(actor):
        raise AccountError("请选择角色。", "role")
    if not actor.is_admin:
        bureau = actor.bureau
    user = create_user(session, username, password, role, bureau, display_name, email)
    audit(session, actor, "user_create", target=user.username,
          detail=f"{role.label} {bureau.name if bureau else ''}".strip())
    return user


def bureau_addresses(session: Session, bureau: Bureau) -> list[str]:
    """Where mail for a bureau goes: the addresses of its active accounts."""
    return sorted({u.email for u in colleagues(session, bureau) if u.email})


def colleagues(session: Session, bureau: Bureau) -> list[User]:
    """The bureau's active staff and bureau admins, who may handle its tickets."""
    return list(session.scalars(select(User).where(
        User.bureau_id == bureau.id, User.active.is_(True), User.role.in_((Role.STAFF, Role.BUREAU_ADMIN)))
        .order_by(func.lower(User.display_name))))
