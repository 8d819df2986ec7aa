"""Logging in and out: hashed passwords, lockout, rate limit, session protection, safe redirects, audit."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.audit import AppendOnly, AuditEntry, audit
from portal.accounts.services import MAX_FAILURES
from portal.clock import now
from tests.forms import csrf_token, post
from tests.staff import PASSWORD, login, make_user


def audit_actions(session) -> list[tuple[str, str]]:
    session.expire_all()
    return [(e.action, e.username) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_password_is_stored_hashed_and_login_lands_on_the_workspace(client, session, wang):
    assert PASSWORD not in wang.password_hash and wang.password_hash.startswith("scrypt:")
    response = login(client, "wang")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    assert "王经办" in client.get("/staff/").get_data(as_text=True)
    assert audit_actions(session) == [("login", "wang")]


def test_wrong_password_and_unknown_user_get_the_same_message(client, session, wang):
    wrong = login(client, "wang", "Wrong-password-1")
    unknown = login(client, "nobody", "Wrong-password-1")
    assert wrong.status_code == unknown.status_code == 400
    message = "用户名或密码错误"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert audit_actions(session) == [("login_failed", "wang"), ("login_failed", "nobody")]
    assert client.get("/staff/").status_code == 302


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, session, wang):
    for _ in range(MAX_FAILURES):
        assert login(client, "wang", "Wrong-password-1").status_code == 400
    assert login(client, "wang").status_code == 400  # locked: the right password does not help
    session.expire_all()
    user = session.get(User, wang.id)
    assert user.locked
    user.locked_until = now() - dt.timedelta(seconds=1)  # the 15 minutes have passed
    session.commit()
    assert login(client, "wang").status_code == 303


def test_a_success_resets_the_count_of_failures(client, session, wang):
    for _ in range(MAX_FAILURES - 1):
        login(client, "wang", "Wrong-password-1")
    assert login(client, "wang").status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/password")})
    for _ in range(MAX_FAILURES - 1):
        login(client, "wang", "Wrong-password-1")
    assert login(client, "wang").status_code == 303


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/evil", "javascript:alert(1)",
    "/staff/\r\nSet-Cookie: x=1",
])
def test_login_never_redirects_off_the_site(client, wang, target):
    response = login(client, "wang", next_url=target)
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"


def test_login_follows_a_local_next_path(client, wang):
    assert client.get("/staff/templates").headers["Location"] == "/login?next=/staff/templates"
    response = login(client, "wang", next_url="/staff/templates")
    assert response.headers["Location"] == "/staff/templates"


def test_logout_needs_a_post_with_the_token_and_ends_the_session(client, session, wang):
    login(client, "wang")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/staff/").status_code == 200
    assert post(client, "/logout", page="/staff/").status_code == 303
    assert client.get("/staff/").status_code == 302
    assert [a for a, _ in audit_actions(session)] == ["login", "logout"]


def test_a_session_moved_to_another_browser_is_dropped(client, wang):
    login(client, "wang")
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/", headers={"User-Agent": "another browser"}).status_code == 302


def test_disabling_an_account_ends_its_open_session(client, session, wang):
    login(client, "wang")
    assert client.get("/staff/").status_code == 200
    runner = client.application.test_cli_runner()
    result = runner.invoke(args=["users", "disable", "wang"])
    assert result.exit_code == 0, result.output
    assert client.get("/staff/").status_code == 302
    assert login(client, "wang").status_code == 400
    assert runner.invoke(args=["users", "enable", "wang"]).exit_code == 0
    assert login(client, "wang").status_code == 303


def test_password_change_checks_the_rules_and_ends_other_sessions(app, session, wang):
    mine, other = app.test_client(), app.test_client()
    login(mine, "wang")
    login(other, "wang")
    short = post(mine, "/account/password", {"current": PASSWORD, "password": "short1", "confirm": "short1"})
    assert short.status_code == 400 and "至少 10 位" in short.get_data(as_text=True)
    wrong = post(mine, "/account/password", {"current": "nope", "password": "Better-pass-2026", "confirm": "Better-pass-2026"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    done = post(mine, "/account/password", {"current": PASSWORD, "password": "Better-pass-2026", "confirm": "Better-pass-2026"})
    assert done.status_code == 303
    assert mine.get("/staff/").status_code == 200  # this session carries on
    assert other.get("/staff/").status_code == 302  # the other one ends
    assert login(app.test_client(), "wang", "Better-pass-2026").status_code == 303


def test_login_is_rate_limited_per_address(limited_app, wang):
    client = limited_app.test_client()
    codes = [login(client, f"nobody{i}", "Wrong-password-1").status_code for i in range(11)]
    assert codes[:10] == [400] * 10 and codes[10] == 429


def test_cli_creates_accounts_and_refuses_bad_ones(runner, session, bureaus):
    ok = runner.invoke(args=["users", "create", "--username", "lina", "--password", PASSWORD, "--bureau", "zjj",
                             "--role", "bureau_admin", "--name", "李管理"])
    assert ok.exit_code == 0, ok.output
    user = session.scalars(select(User).where(User.username == "lina")).one()
    assert user.role is Role.BUREAU_ADMIN and user.bureau.code == "zjj" and user.display_name == "李管理"
    for args, message in [
        (["--username", "lina", "--bureau", "zjj"], "已被使用"),
        (["--username", "zhao", "--bureau", "nope"], "不存在"),
        (["--username", "zhao"], "须属于一个部门"),
        (["--username", "zhao", "--bureau", "zjj", "--password", "short"], "至少 10 位"),
        (["--username", "Zhao Li", "--bureau", "zjj"], "用户名为"),
    ]:
        if "--password" not in args:
            args = [*args, "--password", PASSWORD]
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    listing = runner.invoke(args=["users", "list"]).output
    assert "lina\t李管理\tbureau_admin\tzjj\t在用" in listing


def test_the_audit_log_is_append_only(session, wang):
    entry = audit(session, wang.as_actor("10.0.0.1"), "login")
    session.commit()
    entry.detail = "changed"
    with pytest.raises(AppendOnly):
        session.commit()
    session.rollback()
    session.delete(session.get(AuditEntry, entry.id))
    with pytest.raises(AppendOnly):
        session.commit()
    session.rollback()


def test_the_audit_log_is_for_the_admin_only(client, session, wang):
    make_user(session, "root", Role.ADMIN, None)
    login(client, "wang")
    assert client.get("/admin/audit").status_code == 403
    post(client, "/logout", page="/staff/")
    login(client, "root")
    page = client.get("/admin/audit?user=wang").get_data(as_text=True)
    assert "wang" in page and "登录" in page and "127.0.0.1" in page
    assert client.get("/admin/audit?day=not-a-date&page=x").status_code == 200
