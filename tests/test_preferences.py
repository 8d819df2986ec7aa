"""长者模式: a link sets a cookie (no account, no script) and every page is drawn large; the switch only
goes back to a page of this site; the page cache, which keeps pages for readers without a cookie, never
hands the elder page to a plain reader nor the plain page to a reader in 长者模式."""
from __future__ import annotations

import pytest

from portal.catalog.content import import_content
from tests.factories import bureau, guide, lines, topic


@pytest.fixture
def site(app, session):
    import_content(session, lines(bureau(), topic(), guide()))
    session.commit()
    return app


def elder_page(response) -> bool:
    return '<html lang="zh-CN" class="elder">' in response.get_data(as_text=True)


def test_the_switch_sets_a_cookie_and_goes_back_to_the_page(site):
    client = site.test_client()
    response = client.get("/mode?elder=1&next=/guides?topic%3Dqykb")
    assert response.status_code == 303
    assert response.headers["Location"] == "/guides?topic=qykb"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("elder=1;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/guides?topic=qykb")
    assert elder_page(page)
    assert 'href="/mode?elder=0&amp;next=/guides?topic%3Dqykb"' in page.get_data(as_text=True)
    assert ">标准模式<" in page.get_data(as_text=True)

    off = client.get("/mode?elder=0&next=/guides")
    assert off.status_code == 303 and off.headers["Location"] == "/guides"
    assert "elder=;" in off.headers["Set-Cookie"] and "Max-Age=0" in off.headers["Set-Cookie"]
    assert not elder_page(client.get("/guides"))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
                                    "guides", ""])
def test_the_switch_goes_only_to_a_page_of_this_site(site, target):
    response = site.test_client().get("/mode", query_string={"elder": "1", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_a_plain_page_offers_the_switch_on_every_page(site):
    for url in ("/", "/guides", "/tickets/new", "/tickets/track", "/search?q=x", "/login", "/no-such-page"):
        body = site.test_client().get(url).get_data(as_text=True)
        assert ">长者模式</a>" in body, url
        assert 'class="skip-link" href="#main"' in body, url


def test_the_elder_page_never_reaches_a_plain_reader_through_the_page_cache(site):
    plain, elder = site.test_client(), site.test_client()
    elder.set_cookie("elder", "1")
    first = elder.get("/guides")  # drawn for the elder reader first: it must not be kept
    assert elder_page(first) and "X-Page-Cache" not in first.headers
    assert "Cookie" in first.headers["Vary"]
    drawn = plain.get("/guides")
    assert not elder_page(drawn) and "X-Page-Cache" not in drawn.headers
    kept = site.test_client().get("/guides")
    assert kept.headers["X-Page-Cache"] == "hit" and not elder_page(kept)
    again = elder.get("/guides")  # the kept plain page is not answered to the elder reader
    assert elder_page(again) and "X-Page-Cache" not in again.headers
