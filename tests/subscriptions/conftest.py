"""Helpers for subscription tests: a small catalog without policies, subscribers confirmed through the
service, the send job, and the app pointed at a real SMTP server (aiosmtpd) for the duration of a test."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from portal.catalog.content import import_content
from portal.subscriptions import services
from portal.subscriptions.models import Subscriber
from tests import factories as f

BASE = "http://portal.test"
LINK = re.compile(r"http://portal\.test(/subscribe/(?:confirm|unsubscribe)/[A-Za-z0-9._-]+)")


@pytest.fixture
def catalog_without_policies(session):
    """Two bureaus, two topics and a guide; no policy yet."""
    import_content(session, f.lines(
        f.bureau(), f.bureau("gxj", "县工信局"),
        f.topic(), f.topic("hqzc", "惠企政策兑现", lead="gxj"),
        f.guide(),
    ))
    session.commit()


@pytest.fixture
def mail_to(app, smtp):
    """The app's mail goes to the test's SMTP server; yields its inbox."""
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, BASE_URL=BASE)
    try:
        yield inbox
    finally:
        app.config.update(MAIL_SERVER="", BASE_URL="")


def subscribe(session, email="boss@example.com", topics=(), bureaus=(), beneficiaries=(), confirm=True):
    """A subscription made and (by default) confirmed through the services, committed."""
    choice = services.Choice(email, list(topics), list(bureaus), list(beneficiaries))
    subscriber = services.subscribe(session, choice)
    if confirm:
        services.confirm(session, subscriber)
    session.commit()
    return subscriber


def publish(session, slug="xiaowei-jianmian", title="小微企业房租减免办法", **fields):
    """Import one policy line (in force unless told otherwise), as content import and staff publishing do."""
    fields.setdefault("bureau", "gxj")
    fields.setdefault("topics", ["hqzc"])
    import_content(session, f.lines(f.policy(slug, title, **fields)))
    session.commit()


def send(runner):
    """Run the job as the timer does; returns its output."""
    result = runner.invoke(args=["subscriptions", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def click(client, link: str):
    """Open a confirm or unsubscribe link as a person does: the page, then its button (a POST with the
    page's form token, if it has one). Returns the last response."""
    page = client.get(link)
    body = page.get_data(as_text=True)
    if page.status_code != 200 or 'method="post"' not in body:
        return page
    token = re.search(r'name="csrf_token" value="([^"]+)"', body)
    return client.post(link, data={"csrf_token": token.group(1)} if token else {})


def links(message) -> list[str]:
    return LINK.findall(message.get_content())


@contextmanager
def no_change(session):
    """Asserts that the block leaves every subscriber exactly as it was."""
    def state():
        session.expire_all()
        rows = session.scalars(select(Subscriber).order_by(Subscriber.id))
        return [(s.id, s.email, s.confirmed_at, s.unsubscribed_at) for s in rows]
    before = state()
    yield
    assert state() == before
