"""What a user sees, at 390 px on a phone and at 1280 px on a desktop, in Chromium: no page scrolls
sideways and nothing is wider than the screen, no table column is squeezed to one character a line,
every menu item can be reached, the search box's example is not cut, a deadline's days left stay on
one line, and the confirmation of a comment is where the user lands. The demo as `make run` shows it
(content, accounts and tickets), with the clock pinned to Monday 28 December 2026 so that deadlines
fall in 2027, whose State Council arrangement is not entered. Screenshots go to test-artifacts/."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from werkzeug.serving import make_server

from portal.catalog import queries
from portal.catalog.content import import_content
from portal.cli import DEMO_CONTENT
from portal.clock import as_of
from portal.demo import PASSWORD, seed_accounts
from portal.demo.measures import seed_measures
from portal.demo.tickets import seed_tickets
from portal.extensions import db
from portal.tickets import services
from portal.tickets.models import TicketType
from portal.tickets.services import TicketInput
from tests.browser.conftest import log_in, serious_violations, track
from tests.conftest import fresh_database, make_app

PINNED = dt.datetime(2026, 12, 28, 10, 0)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SIZES = {"390": PHONE, "1280": DESKTOP}


class PinnedClock:
    """The app as if it were PINNED, for every request the live server answers (portal.clock.as_of)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with as_of(PINNED):
            return self.app(environ, start_response)


def file_late_licence_change() -> tuple[str, str]:
    """A complaint on 企业开办 filed and committed in the app context: its number and retrieval code."""
    data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(db.session, "qykb"), guide=None,
                       subject="营业执照变更登记超时", description="十日前提交变更登记，至今没有结果。",
                       company_name="会宁县某某餐饮有限公司", credit_code="", contact_name="李女士",
                       phone="13700000000", email="", publish=False)
    ticket, code = services.file_ticket(db.session, data)
    number = ticket.number
    db.session.commit()
    return number, code


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A portal as `make run` leaves it: the demo content, accounts and tickets, written at PINNED;
    plus one ticket whose number and code the test knows, its answer due in 2027."""
    app = make_app(fresh_database(tmp_path_factory, "portal_layout_test"), tmp_path_factory.mktemp("layout-index"))
    with app.app_context(), as_of(PINNED):
        with DEMO_CONTENT.open(encoding="utf-8") as handle:
            import_content(db.session, handle)
        seed_accounts(db.session)
        seed_tickets(db.session)
        seed_measures(db.session, app.config["MEASURES_PLAN"])
        number, code = file_late_licence_change()
        app.extensions["search"].store.rebuild(db.session)
        db.session.rollback()
    return app, number, code


@pytest.fixture(scope="module")
def server(demo):
    app = demo[0]
    httpd = make_server("127.0.0.1", 0, PinnedClock(app), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


# What is measured on every page, in the page itself.

TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;  // the screen: a phone's innerWidth grows with what overflows
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p); if (/(auto|scroll)/.test(s.overflowX) && p.clientWidth <= width) return true; }
    return false; };
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if ((r.right > width + 1 || r.left < -1) && !el.closest('.visually-hidden, .skip-link') && !scrolls(el))
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  return {scroll: Math.max(document.documentElement.scrollWidth, window.innerWidth), inner: width, wide: wide.slice(0, 10)};
}"""

SQUEEZED_CELLS = """() => {
  const squeezed = [];
  for (const cell of document.querySelectorAll('th, td')) {
    const text = cell.innerText.trim();
    const r = cell.getBoundingClientRect();
    if (text.length < 2 || r.width === 0) continue;
    const s = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    if (inner < 2 * parseFloat(s.fontSize) - 0.5) squeezed.push(text.slice(0, 12) + ' ' + Math.round(inner) + 'px');
  }
  return squeezed;
}"""

HIDDEN_NAV = """() => {
  const hidden = [];
  for (const link of document.querySelectorAll('.site-nav a, .staff-nav a, .supervision-tabs a, .status-tabs a')) {
    const r = link.getBoundingClientRect();
    const visible = r.width > 0 && r.left >= -1 && r.right <= window.innerWidth + 1;
    let clipped = false;
    for (let p = link.parentElement; p && p !== document.body; p = p.parentElement) {
      const pr = p.getBoundingClientRect(); const s = getComputedStyle(p);
      if (s.overflowX !== 'visible' && (r.left < pr.left - 1 || r.right > pr.right + 1)) clipped = true;
    }
    if (!visible || clipped) hidden.push(link.innerText.trim());
  }
  return hidden;
}"""

CUT_PLACEHOLDERS = """() => {
  const cut = [];
  const ctx = document.createElement('canvas').getContext('2d');
  for (const input of document.querySelectorAll('input[placeholder]')) {
    if (!input.offsetWidth) continue;
    const s = getComputedStyle(input);
    ctx.font = s.font;
    const room = input.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    const need = ctx.measureText(input.placeholder).width;
    if (need > room + 0.5) cut.push(input.id + ': ' + input.placeholder + ' ' + Math.round(need) + '>' + Math.round(room));
  }
  return cut;
}"""

BROKEN_DAYS_LEFT = """() => {
  // Every "（剩 N 个工作日）", "（今日到期）", "（已逾期 N 个工作日）" on the page, whatever elements hold
  // its pieces, and every badge: a range of text that ends on another line than it starts is broken.
  const broken = [];
  const lines = (rects) => new Set(Array.from(rects).filter((r) => r.width > 0).map((r) => Math.round(r.bottom))).size;
  for (const el of document.querySelectorAll('main dd, main p, main td, main li')) {
    const nodes = []; let text = '';
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
    for (const match of text.matchAll(/（(剩|今日到期|已逾期)[^）]*）/g)) {
      const at = (offset) => { let found = nodes[0];
        for (const n of nodes) { if (n[1] <= offset) found = n; } return [found[0], offset - found[1]]; };
      const range = document.createRange();
      range.setStart(...at(match.index)); range.setEnd(...at(match.index + match[0].length - 1));
      if (lines(range.getClientRects()) > 1) broken.push(match[0]);
    }
  }
  for (const badge of document.querySelectorAll('.badge')) if (lines(badge.getClientRects()) > 1) broken.push(badge.innerText);
  return Array.from(new Set(broken));
}"""


def check_layout(page, artifacts, name: str, size: str) -> None:
    """The page at this size: measured, and kept as a screenshot to look at."""
    page.screenshot(path=str(artifacts / f"layout-{name}-{size}.png"), full_page=True)
    wide = page.evaluate(TOO_WIDE)
    assert wide["scroll"] <= wide["inner"], f"{name} at {size}: the page scrolls sideways ({wide})"
    assert wide["wide"] == [], f"{name} at {size}: wider than the screen: {wide['wide']}"
    assert page.evaluate(SQUEEZED_CELLS) == [], f"{name} at {size}: columns a character wide"
    assert page.evaluate(HIDDEN_NAV) == [], f"{name} at {size}: menu items out of reach"
    assert page.evaluate(CUT_PLACEHOLDERS) == [], f"{name} at {size}: a search box's example is cut"
    assert page.evaluate(BROKEN_DAYS_LEFT) == [], f"{name} at {size}: a deadline or badge broken over two lines"


PUBLIC = {
    "home": "/",
    "topics": "/topics",
    "guide": "/guides/qykb-yichuang",
    "guide-done-on-the-spot": "/guides/gongzhang-kezhi",
    "search": "/search?q=开公司",
    "search-nothing": "/search?q=qwzx火星签证",
    "policy-plan": "/policies/huining-yshj-2022",
    "performance": "/performance",
    "measures": "/measures",
    "measure": "/measures/8",
    "bureaus": "/bureaus",
}


def check_pages(page, base: str, artifacts, size: str, pages: dict[str, str]) -> None:
    for name, url in pages.items():
        page.goto(base + url)
        check_layout(page, artifacts, name, size)


@pytest.mark.parametrize("size", SIZES)
def test_public_pages_fit_the_screen(browser, server, artifacts, size):
    context = browser.new_context(**SIZES[size])
    check_pages(context.new_page(), server, artifacts, size, PUBLIC)
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_tracking_page_fits_and_says_what_the_days_left_mean(browser, server, demo, artifacts, size):
    _, number, code = demo
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    track(page, server, number, code)
    facts = page.locator(".ticket-facts").inner_text()
    assert "2026年12月29日（剩 1 个工作日）" in facts
    assert "2027年1月12日（剩 10 个工作日）" in facts and "2027年国务院放假安排尚未录入" in facts
    assert "不含今天" in page.locator(".deadline-help").inner_text()
    check_layout(page, artifacts, "tracking", size)
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_workspace_fits_the_screen(browser, server, demo, artifacts, size):
    _, number, _ = demo
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    log_in(page, server, "scjg", PASSWORD)
    page.goto(server + "/staff/")
    check_layout(page, artifacts, "workspace", size)
    page.goto(server + f"/staff/tickets/{number}")
    assert "2027年国务院放假安排尚未录入" in page.locator(".ticket-facts").inner_text()
    check_layout(page, artifacts, "workspace-ticket", size)
    assert serious_violations(page) == []
    page.goto(server + "/staff/measures")
    check_layout(page, artifacts, "workspace-measures", size)
    page.goto(server + "/staff/measures/2")
    check_layout(page, artifacts, "workspace-measure", size)
    assert serious_violations(page) == []
    context.close()


SUPERVISION = {
    "supervision": "/supervision/",
    "dispatch": "/supervision/dispatch",
    "approvals": "/supervision/approvals",
    "ledger": "/supervision/ledger",
    "scoreboard": "/supervision/scoreboard",
    "trends": "/supervision/trends",
    "trends-this-week": "/supervision/trends?week=2026-W53",
    "risk-words": "/supervision/risk-words",
    "callbacks": "/supervision/callbacks?all=1",
    "all-tickets": "/staff/?view=all",
}


@pytest.mark.parametrize("size", SIZES)
def test_the_supervisors_pages_fit_the_screen(browser, server, artifacts, size):
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    log_in(page, server, "dbz", PASSWORD)
    check_pages(page, server, artifacts, size, SUPERVISION)
    page.goto(server + "/supervision/")
    assert "2027年国务院节假日安排尚未录入" in page.locator("main").inner_text()
    page.goto(server + "/supervision/ledger")
    rows = page.locator("#ledger tbody tr")
    assert rows.count() > 3
    if size == "390":  # each row a card on a phone: every cell inside the screen, with its column's name
        first = rows.first
        assert first.bounding_box()["width"] <= 390
        labels = first.locator("td").evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")
        assert '"提交日期："' in labels and '"承办单位："' in labels, labels
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_co_bureaus_pages_fit_the_screen(browser, server, artifacts, size):
    """县税务局 (the demo's `swj`) was asked to help with 县市场监管局's 股权出质登记 ticket."""
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    log_in(page, server, "swj", PASSWORD)
    page.goto(server + "/staff/?view=cohandle")
    check_layout(page, artifacts, "workspace-cohandle", size)
    page.get_by_role("link", name=re.compile(r"^\d{8}-\d{4}$")).first.click()
    assert "股权出质登记办理慢" in page.locator("h1").inner_text() and page.locator("#form-opinion").count() == 1
    check_layout(page, artifacts, "workspace-cohandle-ticket", size)
    assert serious_violations(page) == []
    context.close()


def test_a_comment_on_a_phone_lands_on_its_confirmation(browser, server, artifacts):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(server + "/policies/huining-yshj-2022")
    form = page.locator("#consultation")
    form.get_by_label("意见建议").fill("建议公布全程网办事项清单，并注明每项的办理时限和咨询电话。")
    form.locator("#c-contact_name").fill("周女士")
    form.get_by_label("联系电话").fill("13600000000")
    form.locator("#c-consent").check()
    form.get_by_role("button", name="提交意见").click()
    page.wait_for_url("**#comment-sent")
    notice = page.locator("#comment-sent")
    assert "意见已提交" in notice.inner_text()
    box = notice.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 844, f"the confirmation is off the screen: {box}"
    page.screenshot(path=str(artifacts / "layout-comment-sent-390.png"))
    context.close()
