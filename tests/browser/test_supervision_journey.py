"""The supervising office in Chromium: approves an extension, urges a ticket, reads the scoreboard with
its charts and the ledger (which lists the ticket nobody signed, not the urged one); the bureau then
sees the flag."""
from __future__ import annotations

import datetime as dt

from portal.accounts.models import Role
from portal.catalog import queries
from portal.clock import as_of, now, today
from portal.extensions import db
from portal.tickets import services
from portal.tickets.models import TicketType
from portal.tickets.services import TicketInput
from tests.browser.conftest import serious_violations
from tests.staff import PASSWORD, make_user


def log_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def complaint(subject: str, description: str) -> TicketInput:
    return TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(db.session, "qykb"), guide=None,
                       subject=subject, description=description, company_name="会宁县某某食品店", credit_code="",
                       contact_name="周先生", phone="13600000000", email="", publish=False)


def test_the_office_approves_urges_and_compares_and_the_bureau_sees_the_flag(browser, live_server, journey_app,
                                                                               artifacts):
    with journey_app.app_context():
        staff = make_user(db.session, "journey-scjg", Role.STAFF, "scjgj", "监管局经办人").as_actor()
        make_user(db.session, "journey-dbz", Role.SUPERVISOR, None, "督办员")
        with as_of(now() - dt.timedelta(days=20)):  # never signed: late on both clocks by now
            late, _ = services.file_ticket(db.session, complaint("开业登记三周无人签收", "三周前提交的开业登记，无人联系。"))
        ticket, _ = services.file_ticket(db.session, complaint("食品经营许可延续迟迟未办", "已提交延续申请，未安排现场核查。"))
        services.sign(db.session, ticket, staff)
        services.request_extension(db.session, ticket, staff, 5, "需安排现场核查", today())
        db.session.commit()
        number, old_due, late_number = ticket.number, ticket.reply_due, late.number

    office = browser.new_context(viewport={"width": 1280, "height": 900})
    page = office.new_page()
    log_in(page, live_server, "journey-dbz")
    page.wait_for_url("**/supervision/")
    assert serious_violations(page) == []
    page.get_by_role("link", name="待审批").first.click()
    card = page.locator(f"#ticket-{number}")
    card.get_by_label("审批意见").fill("需与检测机构协调现场核查时间")
    card.get_by_role("button", name="同意延期 5 个工作日").click()
    assert "已同意" in page.locator(".flash-success").inner_text()

    page.goto(live_server + f"/staff/tickets/{number}")
    page.get_by_label("催办要求").fill("请于本周内完成现场核查并答复企业")
    page.get_by_role("button", name="催办").click()
    assert "已对工单" in page.locator(".flash-success").inner_text()
    assert "已催办督办 1 次" in page.locator("#urge-flag").inner_text()

    page.goto(live_server + "/supervision/scoreboard")
    row = page.locator('#scoreboard tr[data-bureau="scjgj"]')
    assert row.locator("td").first.inner_text() != "0"
    assert page.locator("figure.chart svg").count() == 11  # every figure but 当前逾期, 并单 and 重复诉求率 included
    assert page.locator("#chart-repeats svg").count() == 1 and page.locator("#chart-repeat_rate svg").count() == 1
    assert page.locator("figure.chart rect.bar").count() > 0
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "supervision-scoreboard.png"), full_page=True)
    page.goto(live_server + "/supervision/ledger")  # the problems, and only they: this module's own tickets
    assert page.locator("#ledger-count").inner_text() == "1"
    row = page.locator("#ledger tbody tr", has_text=late_number)
    assert "开业登记三周无人签收" in row.inner_text() and "县市场监管局" in row.inner_text()
    assert "未按时签收" in row.inner_text()
    assert row.get_by_role("button", name="督办").is_visible()  # past its deadline: 督办, not 催办
    assert number not in page.locator("#ledger").inner_text()  # urged, but within its deadline: no problem
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "supervision-ledger.png"), full_page=True)
    office.close()

    bureau = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = bureau.new_page()
    log_in(phone, live_server, "journey-scjg")
    phone.wait_for_url("**/staff/")
    item = phone.locator(".ticket-row", has_text=number)
    assert "已催办督办 1 次" in item.inner_text()
    item.get_by_role("link", name=number).click()
    text = phone.locator("main").inner_text()
    assert "请于本周内完成现场核查并答复企业" in text and "同意延期" in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts / "workspace-urged-phone.png"), full_page=True)
    bureau.close()
    with journey_app.app_context():
        from portal.tickets.views import find_ticket

        assert find_ticket(number).reply_due > old_due
