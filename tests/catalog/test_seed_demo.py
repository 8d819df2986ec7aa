"""The demo content loads through the import path, and loading it again changes nothing."""
from __future__ import annotations

import re

from portal.catalog.content import export_content


def test_seed_demo_loads_the_plan_and_is_repeatable(runner, session):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "办事指南 新增" in first.output
    exported = export_content(session)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "未重复导入" in again.output
    second = runner.invoke(args=["seed-demo", "--force"])
    assert second.exit_code == 0, second.output
    assert re.findall(r"新增 (\d+) 条", second.output) == ["0"] * 6  # bureaus, topics, guides, policies, synonyms, answers
    session.expire_all()
    assert export_content(session) == exported


def test_seed_demo_writes_tickets_in_every_state_some_overdue_and_accounts(runner, session):
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.clock import today
    from portal.tickets.models import Ticket, TicketState

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    tickets = session.scalars(select(Ticket)).all()
    assert {t.state for t in tickets} == set(TicketState) - {TicketState.SUBMITTED}
    assert any(t.running_due is not None and t.running_due < today() for t in tickets)
    assert any(t.pending_extension_days for t in tickets) and any(t.transfer_requested for t in tickets)
    assert {"scjg", "fgj", "dbz", "admin"} <= set(session.scalars(select(User.username)))
    assert "演示工单" in result.output and runner.invoke(args=["seed-demo"]).exit_code == 0
