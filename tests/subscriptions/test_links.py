"""Double opt-in and one-click unsubscribe: signed links that work once, and refuse to be altered,
reused for the other purpose, or used after 7 days."""
from __future__ import annotations

import datetime as dt

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from portal.clock import as_of, now
from portal.subscriptions import services
from portal.subscriptions.models import Subscriber
from tests.subscriptions.conftest import click, no_change, publish, send, subscribe


def test_confirm_link_confirms_once_and_a_second_click_changes_nothing(session, client, catalog_without_policies):
    subscriber = subscribe(session, topics=["hqzc"], confirm=False)
    token = services.confirm_token(subscriber)
    first = click(client, f"/subscribe/confirm/{token}")
    assert first.status_code == 200 and "订阅已确认" in first.get_data(as_text=True)
    session.expire_all()
    confirmed_at = session.get(Subscriber, subscriber.id).confirmed_at
    assert confirmed_at is not None
    again = click(client, f"/subscribe/confirm/{token}")
    assert again.status_code == 200 and "此前已经确认" in again.get_data(as_text=True)
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).confirmed_at == confirmed_at


def test_confirm_page_shows_the_address_only_masked(session, client, catalog_without_policies):
    subscriber = subscribe(session, email="zhangsan@example.com", topics=["hqzc"], confirm=False)
    page = click(client, f"/subscribe/confirm/{services.confirm_token(subscriber)}").get_data(as_text=True)
    assert "z***@example.com" in page and "zhangsan@example.com" not in page and "惠企政策兑现" in page


def test_tampered_confirm_link_is_refused_and_changes_nothing(session, client, catalog_without_policies):
    subscriber = subscribe(session, topics=["hqzc"], confirm=False)
    token = services.confirm_token(subscriber)
    tampered = [token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "x" + token, token.replace(".", "", 1),
                "nonsense", "a" * 500]
    with no_change(session):
        for bad in tampered:
            response = click(client, f"/subscribe/confirm/{bad}")
            assert response.status_code == 400, bad
            assert "链接无效" in response.get_data(as_text=True)


def test_a_link_signed_with_another_key_is_refused(session, client, app, catalog_without_policies):
    subscriber = subscribe(session, topics=["hqzc"], confirm=False)
    forged = URLSafeTimedSerializer("another-secret-key", salt=services.CONFIRM_SALT).dumps(
        [subscriber.id, services._fingerprint(subscriber.email)])
    with no_change(session):
        assert click(client, f"/subscribe/confirm/{forged}").status_code == 400


def test_links_of_one_purpose_do_not_work_for_the_other(session, client, catalog_without_policies):
    subscriber = subscribe(session, topics=["hqzc"], confirm=False)
    with no_change(session):
        assert click(client, f"/subscribe/unsubscribe/{services.confirm_token(subscriber)}").status_code == 400
        assert click(client, f"/subscribe/confirm/{services.unsubscribe_token(subscriber)}").status_code == 400


def test_confirm_link_expires_after_seven_days(session, client, catalog_without_policies):
    start = now()
    with as_of(start):
        subscriber = subscribe(session, topics=["hqzc"], confirm=False)
        token = services.confirm_token(subscriber)
    with as_of(start + dt.timedelta(days=8)), no_change(session):
        response = click(client, f"/subscribe/confirm/{token}")
        assert response.status_code == 400 and "已过期" in response.get_data(as_text=True)
    with as_of(start + dt.timedelta(days=6, hours=23)):
        assert click(client, f"/subscribe/confirm/{token}").status_code == 200
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).confirmed_at is not None


def test_unsubscribe_link_never_expires_is_idempotent_and_stops_mail(session, client, runner, catalog_without_policies):
    subscriber = subscribe(session, topics=["hqzc"])
    token = services.unsubscribe_token(subscriber)
    with as_of(now() + dt.timedelta(days=400)):
        first = click(client, f"/subscribe/unsubscribe/{token}")
    assert first.status_code == 200 and "已退订" in first.get_data(as_text=True)
    session.expire_all()
    ended = session.get(Subscriber, subscriber.id).unsubscribed_at
    assert ended is not None
    again = click(client, f"/subscribe/unsubscribe/{token}")
    assert again.status_code == 200 and "已退订" in again.get_data(as_text=True)
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).unsubscribed_at == ended
    publish(session)
    assert "推送邮件 0 封" in send(runner)


def test_tampered_unsubscribe_link_is_refused_and_changes_nothing(session, client, catalog_without_policies):
    subscriber = subscribe(session, topics=["hqzc"])
    token = services.unsubscribe_token(subscriber)
    with no_change(session):
        response = click(client, f"/subscribe/unsubscribe/{token[:-3]}xyz")
        assert response.status_code == 400 and "链接无效" in response.get_data(as_text=True)


def test_confirming_after_unsubscribing_does_not_revive_the_subscription(session, client, catalog_without_policies):
    subscriber = subscribe(session, topics=["hqzc"], confirm=False)
    click(client, f"/subscribe/unsubscribe/{services.unsubscribe_token(subscriber)}")
    page = click(client, f"/subscribe/confirm/{services.confirm_token(subscriber)}")
    assert page.status_code == 200 and "订阅已结束" in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).confirmed_at is None


def test_a_confirmed_subscription_replaces_older_ones_of_the_same_address(session, client, catalog_without_policies):
    old = subscribe(session, topics=["qykb"])
    new = subscribe(session, topics=["hqzc"], confirm=False)
    other = subscribe(session, email="other@example.com", topics=["qykb"])
    assert click(client, f"/subscribe/confirm/{services.confirm_token(new)}").status_code == 200
    session.expire_all()
    live = session.scalars(select(Subscriber).where(Subscriber.unsubscribed_at.is_(None))
                           .order_by(Subscriber.id)).all()
    assert [s.id for s in live] == [new.id, other.id]
    assert session.get(Subscriber, old.id).email == ""
    stale = click(client, f"/subscribe/confirm/{services.confirm_token(old)}")
    assert "订阅已结束" in stale.get_data(as_text=True)


def test_an_ended_subscription_keeps_no_address(session, client, catalog_without_policies):
    replaced = subscribe(session, topics=["qykb"])
    current = subscribe(session, topics=["hqzc"])
    session.expire_all()
    assert session.get(Subscriber, replaced.id).email == ""
    page = click(client, f"/subscribe/unsubscribe/{services.unsubscribe_token(current)}").get_data(as_text=True)
    assert "b***@example.com 的政策推送已退订" in page
    session.expire_all()
    assert session.get(Subscriber, current.id).email == ""
    assert session.get(Subscriber, current.id).topics == ["hqzc"]  # the choice stays, for the figures


def test_the_send_job_erases_subscriptions_never_confirmed_once_their_link_expired(
        session, runner, catalog_without_policies):
    start = now()
    with as_of(start - dt.timedelta(days=9)):
        stale = subscribe(session, "stale@example.com", topics=["hqzc"], confirm=False)
    with as_of(start - dt.timedelta(days=6)):
        pending = subscribe(session, "pending@example.com", topics=["hqzc"], confirm=False)
        confirmed = subscribe(session, "old-but-confirmed@example.com", topics=["hqzc"])
    assert "删除逾期未确认的订阅 1 个" in send(runner)
    session.expire_all()
    assert session.get(Subscriber, stale.id) is None
    assert session.get(Subscriber, pending.id) is not None and session.get(Subscriber, confirmed.id) is not None
