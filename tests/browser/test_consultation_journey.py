"""A business comments on the draft plan in Chromium (on a phone); its contact bureau publishes the
comment and adopts it; the public page shows the comment with the company's name partly hidden."""
from __future__ import annotations

import datetime as dt
import json

from portal.accounts.models import Role
from portal.catalog.content import export_content, import_content
from portal.clock import COUNTY_TZ, now
from portal.extensions import db
from tests.browser.conftest import serious_violations
from tests.staff import PASSWORD, make_user

PLAN = "huining-yshj-2022"


def open_the_plan_for_comment(app) -> None:
    """The demo plan's window, moved around the tests' pinned moment so that the test does not age."""
    with app.app_context():
        line = next(json.loads(row) for row in export_content(db.session) if f'"slug": "{PLAN}"' in row)
        moment = now().astimezone(COUNTY_TZ).replace(microsecond=0)
        line.update(consultation_opens=(moment - dt.timedelta(days=3)).isoformat(timespec="minutes"),
                    consultation_closes=(moment + dt.timedelta(days=30)).isoformat(timespec="minutes"),
                    consultation_contact="fgj")
        import_content(db.session, [json.dumps(line, ensure_ascii=False)])
        make_user(db.session, "journey-fgj", Role.STAFF, "fgj", "发改局旅程测试")  # commits


def test_a_comment_on_the_plan_is_published_and_adopted_by_its_bureau(browser, live_server, journey_app,
                                                                     artifacts):
    open_the_plan_for_comment(journey_app)
    business = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = business.new_page()
    page.goto(live_server + f"/policies/{PLAN}")
    form = page.locator("#consultation")
    form.get_by_label("针对条款").select_option(label="措施1：推进数字政府建设")
    form.get_by_label("意见建议").fill("建议公布全程网办事项清单，并注明每项的办理时限和咨询电话。")
    form.get_by_label("单位名称").fill("会宁县旅程测试科技有限公司")
    form.locator("#c-contact_name").fill("周女士")
    form.get_by_label("联系电话").fill("13600000000")
    form.locator("#c-consent").check()
    assert serious_violations(page) == []
    form.get_by_role("button", name="提交意见").click()
    assert "意见已提交" in page.locator("#comment-sent").inner_text()  # beside the form, where the page lands
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "consultation-comment-phone.png"), full_page=False)

    office = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = office.new_page()
    staff.goto(live_server + "/login")
    staff.get_by_label("用户名").fill("journey-fgj")
    staff.get_by_label("密码").fill(PASSWORD)
    staff.get_by_role("button", name="登录").click()
    staff.goto(live_server + f"/staff/consultations/{PLAN}")
    card = staff.locator(".comment-card", has_text="全程网办事项清单").last
    assert "周女士" in card.inner_text() and "13600000000" in card.inner_text()
    card.locator("summary", has_text="审核").click()
    card.get_by_role("radio", name="公开", exact=True).check()
    card.get_by_role("button", name="保存审核").click()
    assert "已设为已公开" in staff.locator(".flash-success").inner_text(), staff.locator("main").inner_text()[:1500]
    card = staff.locator(".comment-card", has_text="全程网办事项清单").last
    card.get_by_role("radio", name="采纳", exact=True).check()
    card.get_by_role("textbox", name="理由 （必填，随采纳情况说明公开）").fill("已在措施1中补充清单公布要求。")
    card.get_by_role("button", name="保存决定").click()
    assert "采纳" in staff.locator(".flash-success").inner_text()
    assert serious_violations(staff) == []
    staff.screenshot(path=str(artifacts / "consultation-manage.png"), full_page=True)
    office.close()

    page.goto(live_server + f"/policies/{PLAN}")  # a fresh load, not a jump to the anchor
    shown = page.locator("#consultation").inner_text()
    assert "建议公布全程网办事项清单" in shown and "会宁县****公司" in shown
    assert "周女士" not in shown and "13600000000" not in shown and "旅程测试科技" not in shown
    business.close()
