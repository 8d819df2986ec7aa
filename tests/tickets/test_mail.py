"""Mail through a real SMTP server (aiosmtpd): sent after the commit, never losing a ticket, retried."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.catalog.content import import_content
from portal.extensions import db
from portal.mail import MailMessage
from portal.tickets.models import Ticket
from portal.actors import Actor
from portal.tickets.services import reply, sign
from tests import factories as f
from tests.conftest import fresh_database, mail_app_on, make_app
from tests.mailbox import smtp_server
from tests.servers import free_port
from tests.tickets.conftest import form_data


@pytest.fixture
def mail_app(tmp_path_factory, smtp):
    return mail_app_on(tmp_path_factory, smtp, "portal_mail", f.lines(f.bureau(), f.topic(), f.guide()))


def test_filing_and_reply_mails_arrive_with_number_code_and_answer(mail_app, smtp):
    _, inbox = smtp
    client = mail_app.test_client()
    body = client.post("/api/v1/tickets", json=form_data(email="boss@example.com")).get_json()
    inbox.wait_for(1)
    filed = inbox.messages[0]
    assert filed["To"] == "boss@example.com" and body["number"] in filed["Subject"]
    text = filed.get_content()
    assert body["code"] in text and body["number"] in text and "县市场监管局" in text
    with mail_app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        staff = Actor("staff", "li", ticket.bureau)
        sign(db.session, ticket, staff)
        reply(db.session, ticket, staff, "营业执照已办结，请到三号窗口领取。")
        db.session.commit()
        from portal.mail import send_pending
        send_pending(db.session)
    inbox.wait_for(2)
    assert "营业执照已办结" in inbox.messages[1].get_content()


def test_a_mail_failure_keeps_the_ticket_and_the_mail_is_retried(tmp_path_factory):
    port = free_port()  # nothing listens here yet: the mail server is down
    application = make_app(fresh_database(tmp_path_factory, "portal_mail_down"), tmp_path_factory.mktemp("ix"),
                           MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with application.app_context():
        import_content(db.session, f.lines(f.bureau(), f.topic(), f.guide()))
        db.session.commit()
    response = application.test_client().post("/api/v1/tickets", json=form_data(email="boss@example.com"))
    assert response.status_code == 201
    with application.app_context():
        assert db.session.scalars(select(Ticket)).one().number == response.get_json()["number"]
        message = db.session.scalars(select(MailMessage)).one()
        assert message.sent_at is None and message.attempts == 1 and message.last_error
    controller, inbox = smtp_server(port)
    controller.start()  # the server is back: the next run of the job delivers the mail
    try:
        result = application.test_cli_runner().invoke(args=["mail", "send"])
        assert "已发送 1 封" in result.output
        inbox.wait_for(1)
        assert response.get_json()["code"] in inbox.messages[0].get_content()
        assert "已发送 0 封" in application.test_cli_runner().invoke(args=["mail", "send"]).output
    finally:
        controller.stop()
