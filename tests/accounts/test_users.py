"""Bureau admins manage their own bureau's staff; the admin manages everyone; nobody else does."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.catalog.content import import_content
from tests import factories as f
from tests.forms import post
from tests.staff import PASSWORD, login, make_user

NEW = {"username": "chen", "display_name": "陈经办", "role": "staff", "password": "Strong-pass-2026", "confirm": "Strong-pass-2026"}


@pytest.fixture
def people(session):
    import_content(session, f.lines(f.bureau(), f.bureau("zjj", "县住建局")))
    session.commit()
    return {
        "boss": make_user(session, "boss", Role.BUREAU_ADMIN, "scjgj", "局管理员"),
        "wang": make_user(session, "wang", Role.STAFF, "scjgj", "王经办"),
        "zhao": make_user(session, "zhao", Role.STAFF, "zjj", "赵经办"),
        "root": make_user(session, "root", Role.ADMIN, None, "管理员"),
    }


def user(session, username: str) -> User | None:
    session.expire_all()
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def test_a_bureau_admin_opens_accounts_in_their_own_bureau_only(app, session, people):
    client = app.test_client()
    login(client, "boss")
    page = client.get("/staff/users").get_data(as_text=True)
    assert "wang" in page and "zhao" not in page and "root" not in page
    assert post(client, "/staff/users", {**NEW, "bureau": "zjj"}).status_code == 303
    assert user(session, "chen").bureau.code == "scjgj"  # the bureau field is not theirs to choose
    refused = post(client, "/staff/users", {**NEW, "username": "sup", "role": "supervisor"})
    assert refused.status_code == 400 and "请选择角色" in refused.get_data(as_text=True)
    assert user(session, "sup") is None


def test_bad_account_input_is_a_400_beside_the_field_and_stores_nothing(app, session, people):
    client = app.test_client()
    login(client, "boss")
    for changes, message in [
        ({"username": "wang"}, "已被使用"),
        ({"username": "A B"}, "用户名为"),
        ({"password": "short", "confirm": "short"}, "至少 10 位"),
        ({"password": "onlyletterspassword", "confirm": "onlyletterspassword"}, "同时包含字母和数字"),
        ({"password": "chen-2026-chen", "confirm": "chen-2026-chen"}, "不能包含用户名"),
        ({"confirm": "Different-2026"}, "两次输入的密码不一致"),
    ]:
        response = post(client, "/staff/users", {**NEW, **changes})
        assert response.status_code == 400 and message in response.get_data(as_text=True), changes
    assert user(session, "chen") is None


def test_disabling_and_resetting_stay_inside_the_bureau(app, session, people):
    client = app.test_client()
    login(client, "boss")
    other = people["zhao"]
    assert post(client, f"/staff/users/{other.id}/disable", page="/staff/users").status_code == 404
    assert post(client, f"/staff/users/{other.id}/password", {"password": "Reset-pass-2026"},
                page="/staff/users").status_code == 404
    assert user(session, "zhao").active
    own = people["wang"]
    assert post(client, f"/staff/users/{own.id}/disable", page="/staff/users").status_code == 303
    assert not user(session, "wang").active
    assert post(client, f"/staff/users/{own.id}/enable", page="/staff/users").status_code == 303
    assert post(client, f"/staff/users/{own.id}/password", {"password": "Reset-pass-2026"},
                page="/staff/users").status_code == 303
    assert login(app.test_client(), "wang", "Reset-pass-2026").status_code == 303
    assert login(app.test_client(), "wang", PASSWORD).status_code == 400


def test_nobody_disables_or_resets_their_own_account_here(app, session, people):
    for username in ("boss", "root"):
        client = app.test_client()
        login(client, username)
        own = people[username].id
        response = post(client, f"/staff/users/{own}/disable", page="/staff/users")
        assert response.status_code == 400 and "不能停用或启用自己的账号" in response.get_data(as_text=True)
        reset = post(client, f"/staff/users/{own}/password", {"password": "Taken-over-2026"}, page="/staff/users")
        assert reset.status_code == 400 and "修改密码" in reset.get_data(as_text=True)
        assert user(session, username).active
        assert login(app.test_client(), username, "Taken-over-2026").status_code == 400


def test_a_bureau_admin_does_not_manage_the_other_bureau_admins(app, session, people):
    make_user(session, "boss2", Role.BUREAU_ADMIN, "scjgj", "副管理员")
    client = app.test_client()
    login(client, "boss")
    peer = user(session, "boss2")
    assert post(client, f"/staff/users/{peer.id}/password", {"password": "Taken-over-2026"},
                page="/staff/users").status_code == 404
    assert post(client, f"/staff/users/{peer.id}/disable", page="/staff/users").status_code == 404
    assert user(session, "boss2").active


def test_the_admin_opens_accounts_for_any_bureau_and_staff_cannot_manage_at_all(app, session, people):
    admin = app.test_client()
    login(admin, "root")
    assert post(admin, "/staff/users", {**NEW, "bureau": "zjj"}).status_code == 303
    assert user(session, "chen").bureau.code == "zjj"
    supervisor = {**NEW, "username": "dbz", "role": "supervisor", "bureau": ""}
    assert post(admin, "/staff/users", supervisor).status_code == 303
    assert user(session, "dbz").role is Role.SUPERVISOR
    no_bureau = post(admin, "/staff/users", {**NEW, "username": "nobody", "bureau": ""})
    assert no_bureau.status_code == 400 and "须属于一个部门" in no_bureau.get_data(as_text=True)

    staff = app.test_client()
    login(staff, "wang")
    assert staff.get("/staff/users").status_code == 403
    assert post(staff, "/staff/users", {**NEW, "username": "sneaky"}, page="/staff/").status_code == 403
    assert user(session, "sneaky") is None
