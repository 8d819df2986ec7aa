"""A business in real Chromium: home → a topic → a guide, the materials checklist, and axe-core."""
from __future__ import annotations

from tests.browser.conftest import serious_violations


def test_business_finds_a_guide_and_ticks_its_materials(browser, live_server, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "/")
    assert page.locator("h1").first.inner_text().startswith("找办事指南")
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "home.png"), full_page=True)

    page.get_by_role("link", name="获得电力").first.click()
    page.wait_for_url("**/topics/hddl")
    assert "国网会宁供电公司" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "topic-hddl.png"), full_page=True)

    page.get_by_role("link", name="低压小微企业用电报装").first.click()
    page.wait_for_url("**/guides/diya-xiaowei-bandian")
    main = page.locator("main").inner_text()
    assert "15 个工作日" in main
    boxes = page.locator("table.checklist input[type=checkbox]")
    assert boxes.count() >= 3
    boxes.nth(0).check()
    assert boxes.nth(0).is_checked() and not boxes.nth(1).is_checked()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "guide-diya-xiaowei.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator("table.checklist").is_visible()
    page.close()


def test_guide_reads_on_a_phone(browser, live_server, artifacts):
    page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True, device_scale_factor=2)
    page.goto(live_server + "/guides/qykb-yichuang")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    assert page.locator("table.checklist tbody tr").first.is_visible()
    page.screenshot(path=str(artifacts / "guide-phone.png"), full_page=True)
    page.close()


def test_policy_list_hides_expired_until_asked(browser, live_server, artifacts):
    page = browser.new_page()
    page.goto(live_server + "/policies")
    assert "公司登记管理条例" not in page.locator("main").inner_text()
    page.get_by_role("link", name="全部", exact=True).click()
    assert "公司登记管理条例" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "policies-all.png"), full_page=True)
    page.close()


def test_not_found_page_is_chinese(browser, live_server):
    page = browser.new_page()
    response = page.goto(live_server + "/guides/no-such-thing")
    assert response.status == 404
    assert "页面不存在" in page.locator("h1").inner_text()
    page.close()

