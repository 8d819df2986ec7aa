"""flask --app portal demo tickets: realistic load written through the services, the same for the
same seed, refused in production; the kept figures agree with a recount of what it wrote."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.supervision.recount import differences
from portal.tickets.models import Rating, Ticket, TicketEvent
from tests.clock import TODAY
from tests.conftest import make_app


def written(application, *args: str) -> tuple:
    """Run the command on `application`; what it wrote, step by step."""
    result = application.test_cli_runner().invoke(args=["demo", "tickets", *args])
    assert result.exit_code == 0, result.output
    with application.app_context():
        tickets = db.session.scalars(select(Ticket).order_by(Ticket.number).options(selectinload(Ticket.events)))
        story = tuple((t.number, t.type.value, t.topic.code, t.subject, t.company_name, t.state.value,
                       tuple((e.action, e.at.isoformat(), e.bureau_id) for e in t.events), t.channel.value)
                      for t in tickets)
        assert differences(db.session, TODAY) == []
        db.session.rollback()
    return result.output, story


def test_the_same_seed_writes_the_same_tickets_with_the_demo_mix(demo_copy):
    output, story = written(demo_copy(), "--count", "120", "--days", "90", "--seed", "5")
    assert "已写入演示工单 120 件" in output and "每秒" in output
    assert written(demo_copy(), "--count", "120", "--days", "90", "--seed", "5")[1] == story
    assert written(demo_copy(), "--count", "120", "--days", "90", "--seed", "6")[1] != story
    assert len(story) == 120
    days = {number[:8] for number, *_ in story}
    assert len(days) > 40 and max(days) < TODAY.strftime("%Y%m%d")  # spread over the 90 days before today
    actions = Counter(action for *_, events, _ in story for action, _, _ in events)
    for action in ("file", "route", "dispatch", "sign", "reply", "rate", "reopen", "return", "request_transfer",
                   "approve_transfer", "request_extension", "reject"):
        assert actions[action] > 0, (action, actions)
    states = Counter(state for _, _, _, _, _, state, _, _ in story)
    assert len({channel for *_, channel in story}) >= 5
    assert states["closed"] > 30 and states["replied"] + states["accepted"] + states["assigned"] > 5, states
    assert len({topic for _, _, topic, *_ in story}) > 10 and len({kind for _, kind, *_ in story}) == 4


def test_demo_tickets_is_refused_in_production(app, tmp_path):
    production = make_app(app.config["DATABASE_URL"], tmp_path / "index", PORTAL_ENV="production")
    result = production.test_cli_runner().invoke(args=["demo", "tickets", "--count", "5", "--days", "10"])
    assert result.exit_code != 0
    assert "生产环境（PORTAL_ENV=production）不能写入演示工单" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert db.session.scalar(select(func.count()).select_from(TicketEvent)) == 0
        assert db.session.scalar(select(func.count()).select_from(Rating)) == 0


def test_demo_tickets_asks_for_the_catalog_first(app):
    result = app.test_cli_runner().invoke(args=["demo", "tickets", "--count", "5", "--days", "10"])
    assert result.exit_code != 0 and "请先运行 flask --app portal seed-demo" in result.output
