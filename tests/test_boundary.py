"""The request boundary, through real requests and commands and a real SMTP server: a unit that ends
well commits once and then sends the mail it queued; one that raises rolls back, writes nothing and
sends nothing; steps asked for after a commit or a rollback run only then."""
from __future__ import annotations

import time

import pytest
from flask import Blueprint
from sqlalchemy import func, select

from portal.boundary import CommandGroup, after_commit, on_rollback
from portal.catalog.models import Bureau
from portal.errors import Refused
from portal.extensions import db
from portal.mail import MailMessage, queue_mail
from tests.conftest import fresh_database, make_app

EVENTS: list[str] = []


def _write_and_queue(code: str) -> None:
    """What a service does: writes a row, queues a mail, asks for steps after the outcome."""
    db.session.add(Bureau(code=code, name=f"测试部门{code}"))
    queue_mail(db.session, f"{code}@example.com", "mail/policy_confirm.txt", choice="领域：企业开办", token="t")
    after_commit(db.session, lambda: EVENTS.append(f"committed {code}"))
    on_rollback(db.session, lambda: EVENTS.append(f"rolled back {code}"))


probe = Blueprint("probe", __name__)


@probe.post("/probe/<code>/<outcome>")
def probe_view(code: str, outcome: str):
    _write_and_queue(code)
    if outcome == "refuse":
        raise Refused("规则不允许。")
    if outcome == "crash":
        raise RuntimeError("a bug after the mail was queued")
    if outcome == "clash":  # a second bureau of the same name: the commit itself fails
        db.session.add(Bureau(code=code + "-2", name=f"测试部门{code}"))
    return "ok"


probe_cli = CommandGroup("probe")


@probe_cli.command("run")
def probe_command():
    _write_and_queue("cmd")
    raise SystemExit(1)


@pytest.fixture
def boundary_app(tmp_path_factory, smtp):
    controller, inbox = smtp
    application = make_app(fresh_database(tmp_path_factory, "portal_boundary"), tmp_path_factory.mktemp("ix"),
                           MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, WTF_CSRF_ENABLED=False)
    application.register_blueprint(probe)
    application.cli.add_command(probe_cli)
    EVENTS.clear()
    yield application, inbox
    with application.app_context():
        db.session.execute(MailMessage.__table__.delete())
        db.session.execute(Bureau.__table__.delete())
        db.session.commit()


def stored(application) -> tuple[int, int]:
    with application.app_context():
        return (db.session.scalar(select(func.count()).select_from(Bureau)),
                db.session.scalar(select(func.count()).select_from(MailMessage)))


def test_a_request_that_ends_well_commits_then_sends_its_mail(boundary_app):
    application, inbox = boundary_app
    assert application.test_client().post("/probe/ok/ok").status_code == 200
    inbox.wait_for(1)
    assert inbox.messages[0]["To"] == "ok@example.com"
    assert stored(application) == (1, 1) and EVENTS == ["committed ok"]


@pytest.mark.parametrize("outcome, status", [("refuse", 409), ("crash", 500), ("clash", 500)])
def test_a_request_that_raises_after_queuing_mail_writes_and_sends_nothing(boundary_app, outcome, status):
    application, inbox = boundary_app
    response = application.test_client().post(f"/probe/{outcome}/{outcome}")
    assert response.status_code == status and "<html" in response.get_data(as_text=True).lower()
    time.sleep(0.5)  # what a wrongly sent mail would need to arrive
    assert inbox.messages == []
    assert stored(application) == (0, 0) and EVENTS == [f"rolled back {outcome}"]


def test_a_command_that_fails_writes_and_sends_nothing(boundary_app):
    application, inbox = boundary_app
    result = application.test_cli_runner().invoke(args=["probe", "run"])
    assert result.exit_code == 1
    time.sleep(0.5)
    assert inbox.messages == [] and stored(application) == (0, 0) and EVENTS == ["rolled back cmd"]


def test_the_refusal_is_answered_in_json_under_the_api(boundary_app):
    application, _ = boundary_app
    application.add_url_rule("/api/v1/probe-refused", "probe_refused",
                             lambda: (_ for _ in ()).throw(Refused("规则不允许。", "field")), methods=["POST"])
    response = application.test_client().post("/api/v1/probe-refused")
    assert response.status_code == 409
    assert response.get_json() == {"error": "操作未完成", "message": "规则不允许。", "errors": {"field": ["规则不允许。"]}}
