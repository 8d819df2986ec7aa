"""Search results, facets, filters, synonyms and hostile input, through the real index."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from portal.catalog.content import import_content
from portal.clock import as_of
from tests import factories as f
from tests.clock import days_from_today


def api(client, **params) -> dict:
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200
    return response.get_json()


def slugs(body: dict) -> list[str]:
    return [r["slug"] for r in body["results"]]


@pytest.fixture
def before_2028():
    """A day on which the demo's tax policies stand as these tests expect: 六税两费 (cs-gg-2022-10)
    expired at the end of 2024, the small-business tax policy (cs-gg-2023-12) in force until 2027-12-31."""
    with as_of(dt.datetime(2026, 11, 25, 10, 0)):
        yield


# ---- on the demo content


def test_api_answers_in_the_shape_of_the_design(demo_client):
    body = api(demo_client, q="用电报装")
    assert set(body) == {"query", "total", "page", "per_page", "results", "facets"}
    assert set(body["facets"]) == {"kind", "bureau", "topic", "status"}
    first = body["results"][0]
    assert set(first) == {"kind", "slug", "title", "url", "snippet", "bureau", "topics", "score"}
    assert first["url"] == f"/guides/{first['slug']}" and first["bureau"] == "gdgs"
    assert "<mark>" in first["snippet"]


def test_every_result_link_opens_its_page(demo_client):
    for q in ("留抵退税", "营商环境", "用电报装"):
        for result in api(demo_client, q=q, per_page=50)["results"]:
            assert demo_client.get(result["url"]).status_code == 200, result["url"]
    for item in demo_client.get("/api/v1/suggest", query_string={"q": "措施"}).get_json()["suggestions"]:
        assert item["url"].startswith("/policies/") and demo_client.get(item["url"]).status_code == 200


def test_the_in_force_status_filter_works(demo_client, before_2028):
    body = api(demo_client, q="税", status="in_force", per_page=50)
    assert body["results"] and body["total"] == body["facets"]["status"]["in_force"]
    assert all(r["kind"] == "policy" for r in body["results"])


def test_facet_counts_match_the_results_they_filter_to(demo_client):
    body = api(demo_client, q="登记", per_page=50)
    assert body["total"] == sum(body["facets"]["kind"].values())
    for facet, param in (("kind", "kind"), ("bureau", "bureau"), ("topic", "topic"), ("status", "status")):
        for value, count in body["facets"][facet].items():
            narrowed = api(demo_client, q="登记", per_page=50, **{param: value})
            assert narrowed["total"] == count, (facet, value)
            if facet == "bureau":
                assert {r["bureau"] for r in narrowed["results"]} == {value}
            if facet == "topic":
                assert all(value in r["topics"] for r in narrowed["results"])


def test_a_filter_keeps_the_other_facets_counted_within_it(demo_client):
    body = api(demo_client, q="登记", kind="guide", per_page=50)
    assert body["facets"]["kind"].get("policy", 0) > 0  # the chosen facet still offers the other value
    assert sum(body["facets"]["bureau"].values()) == body["total"]


def test_expired_and_repealed_policies_are_left_out_unless_asked_for(demo_client, before_2028):
    assert "gsdjgl-tl-1994" not in slugs(api(demo_client, q="公司登记管理条例"))
    assert "cs-gg-2022-10" not in slugs(api(demo_client, q="六税两费"))  # in force on paper, past its end date
    everything = api(demo_client, q="六税两费", status="all")
    assert "cs-gg-2022-10" in slugs(everything)
    assert everything["facets"]["status"].get("expired", 0) >= 1
    only_expired = api(demo_client, q="六税两费", status="expired")
    assert slugs(only_expired) and set(slugs(only_expired)) <= {"cs-gg-2022-10"}


def test_default_results_offer_the_count_of_hidden_expired_policies(demo_client, before_2028):
    page = demo_client.get("/search", query_string={"q": "六税两费"}).get_data(as_text=True)
    assert "另有 1 件已失效或已废止的政策" in page  # offered beside the results, not counted in their facets


def test_pagination_and_date_order(demo_client):
    first = api(demo_client, q="登记", per_page=5, page=1)
    second = api(demo_client, q="登记", per_page=5, page=2)
    assert first["total"] > 10 and not set(slugs(first)) & set(slugs(second))
    by_date = api(demo_client, q="登记", per_page=50, order="date")
    assert len(by_date["results"]) == by_date["total"]
    # order=date: newest first by the date each result carries (a guide's last update, a policy's
    # publication), which the results page shows in <time datetime="...">
    page = demo_client.get("/search", query_string={"q": "登记", "per_page": 50, "order": "date"})
    shown = [(re.search(r'<time datetime="([\d-]+)"', card).group(1), re.search(r'<h3><a href="([^"]+)"', card).group(1))
             for card in re.findall(r'<li class="card hit">(.*?)</li>', page.get_data(as_text=True), re.S)]
    days = [day for day, _ in shown]
    assert len(days) == by_date["total"] and len(set(days)) > 1
    assert days == sorted(days, reverse=True)
    assert [url for _, url in shown] == [r["url"] for r in by_date["results"]]  # the API in the same order
    by_relevance = api(demo_client, q="登记", per_page=50)
    assert [r["url"] for r in by_relevance["results"]] != [url for _, url in shown]


def test_page_past_the_end_gives_the_last_page(demo_client):
    body = api(demo_client, q="用电报装", page=999)
    assert body["results"] and body["page"] == -(-body["total"] // body["per_page"])


def test_terms_are_anded_and_fall_back_to_or(demo_client, demo_app):
    both = api(demo_client, q="高压 双电源")
    assert slugs(both)[0] == "gaoya-shuangdianyuan"
    page = demo_client.get("/search", query_string={"q": "双电源 宇宙飞船"}).get_data(as_text=True)
    assert "没有同时包含全部词语的结果" in page
    assert "gaoya-shuangdianyuan" in slugs(api(demo_client, q="双电源 宇宙飞船"))


def test_quoted_phrase_matches_words_in_order(demo_client):
    phrase = api(demo_client, q='"低压小微企业"')
    assert slugs(phrase)[0] == "diya-xiaowei-bandian"
    assert "diya-jumin-bandian" not in slugs(phrase)


def test_synonyms_map_everyday_words_to_the_catalogs_terms(demo_client):
    assert slugs(api(demo_client, q="开公司"))[0] in {"qykb-yichuang", "youxian-gongsi-sheli"}
    assert "gongzhang-kezhi" in slugs(api(demo_client, q="刻章"))[:3]
    assert slugs(api(demo_client, q="办电"))[0] in {"diya-jumin-bandian", "diya-xiaowei-bandian"}


def test_nothing_found_suggests_topics_and_popular_guides(demo_client):
    page = demo_client.get("/search", query_string={"q": "宇宙飞船"}).get_data(as_text=True)
    assert "没有找到" in page and "相关领域" in page and "常用办事指南" in page


def test_search_page_shows_cards_with_kind_bureau_status_and_facets(demo_client):
    page = demo_client.get("/search", query_string={"q": "留抵退税"}).get_data(as_text=True)
    assert "办事指南" in page and "政策文件" in page and "现行有效" in page
    assert "国家税务总局会宁县税务局" in page and "<mark>" in page
    assert 'aria-label="筛选"' in page


def test_suggest_offers_titles_as_the_user_types(demo_client):
    body = demo_client.get("/api/v1/suggest", query_string={"q": "不动"}).get_json()
    assert body["suggestions"] and all("不动产" in s["title"] for s in body["suggestions"])
    assert demo_client.get("/api/v1/suggest", query_string={"q": ""}).get_json()["suggestions"] == []


def test_suggestions_without_javascript_are_on_the_results_page(demo_client):
    page = demo_client.get("/search", query_string={"q": "用电报"}).get_data(as_text=True)
    assert "您要找的可能是" in page and '<a href="/guides/diya-jumin-bandian">低压居民用电报装</a>' in page


HOSTILE = [
    '"unbalanced', "AND OR (", "title:公章 OR body:*", "公章*", "?", "*", "((((", ")", "NOT", "~2^3",
    "长" * 5000, "a\x00b", "\x00", "😀🚀", "<script>alert(1)</script>", "' OR 1=1 --", "%", "_", "\\",
    "　", "", "企业开办" * 300, "𠀀𠀁", "\u202e反转", "]]>", "&amp;",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_answer_200_and_the_page_escapes_them(demo_client, query):
    assert demo_client.get("/api/v1/search", query_string={"q": query}).status_code == 200
    assert demo_client.get("/api/v1/suggest", query_string={"q": query}).status_code == 200
    response = demo_client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    if "<" in query:
        assert html.escape(query[:100]) in body or html.escape(query) in body


@pytest.mark.parametrize("params", [{"page": "-1"}, {"page": "abc"}, {"per_page": "100000"}, {"per_page": "0"},
                                    {"kind": "nope"}, {"bureau": "<x>"}, {"topic": "%00"}, {"status": "bogus"},
                                    {"order": "random"}, {"page": "9" * 40}])
def test_junk_parameters_are_ignored(demo_client, params):
    plain = api(demo_client, q="登记")
    response = demo_client.get("/api/v1/search", query_string={"q": "登记", **params})
    assert response.status_code == 200
    body = response.get_json()
    assert 1 <= body["per_page"] <= 50
    # a value the search cannot use is dropped, not passed on as a filter that matches nothing
    assert body["total"] == plain["total"] > 0 and body["facets"] == plain["facets"]
    assert body["page"] == 1


def test_long_query_is_cut_with_a_notice(demo_client):
    page = demo_client.get("/search", query_string={"q": "企业开办" * 100}).get_data(as_text=True)
    assert "只按前 100 个字检索" in page


# ---- on content changed in the test


def test_the_index_follows_edits_and_deletions(session, index, client):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide(title="公章刻制备案")))
    session.commit()
    assert api(client, q="公章刻制")["total"] == 0  # not yet applied: the writer has not run
    index.drain()
    assert slugs(api(client, q="公章刻制")) == ["gongzhang-kezhi"]
    import_content(session, f.lines(f.guide(title="印章刻制登记", summary="刻制印章。")))
    session.commit()
    index.drain()
    assert slugs(api(client, q="印章刻制")) == ["gongzhang-kezhi"]
    assert api(client, q="公章刻制备案")["total"] == 0  # the old title is gone from the index
    from sqlalchemy import select

    from portal.catalog.models import Guide
    session.delete(session.scalars(select(Guide)).one())
    session.commit()
    index.drain()
    assert api(client, q="印章刻制")["total"] == 0


def test_a_policy_becoming_a_draft_leaves_search(session, index, client):
    import_content(session, f.lines(f.bureau(), f.topic(), f.policy()))
    session.commit()
    index.drain()
    assert api(client, q="留抵退税")["total"] == 1
    import_content(session, f.lines(f.policy(status="draft")))
    session.commit()
    index.drain()
    assert api(client, q="留抵退税")["total"] == 0


def test_an_imported_synonym_works_after_the_writer_runs(session, index, client):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide()))
    session.commit()
    index.drain()
    assert api(client, q="盖个章")["total"] == 0
    import_content(session, f.lines({"kind": "synonym", "term": "盖个章", "means": ["公章刻制"]}))
    session.commit()
    index.drain()
    assert slugs(api(client, q="盖个章")) == ["gongzhang-kezhi"]


def test_expiry_is_judged_on_the_day_of_the_search(session, index, client):
    yesterday = days_from_today(-1)
    import_content(session, f.lines(f.bureau(), f.topic(), f.policy(expires_on=yesterday)))
    session.commit()
    index.drain()
    assert api(client, q="留抵退税")["total"] == 0
    assert api(client, q="留抵退税", status="expired")["total"] == 1


def test_healthz_reports_index_documents_and_pending_rows(session, index, client):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide()))
    session.commit()
    before = client.get("/healthz").get_json()
    assert before["index_pending"] >= 1 and before["index_documents"] == 0
    index.drain()
    after = client.get("/healthz").get_json()
    assert after["index_pending"] == 0 and after["index_documents"] == 1
