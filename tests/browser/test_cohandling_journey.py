"""Co-handling and the callback in Chromium (issue 14): 国网会宁供电公司 holds a business's request for power
to a new workshop and asks 县住建局 and 县自然资源局 for their part; 县住建局 answers on a phone without
ever seeing the business's name or phone, 县自然资源局 declines with a reason; the holder replies with the
opinion beside its form; the supervising office calls the business back from its list."""
from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.catalog import queries
from portal.extensions import db
from portal.tickets import services
from portal.tickets.models import TicketType
from portal.tickets.services import TicketInput
from tests.browser.conftest import log_in, serious_violations
from tests.staff import PASSWORD, make_user

PHONE = "13700000000"
COMPANY = "会宁县示例农产品加工有限公司"


@pytest.fixture(scope="module")
def power_request(journey_app):
    with journey_app.app_context():
        for username, bureau, name in [("co-gdgs", "gdgs", "供电公司经办"), ("co-zjj", "zjj", "住建局经办"),
                                       ("co-zrzyj", "zrzyj", "自然资源局经办")]:
            make_user(db.session, username, Role.STAFF, bureau, name)
        make_user(db.session, "co-dbz", Role.SUPERVISOR, None, "督办员")
        data = TicketInput(type=TicketType.HELP, topic=queries.topic_by_code(db.session, "hddl"), guide=None,
                           subject="新建车间用电报装需要哪些手续", company_name=COMPANY, credit_code="",
                           description="我公司在工业集中区新建车间，申请低压用电报装，供电所说还要规划和用地手续，不知道去哪里办。",
                           contact_name="马经理", phone=PHONE, email="", publish=False)
        ticket, _ = services.file_ticket(db.session, data)
        db.session.commit()
        return ticket.number


def test_the_holder_asks_a_co_bureau_answers_the_holder_replies_and_the_office_calls_back(
        browser, live_server, power_request, artifacts):
    number = power_request
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    holder = desk.new_page()
    log_in(holder, live_server, "co-gdgs", PASSWORD)
    holder.goto(live_server + f"/staff/tickets/{number}")
    holder.get_by_role("button", name="签收").click()
    form = holder.locator("#form-cohandle")
    form.get_by_label("县住建局").check()
    form.get_by_label("县自然资源局").check()
    form.get_by_label("请协办单位办理或答复的事项").fill("请县住建局说明车间规划许可，县自然资源局说明用地手续。")
    form.get_by_role("button", name="商请协办").click()
    assert "已商请县住建局（期限 2026年11月30日）、县自然资源局（期限 2026年11月30日）协办" in holder.locator(
        ".flash-success").inner_text()
    assert "尚待县住建局（协办期限 2026年11月30日）、县自然资源局" in holder.locator("#cohandle-waiting").inner_text()
    assert serious_violations(holder) == []
    holder.screenshot(path=str(artifacts / "cohandle-holder-asked.png"), full_page=True)

    mobile = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    co = mobile.new_page()
    log_in(co, live_server, "co-zjj", PASSWORD)
    co.goto(live_server + "/staff/")
    co.get_by_role("link", name="协办 1").click()
    co.get_by_role("link", name=number).click()
    main = co.locator("main").inner_text()
    assert "供电所说还要规划和用地手续" in main and "请县住建局说明车间规划许可" in main
    assert PHONE not in co.content() and COMPANY not in co.content() and "马经理" not in co.content()
    co.get_by_label("协办意见").fill("车间已取得建设工程规划许可证（建字第2026-018号），规划手续齐全。")
    assert serious_violations(co) == []
    assert co.evaluate("document.documentElement.scrollWidth") <= 390
    co.screenshot(path=str(artifacts / "cohandle-co-bureau-phone.png"), full_page=True)
    co.get_by_role("button", name="提交协办意见").click()
    assert "协办意见已提交" in co.locator(".flash-success").inner_text()
    assert PHONE not in co.content()
    mobile.close()

    other_context = browser.new_context(viewport={"width": 1280, "height": 900})
    other = other_context.new_page()
    log_in(other, live_server, "co-zrzyj", PASSWORD)
    other.goto(live_server + f"/staff/tickets/{number}")
    other.locator("summary", has_text="拒绝协办").click()
    other.get_by_label("拒绝理由").fill("该车间用地已于2025年办结出让手续，本案不涉及用地审批。")
    other.get_by_role("button", name="拒绝协办").click()
    assert "已拒绝协办" in other.locator(".flash-success").inner_text()
    other_context.close()

    holder.goto(live_server + f"/staff/tickets/{number}")
    assert holder.locator("#cohandle-waiting").count() == 0
    tasks = holder.locator(".cohandle-tasks").inner_text()
    assert "建字第2026-018号" in tasks and "本案不涉及用地审批" in tasks and "已拒绝协办" in tasks
    holder.get_by_label("答复内容").fill("经会同县住建局核实，贵公司车间规划手续齐全，用地手续已办结；请携营业执照到供电营业厅申请低压报装，"
                                     "我公司将在5个工作日内完成接电。")
    holder.get_by_role("button", name="发送答复").click()
    assert holder.locator("#ticket-state").inner_text() == "已答复"
    desk.close()

    office_context = browser.new_context(viewport={"width": 1280, "height": 900})
    office = office_context.new_page()
    log_in(office, live_server, "co-dbz", PASSWORD)
    office.goto(live_server + "/supervision/callbacks")
    row = office.locator(f'#callback-list tr[data-number="{number}"]')
    assert PHONE in row.inner_text() and "马经理" in row.inner_text() and "国网会宁供电公司" in row.inner_text()
    assert serious_violations(office) == []
    office.screenshot(path=str(artifacts / "callbacks-list.png"), full_page=True)
    row.get_by_role("link", name=number).click()
    form = office.locator("#form-callback")
    form.get_by_label("已接通").check()
    form.get_by_label("已解决").check()
    form.get_by_label("满意", exact=True).check()
    form.get_by_label("回访记录").fill("企业已提交报装申请，对答复满意。")
    assert serious_violations(office) == []
    form.get_by_role("button", name="保存回访结果").click()
    assert "已记录工单" in office.locator(".flash-success").inner_text()
    assert "已接通，已解决，满意：企业已提交报装申请" in office.locator("#callbacks").inner_text()
    assert office.locator("#form-callback").count() == 0
    office.goto(live_server + "/supervision/callbacks")
    assert office.locator(f'#callback-list tr[data-number="{number}"]').count() == 0
    office_context.close()
