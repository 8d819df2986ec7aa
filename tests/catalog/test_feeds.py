"""Atom feeds of policies: valid Atom (RFC 4287), the same policies their pages list by default."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from portal.catalog.content import import_content
from portal.catalog.feeds import FEED_SIZE
from portal.catalog.models import Policy
from tests import factories as f
from tests.clock import days_from_today

A = "{http://www.w3.org/2005/Atom}"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
YESTERDAY = days_from_today(-1)  # the county's yesterday at the pinned moment
NEXT_YEAR = days_from_today(365)


def seed(session):
    import_content(session, f.lines(
        f.bureau(), f.bureau("swj", "县税务局"),
        f.topic(), f.topic("nsfw", "纳税服务", lead="swj"),
        f.policy("changqi", "长期有效的政策", published_on="2022-05-01"),
        f.policy("zhengqiu", "征求意见稿", status="consultation", published_on="2022-09-15", doc_number=None),
        f.policy("liushui-lianggei", "六税两费减半征收", bureau="swj", topics=["nsfw"],
                 published_on="2022-03-01", effective_from="2022-01-01", expires_on=YESTERDAY),
        f.policy("feizhi", "已废止的条例", status="repealed", published_on="2022-06-01"),
        f.policy("caogao", "内部草稿", status="draft", published_on="2022-07-01"),
        f.policy("shuiwu", "税费优惠政策", bureau="swj", topics=["nsfw", "qykb"], published_on="2023-08-02",
                 doc_number="财政部 税务总局公告2023年第12号", effective_from=NEXT_YEAR),
    ))
    session.commit()


def parse_rfc3339(text: str) -> dt.datetime:
    """A date-time as RFC 3339 writes it: full date and time with an explicit offset."""
    assert "T" in text, text
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, text
    return moment


def one(parent: ET.Element, name: str) -> ET.Element:
    found = parent.findall(A + name)
    assert len(found) == 1, f"{parent.tag} has {len(found)} {name}"
    return found[0]


def valid_feed(response) -> ET.Element:
    """The response's feed, after checking what RFC 4287 requires of a feed and its entries."""
    assert response.status_code == 200
    assert response.headers["Content-Type"] == ATOM_TYPE
    feed = ET.fromstring(response.get_data())
    assert feed.tag == A + "feed"
    for name in ("id", "title", "updated"):
        assert one(feed, name).text
    parse_rfc3339(one(feed, "updated").text)
    assert feed.find(A + "author/" + A + "name").text
    links = {link.get("rel"): link.get("href") for link in feed.findall(A + "link")}
    assert links["self"].startswith("http") and links["alternate"].startswith("http")
    ids = [one(feed, "id").text]
    for entry in feed.findall(A + "entry"):
        for name in ("id", "title", "updated"):
            assert one(entry, name).text
        parse_rfc3339(one(entry, "updated").text)
        parse_rfc3339(one(entry, "published").text)
        alternates = [link for link in entry.findall(A + "link") if link.get("rel", "alternate") == "alternate"]
        assert alternates or entry.find(A + "content") is not None
        assert all(link.get("href", "").startswith("http") for link in alternates)
        assert one(entry, "author").find(A + "name").text
        ids.append(one(entry, "id").text)
    assert all(i.startswith(("tag:", "http")) for i in ids)
    assert len(ids) == len(set(ids)), "ids must be unique"
    return feed


def titles(feed: ET.Element) -> list[str]:
    return [e.find(A + "title").text for e in feed.findall(A + "entry")]


def entry_titled(feed: ET.Element, title: str) -> ET.Element:
    return next(e for e in feed.findall(A + "entry") if e.find(A + "title").text == title)


def test_policy_feed_lists_current_policies_and_consultations_only(session, client):
    seed(session)
    feed = valid_feed(client.get("/feeds/policies.atom"))
    assert sorted(titles(feed)) == sorted(["长期有效的政策", "征求意见稿", "税费优惠政策"])


def test_entry_carries_status_number_bureau_topics_and_links(session, client):
    seed(session)
    feed = valid_feed(client.get("/feeds/policies.atom"))
    entry = entry_titled(feed, "税费优惠政策")
    summary = entry.find(A + "summary").text
    assert summary.startswith("【现行有效，") and "起施行】" in summary
    assert "财政部 税务总局公告2023年第12号" in summary
    assert entry.find(A + "link").get("href") == "http://localhost/policies/shuiwu"
    assert entry.find(A + "author/" + A + "name").text == "县税务局"
    categories = [(c.get("term"), c.get("label")) for c in entry.findall(A + "category")]
    assert categories == [("nsfw", "纳税服务"), ("qykb", "企业开办")]
    assert entry.find(A + "published").text == "2023-08-02T00:00:00+08:00"
    assert entry_titled(feed, "征求意见稿").find(A + "summary").text.startswith("【征求意见中】")


def test_entries_newest_change_first_and_feed_updated_is_the_newest(session, client):
    seed(session)
    # Both moments are stored as they would be: the database's clock, in UTC.
    for slug, moment in (("changqi", dt.datetime(2024, 3, 1, 2, 0)), ("zhengqiu", dt.datetime(2024, 1, 1)),
                         ("shuiwu", dt.datetime(2023, 1, 1))):
        session.query(Policy).filter_by(slug=slug).one().modified_at = moment.replace(tzinfo=dt.timezone.utc)
    session.commit()
    feed = valid_feed(client.get("/feeds/policies.atom"))
    assert titles(feed) == ["长期有效的政策", "征求意见稿", "税费优惠政策"]
    assert feed.find(A + "updated").text == "2024-03-01T10:00:00+08:00"
    assert feed.find(A + "entry/" + A + "updated").text == "2024-03-01T10:00:00+08:00"


def test_topic_feed_lists_only_that_topics_policies(session, client):
    seed(session)
    feed = valid_feed(client.get("/feeds/topics/nsfw.atom"))
    assert titles(feed) == ["税费优惠政策"]  # the other one of the topic has expired
    assert feed.find(A + "title").text == "会宁县营商环境服务平台 · 纳税服务 · 政策文件"
    links = {link.get("rel"): link.get("href") for link in feed.findall(A + "link")}
    assert links == {"self": "http://localhost/feeds/topics/nsfw.atom", "alternate": "http://localhost/topics/nsfw"}


def test_bureau_feed_lists_only_that_bureaus_policies(session, client):
    seed(session)
    feed = valid_feed(client.get("/feeds/bureaus/scjgj.atom"))
    assert sorted(titles(feed)) == ["征求意见稿", "长期有效的政策"]
    assert feed.find(A + "title").text == "会宁县营商环境服务平台 · 县市场监管局 · 政策文件"


def test_feeds_of_different_pages_have_different_ids_and_entries_keep_theirs(session, client):
    seed(session)
    feeds = [valid_feed(client.get(url)) for url in
             ("/feeds/policies.atom", "/feeds/topics/qykb.atom", "/feeds/bureaus/swj.atom")]
    assert len({feed.find(A + "id").text for feed in feeds}) == 3
    ids = [{e.find(A + "title").text: e.find(A + "id").text for e in feed.findall(A + "entry")} for feed in feeds]
    assert ids[0]["税费优惠政策"] == ids[1]["税费优惠政策"] == ids[2]["税费优惠政策"]


@pytest.mark.parametrize("url", ["/feeds/topics/nope.atom", "/feeds/bureaus/nope.atom",
                                 "/feeds/topics/QYKB.atom", "/feeds/bureaus/scjgj%00.atom",
                                 "/feeds/topics/a%0Ab.atom", "/feeds/bureaus/" + "a" * 81 + ".atom"])
def test_unknown_or_malformed_code_is_not_found(session, client, url):
    seed(session)
    assert client.get(url).status_code == 404


def test_empty_feed_is_valid_and_stable(session, client):
    import_content(session, f.lines(f.bureau(), f.topic()))
    session.commit()
    for url in ("/feeds/policies.atom", "/feeds/topics/qykb.atom", "/feeds/bureaus/scjgj.atom"):
        first = client.get(url)
        feed = valid_feed(first)
        assert feed.findall(A + "entry") == []
        assert feed.find(A + "updated").text == "2022-09-15T00:00:00+08:00"  # never the current time
        assert client.get(url).get_data() == first.get_data()


def test_chinese_text_and_markup_characters_round_trip(session, client):
    title = '关于<企业>“开办”&"一网通办"的通知 \']]>'
    import_content(session, f.lines(
        f.bureau(name="县市场监管局 & <局>"), f.topic(name='企业开办 "<&>"'),
        f.policy("teshu", title, summary="摘要：<b>不是标签</b> & 不是实体 &amp;", doc_number="会政发〔2024〕1号"),
    ))
    session.commit()
    response = client.get("/feeds/policies.atom")
    assert b"<b>" not in response.get_data()
    entry = valid_feed(response).find(A + "entry")
    assert entry.find(A + "title").text == title
    assert entry.find(A + "summary").text == "【现行有效】会政发〔2024〕1号。摘要：<b>不是标签</b> & 不是实体 &amp;"
    assert entry.find(A + "author/" + A + "name").text == "县市场监管局 & <局>"
    assert entry.find(A + "category").get("label") == '企业开办 "<&>"'


def test_characters_xml_cannot_carry_are_dropped(session, client):
    seed(session)
    session.query(Policy).filter_by(slug="changqi").one().title = "长期\x0b有效\x01的政策"
    session.commit()
    assert "长期有效的政策" in titles(valid_feed(client.get("/feeds/policies.atom")))


def test_feed_holds_at_most_fifty_policies(session, client):
    import_content(session, f.lines(f.bureau(), f.topic(), *(
        f.policy(f"p{n}", f"政策{n}", published_on=(dt.date(2020, 1, 1) + dt.timedelta(days=n)).isoformat())
        for n in range(FEED_SIZE + 5)
    )))
    session.commit()
    feed = valid_feed(client.get("/feeds/policies.atom"))
    assert len(titles(feed)) == FEED_SIZE
    assert titles(feed)[0] == f"政策{FEED_SIZE + 4}"  # same change time: newest published first


def test_feed_is_cacheable_and_answers_not_modified(session, client):
    seed(session)
    first = client.get("/feeds/policies.atom")
    assert first.headers["Cache-Control"] in ("public, max-age=600", "max-age=600, public")
    etag = first.headers["ETag"]
    again = client.get("/feeds/policies.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_base_url_setting_makes_the_links_and_ids(app, session, client, monkeypatch):
    seed(session)
    monkeypatch.setitem(app.config, "BASE_URL", "https://yshj.huining.gov.cn")
    feed = valid_feed(client.get("/feeds/policies.atom", headers={"Host": "evil.example"}))
    text = ET.tostring(feed, encoding="unicode")
    assert "evil.example" not in text
    assert feed.find(A + "id").text == "tag:yshj.huining.gov.cn,2022-09-15:feeds/policies"
    entry = entry_titled(feed, "长期有效的政策")
    assert entry.find(A + "id").text == "tag:yshj.huining.gov.cn,2022-09-15:policies/changqi"
    assert entry.find(A + "link").get("href") == "https://yshj.huining.gov.cn/policies/changqi"


def test_pages_advertise_their_feeds(session, client):
    seed(session)
    for page, feed in (("/policies", "/feeds/policies.atom"), ("/topics/qykb", "/feeds/topics/qykb.atom"),
                       ("/bureaus/swj", "/feeds/bureaus/swj.atom")):
        html = client.get(page).get_data(as_text=True)
        assert 'type="application/atom+xml" title="' in html and f'href="{feed}"' in html
        assert "订阅" in html
    assert 'href="/feeds/policies.atom"' in client.get("/").get_data(as_text=True)


def test_demo_content_feeds_are_valid_atom(demo_client):
    feed = valid_feed(demo_client.get("/feeds/policies.atom"))
    assert "会宁县优化营商环境升级行动工作方案（征求意见稿）" in titles(feed)
    assert not any(t.startswith("措施") for t in titles(feed))  # the plan's measures stay on its page
    assert "中华人民共和国公司登记管理条例" not in titles(feed)  # repealed
    assert len(valid_feed(demo_client.get("/feeds/topics/qykb.atom")).findall(A + "entry")) > 0
