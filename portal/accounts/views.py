"""Login, logout, password change, the accounts of a bureau, and the audit log."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from portal import site
from portal.accounts import services
from portal.accounts.access import client_address, current_actor, roles_required, safe_next
from portal.accounts.models import Role, User
from portal.accounts.services import LOGIN_FAILED
from portal.audit import ACTION_NAMES, AuditEntry
from portal.catalog import queries
from portal.clock import county_midnight
from portal.errors import DomainError, show_refusals_with
from portal.extensions import db, limiter
from portal.web import date_arg, limits_off, page_arg, paginate, private, text_arg

bp = Blueprint("accounts", __name__)
site.column("accounts", "工作人员登录", "其他", public=False)
bp.after_request(private)  # login, passwords, accounts, the audit log

LOGIN_LIMIT = "10 per minute;100 per hour"


def home_for(user: User) -> str:
    """Where an account starts: the bureau's workspace, the supervising office's start page, or the
    accounts page for the operator."""
    if user.role is Role.ADMIN:
        return url_for("accounts.users")
    return url_for("supervision.index") if user.role is Role.SUPERVISOR else url_for("workspace.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], exempt_when=limits_off)
def login():
    """Staff log in with username and password; only a path on this site is followed afterwards."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(target or home_for(current_user))
        return render_template("accounts/login.html", next=target, error=None, username="")
    username = request.form.get("username", "")[:80]
    password = request.form.get("password", "")[:200]
    user = services.log_in(db.session, username, password, client_address())
    if user is None:  # the failure stays counted: the boundary commits it with the 400
        return render_template("accounts/login.html", next=target, error=LOGIN_FAILED, username=username), 400
    session.clear()  # nothing from before the login carries over
    login_user(user)
    return redirect(target or home_for(user), code=303)


@bp.post("/logout")
@login_required
def logout():
    """End the session (a form with the CSRF token, so no page can log staff out). The account's
    session token changes too, so a copy of the cookie taken before stops working."""
    services.log_out(db.session, current_actor(), current_user)
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("accounts.login"), code=303)


def _password_page(errors: dict, status: int = 200):
    return render_template("accounts/password.html", errors=errors), status


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], exempt_when=limits_off)
@login_required
def password():
    """The holder changes the password; other sessions of the account end."""
    if request.method == "GET":
        return _password_page({})
    new = request.form.get("password", "")
    if new != request.form.get("confirm", ""):
        return _password_page({"confirm": ["两次输入的新密码不一致。"]}, 400)
    show_refusals_with(lambda exc: _password_page(exc.errors, 400))
    refusal = services.change_password(db.session, current_actor(), current_user, request.form.get("current", ""), new)
    if refusal:  # a wrong current password: counted, logged and kept, maybe locking the account
        return _password_page({"current": [refusal]}, 400)
    login_user(current_user._get_current_object())  # the new session token goes into this session's cookie
    flash("密码已修改，其他设备上的登录已失效。", "success")
    return redirect(home_for(current_user), code=303)


@bp.post("/account/email")
@login_required
def own_email():
    """The holder sets the address their reminders and 督办 mail go to."""
    show_refusals_with(lambda exc: _password_page(exc.errors, 400))
    services.set_email(db.session, current_actor(), current_user, request.form.get("email", ""))
    flash("邮箱已保存。" if current_user.email else "邮箱已清除，将不再收到提醒邮件。", "success")
    return redirect(url_for("accounts.password"), code=303)


def _managed_users():
    stmt = select(User).order_by(User.bureau_id, User.username)
    if current_user.role is not Role.ADMIN:
        stmt = stmt.where(User.bureau_id == current_user.bureau_id)
    return list(db.session.scalars(stmt))


def _users_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    users = _managed_users()
    actor = current_actor()
    return render_template("accounts/users.html", users=users, roles=services.roles_opened_by(actor),
                           manageable={u.id for u in users if services.may_manage(actor, u)},
                           bureaus=queries.bureaus(db.session), errors=errors or {}, values=values or {}), status


def _managed(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not services.may_manage(current_actor(), user):
        abort(404)
    return user


def _refused_on_users_page(field_for=None, values: dict | None = None):
    """A refused account action shows the accounts page with the message next to the field it concerns."""

    def render(exc: DomainError):
        errors = exc.errors if field_for is None else {field_for(exc): exc.errors.get(exc.field, [exc.message])}
        return _users_page(errors, values, exc.status)

    show_refusals_with(render)


@bp.post("/staff/users/<int:user_id>/email")
@roles_required(Role.BUREAU_ADMIN, Role.ADMIN)
def user_email(user_id: int):
    """Set a managed account's address for reminders and 督办 mail."""
    user = _managed(user_id)
    _refused_on_users_page(lambda exc: f"email-{user.id}")
    services.set_email(db.session, current_actor(), user, request.form.get("email", ""))
    flash(f"账号 {user.username} 的邮箱已保存。", "success")
    return redirect(url_for("accounts.users"), code=303)


@bp.get("/staff/users")
@roles_required(Role.BUREAU_ADMIN, Role.ADMIN)
def users():
    """A bureau admin sees the bureau's accounts; the admin sees every account."""
    return _users_page()


@bp.post("/staff/users")
@roles_required(Role.BUREAU_ADMIN, Role.ADMIN)
def user_create():
    """Open an account; a bureau admin only in their own bureau, and never a supervisor or admin."""
    form = request.form
    _refused_on_users_page(lambda exc: exc.field or "username", form)
    actor = current_actor()
    role = next((r for r in services.roles_opened_by(actor) if r.value == form.get("role")), None)
    bureau = None
    if actor.is_admin and (code := form.get("bureau", "")):
        bureau = queries.bureau_by_code(db.session, code)
        if bureau is None:
            raise services.AccountError("部门不存在。", "bureau")
    if role is None:
        raise services.AccountError("请选择角色。", "role")
    if form.get("password", "") != form.get("confirm", ""):
        raise services.AccountError("两次输入的密码不一致。", "confirm")
    user = services.open_account(db.session, actor, form.get("username", ""), form.get("password", ""), role,
                                 bureau, form.get("display_name", ""), form.get("email", ""))
    flash(f"已开通账号 {user.username}。", "success")
    return redirect(url_for("accounts.users"), code=303)


@bp.post("/staff/users/<int:user_id>/<any(disable, enable):change>")
@roles_required(Role.BUREAU_ADMIN, Role.ADMIN)
def user_active(user_id: int, change: str):
    """Disable or enable an account of one's bureau (not one's own)."""
    _refused_on_users_page()
    if user_id == current_user.id:
        raise services.AccountError("不能停用或启用自己的账号。", "self")
    user = _managed(user_id)
    services.set_active(db.session, current_actor(), user, change == "enable")
    flash(f"账号 {user.username} 已{'启用' if change == 'enable' else '停用'}。", "success")
    return redirect(url_for("accounts.users"), code=303)


@bp.post("/staff/users/<int:user_id>/password")
@roles_required(Role.BUREAU_ADMIN, Role.ADMIN)
def user_password(user_id: int):
    """Reset an account's password; its sessions end and a lock is lifted. One's own password is
    changed on the password page, which asks for the current one."""
    if user_id == current_user.id:
        _refused_on_users_page()
        raise services.AccountError("请在“修改密码”页面修改自己的密码。", "self")
    user = _managed(user_id)
    _refused_on_users_page(lambda exc: f"password-{user.id}")
    services.reset_password(db.session, current_actor(), user, request.form.get("password", ""))
    flash(f"账号 {user.username} 的密码已重置。", "success")
    return redirect(url_for("accounts.users"), code=303)


@bp.get("/admin/audit")
@roles_required(Role.ADMIN)
def audit_log():
    """The audit log, newest first, filtered by account, action and day."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    who = text_arg("user", 40).lower()
    action = text_arg("action", 40)
    if who:
        stmt = stmt.where(AuditEntry.username == who)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    day = date_arg("day")
    if day is not None:
        start = county_midnight(day)
        stmt = stmt.where(AuditEntry.at >= start, AuditEntry.at < start + dt.timedelta(days=1))
    page = paginate(db.session, stmt, page_arg(), 50)
    return render_template("accounts/audit.html", page=page, labels=ACTION_NAMES, who=who, action=action,
                           day=day.isoformat() if day else "")
