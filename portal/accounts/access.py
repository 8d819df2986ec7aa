"""Who is asking: the login manager, role checks for views, the actor services receive, the audit line."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask_login import LoginManager, current_user

from portal.accounts.models import Role, User
from portal.accounts.services import record
from portal.extensions import db
from portal.tickets.services import Actor

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "info"
# A session cookie replayed from another address or browser is dropped (Flask-Login "strong").
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The cookie holds id:session_token; a changed password or a disabled account ends the session."""
    ident, _, token = user_id.partition(":")
    if not ident.isdigit() or not token:
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    from flask import jsonify, redirect, url_for

    if request.path.startswith("/api/"):
        return jsonify({"error": "未登录", "message": "请先登录。"}), 401
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def roles_required(*roles: Role):
    """The view is for logged-in accounts holding one of `roles`; anyone else gets 403."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


BUREAU_ROLES = (Role.STAFF, Role.BUREAU_ADMIN)
WORKSPACE_ROLES = (Role.STAFF, Role.BUREAU_ADMIN, Role.SUPERVISOR)


def actor(user: User) -> Actor:
    """The actor a service records: the person, and the bureau they act for."""
    if user.role is Role.SUPERVISOR:  # acts for the supervising office, never for a bureau
        return Actor("supervisor", user.display_name, None, user.id)
    return Actor("staff", user.display_name, user.bureau, user.id)


def client_address() -> str:
    return request.remote_addr or ""


def audit(action: str, target: str = "", detail: str = "", user: User | None = None, username: str = "") -> None:
    """Record a staff action of this request in the audit log (committed with the action)."""
    who = user if user is not None else (current_user if current_user.is_authenticated else None)
    record(db.session, who, action, target, detail, client_address(), username)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no // or backslash tricks."""
    if not target or len(target) > 500:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target
