"""The plan's measures in Chromium: the power company's staff report on measure 8 with the keyboard and
the mouse, the public page shows it on its timeline; the supervising office keeps the risk words, a
filing that holds one is on its start page, and the trends page reads well (axe)."""
from __future__ import annotations

from flask import current_app

from portal.accounts.models import Role
from portal.catalog import queries
from portal.demo.measures import seed_measures
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
    page.wait_for_load_state()


def test_the_lead_bureau_reports_and_the_public_sees_it(browser, live_server, journey_app, artifacts):
    with journey_app.app_context():
        make_user(db.session, "journey-gdgs", Role.STAFF, "gdgs", "供电公司经办人")
        seed_measures(db.session, current_app.config["MEASURES_PLAN"])
        db.session.commit()
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, "journey-gdgs")
    page.get_by_role("link", name="推进措施").click()
    page.get_by_role("link", name="提升办电效率").click()
    page.get_by_label("推进状态").select_option("in_progress")
    page.get_by_label("完成进度（%）").fill("85")
    page.get_by_label("进展说明（公开显示，请勿填写个人信息）").fill("高压双电源项目平均30个工作日，达到32个工作日目标。")
    page.get_by_role("button", name="报送").click()
    page.wait_for_load_state()
    assert "措施8的进展已报送" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.goto(live_server + "/measures/8")
    timeline = page.locator("#timeline li").first.inner_text()
    assert "85%" in timeline and "达到32个工作日目标" in timeline
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "measure-8-reported.png"), full_page=True)
    context.close()


def test_the_office_keeps_risk_words_and_sees_a_risky_filing(browser, live_server, journey_app, artifacts):
    with journey_app.app_context():
        make_user(db.session, "journey-office", Role.SUPERVISOR, None, "督办员")
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server, "journey-office")
    page.goto(live_server + "/supervision/risk-words")
    page.get_by_label("风险词（每行一个，也可用逗号、顿号分隔；每个不超过20字）").fill("群体\n上访\n欠薪\n断供")
    page.get_by_role("button", name="保存词表").click()
    page.wait_for_load_state()
    assert "风险词已保存" in page.locator("main").inner_text()
    with journey_app.app_context():
        data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(db.session, "ysyq"), guide=None,
                           subject="小区商铺被断供燃气", description="燃气公司未提前通知即断供，十余家商户无法营业。",
                           company_name="会宁县某某餐饮店", credit_code="", contact_name="马先生",
                           phone="13600000001", email="", publish=False)
        ticket, _ = services.file_ticket(db.session, data)
        db.session.commit()
        number = ticket.number
    page.goto(live_server + "/supervision/")
    risks = page.locator("#risk-tickets").inner_text()
    assert number in risks and "断供" in risks
    assert serious_violations(page) == []
    page.get_by_role("link", name="诉求趋势").click()
    page.wait_for_load_state()
    assert page.locator("#chart-total svg").count() == 1
    assert serious_violations(page) == []
    context.close()
