"""A business types its question on the filing form on a phone, sees an answer already given to a similar
question, opens it and says it solved the problem: real Chromium, the demo content, no account."""
from __future__ import annotations

from sqlalchemy import select

from portal.catalog.models import Answer
from portal.extensions import db
from tests.browser.conftest import serious_violations

SLUG = "dafu-jianyi-zhuxiao-tianshu"  # a demo answer: 公司不经营了，简易注销要公示多少天？多久能办完？


def helpful(app) -> int:
    with app.app_context():
        return db.session.scalars(select(Answer.helpful).where(Answer.slug == SLUG)).one()


def test_a_business_typing_a_question_finds_an_answer_and_marks_it_solved(browser, live_server, journey_app,
                                                                          artifacts):
    before = helpful(journey_app)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(live_server + "/tickets/new")
    assert page.locator("#similar-answers").is_hidden()
    page.locator("#f-subject").press_sequentially("公司注销要公示几天", delay=30)
    box = page.locator("#similar-answers")
    box.wait_for(state="visible")
    link = box.locator(f'a[href="/answers/{SLUG}"]')
    link.wait_for()
    assert "已有答复的类似问题" in box.inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "answers-similar-on-filing-form.png"), full_page=True)

    with page.expect_popup() as opened:
        link.click()
    answer_page = opened.value
    answer_page.wait_for_load_state()
    assert "简易注销" in answer_page.locator("h1").inner_text()
    assert "这解决了您的问题吗" in answer_page.locator("#solved").inner_text()
    answer_page.get_by_role("button", name="解决了").click()
    answer_page.wait_for_url(f"**/answers/{SLUG}#solved")
    assert "谢谢您的反馈" in answer_page.locator("main").inner_text()
    assert "已收到您的反馈" in answer_page.locator("#solved").inner_text()
    assert answer_page.get_by_role("button", name="解决了").count() == 0  # once per browser
    assert serious_violations(answer_page) == []
    answer_page.screenshot(path=str(artifacts / "answers-solved.png"), full_page=True)
    assert helpful(journey_app) == before + 1
    answer_page.close()
    page.close()
