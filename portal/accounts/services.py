"""Account rules: who may exist, how a password is checked, when an account locks. Callers commit."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.models import AuditEntry, Role, User, new_session_token
from portal.catalog.models import Bureau
from portal.clock import now

USERNAME = re.compile(r"[a-z][a-z0-9_.-]{2,39}")
MIN_PASSWORD = 10
MAX_FAILURES = 5  # in a row; then the account waits LOCK_TIME
LOCK_TIME = dt.timedelta(minutes=15)
LOGIN_FAILED = f"用户名或密码错误。连续错误 {MAX_FAILURES} 次，账号将锁定 {LOCK_TIME.seconds // 60} 分钟。"
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(Exception):
    """A request the account rules refuse; the message is shown to the person who asked."""

    status = 400

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


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
    return session.scalars(select(User).where(User.username == username.strip().lower())).one_or_none()


def create_user(session: Session, username: str, password: str, role: Role, bureau: Bureau | None,
                display_name: str = "") -> User:
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
    check_password_rules(password, username)
    user = User(username=username, display_name=display_name, role=role, bureau=bureau,
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
    moment = now()
    right = check_password_hash(user.password_hash, password)
    if user.locked or not user.active:
        return None
    if not right:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = moment + LOCK_TIME
            user.failed_logins = 0
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = moment
    return user


def change_password(user: User, current: str, new: str) -> None:
    """The holder changes the password, knowing the current one; other sessions end."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("当前密码不正确。", "current")
    if current == new:
        raise AccountError("新密码不能与当前密码相同。", "password")
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    """A new password (also an administrator's reset); every open session of the account ends."""
    check_password_rules(new, user.username)
    user.password_hash = generate_password_hash(new)
    user.password_changed_at = now()
    user.session_token = new_session_token()
    user.failed_logins = 0
    user.locked_until = None


def set_active(user: User, active: bool) -> None:
    """Disable (its sessions end at once) or enable an account; history stays with it."""
    user.active = active
    if not active:
        user.session_token = new_session_token()
    else:
        user.failed_logins = 0
        user.locked_until = None


def may_manage(manager: User, user: User) -> bool:
    """The admin manages every account; a bureau admin the staff of their own bureau."""
    if manager.role is Role.ADMIN:
        return True
    return (manager.role is Role.BUREAU_ADMIN and user.role in (Role.STAFF, Role.BUREAU_ADMIN)
            and user.bureau_id == manager.bureau_id)


def record(session: Session, user: User | None, action: str, target: str = "", detail: str = "",
           address: str = "", username: str = "") -> AuditEntry:
    """Append one line to the audit log."""
    entry = AuditEntry(user=user, username=(user.username if user else username)[:40], action=action,
                       target=target[:120], detail=detail[:2000], address=address[:64], at=now())
    session.add(entry)
    return entry


def colleagues(session: Session, bureau: Bureau) -> list[User]:
    """Active accounts of a bureau, for assigning a ticket."""
    return list(session.scalars(select(User).where(User.bureau_id == bureau.id, User.active.is_(True))
                                .order_by(func.lower(User.display_name))))
