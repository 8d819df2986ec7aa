"""Staff accounts and logging in, for tests of the workspace, content editing and supervision."""
from __future__ import annotations

from portal.accounts.models import Role, User
from portal.accounts.services import create_user
from portal.catalog import queries
from tests.forms import csrf_token

PASSWORD = "Huining2026pass"


def make_user(session, username: str, role: Role | str = Role.STAFF, bureau: str | None = "scjgj",
              display_name: str = "", password: str = PASSWORD) -> User:
    """An account, committed; `bureau` is a bureau code (None for the supervisor and the admin)."""
    role = Role(role) if isinstance(role, str) else role
    holder = queries.bureau_by_code(session, bureau) if bureau else None
    user = create_user(session, username, password, role, holder, display_name or username)
    session.commit()
    return user


def login(client, username: str, password: str = PASSWORD, next_url: str | None = None):
    """Log in through the form; returns the response to the POST."""
    data = {"username": username, "password": password, "csrf_token": csrf_token(client, "/login")}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)

