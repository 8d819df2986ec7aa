"""Anonymous public pages are kept in the worker's memory (portal/pagecache.py): a reader without a
cookie gets the kept page until the content changes (on this host or another), a reader with a
cookie always gets a page drawn for them, and guide readings are counted all the same."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.catalog.content import import_content
from portal.catalog.models import Guide
from portal.catalog.services import GuideReadings, add_readings
from portal.clock import as_of
from portal.extensions import db
from tests.clock import NOW, TODAY
from tests.conftest import make_app
from tests.factories import bureau, guide, lines, policy, topic

CONTENT = [bureau(), topic(), guide(), policy()]


@pytest.fixture
def site(app, session):
    """The test app with a bureau, a topic, a guide and a policy; readings written at once."""
    import_content(session, lines(*CONTENT))
    session.commit()
    kept = app.extensions["guide_readings"]
    app.extensions["guide_readings"] = GuideReadings(every=0)
    yield app
    app.extensions["guide_readings"] = kept


def get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


@pytest.mark.parametrize("url", ["/", "/guides", "/policies", "/bureaus", "/bureaus/scjgj", "/topics",
                                 "/topics/qykb", "/guides/gongzhang-kezhi", "/policies/liudi-tuishui",
                                 "/feeds/policies.atom", "/feeds/topics/qykb.atom"])
def test_an_anonymous_reader_gets_the_kept_page(site, url):
    first = get(site.test_client(), url)
    again = get(site.test_client(), url)
    assert "X-Page-Cache" not in first.headers
    assert again.headers["X-Page-Cache"] == "hit"
    assert again.get_data() == first.get_data()
    assert again.mimetype == first.mimetype


def test_a_query_string_is_a_page_of_its_own(site):
    get(site.test_client(), "/guides")
    other = get(site.test_client(), "/guides?topic=qykb")
    assert "X-Page-Cache" not in other.headers


def test_a_reader_with_a_cookie_always_gets_a_page_drawn_for_them(site):
    get(site.test_client(), "/")
    client = site.test_client()
    client.set_cookie("session", "anything")
    assert "X-Page-Cache" not in get(client, "/").headers


def test_a_page_that_sets_a_cookie_is_not_kept(site):
    """The filing form carries a form token in the session: it is never kept, nor answered from memory."""
    client = site.test_client()
    form = get(client, "/tickets/new")
    assert "Set-Cookie" in form.headers
    assert "X-Page-Cache" not in get(site.test_client(), "/tickets/new").headers


def test_staff_and_error_pages_are_not_kept(site):
    for _ in range(2):
        missing = site.test_client().get("/guides/no-such-guide")
        assert missing.status_code == 404
        assert "X-Page-Cache" not in missing.headers
        assert "X-Page-Cache" not in site.test_client().get("/staff/login").headers


def test_a_change_to_the_content_is_shown_at_once(site, session):
    get(site.test_client(), "/policies")
    assert get(site.test_client(), "/policies").headers["X-Page-Cache"] == "hit"
    import_content(session, lines(bureau(), topic(), guide(), policy(title="关于调整留抵退税的新公告")))
    session.commit()
    changed = get(site.test_client(), "/policies")
    assert "X-Page-Cache" not in changed.headers
    assert "关于调整留抵退税的新公告" in changed.get_data(as_text=True)


def test_a_change_made_on_another_host_is_shown_at_once(site, session, tmp_path):
    """Another host on the same database publishes a guide: this host's kept list is drawn anew."""
    get(site.test_client(), "/guides")
    other_host = make_app(site.config["DATABASE_URL"], tmp_path / "other-index", HOST_ID="other")
    with other_host.app_context():
        import_content(db.session, lines(*CONTENT, guide(slug="yinye-zhizhao", title="营业执照设立登记")))
        db.session.commit()
    listed = get(site.test_client(), "/guides")
    assert "X-Page-Cache" not in listed.headers
    assert "营业执照设立登记" in listed.get_data(as_text=True)


def test_a_kept_page_lives_no_longer_than_configured(app, session):
    import_content(session, lines(*CONTENT))
    session.commit()
    short = make_app(app.config["DATABASE_URL"], app.config["INDEX_DIR"], PAGE_CACHE_SECONDS=0)
    get(short.test_client(), "/bureaus")
    assert "X-Page-Cache" not in get(short.test_client(), "/bureaus").headers


def test_the_cache_can_be_turned_off(app, session):
    import_content(session, lines(*CONTENT))
    session.commit()
    off = make_app(app.config["DATABASE_URL"], app.config["INDEX_DIR"], PAGE_CACHE=False)
    get(off.test_client(), "/")
    assert "X-Page-Cache" not in get(off.test_client(), "/").headers


def test_readings_of_a_kept_guide_page_are_counted(site, session):
    for _ in range(3):
        get(site.test_client(), "/guides/gongzhang-kezhi")
    get(site.test_client(), "/")  # the last reading is written by the next request
    session.expire_all()
    assert session.scalar(select(Guide.views).where(Guide.slug == "gongzhang-kezhi")) == 3


def test_readings_wait_to_be_written_together(app, session):
    import_content(session, lines(*CONTENT))
    session.commit()
    readings = GuideReadings(every=3600, most=3)
    readings.count("gongzhang-kezhi")
    readings.count("gongzhang-kezhi")
    assert not readings.take_if_due()
    readings.count("no-such-guide")
    due = readings.take_if_due()
    assert dict(due) == {"gongzhang-kezhi": 2, "no-such-guide": 1}
    add_readings(session, due)
    session.commit()
    assert session.scalar(select(Guide.views).where(Guide.slug == "gongzhang-kezhi")) == 2
    assert not readings.take_if_due()


def test_readings_not_written_are_given_back(app):
    readings = GuideReadings(every=0)
    readings.count("gongzhang-kezhi")
    due = readings.take_if_due()
    readings.give_back(due)
    assert dict(readings.take_if_due()) == {"gongzhang-kezhi": 1}


def test_the_policy_list_of_a_new_day_is_drawn_for_that_day(site, session):
    """The county's day is part of what a kept page answers: a policy that expires tonight leaves the
    list of current policies tomorrow morning although no content changed."""
    import_content(session, lines(bureau(), topic(), guide(), policy(expires_on=TODAY.isoformat())))
    session.commit()
    assert "留抵退税" in get(site.test_client(), "/policies").get_data(as_text=True)
    assert get(site.test_client(), "/policies").headers["X-Page-Cache"] == "hit"
    with as_of(NOW + dt.timedelta(days=1)):
        next_day = get(site.test_client(), "/policies")
    assert "X-Page-Cache" not in next_day.headers
    assert "留抵退税" not in next_day.get_data(as_text=True)
