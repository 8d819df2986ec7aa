"""Policy status as readers see it, and the expiry job."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal.catalog.content import import_content
from portal.catalog.models import Policy, PolicyStatus, PolicyStatusChange
from portal.catalog.services import expire_policies
from tests import factories as f
from tests.clock import TODAY, days_from_today

YESTERDAY = days_from_today(-1)  # the county's yesterday at the pinned moment


def seed(session):
    import_content(session, f.lines(
        f.bureau(), f.topic(),
        f.policy("liushui-lianggei", "六税两费减半征收", published_on="2022-03-01", effective_from="2022-01-01",
                 expires_on=YESTERDAY),
        f.policy("changqi", "长期有效的政策", published_on="2022-05-01"),
        f.policy("feizhi", "已废止的条例", status="repealed", published_on="2022-06-01"),
        f.policy("caogao", "内部草稿", status="draft", published_on="2022-07-01"),
        f.policy("zhengqiu", "征求意见稿", status="consultation", published_on="2022-09-15", doc_number=None),
    ))
    session.commit()


def test_policy_past_its_expiry_shows_expired_at_once(session, client):
    seed(session)
    page = client.get("/policies/liushui-lianggei").get_data(as_text=True)
    assert "已失效" in page and "现行有效" not in page
    listing = client.get("/policies").get_data(as_text=True)
    assert "六税两费" not in listing and "长期有效的政策" in listing and "征求意见稿" in listing
    assert "六税两费" in client.get("/policies?status=expired").get_data(as_text=True)


def test_expired_and_repealed_are_hidden_by_default_and_shown_on_request(session, client):
    seed(session)
    default = client.get("/policies").get_data(as_text=True)
    assert "已废止的条例" not in default
    everything = client.get("/policies?status=all").get_data(as_text=True)
    for title in ("六税两费", "长期有效的政策", "已废止的条例", "征求意见稿"):
        assert title in everything
    assert "内部草稿" not in everything


def test_draft_policy_is_not_public(session, client):
    seed(session)
    assert client.get("/policies/caogao").status_code == 404


def test_expire_command_records_the_change_once(session, runner):
    seed(session)
    first = runner.invoke(args=["policies", "expire"])
    assert first.exit_code == 0 and "共 1 件" in first.output
    second = runner.invoke(args=["policies", "expire"])
    assert second.exit_code == 0 and "共 0 件" in second.output
    session.expire_all()
    policy = session.scalars(select(Policy).where(Policy.slug == "liushui-lianggei")).one()
    assert policy.status is PolicyStatus.EXPIRED
    changes = session.scalars(select(PolicyStatusChange)).all()
    assert [(c.from_status, c.to_status, c.actor) for c in changes] == [
        (PolicyStatus.IN_FORCE, PolicyStatus.EXPIRED, "system")
    ]


def test_a_policy_is_in_force_through_its_last_day(session):
    seed(session)
    policy = session.scalars(select(Policy).where(Policy.slug == "liushui-lianggei")).one()
    last_day = policy.expires_on
    assert policy.status_on(last_day) is PolicyStatus.IN_FORCE
    assert policy.status_on(last_day + dt.timedelta(days=1)) is PolicyStatus.EXPIRED
    assert expire_policies(session, last_day) == []


def test_policy_not_yet_effective_says_when_it_starts(session, client):
    future = TODAY + dt.timedelta(days=30)
    import_content(session, f.lines(f.bureau(), f.topic(), f.policy(effective_from=future.isoformat())))
    session.commit()
    page = client.get("/policies/liudi-tuishui").get_data(as_text=True)
    assert f"{future.year}年{future.month}月{future.day}日起施行" in page
