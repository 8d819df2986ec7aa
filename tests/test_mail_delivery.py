"""Mail that cannot go out is never lost and never retried for ever; a line break in a business's
subject no longer blocks a bureau's mail (issue 19, finding 5)."""
from __future__ import annotations

from sqlalchemy import select

from portal.actors import Actor
from portal.catalog.content import import_content
from portal.clock import today
from portal.extensions import db
from portal.mail import MAX_ATTEMPTS, MailMessage, queue_mail
from portal.supervision.services import urge
from portal.tickets.models import Ticket
from tests import factories as f
from tests.conftest import fresh_database, make_app
from tests.servers import free_port
from tests.staff import make_user
from tests.tickets.conftest import form_data


def test_a_subject_with_a_line_break_stored_before_is_folded_and_the_mail_arrives(tmp_path_factory, smtp):
    controller, inbox = smtp
    app = make_app(fresh_database(tmp_path_factory, "portal_fold"), tmp_path_factory.mktemp("ix"),
                   MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    with app.app_context():
        session = db.session
        import_content(session, f.lines(f.bureau(), f.topic(), f.guide()))
        session.commit()
        make_user(session, "wang", bureau="scjgj")
        session.execute(select(1))
        from portal.accounts.services import user_by_username

        user_by_username(session, "wang").email = "wang@scjgj.example"
        client = app.test_client()
        assert client.post("/api/v1/tickets", json=form_data()).status_code == 201
        ticket = session.scalars(select(Ticket)).one()
        ticket.subject = "营业执照\n办理超时"  # as rows filed before line breaks were refused hold it
        session.commit()
        urge(session, ticket, Actor("supervisor", "督办员"), "请今日签收并答复。", today())
        session.commit()
        result = app.test_cli_runner().invoke(args=["mail", "send"])
        assert "已发送 1 封" in result.output, result.output
    inbox.wait_for(1)
    assert inbox.messages[0]["Subject"] == f"【催办】工单 {ticket.number}：营业执照 办理超时"


def test_a_mail_that_keeps_failing_is_parked_shown_and_released(app, session, runner):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    try:
        queue_mail(session, "boss@example.com", "mail/policy_confirm.txt", choice="领域：企业开办", token="t")
        session.commit()
        for attempt in range(MAX_ATTEMPTS):
            assert "失败 1 封" in runner.invoke(args=["mail", "send"]).output
        after = runner.invoke(args=["mail", "send"]).output
        assert "已发送 0 封，失败 0 封" in after and "1 封多次发送失败已暂停" in after
        listed = runner.invoke(args=["mail", "parked"]).output
        assert "b***@example.com" in listed and "boss@" not in listed and "ConnectionRefusedError" in listed
        assert app.test_client().get("/healthz").get_json()["mail_parked"] == 1
        assert "已恢复 1 封" in runner.invoke(args=["mail", "release"]).output
        assert "失败 1 封" in runner.invoke(args=["mail", "send"]).output  # tried again
        session.expire_all()
        assert session.scalars(select(MailMessage)).one().attempts == 1
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)
