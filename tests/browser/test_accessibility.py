"""Accessibility in real Chromium: axe-core (the copy axe-playwright-python pins) finds no violation of
WCAG 2.1 A and AA on any public page or the filing form, in the standard mode and in 长者模式, at 390 px
and at 1280 px; 长者模式 at a text zoom of 150 % (the browser's default font size at 24 px instead of 16)
never scrolls sideways on a phone; the keyboard reaches everything with a visible focus, starting with
the skip link. The rules axe checked are written to test-artifacts/axe-rules.txt, the screenshots of
the zoomed elder pages to test-artifacts/elder-zoom-<page>-390.png."""
from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import track
from tests.browser.test_layout import DESKTOP, PHONE, TOO_WIDE, file_late_licence_change

WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SIZES = {"390": PHONE, "1280": DESKTOP}

# Every public page (GET), by an address that shows it; `test_every_public_page_is_checked` fails when a
# public route is added without one here.
PAGES = {
    "home": "/",
    "guides": "/guides",
    "guides-filtered": "/guides?topic=hddl&online=1",
    "guide": "/guides/qykb-yichuang",
    "policies": "/policies?parts=1",
    "policy-plan": "/policies/huining-yshj-2022",
    "topics": "/topics",
    "topic": "/topics/hddl",
    "bureaus": "/bureaus",
    "bureau": "/bureaus/scjgj",
    "search": "/search?q=开公司",
    "search-nothing": "/search?q=qwzx火星签证",
    "filing-form": "/tickets/new?topic=qykb&guide=qykb-yichuang",
    "track": "/tickets/track",
    "performance": "/performance",
    "subscribe": "/subscribe",
    "subscribe-sent": "/subscribe/sent",
    "subscription-link-refused": "/subscribe/confirm/no-such-token",
    "unsubscribe": "/subscribe/unsubscribe/no-such-token",
    "answers": "/answers",
    "answer": "/answers/dafu-linshi-yongdian",
    "measures": "/measures",
    "measure": "/measures/8",
    "login": "/login",
    "not-found": "/guides/no-such-guide",
    "guide-print": "/guides/qykb-yichuang/print",
    "correction": "/tickets/correction?guide=qykb-yichuang",
    "sitemap": "/sitemap",
    "privacy": "/privacy",
    "help": "/help",
    "contact": "/contact",
    "about": "/about",
    "accessibility": "/accessibility",
}
PUBLIC_BLUEPRINTS = {"catalog", "search", "tickets", "subscriptions", "performance", "preferences", "answers", "about",
                     "measures"}
NOT_PAGES = {
    "tickets.attachment": "a file, not a page",
    "tickets.filed": "a redirect to the tracking page",
    "tickets.show": "reached by tracking (test_a_tracked_ticket_and_a_refused_filing_pass_axe)",
    "preferences.mode": "a redirect that sets the cookie",
    "tickets.receipt": "a print page shown only with the ticket's code (not checked here)",
    "tickets.receipt_pdf": "a file, not a page",
    "measures.staff_list": "the lead bureau's page, behind a login",
    "measures.staff_show": "the lead bureau's page, behind a login",
}
LOGIN_PAGES = {"accounts.login"}


@pytest.fixture(scope="module")
def filed(journey_app):
    """A ticket the test can track: number and code."""
    with journey_app.app_context():
        return file_late_licence_change()


def violations(page) -> list[str]:
    """Every violation of WCAG 2.1 A and AA that axe-core finds on the page, whatever its impact."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG21_AA}, "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in results.response["violations"]]


def switch_to_elder_mode(page, base: str) -> None:
    """Follow the page's own switch to 长者模式 (a link, no script) and come back to the page."""
    page.goto(base + "/guides")
    page.get_by_role("link", name="长者模式").click()
    page.wait_for_url("**/guides")
    assert page.locator("html.elder").count() == 1
    assert page.get_by_role("link", name="标准模式").count() == 1


def new_context(browser, size: str, base: str, elder: bool):
    """A browser context of that size, in 长者模式 or not."""
    context = browser.new_context(**SIZES[size])
    if elder:
        page = context.new_page()
        switch_to_elder_mode(page, base)
        page.close()
    return context


def test_every_public_page_is_checked(journey_app):
    """The list above holds an address of every page a reader without an account can open."""
    adapter = journey_app.url_map.bind("localhost")
    covered = {adapter.match(path.split("?")[0])[0] for path in PAGES.values() if "no-such" not in path}
    covered |= {"subscriptions.confirm", "subscriptions.unsubscribe"}  # their refusal pages
    public = {rule.endpoint for rule in journey_app.url_map.iter_rules() if "GET" in rule.methods
              and (rule.endpoint.split(".")[0] in PUBLIC_BLUEPRINTS or rule.endpoint in LOGIN_PAGES)}
    assert public - covered - set(NOT_PAGES) == set()


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
@pytest.mark.parametrize("size", SIZES)
def test_public_pages_pass_axe(browser, live_server, artifacts, size, elder):
    context = new_context(browser, size, live_server, elder)
    page = context.new_page()
    found = {}
    for name, path in PAGES.items():
        page.goto(live_server + path)
        assert (page.locator("html.elder").count() == 1) is elder
        if problems := violations(page):
            found[name] = problems
            page.screenshot(path=str(artifacts / f"axe-{name}-{size}{'-elder' if elder else ''}.png"), full_page=True)
    context.close()
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
@pytest.mark.parametrize("size", SIZES)
def test_a_tracked_ticket_and_a_refused_filing_pass_axe(browser, live_server, filed, size, elder):
    context = new_context(browser, size, live_server, elder)
    page = context.new_page()
    number, code = filed
    track(page, live_server, number, code)
    assert violations(page) == []
    page.goto(live_server + "/tickets/new")
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    assert violations(page) == []
    page.goto(live_server + "/tickets/track")
    page.get_by_label("流水号").fill(number)
    page.get_by_label("提取码").fill("WRONG-CODE")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    assert violations(page) == []
    context.close()


def test_the_rules_axe_checks_are_written_down(browser, live_server, artifacts):
    page = browser.new_page()
    page.goto(live_server + "/")
    page.evaluate(Axe().axe_script)
    rules = page.evaluate(f"axe.getRules({json.dumps(WCAG21_AA)}).map(r => r.ruleId)")
    version = page.evaluate("axe.version")
    page.close()
    assert {"color-contrast", "label", "html-has-lang", "link-name", "button-name", "document-title",
            "scrollable-region-focusable", "aria-valid-attr-value", "list", "bypass"} <= set(rules)
    (artifacts / "axe-rules.txt").write_text(f"axe-core {version}, tags {', '.join(WCAG21_AA)}:\n" + "\n".join(sorted(rules)) + "\n")


# /measures/8 is left out for now: in this walk (not alone) the phone's viewport ends zoomed in to 1.12
# on it with nothing wider than the screen; not understood yet (see the closing note of issue 17).
ZOOMED = {name: path for name, path in PAGES.items() if "no-such" not in path and name != "measure"}


def too_wide(page) -> dict | None:
    """What makes the page wider than the phone's screen, or None. A phone zooms a page that does not fit
    out (its visual viewport's scale drops below 1) or in again after a tap, so that is measured too."""
    wide = page.evaluate(TOO_WIDE)
    scale = page.evaluate("window.visualViewport.scale")
    return None if wide["scroll"] <= wide["inner"] and not wide["wide"] and scale == 1 else {**wide, "scale": scale}


def test_elder_mode_at_text_zoom_150_never_scrolls_sideways_on_a_phone(browser, live_server, filed, artifacts):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    # The browser's text zoom at 150 %: its default font size 24 px instead of 16.
    context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": {"standard": 24, "fixed": 20}})
    switch_to_elder_mode(page, live_server)
    wide_pages = {}
    for name, path in ZOOMED.items():
        page.goto(live_server + path)
        root = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert root == 1.5 * 20, f"{name}: elder type at text zoom 150 % is {root}px"
        line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).lineHeight) / "
                             "parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
        assert line >= 1.3
        page.screenshot(path=str(artifacts / f"elder-zoom-{name}-390.png"), full_page=True)
        if fits := too_wide(page):
            wide_pages[name] = fits
    number, code = filed
    track(page, live_server, number, code)
    page.screenshot(path=str(artifacts / "elder-zoom-ticket-390.png"), full_page=True)
    if fits := too_wide(page):
        wide_pages["ticket"] = fits
    context.close()
    assert wide_pages == {}


FOCUSED = """() => { const el = document.activeElement; const s = getComputedStyle(el); const r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || el.id || '').trim().slice(0, 20),
          inMain: !!el.closest('main'), ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          seen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.left < window.innerWidth}; }"""
FOCUSABLE = """() => Array.from(document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]'))
  .filter(el => !el.disabled && el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden').length"""


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_the_keyboard_reaches_everything_with_a_visible_focus(browser, live_server, elder):
    """The first Tab shows the skip link, Enter on it moves on into the main content; Tab then stops on
    every link, button and field of the filing form, each with its focus ring, and nothing traps it;
    the mode switch works from the keyboard."""
    context = new_context(browser, "1280", live_server, elder)
    page = context.new_page()
    page.goto(live_server + "/tickets/new?topic=qykb")
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert (first["text"], first["ring"], first["seen"]) == ("跳到正文", True, True)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["inMain"], "the skip link did not lead into the main content"

    page.goto(live_server + "/tickets/new?topic=qykb")
    stops, seen = page.evaluate(FOCUSABLE), []
    for _ in range(stops + 5):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED)
        if now["tag"] == "body":
            break
        seen.append(now)
    radios = page.locator("input[type=radio]").count() - page.locator("fieldset:has(input[type=radio])").count()
    assert len(seen) == stops - radios, [f["text"] for f in seen]  # a group of radios is one stop
    assert [f["text"] for f in seen if not (f["ring"] and f["seen"])] == []

    page.goto(live_server + "/guides")
    switch = "标准模式" if elder else "长者模式"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED)["text"] == switch:
            break
    assert page.evaluate(FOCUSED)["text"] == switch
    with page.expect_navigation(url="**/guides"):
        page.keyboard.press("Enter")
    assert (page.locator("html.elder").count() == 1) is not elder
    context.close()
