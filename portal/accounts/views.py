"""Login, logout, password change, the accounts of a bureau, and the audit log."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from portal.accounts.access import audit, roles_required, safe_next
from portal.accounts.models import AuditEntry, Role, User, new_session_token
from portal.accounts.services import (LOGIN_FAILED, AccountError, authenticate, change_password, create_user,
                                      may_manage, set_active, set_email, set_password, user_by_username)
from portal.catalog import queries
from portal.catalog.queries import paginate
from portal.catalog.views import text_arg
from portal.clock import county_midnight, parse_day
from portal.extensions import db, limiter
from portal.tickets.views import limits_off

bp = Blueprint("accounts", __name__)

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
    user = authenticate(db.session, username, password)
    if user is None:
        audit("login_failed", username=username.strip().lower(), user=user_by_username(db.session, username)
              if username.strip() else None)
        db.session.commit()
        return render_template("accounts/login.html", next=target, error=LOGIN_FAILED, username=username), 400
    session.clear()  # nothing from before the login carries over
    login_user(user)
    audit("login", user=user)
    db.session.commit()
    return redirect(target or home_for(user), code=303)


@bp.post("/logout")
@login_required
def logout():
    """End the session (a form with the CSRF token, so no page can log staff out). The account's
    session token changes too, so a copy of the cookie taken before stops working."""
    audit("logout")
    current_user.session_token = new_session_token()
    db.session.commit()
    logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], exempt_when=limits_off)
@login_required
def password():
    """The holder changes the password; other sessions of the account end."""
    if request.method == "GET":
        return render_template("accounts/password.html", errors={})
    new = request.form.get("password", "")
    errors: dict[str, str] = {}
    if new != request.form.get("confirm", ""):
        errors["confirm"] = "两次输入的新密码不一致。"
    else:
        try:
            change_password(db.session, current_user, request.form.get("current", ""), new)
        except AccountError as exc:
            errors[exc.field or "password"] = exc.message
    if errors:
        if errors.get("current"):  # a wrong current password is counted (and may have locked the account)
            audit("password_change_failed", target=current_user.username)
            db.session.commit()
        else:
            db.session.rollback()
        return render_template("accounts/password.html", errors=errors), 400
    audit("password_change", target=current_user.username)
    db.session.commit()
    login_user(current_user._get_current_object())  # the new session token goes into this session's cookie
    flash("密码已修改，其他设备上的登录已失效。", "success")
    return redirect(home_for(current_user), code=303)


@bp.post("/account/email")
@login_required
def own_email():
    """The holder sets the address their reminders and 督办 mail go to."""
    try:
        set_email(current_user, request.form.get("email", ""))
    except AccountError as exc:
        db.session.rollback()
        return render_template("accounts/password.html", errors={"email": exc.message}), 400
    audit("user_email", target=current_user.username, detail=current_user.email)
    db.session.commit()
    flash("邮箱已保存。" if current_user.email else "邮箱已清除，将不再收到提醒邮件。", "success")
    return redirect(url_for("accounts.password"), code=303)


@bp.post("/staff/users/<int:user_id>/email")
@roles_required(Role.BUREAU_ADMIN, Role.ADMIN)
def user_email(user_id: int):
    """Set a managed account's address for reminders and 督办 mail."""
    user = _managed(user_id)
    try:
        set_email(user, request.form.get("email", ""))
    except AccountError as exc:
        db.session.rollback()
        return _users_page({f"email-{user.id}": exc.message}, status=400)
    audit("user_email", target=user.username, detail=user.email)
    db.session.commit()
    flash(f"账号 {user.username} 的邮箱已保存。", "success")
    return redirect(url_for("accounts.users"), code=303)


def _managed_users():
    stmt = select(User).order_by(User.bureau_id, User.username)
    if current_user.role is not Role.ADMIN:
        stmt = stmt.where(User.bureau_id == current_user.bureau_id)
    return list(db.session.scalars(stmt))


def _roles_for(manager: User) -> list[Role]:
    """The admin opens any kind of account; a bureau admin opens staff accounts of the bureau."""
    return list(Role) if manager.role is Role.ADMIN else [Role.STAFF]


def _users_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    users = _managed_users()
    return render_template("accounts/users.html", users=users, roles=_roles_for(current_user),
                           manageable={u.id for u in users if may_manage(current_user, u)},
                           bureaus=queries.bureaus(db.session), errors=errors or {}, values=values or {}), status


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
    role = next((r for r in _roles_for(current_user) if r.value == form.get("role")), None)
    if current_user.role is Role.ADMIN:
        code = form.get("bureau", "")
        bureau = queries.bureau_by_code(db.session, code) if code else None
        if code and bureau is None:
            return _users_page({"bureau": "部门不存在。"}, form, 400)
    else:
        bureau = current_user.bureau
    if role is None:
        return _users_page({"role": "请选择角色。"}, form, 400)
    if form.get("password", "") != form.get("confirm", ""):
        return _users_page({"confirm": "两次输入的密码不一致。"}, form, 400)
    try:
        user = create_user(db.session, form.get("username", ""), form.get("password", ""), role, bureau,
                           form.get("display_name", ""), form.get("email", ""))
    except AccountError as exc:
        db.session.rollback()
        return _users_page({exc.field or "username": exc.message}, form, 400)
    audit("user_create", target=user.username, detail=f"{role.label} {bureau.name if bureau else ''}".strip())
    db.session.commit()
    flash(f"已开通账号 {user.username}。", "success")
    return redirect(url_for("accounts.users"), code=303)


def _managed(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not may_manage(current_user, user):
        abort(404)
    return user


@bp.post("/staff/users/<int:user_id>/<any(disable, enable):change>")
@roles_required(Role.BUREAU_ADMIN, Role.ADMIN)
def user_active(user_id: int, change: str):
    """Disable or enable an account of one's bureau (not one's own)."""
    if user_id == current_user.id:
        return _users_page({"self": "不能停用或启用自己的账号。"}, status=400)
    user = _managed(user_id)
    set_active(user, change == "enable")
    audit(f"user_{change}", target=user.username)
    db.session.commit()
    flash(f"账号 {user.username} 已{'启用' if change == 'enable' else '停用'}。", "success")
    return redirect(url_for("accounts.users"), code=303)


@bp.post("/staff/users/<int:user_id>/password")
@roles_required(Role.BUREAU_ADMIN, Role.ADMIN)
def user_password(user_id: int):
    """Reset an account's password; its sessions end and a lock is lifted. One's own password is
    changed on the password page, which asks for the current one."""
    if user_id == current_user.id:
        return _users_page({"self": "请在“修改密码”页面修改自己的密码。"}, status=400)
    user = _managed(user_id)
    try:
        set_password(user, request.form.get("password", ""))
    except AccountError as exc:
        db.session.rollback()
        return _users_page({f"password-{user.id}": exc.message}, status=400)
    audit("user_password_reset", target=user.username)
    db.session.commit()
    flash(f"账号 {user.username} 的密码已重置。", "success")
    return redirect(url_for("accounts.users"), code=303)


AUDIT_ACTIONS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出", "password_change": "修改密码",
    "password_change_failed": "修改密码时当前密码错误", "user_email": "设置邮箱",
    "user_create": "开通账号", "user_disable": "停用账号", "user_enable": "启用账号",
    "user_password_reset": "重置密码",
}


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
    day = parse_day(request.args.get("day"))
    if day is not None:
        start = county_midnight(day)
        stmt = stmt.where(AuditEntry.at >= start, AuditEntry.at < start + dt.timedelta(days=1))
    page = paginate(db.session, stmt, request.args.get("page", 1, type=int) or 1, 50)
    return render_template("accounts/audit.html", page=page, labels=audit_labels(), who=who, action=action,
                           day=day.isoformat() if day else "")


def audit_labels() -> dict[str, str]:
    """Chinese names of the logged actions, the ticket and content actions included."""
    from portal.tickets.services import ACTION_LABELS

    labels = dict(AUDIT_ACTIONS)
    labels.update({f"ticket_{k}": f"工单{v}" for k, v in ACTION_LABELS.items()})
    labels.update({"ticket_note": "工单内部备注", "ticket_handover": "指派经办人", "template_save": "保存答复模板",
                   "template_delete": "删除答复模板", "guide_draft": "保存办事指南草稿", "guide_publish": "发布办事指南",
                   "policy_draft": "保存政策文件草稿", "policy_publish": "发布政策文件",
                   "supervision_route": "分办", "supervision_transfer": "审批转办", "supervision_extension": "审批延期",
                   "supervision_urge": "催办督办", "comment_moderate": "审核意见", "comment_decide": "意见采纳决定",
                   "adoption_report": "发布采纳情况说明"})
    return labels
