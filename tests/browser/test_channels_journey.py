"""Issue 13 in Chromium: the filing form offers a published ticket on the same matter as what is typed
(static/js/similar_tickets.js), and a bureau's staff member takes a call on a phone-sized screen at
/staff/tickets/new and reads out the number and the code."""
from __future__ import annotations

from portal.accounts.models import Role
from portal.catalog import queries
from portal.extensions import db
from portal.tickets import services
from portal.tickets.models import TicketType
from portal.tickets.services import TicketInput
from tests.browser.conftest import serious_violations
from tests.browser.filing import fill_filing
from tests.browser.test_layout import PHONE, check_layout
from tests.browser.test_supervision_journey import log_in
from tests.staff import make_user


def test_the_filing_form_offers_a_published_ticket_on_the_same_matter(browser, live_server, journey_app, artifacts):
    with journey_app.app_context():
        staff = make_user(db.session, "channels-gdgs", Role.STAFF, "gdgs", "供电公司经办人").as_actor()
        ticket, _ = services.file_ticket(db.session, TicketInput(
            type=TicketType.COMPLAINT, topic=queries.topic_by_code(db.session, "hddl"), guide=None,
            subject="厂房用电报装迟迟未接电",
            description="我公司新建厂房于上月申请低压用电报装，供电所现场勘查后一直未安排接电，影响投产。",
            company_name="会宁县示例农产品加工有限公司", credit_code="", contact_name="李先生", phone="13800000000",
            email="", publish=True))
        services.sign(db.session, ticket, staff)
        services.reply(db.session, ticket, staff, "经核查，贵公司报装已完成配套工程，已于今日送电。")
        db.session.commit()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "/tickets/new?topic=hddl")
    assert page.locator("#similar-tickets").is_hidden()
    fill_filing(page, subject="厂房用电报装一直未接电",
                description="我公司新建厂房申请低压用电报装，供电所勘查后一直没有安排接电，影响投产。")
    box = page.locator("#similar-tickets")
    box.wait_for(state="visible")
    text = box.inner_text()
    # the demo's published, answered ticket on this matter, with its answer, never its company
    assert "厂房用电报装迟迟未接电" in text and "查看答复" in text, text
    assert "会宁县示例农产品加工有限公司" not in text and "13800000000" not in text
    box.get_by_text("查看答复").first.click()
    assert "已于今日送电" in box.inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "ticket-form-similar.png"), full_page=True)
    page.close()


def test_staff_take_a_call_on_a_phone_screen(browser, live_server, journey_app, artifacts):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    with journey_app.app_context():
        make_user(db.session, "channels-scjg", Role.STAFF, "scjgj", "监管局经办人")
        db.session.commit()
    log_in(page, live_server, "channels-scjg")
    page.wait_for_load_state()
    page.goto(live_server + "/staff/tickets/new")
    check_layout(page, artifacts, "staff-intake", "390")
    assert serious_violations(page) == []
    fill_filing(page, channel="电话", type="投诉", topic="qykb", subject="股权变更登记无人答复",
                description="来电反映：上周提交股权变更登记，窗口受理后一直没有结果，电话也无人接听。",
                contact_name="马先生", phone="13700000000", consent=True)
    page.get_by_role("button", name="录入并分送").click()
    page.get_by_role("heading", name="诉求已录入").wait_for()
    assert page.locator("#ticket-channel").inner_text() == "电话"
    number = page.locator("#ticket-number").inner_text()
    code = page.locator("#ticket-code").inner_text()
    assert page.locator("#ticket-code-spoken").inner_text().replace(" ", "") == code
    assert "县市场监管局" in page.locator("main").inner_text()
    check_layout(page, artifacts, "staff-intake-filed", "390")
    assert serious_violations(page) == []
    page.get_by_role("link", name="打开工单").click()
    page.wait_for_url(f"**/staff/tickets/{number}")
    assert "电话" in page.locator("main").inner_text() and "13700000000" in page.locator("main").inner_text()
    context.close()
