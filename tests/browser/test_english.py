"""The interface in English, in Chromium: a reader who follows the English link (or comes with ?lang=en)
reads the home page, a guide with English fields, the filing form with its errors and the tracking page
without a Chinese character outside the content that has no English (which is marked lang="zh-CN": a
bureau's name, a topic's, the Chinese-only parts of a guide, what the business itself wrote); the ticket
remembers the language and its mail is in English. Screenshots: test-artifacts/english-<page>.png."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.tickets.models import Ticket
from tests.browser.filing import fill_filing

HAN_OUTSIDE_CHINESE_CONTENT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('[lang="zh-CN"], script, style').forEach((el) => el.remove());
  const attributes = Array.from(document.querySelectorAll('[placeholder], [aria-label], [title], [alt]'))
    .filter((el) => !el.closest('[lang="zh-CN"]'))
    .map((el) => [el.getAttribute('placeholder'), el.getAttribute('aria-label'), el.getAttribute('title'), el.getAttribute('alt')].join(' '));
  const text = [document.title, body.textContent, ...attributes].join(' ');
  return text.match(/[\\u3400-\\u9fff\\uf900-\\ufaff]+/g) || [];
}"""


def chinese_left(page) -> list[str]:
    return page.evaluate(HAN_OUTSIDE_CHINESE_CONTENT)


def test_a_business_reads_and_files_in_english(browser, live_server, journey_app, artifacts, smtp):
    controller, inbox = smtp
    kept = {name: journey_app.config[name] for name in ("MAIL_SERVER", "MAIL_PORT")}
    journey_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        file_and_track_in_english(browser, live_server, journey_app, artifacts, inbox)
    finally:
        journey_app.config.update(kept)


def file_and_track_in_english(browser, live_server, journey_app, artifacts, inbox):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").first.inner_text() == "Find service guides, look up policies for businesses, file requests"
    assert chinese_left(page) == []
    page.screenshot(path=str(artifacts / "english-home.png"), full_page=True)

    page.goto(live_server + "/guides/qykb-yichuang")  # the cookie keeps the choice; the address is the same
    assert page.locator("h1").inner_text().startswith("Starting a business in one window")
    assert "Documents needed" in page.locator("#materials h2").inner_text()
    assert "Articles of association or partnership agreement" in page.locator("table.checklist").inner_text()
    assert chinese_left(page) == []
    page.screenshot(path=str(artifacts / "english-guide.png"), full_page=True)

    page.goto(live_server + "/guides/gongcheng-quanliucheng")  # no English: the Chinese, with a note
    assert "has no English version yet" in page.locator("main").inner_text()
    assert page.locator("h1").get_attribute("lang") == "zh-CN"

    page.goto(live_server + "/tickets/new?topic=qykb")
    page.get_by_role("button", name="File a request").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary").inner_text()
    assert "Not sent: please correct the following." in summary
    assert "The subject must have 4 to 100 characters." in summary
    assert "Give an 11-digit mobile number" in page.locator("#phone-error").inner_text()
    assert chinese_left(page) == []
    page.screenshot(path=str(artifacts / "english-filing-errors.png"), full_page=True)

    fill_filing(page, type="Complaint", subject="Business licence change is late",
                description="We applied for a change of our business licence ten days ago and have heard nothing.",
                company_name="Huining Example Trading Co.", contact_name="Ms Li", phone="13700000000",
                email="li@example.com", consent=True)
    page.get_by_role("button", name="File a request").click()
    page.get_by_role("heading", name="Request filed").wait_for()
    number = page.locator("#ticket-number").inner_text()
    code = page.locator("#ticket-code").inner_text()
    assert chinese_left(page) == []

    page.goto(live_server + "/tickets/track")
    page.get_by_label("Tracking number").fill(number)
    page.get_by_label("Retrieval code").fill(code)
    page.get_by_role("button", name="Look up").click()
    page.wait_for_url(f"**/tickets/{number}")
    facts = page.locator(".ticket-facts").inner_text()
    assert "Tracking number" in facts and "To be signed for" in facts and "working days left" in facts
    assert chinese_left(page) == []
    page.screenshot(path=str(artifacts / "english-tracking.png"), full_page=True)
    context.close()

    with journey_app.app_context():
        assert db.session.scalar(select(Ticket.lang).where(Ticket.number == number)) == "en"
        db.session.rollback()
    inbox.wait_for(1)
    mail = inbox.messages[-1]
    assert mail["Subject"] == f"Your Complaint received (tracking number {number})"
    body = mail.get_content()
    assert f"Tracking number: {number}" in body and f"Retrieval code: {code}" in body
    assert "Keep the retrieval code safe" in body


def test_the_chinese_link_switches_back(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/guides?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="中文").click()
    page.wait_for_url("**/guides?lang=zh")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.goto(live_server + "/guides")
    assert page.locator("h1").inner_text() == "办事指南"
    context.close()
