"""Who is asking: the login manager, role checks for views, and the actor services receive."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_login import LoginManager, current_user

from portal.accounts.models import Role, User
from portal.actors import Actor
from portal.extensions import db
from portal.web import safe_next  # noqa: F401  (views import it from here)

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "info"
# A session cookie replayed from another address or browser is dropped (Flask-Login "strong").
login_manager.session_protection = "strong"

BUREAU_ROLES = (Role.STAFF, Role.BUREAU_ADMIN)
WORKSPACE_ROLES = (Role.STAFF, Role.BUREAU_ADMIN, Role.SUPERVISOR)


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


def client_address() -> str:
    return request.remote_addr or ""


def current_actor() -> Actor:
    """The logged-in account of this request as an actor, with the client's address."""
    if not current_user.is_authenticated:
        return Actor("system", "系统", address=client_address())
    return current_user.as_actor(client_address())
