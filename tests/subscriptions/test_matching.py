"""Who gets a notice: a shared topic, the notice's bureau, or a shared beneficiary type (全部市场主体
reaches every beneficiary choice); only confirmed, live subscriptions, and only what came after."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.clock import as_of, now
from portal.mail import MailMessage
from portal.subscriptions import services
from portal.subscriptions.models import Delivery, Notice, Subscriber
from tests.subscriptions.conftest import publish, send, subscribe


def mailed(session) -> dict[str, list[str]]:
    """Recipient → subjects of the subscription mail recorded so far."""
    session.expire_all()
    out: dict[str, list[str]] = {}
    pushed = select(MailMessage).where(MailMessage.subject.like("【政策推送】%")).order_by(MailMessage.id)
    for message in session.scalars(pushed):
        out.setdefault(message.recipient, []).append(message.subject)
    return out


def notice(**fields) -> Notice:
    base = {"kind": "policy", "slug": "p", "title": "t", "what": "新发布", "bureau": "gxj", "topics": ["hqzc"],
            "beneficiaries": ["小微企业"]}
    return Notice(**{**base, **fields})


@pytest.mark.parametrize("choice, expected", [
    ({"topics": ["hqzc"]}, True),
    ({"topics": ["qykb", "hqzc"]}, True),
    ({"topics": ["qykb"]}, False),
    ({"bureaus": ["gxj"]}, True),
    ({"bureaus": ["scjgj"]}, False),
    ({"beneficiaries": ["小微企业"]}, True),
    ({"beneficiaries": ["个体工商户", "小微企业"]}, True),
    ({"beneficiaries": ["高新技术企业"]}, False),
    ({"topics": ["qykb"], "bureaus": ["scjgj"], "beneficiaries": ["高新技术企业"]}, False),
    ({}, False),
])
def test_a_notice_matches_by_topic_bureau_or_beneficiary(choice, expected):
    subscriber = Subscriber(email="a@example.com", topics=choice.get("topics", []), bureaus=choice.get("bureaus", []),
                            beneficiaries=choice.get("beneficiaries", []))
    assert services.matches(subscriber, notice()) is expected


def test_a_policy_for_all_businesses_reaches_every_beneficiary_choice_but_not_others():
    for_all = notice(topics=[], bureau="fgj", beneficiaries=["全部市场主体"])
    assert services.matches(Subscriber(topics=[], bureaus=[], beneficiaries=["高新技术企业"]), for_all)
    assert services.matches(Subscriber(topics=[], bureaus=[], beneficiaries=["个体工商户"]), for_all)
    assert not services.matches(Subscriber(topics=["qykb"], bureaus=["scjgj"], beneficiaries=[]), for_all)


def test_the_send_job_mails_exactly_the_matching_subscribers(session, runner, catalog_without_policies):
    subscribe(session, "topic@example.com", topics=["hqzc"])
    subscribe(session, "bureau@example.com", bureaus=["gxj"])
    subscribe(session, "small@example.com", beneficiaries=["小微企业"])
    subscribe(session, "hightech@example.com", beneficiaries=["高新技术企业"])
    subscribe(session, "other@example.com", topics=["qykb"], bureaus=["scjgj"])
    publish(session, beneficiaries=["小微企业"])
    assert "推送邮件 3 封" in send(runner)
    got = mailed(session)
    assert sorted(got) == [
        "bureau@example.com", "small@example.com", "topic@example.com"]
    assert got["small@example.com"][-1] == "【政策推送】新发布：小微企业房租减免办法"


def test_a_policy_for_all_businesses_reaches_every_beneficiary_subscriber(session, runner, catalog_without_policies):
    subscribe(session, "hightech@example.com", beneficiaries=["高新技术企业"])
    subscribe(session, "other@example.com", topics=["qykb"])
    publish(session, bureau="scjgj", topics=[], beneficiaries=["全部市场主体"])
    send(runner)
    recipients = {d.subscriber.email for d in session.scalars(select(Delivery))}
    assert recipients == {"hightech@example.com"}


def test_unconfirmed_and_unsubscribed_subscribers_get_nothing(session, runner, catalog_without_policies):
    subscribe(session, "pending@example.com", topics=["hqzc"], confirm=False)
    gone = subscribe(session, "gone@example.com", topics=["hqzc"])
    services.unsubscribe(session, gone)
    session.commit()
    publish(session)
    assert "推送邮件 0 封" in send(runner)
    assert session.scalars(select(Delivery)).all() == []


def test_only_notices_recorded_after_the_confirmation_are_sent(session, runner, catalog_without_policies):
    start = now()
    with as_of(start - dt.timedelta(days=2)):
        publish(session, "zaoqi", "早先发布的政策")
        subscriber = subscribe(session, topics=["hqzc"], confirm=False)
    with as_of(start - dt.timedelta(days=1)):
        services.confirm(session, subscriber)
        session.commit()
    publish(session, "xinfa", "确认之后发布的政策")
    send(runner)
    delivered = [d.notice.slug for d in session.scalars(select(Delivery))]
    assert delivered == ["xinfa"]
