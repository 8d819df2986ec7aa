"""The facets count only what the results can hold, and a search that finds nothing says so plainly."""
from __future__ import annotations

import re

import pytest

from tests.search.test_search import api


@pytest.mark.parametrize("q", ["开公司", "登记", "税", "六税两费", "营商环境"])
def test_the_status_facet_adds_up_to_the_policies_found(demo_client, q):
    body = api(demo_client, q=q, per_page=50)
    policies = body["facets"]["kind"].get("policy", 0)
    assert sum(body["facets"]["status"].values()) == policies, body["facets"]
    assert not {"expired", "repealed"} & set(body["facets"]["status"])  # left out of the results, so uncounted
    shown = api(demo_client, q=q, per_page=50, status="all")
    assert sum(shown["facets"]["status"].values()) == shown["facets"]["kind"].get("policy", 0)


def test_the_policies_left_out_are_offered_with_their_number(demo_client):
    body = api(demo_client, q="六税两费")
    assert "expired" not in body["facets"]["status"]
    assert api(demo_client, q="六税两费", status="all")["facets"]["status"].get("expired") == 1
    page = demo_client.get("/search", query_string={"q": "六税两费"}).get_data(as_text=True)
    link = re.search(r'<a href="([^"]*status=all[^"]*)">([^<]*)</a>', page)
    assert link and "1 件已失效或已废止的政策" in link.group(2)


def test_nothing_found_says_nothing_about_partial_words_and_shows_no_empty_boxes(demo_client):
    assert api(demo_client, q="qwzx宇宙飞船")["total"] == 0
    page = demo_client.get("/search", query_string={"q": "qwzx宇宙飞船"}).get_data(as_text=True)
    assert "找到 0 条结果" in page and "部分词语" not in page
    assert 'aria-label="筛选"' not in page  # no facet box with nothing in it
    assert 'class="tags topic-chips"' in page  # chips styled as chips (no list bullets)


def test_partial_matches_still_say_so(demo_client):
    page = demo_client.get("/search", query_string={"q": "双电源 宇宙飞船"}).get_data(as_text=True)
    assert "没有同时包含全部词语的结果" in page


def test_a_search_finding_only_repealed_policies_offers_them(demo_client):
    page = demo_client.get("/search", query_string={"q": "公司登记管理条例"}).get_data(as_text=True)
    assert "已失效或已废止的政策，点此一并列出" in page
