"""Browser fixtures: Debian's Chromium driven by Playwright against a copy of the demo app on a free port."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.servers import pinned_wsgi

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def journey_app(demo_copy):
    """This module's own copy of the demo app: journeys file tickets, open accounts and post comments,
    and no other module (nor a test reading `demo_app`) sees what they leave behind."""
    return demo_copy()


@pytest.fixture(scope="module")
def live_server(journey_app):
    """`journey_app` served on a free port, each request at the tests' pinned moment."""
    server = make_server("127.0.0.1", 0, pinned_wsgi(journey_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Chromium is missing: run `make system-deps` (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def track(page, base: str, number: str, code: str) -> None:
    """Open a ticket's tracking page as its business does: number and code through the form."""
    page.goto(base + "/tickets/track")
    page.get_by_label("流水号").fill(number)
    page.get_by_label("提取码").fill(code)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/tickets/{number}")


def log_in(page, base: str, username: str, password: str) -> None:
    """Log in through the login form and wait for the page it lands on."""
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]
