"""Links in mail change nothing when merely opened (mail scanners open them), one-click unsubscribe
works as RFC 8058 says, and "+tags" do not get around the per-address cap (issue 19, finding 11)."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.mail import MailMessage
from portal.subscriptions import services
from portal.subscriptions.models import Subscriber
from tests.subscriptions.conftest import links, publish, send, subscribe


def fresh(session, subscriber) -> Subscriber:
    session.expire_all()
    return session.get(Subscriber, subscriber.id)


def test_opening_the_confirm_link_confirms_nothing_until_the_button_is_pressed(session, client, catalog_without_policies):
    subscriber = subscribe(session, topics=["hqzc"], confirm=False)
    link = f"/subscribe/confirm/{services.confirm_token(subscriber)}"
    for _ in range(3):  # a scanner, a preview, the person
        page = client.get(link)
        assert page.status_code == 200 and "确认订阅" in page.get_data(as_text=True)
    assert fresh(session, subscriber).confirmed_at is None
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(link, data={"csrf_token": token}).status_code == 200
    assert fresh(session, subscriber).confirmed_at is not None
    assert client.post(link).status_code == 400  # the button's POST needs the page's form token


def test_opening_the_unsubscribe_link_keeps_the_subscription_and_one_click_post_ends_it(session, client, catalog_without_policies):
    subscriber = subscribe(session, topics=["hqzc"])
    link = f"/subscribe/unsubscribe/{services.unsubscribe_token(subscriber)}"
    page = client.get(link)
    assert page.status_code == 200 and "退订" in page.get_data(as_text=True)
    assert fresh(session, subscriber).unsubscribed_at is None
    # what a mail client sends for List-Unsubscribe-Post: no cookie, no form token
    response = client.application.test_client().post(link, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "已退订" in response.get_data(as_text=True)
    assert fresh(session, subscriber).unsubscribed_at is not None


def test_notice_mail_carries_the_one_click_unsubscribe_headers(session, runner, catalog_without_policies, mail_to):
    subscribe(session, topics=["hqzc"])
    publish(session)
    send(runner)
    mail_to.wait_for(1)
    message = mail_to.messages[0]
    [link] = links(message)
    assert message["List-Unsubscribe"] == f"<http://portal.test{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_plus_tags_count_as_one_mailbox_for_the_daily_cap(session, catalog_without_policies):
    for tag in ("", "+1", "+2", "+3", "+news"):
        services.subscribe(session, services.Choice(f"boss{tag}@example.com", ["hqzc"], [], []))
    session.commit()
    sent = session.scalar(select(func.count()).select_from(MailMessage))
    assert sent == services.CONFIRMATIONS_PER_DAY == 3
    services.subscribe(session, services.Choice("other+1@example.com", ["hqzc"], [], []))
    session.commit()
    assert session.scalar(select(func.count()).select_from(MailMessage)) == 4  # another mailbox is not capped
