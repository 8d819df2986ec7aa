"""A business in Chromium: a guide → file a complaint in Chinese with an attachment → the number and
code → tracking them in a fresh browser → the timeline."""
from __future__ import annotations

from tests.browser.conftest import serious_violations, track
from tests.browser.filing import fill_filing
from tests.tickets.conftest import PNG, VALID_USCC


def test_business_files_a_complaint_and_tracks_it(browser, live_server, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "/")
    page.get_by_label("搜索办事指南和政策").first.fill("刻章备案")
    page.get_by_label("搜索办事指南和政策").first.press("Enter")
    page.locator('ol.hits h3 a[href="/guides/gongzhang-kezhi"]').click()
    page.wait_for_url("**/guides/gongzhang-kezhi")
    page.get_by_role("link", name="咨询或投诉").click()
    page.wait_for_url("**/tickets/new?*")
    assert page.locator("#f-topic").input_value() == "qykb"
    assert serious_violations(page) == []

    fill_filing(page, type="投诉", subject="刻章备案一直没有结果",
                description="我公司上周在政务服务中心申请公章刻制备案。\n至今没有收到任何通知，也无人答复。",
                company_name="会宁县某某农业科技有限公司", credit_code=VALID_USCC, contact_name="赵女士",
                phone="13900000000", attachments=[("回执照片.png", "image/png", PNG)], consent=True)
    page.screenshot(path=str(artifacts / "ticket-form.png"), full_page=True)
    page.get_by_role("button", name="提交诉求").click()
    page.get_by_role("heading", name="诉求已提交").wait_for()
    number = page.locator("#ticket-number").inner_text()
    code = page.locator("#ticket-code").inner_text()
    assert "县市场监管局" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "ticket-filed.png"), full_page=True)
    page.close()

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    track(phone, live_server, number, code)
    text = phone.locator("main").inner_text()
    assert "待签收" in text and "县市场监管局" in text and "提交诉求" in text and "答复期限" in text
    assert "回执照片.png" in text and "13900000000" not in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(phone) == []
    phone.screenshot(path=str(artifacts / "ticket-tracking-phone.png"), full_page=True)
    context.close()


def test_a_refused_filing_shows_messages_beside_the_fields(browser, live_server, artifacts):
    page = browser.new_page()
    page.goto(live_server + "/tickets/new?topic=hddl")
    page.get_by_label("标题").fill("用电报装")
    page.get_by_label("联系电话").fill("12345")
    page.get_by_role("button", name="提交诉求").click()
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#phone-error").inner_text().startswith("请填写 11 位手机号码")
    assert page.get_by_label("标题").input_value() == "用电报装"
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "ticket-form-errors.png"), full_page=True)
    page.close()
