"""A business searches in Chinese in real Chromium, narrows by a facet and opens a result."""
from __future__ import annotations

from tests.browser.conftest import serious_violations


def test_business_searches_filters_and_opens_a_result(browser, live_server, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "/")
    page.get_by_label("搜索办事指南和政策").first.fill("开公司要刻章吗")
    page.get_by_label("搜索办事指南和政策").first.press("Enter")
    page.wait_for_url("**/search?q=*")
    hits = page.locator("ol.hits > li")
    assert hits.count() >= 2
    assert page.locator("ol.hits mark").count() > 0
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "search-results.png"), full_page=True)

    page.locator("#facet-kind + ul").get_by_role("link", name="办事指南").click()
    page.wait_for_url("**kind=guide*")
    badges = page.locator("ol.hits .badge-kind-guide")
    assert badges.count() == page.locator("ol.hits > li").count() > 0
    assert page.locator("ol.hits .badge-kind-policy").count() == 0

    page.locator('ol.hits h3 a[href="/guides/gongzhang-kezhi"]').click()
    page.wait_for_url("**/guides/gongzhang-kezhi")
    assert "公章刻制" in page.locator("h1").inner_text()
    page.close()


def test_title_suggestions_appear_while_typing(browser, live_server):
    page = browser.new_page()
    page.goto(live_server + "/search")
    box = page.locator("#search-q")
    box.press_sequentially("不动", delay=50)
    page.wait_for_selector("#search-suggestions option", state="attached")
    options = page.locator("#search-suggestions option").evaluate_all("els => els.map(e => e.value)")
    assert any("不动产" in value for value in options)
    page.close()


def test_nothing_found_offers_a_way_on(browser, live_server, artifacts):
    page = browser.new_page()
    page.goto(live_server + "/search?q=宇宙飞船")
    assert "没有找到" in page.locator("main").inner_text()
    assert page.locator(".empty a.tag").count() > 0
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "search-empty.png"), full_page=True)
    page.close()
