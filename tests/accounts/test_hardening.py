"""Attacks and odd input a review found: parallel guessing, the password form as an oracle, a cookie
kept after logout, out-of-range dates, control characters, over-long text, and the audit log's trigger."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.accounts.models import Role, User
from portal.audit import AuditEntry
from portal.accounts.services import MAX_FAILURES
from portal.audit import audit
from tests.forms import csrf_token, post
from tests.servers import pinned_thread
from tests.staff import login, make_user


def fresh(session, username="wang") -> User:
    session.expire_all()
    return session.scalars(select(User).where(User.username == username)).one()


def test_wrong_passwords_sent_at_once_all_count(app, session, wang):
    clients = [app.test_client() for _ in range(2 * MAX_FAILURES)]
    tokens = [csrf_token(c, "/login") for c in clients]
    barrier = threading.Barrier(len(clients))
    codes = []

    def guess(client, csrf):
        barrier.wait()
        codes.append(client.post("/login", data={"username": "wang", "password": "Wrong-guess-1",
                                                 "csrf_token": csrf}).status_code)

    threads = [pinned_thread(guess, *pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [400] * len(clients)
    assert fresh(session).locked
    assert login(app.test_client(), "wang").status_code == 400


def test_the_password_form_counts_wrong_current_passwords_and_locks(app, session, wang):
    client = app.test_client()
    login(client, "wang")
    for attempt in range(MAX_FAILURES):
        response = post(client, "/account/password",
                        {"current": f"Guess-{attempt}-2026", "password": "New-pass-2026x", "confirm": "New-pass-2026x"})
        assert response.status_code == 400
    assert "账号已锁定" in response.get_data(as_text=True)
    assert fresh(session).locked
    assert client.get("/staff/").status_code == 302  # the session holding the form has ended too
    actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("password_change_failed") == MAX_FAILURES


def test_a_cookie_copied_before_logout_no_longer_opens_the_workspace(app, session, wang):
    client = app.test_client()
    login(client, "wang")
    stolen = client.get_cookie("session").value
    post(client, "/logout", page="/staff/")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/staff/").status_code == 302


@pytest.mark.parametrize("url", [
    "/staff/?view=all&from=0001-01-01", "/staff/?view=all&to=9999-12-31", "/api/v1/staff/tickets?from=0001-01-01",
    "/staff/?q=a%00b", "/api/v1/staff/tickets?q=%00", "/staff/?page=-3", "/staff/?page=99999999",
])
def test_odd_filters_never_fail(app, session, wang, url):
    client = app.test_client()
    login(client, "wang")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/admin/audit?day=0001-01-01", "/admin/audit?user=a%00", "/admin/audit?action=%00x"])
def test_odd_audit_filters_never_fail(app, session, wang, url):
    make_user(session, "root", Role.ADMIN, None)
    client = app.test_client()
    login(client, "root")
    assert client.get(url).status_code == 200


def test_a_username_with_a_nul_is_just_a_failed_login(app, session, wang):
    response = login(app.test_client(), "wa\x00ng")
    assert response.status_code == 400 and "用户名或密码错误" in response.get_data(as_text=True)
    entry = session.scalars(select(AuditEntry)).one()
    assert entry.action == "login_failed" and entry.username == "wang"


def test_staff_text_with_control_characters_or_too_long_is_refused_whole(app, session, wang):
    from portal.catalog import queries
    from portal.tickets import services
    from portal.tickets.models import Ticket, TicketType
    from portal.actors import Actor
    from portal.tickets.services import TicketInput

    data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, "qykb"), guide=None,
                       subject="营业执照办理超时", description="至今未办结。", company_name="", credit_code="",
                       contact_name="王先生", phone="13800000000", email="", publish=False)
    ticket = services.file_ticket(session, data)[0]
    services.sign(session, ticket, Actor("staff", "王经办", wang.bureau, wang.id))
    session.commit()
    client = app.test_client()
    login(client, "wang")
    url = f"/staff/tickets/{ticket.number}"
    for action, fields, message in [
        ("reply", {"body": "答复内容\x00含有空字符的答复文字"}, "控制字符"),
        ("note", {"body": "备注\x1b[31m"}, "控制字符"),
        ("reply", {"body": "答" * 10001}, "答复内容最多 10000 字"),
        ("reject", {"reason": "理" * 2001}, "不予受理理由最多 2000 字"),
        ("assign", {"assignee": "wa\x00ng"}, "经办人须为本单位在用账号"),
    ]:
        response = post(client, f"{url}/{action}", fields, page=url)
        assert response.status_code == 400 and message in response.get_data(as_text=True), action
    template = post(client, "/staff/templates", {"title": "模板\x00", "body": "内容足够长的模板文字。"})
    assert template.status_code == 400
    session.expire_all()
    assert [e.action for e in session.get(Ticket, ticket.id).events] == ["file", "route", "sign"]


def test_the_audit_log_refuses_updates_in_the_database_itself(session, wang):
    audit(session, wang.as_actor("10.0.0.1"), "login")
    session.commit()
    with pytest.raises(DBAPIError):
        session.execute(text("UPDATE audit_log SET detail = 'changed'"))
        session.commit()
    session.rollback()
    assert session.scalars(select(AuditEntry.detail)).one() == ""
