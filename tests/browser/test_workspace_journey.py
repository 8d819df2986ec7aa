"""Staff in Chromium: a complaint filed in the test is signed and answered in the workspace, and the
business sees the answer on its tracking page under the bureau's name, with the cited policy linked."""
from __future__ import annotations

import pytest
from portal.accounts.models import Role
from portal.extensions import db
from tests.browser.conftest import serious_violations
from tests.browser.filing import fill_filing
from tests.staff import PASSWORD, make_user
from tests.tickets.conftest import VALID_USCC


@pytest.fixture(scope="module")
def staff_account(journey_app):
    with journey_app.app_context():
        make_user(db.session, "journey", Role.STAFF, "scjgj", "旅程测试经办人")
    return "journey"


def test_staff_sign_and_answer_a_complaint_the_business_then_reads(browser, live_server, staff_account, artifacts):
    business = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = business.new_page()
    page.goto(live_server + "/tickets/new?topic=qykb&type=complaint")
    fill_filing(page, subject="营业执照变更登记超时", description="我公司十日前提交营业执照变更登记，至今没有结果，窗口说还要等。",
                company_name="会宁县某某餐饮有限公司", credit_code=VALID_USCC, contact_name="李女士",
                phone="13700000000", consent=True)
    page.get_by_role("button", name="提交诉求").click()
    page.get_by_role("heading", name="诉求已提交").wait_for()
    number = page.locator("#ticket-number").inner_text()
    code = page.locator("#ticket-code").inner_text()

    office = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = office.new_page()
    staff.goto(live_server + f"/staff/tickets/{number}")
    assert "/login?next=/staff/tickets/" in staff.url
    staff.get_by_label("用户名").fill(staff_account)
    staff.get_by_label("密码").fill(PASSWORD)
    staff.get_by_role("button", name="登录").click()
    staff.wait_for_url(f"**/staff/tickets/{number}")
    assert "13700000000" in staff.locator("main").inner_text()  # the holder bureau sees the phone
    staff.goto(live_server + "/staff/")
    assert number in staff.locator(".ticket-list").inner_text()
    assert serious_violations(staff) == []
    staff.screenshot(path=str(artifacts / "workspace-list.png"), full_page=True)

    staff.get_by_role("link", name=number).click()
    staff.get_by_role("button", name="签收").click()
    assert "已签收" in staff.locator(".flash-success").inner_text()
    assert staff.locator("#ticket-state").inner_text() == "办理中"
    staff.get_by_label("答复内容").fill(
        "经核查，贵公司的变更登记材料已齐全，已于今日办结。依据《优化营商环境条例》（国务院令第722号），"
        "今后同类事项将在承诺时限内办结。")
    assert serious_violations(staff) == []
    staff.screenshot(path=str(artifacts / "workspace-ticket.png"), full_page=True)
    staff.get_by_role("button", name="发送答复").click()
    assert "答复已发送" in staff.locator(".flash-success").inner_text()
    assert staff.locator("#ticket-state").inner_text() == "已答复"
    office.close()

    page.goto(live_server + "/tickets/track")
    page.get_by_label("流水号").fill(number)
    page.get_by_label("提取码").fill(code)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/tickets/{number}")
    reply = page.locator(".reply")
    assert "县市场监管局" in reply.inner_text() and "变更登记材料已齐全" in reply.inner_text()
    assert "旅程测试经办人" not in page.locator("main").inner_text()
    link = reply.get_by_role("link", name="国务院令第722号")
    assert link.get_attribute("href").startswith("/policies/")
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "ticket-answered-phone.png"), full_page=True)
    link.click()
    page.wait_for_url("**/policies/*")
    assert "优化营商环境条例" in page.locator("h1").inner_text()
    business.close()
