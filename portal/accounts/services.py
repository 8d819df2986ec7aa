"""Account rules: who may exist, how a password is checked, when an account locks. Callers commit."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.models import AuditEntry, Role, User, new_session_token
from portal.catalog.content import CONTROL
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
    """The account of a well-formed username; anything else is not looked up at all."""
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        return None
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def check_email(email: str) -> str:
    """An optional address for reminders and 督办 mail, checked like a business's."""
    from portal.tickets.validation import EMAIL

    email = email.strip()
    if email and (len(email) > 200 or not EMAIL.fullmatch(email)):
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


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """The holder changes the password, knowing the current one; other sessions end. A wrong current
    password counts like a failed login: the fifth locks the account and ends all its sessions."""
    if user.locked:
        raise AccountError("账号已被暂时锁定，请稍后再试。", "current")
    if not check_password_hash(user.password_hash, current):
        if register_failure(session, user):
            user.session_token = new_session_token()
            raise AccountError("当前密码连续错误，账号已锁定 15 分钟并退出登录。", "current")
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


def set_email(user: User, email: str) -> None:
    """The address reminders and 督办 mail for the account's bureau go to (empty: none)."""
    user.email = check_email(email)


def set_active(user: User, active: bool) -> None:
    """Disable (its sessions end at once) or enable an account; history stays with it."""
    user.active = active
    if not active:
        user.session_token = new_session_token()
    else:
        user.failed_logins = 0
        user.locked_until = None


def may_manage(manager: User, user: User) -> bool:
    """The admin manages every other account; a bureau admin the staff (not the other admins) of
    their own bureau. Nobody manages their own account here: that is the password page's job,
    which asks for the current password."""
    if user.id == manager.id:
        return False
    if manager.role is Role.ADMIN:
        return True
    return manager.role is Role.BUREAU_ADMIN and user.role is Role.STAFF and user.bureau_id == manager.bureau_id


def record(session: Session, user: User | None, action: str, target: str = "", detail: str = "",
           address: str = "", username: str = "") -> AuditEntry:
    """Append one line to the audit log."""
    def clean(value: str, limit: int) -> str:  # a failed login's username is whatever was typed
        return CONTROL.sub("", value)[:limit]

    entry = AuditEntry(user=user, username=clean(user.username if user else username, 40), action=action,
                       target=clean(target, 120), detail=clean(detail, 2000), address=address[:64], at=now())
    session.add(entry)
    return entry


def bureau_addresses(session: Session, bureau: Bureau) -> list[str]:
    """Where mail for a bureau goes: the addresses of its active accounts."""
    return sorted({u.email for u in colleagues(session, bureau) if u.email})


def colleagues(session: Session, bureau: Bureau) -> list[User]:
    """The bureau's active staff and bureau admins, who may handle its tickets."""
    return list(session.scalars(select(User).where(
        User.bureau_id == bureau.id, User.active.is_(True), User.role.in_((Role.STAFF, Role.BUREAU_ADMIN)))
        .order_by(func.lower(User.display_name))))
