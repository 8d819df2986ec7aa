"""Deliveries through a real SMTP server: one mail per subscriber and run, a digest when there are
several notices, and never the same notice twice: not on a rerun, a crash between recording and
sending, or a mail server that was down on the first run."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal.clock import as_of
from portal.mail import MailMessage
from portal.subscriptions import services
from portal.subscriptions.models import Delivery, Subscriber
from tests import factories as f
from tests.subscriptions.conftest import BASE, click, links, publish, send, subscribe
from tests.mailbox import smtp_server
from tests.servers import free_port


def test_sending_twice_mails_once(session, runner, catalog_without_policies, mail_to):
    subscribe(session, topics=["hqzc"])
    publish(session)
    assert "推送邮件 1 封（1 条内容），发出 1 封" in send(runner)
    mail_to.wait_for(1)
    assert "推送邮件 0 封（0 条内容），发出 0 封" in send(runner)
    assert len(mail_to.messages) == 1
    message = mail_to.messages[0]
    assert message["To"] == "boss@example.com"
    assert message["Subject"] == "【政策推送】新发布：小微企业房租减免办法"
    text = message.get_content()
    assert f"{BASE}/policies/xiaowei-jianmian" in text and "县工信局" in text and "退订" in text
    assert len(links(message)) == 1 and "/subscribe/unsubscribe/" in links(message)[0]


def test_the_unsubscribe_link_in_the_mail_works_in_one_click(
        session, client, runner, catalog_without_policies, mail_to):
    subscriber = subscribe(session, topics=["hqzc"])
    publish(session)
    send(runner)
    mail_to.wait_for(1)
    assert click(client, links(mail_to.messages[0])[0]).status_code == 200
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).unsubscribed_at is not None
    publish(session, "dierge", "第二件惠企政策")
    assert "推送邮件 0 封" in send(runner)


def test_a_crash_between_recording_and_sending_mails_exactly_once(session, runner, catalog_without_policies, mail_to):
    subscriber = subscribe(session, topics=["hqzc"])
    publish(session)
    recorded = services.record_deliveries(session, subscriber)
    session.commit()  # ... and the process dies here, before sending
    assert len(recorded) == 1 and mail_to.messages == []
    assert "推送邮件 0 封（0 条内容），发出 1 封" in send(runner)
    mail_to.wait_for(1)
    assert "发出 0 封" in send(runner)
    assert len(mail_to.messages) == 1


def test_a_crash_before_the_commit_records_nothing_and_the_rerun_mails_once(
        session, runner, catalog_without_policies, mail_to):
    subscriber = subscribe(session, topics=["hqzc"])
    publish(session)
    services.record_deliveries(session, subscriber)
    session.rollback()  # the process dies before its commit
    pushed = select(MailMessage).where(MailMessage.subject.like("【政策推送】%"))
    assert session.scalars(select(Delivery)).all() == [] and session.scalars(pushed).all() == []
    assert "推送邮件 1 封" in send(runner)
    mail_to.wait_for(1)
    send(runner)
    assert len(mail_to.messages) == 1


def test_a_mail_server_down_on_the_first_run_gets_the_mail_once_from_the_rerun(
        app, session, runner, catalog_without_policies):
    port = free_port()  # nothing listens here yet
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL=BASE)
    controller, inbox = smtp_server(port)
    try:
        subscribe(session, topics=["hqzc"])
        publish(session)
        assert "推送邮件 1 封（1 条内容），发出 0 封，失败 1 封" in send(runner)
        session.expire_all()
        message = session.scalars(select(MailMessage).where(MailMessage.subject.like("【政策推送】%"))).one()
        assert message.sent_at is None and message.last_error
        controller.start()
        assert "推送邮件 0 封（0 条内容），发出 1 封，失败 0 封" in send(runner)
        inbox.wait_for(1)
        assert "发出 0 封" in send(runner)
        assert len(inbox.messages) == 1 and "小微企业房租减免办法" in inbox.messages[0]["Subject"]
    finally:
        controller.stop()
        app.config.update(MAIL_SERVER="", BASE_URL="")


def test_several_notices_make_one_digest(session, runner, catalog_without_policies, mail_to):
    from portal.catalog.content import import_content

    subscribe(session, topics=["hqzc", "qykb"])
    with as_of(dt.datetime(2031, 6, 8, 15)):
        publish(session, "yi", "第一件惠企政策")
        publish(session, "er", "第二件惠企政策", status="consultation")
        import_content(session, f.lines(f.guide(fee="工本费 20 元")))
        session.commit()
    with as_of(dt.datetime(2031, 6, 9, 7, 30)):
        assert "推送邮件 1 封（3 条内容）" in send(runner)
    mail_to.wait_for(1)
    digest = mail_to.messages[0]
    assert digest["Subject"] == "【政策推送】2031年6月9日 共 3 条更新"
    text = digest.get_content()
    for line in ("【新发布】第一件惠企政策", "【公开征求意见】第二件惠企政策", "【收费调整】公章刻制备案",
                 f"{BASE}/guides/gongzhang-kezhi", "收费：工本费 20 元"):
        assert line in text
    assert len(links(digest)) == 1
    assert "推送邮件 0 封" in send(runner)


def test_changing_ones_choices_loses_no_notice_and_repeats_none(session, runner, catalog_without_policies, mail_to):
    subscribe(session, topics=["hqzc"])
    publish(session)  # matches the first choice
    assert "推送邮件 1 封" in send(runner)
    publish(session, "dierge", "第二件惠企政策")  # after the first run, before the change is confirmed
    subscribe(session, topics=["hqzc", "qykb"])  # the same address chooses again and confirms
    assert "推送邮件 1 封（1 条内容）" in send(runner)
    mail_to.wait_for(2)
    assert [m["Subject"] for m in mail_to.messages] == ["【政策推送】新发布：小微企业房租减免办法",
                                                        "【政策推送】新发布：第二件惠企政策"]


def test_unsubscribing_erases_the_address_from_the_mail_outbox(
        session, client, runner, catalog_without_policies, mail_to):
    subscribe(session, topics=["hqzc"])
    publish(session)
    send(runner)
    mail_to.wait_for(1)
    click(client, links(mail_to.messages[0])[0])
    session.expire_all()
    assert session.scalars(select(MailMessage).where(MailMessage.recipient == "boss@example.com")).all() == []
