"""Every public page renders with the demo content; junk in URLs never gives a 500."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.catalog.models import Bureau, Guide, Policy, PolicyStatus, Topic
from portal.extensions import db


@pytest.fixture(scope="module")
def demo_keys(demo_app):
    with demo_app.app_context():
        s = db.session
        return {
            "guides": list(s.scalars(select(Guide.slug))),
            "policies": list(s.scalars(select(Policy.slug).where(Policy.status != PolicyStatus.DRAFT))),
            "bureaus": list(s.scalars(select(Bureau.code))),
            "topics": list(s.scalars(select(Topic.code))),
        }


def ok(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_demo_content_has_what_the_plan_names(demo_keys):
    assert len(demo_keys["guides"]) >= 40
    assert len(demo_keys["topics"]) >= 18 + 10
    assert len(demo_keys["bureaus"]) >= 25
    measures = [s for s in demo_keys["policies"] if s.startswith("yshj-2022-m")]
    assert len(measures) == 37


def test_every_guide_page_renders_every_element(demo_client, demo_keys):
    for slug in demo_keys["guides"]:
        page = ok(demo_client, f"/guides/{slug}")
        for heading in ("申请对象", "受理条件", "申请材料清单", "办理流程", "办理地点与时间", "收费标准及依据", "设定依据"):
            assert heading in page, (slug, heading)
        for label in ("实施部门", "办件类型", "法定办结时限", "承诺办结时限", "到现场次数", "最近更新"):
            assert label in page, (slug, label)


def test_every_policy_page_renders(demo_client, demo_keys):
    for slug in demo_keys["policies"]:
        page = ok(demo_client, f"/policies/{slug}")
        assert "发布日期" in page and "文号" in page


def test_every_bureau_and_topic_page_renders(demo_client, demo_keys):
    for code in demo_keys["bureaus"]:
        ok(demo_client, f"/bureaus/{code}")
    for code in demo_keys["topics"]:
        ok(demo_client, f"/topics/{code}")


@pytest.mark.parametrize("url", ["/", "/guides", "/guides?online=1", "/guides?topic=hddl", "/guides?bureau=gdgs",
                                 "/guides?q=用电", "/policies", "/policies?status=all", "/policies?status=expired",
                                 "/policies?status=repealed", "/policies?status=consultation", "/policies?parts=1",
                                 "/bureaus", "/topics"])
def test_list_pages_render(demo_client, url):
    ok(demo_client, url)


def test_home_shows_search_topics_guides_policies_and_complaint_entry(demo_client):
    page = ok(demo_client, "/")
    assert 'role="search"' in page and "企业诉求与投诉" in page
    assert "企业开办" in page and "获得电力" in page
    assert "常用办事指南" in page and "最新政策" in page


def test_electricity_guides_carry_the_plans_time_limits(demo_client):
    page = ok(demo_client, "/guides?topic=hddl")
    assert "承诺 5 个工作日" in page and "承诺 15 个工作日" in page


def test_guide_filters_narrow_the_list(demo_client):
    online = ok(demo_client, "/guides?online=1")
    everything = ok(demo_client, "/guides")
    count = lambda html: int(re.search(r"共找到 (\d+) 项", html).group(1))  # noqa: E731
    assert 0 < count(online) < count(everything)
    assert "跑动" not in online.split('class="cards"')[1]


def test_plan_page_lists_its_37_measures(demo_client):
    page = ok(demo_client, "/policies/huining-yshj-2022")
    assert page.count('href="/policies/yshj-2022-m') == 37
    assert "征求意见中" in page


def test_topic_without_lead_says_the_dispatch_office_routes_it(demo_client):
    page = ok(demo_client, "/topics/bhzxtzz")
    assert "县营商环境办统一分办" in page


@pytest.mark.parametrize("url", ["/guides/no-such-guide", "/policies/no-such-policy", "/bureaus/nosuch",
                                 "/topics/nosuch", "/nothing-here", "/guides/%00", "/policies/a%00b",
                                 "/bureaus/" + "x" * 500])
def test_unknown_pages_are_chinese_404s(demo_client, url):
    response = demo_client.get(url)
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["page=-1", "page=abc", "page=99999999999999", "page=0", "topic=nosuch",
                                   "bureau=%00", "status=bogus", "online=yes", "q=" + "长" * 3000,
                                   "q=%25_%5C", "q=%00", "topic[]=x", "page=1&page=2"])
def test_junk_query_strings_never_fail(demo_client, query):
    for path in ("/guides", "/policies"):
        assert demo_client.get(f"{path}?{query}").status_code == 200


def test_page_past_the_end_shows_the_last_page(demo_client):
    page = ok(demo_client, "/guides?page=500")
    assert "第 3 / 3 页" in page or "第 2 / 2 页" in page or "第 1 / 1 页" in page


def test_wrong_method_is_a_chinese_405(demo_client):
    # A page that takes no POST answers 405 before any CSRF check: there is no form to have a token for.
    response = demo_client.post("/guides/gongzhang-kezhi")
    assert response.status_code == 405
    page = response.get_data(as_text=True)
    assert "<html" in page and "请求方式不允许" in page and "此页面不支持这种请求方式" in page


def test_catch_all_material_is_flagged_on_the_guide(demo_client, demo_app):
    with demo_app.app_context():
        flagged = [(g.slug, g.bureau.code) for g in db.session.scalars(select(Guide)) if g.catch_all_items]
    assert flagged, "the demo content includes guides with catch-all materials"
    slug, bureau = flagged[0]
    assert "兜底性表述" in ok(demo_client, f"/guides/{slug}")
    bureau_page = ok(demo_client, f"/bureaus/{bureau}")
    assert "待明确事项" in bureau_page and f'href="/guides/{slug}"' in bureau_page


def test_healthz_reports_the_catalog(demo_client):
    body = demo_client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["guides"] >= 40


def test_pages_send_a_content_security_policy(demo_client):
    response = demo_client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
