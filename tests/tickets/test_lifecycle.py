"""The transitions table and the services that move a ticket through it, each writing its event.

The expected states and deadlines are written out by hand (from DESIGN.md's lifecycle and the
2026 calendar), never read from the table or the calendar under test. Every ticket here is filed at
FILED, a Wednesday with no holiday before 元旦."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.actors import SYSTEM, Actor
from portal.catalog.models import Bureau
from portal.clock import as_of
from portal.errors import DomainError
from portal.tickets.models import Score, Ticket, TicketState
from portal.tickets.services import (
    TRANSITIONS, autoclose, decide_extension, decide_transfer, file_ticket, rate, reject, reply,
    move, request_extension, request_transfer, return_to_dispatch, sign,
)
from portal.tickets.validation import validate
from tests.tickets.conftest import form_data

S = TicketState
D = dt.date
URL = "http://portal.test/tickets/track"
FILED = dt.datetime(2026, 11, 25, 10, 0)  # Wednesday 25 November 2026, county time
# Working days from it: Thu 26, Fri 27, Mon 30 Nov, Tue 1, Wed 2, Thu 3, Fri 4, Mon 7, Tue 8, Wed 9,
# Thu 10, Fri 11, Mon 14, Tue 15, Wed 16 December (the 1st to the 15th).
SIGN_DUE = D(2026, 11, 26)  # 1 working day
REPLY_DUE = {"consultation": D(2026, 11, 30), "help": D(2026, 12, 2), "complaint": D(2026, 12, 9),
             "suggestion": D(2026, 12, 16)}  # 3, 5, 10, 15 working days

SAME = "same"  # the action records its event and leaves the state as it is
BEING_HANDLED = {  # accepted, or reopened after a bad rating and handled again by the same bureau
    "request_transfer": SAME, "approve_transfer": S.ASSIGNED, "refuse_transfer": SAME,
    "request_extension": SAME, "approve_extension": SAME, "refuse_extension": SAME,
    "reply": S.REPLIED, "reject": S.REJECTED, "note": SAME, "handover": SAME, "press": SAME, "supervise": SAME,
    "retopic": SAME,
}
# From each state (None: a ticket not yet filed), the actions DESIGN.md's lifecycle allows, and where each leads.
LIFECYCLE = {
    None: {"file": S.SUBMITTED},
    S.SUBMITTED: {"route": S.ASSIGNED, "dispatch": S.DISPATCH, "reject": S.REJECTED, "retopic": SAME},
    S.DISPATCH: {"route": S.ASSIGNED, "reject": S.REJECTED, "note": SAME, "retopic": SAME},
    S.ASSIGNED: {"sign": S.ACCEPTED, "return": S.DISPATCH, "request_transfer": SAME, "approve_transfer": S.ASSIGNED,
                 "refuse_transfer": SAME, "reject": S.REJECTED, "note": SAME, "handover": SAME, "press": SAME,
                 "supervise": SAME, "retopic": SAME},
    S.ACCEPTED: BEING_HANDLED,
    S.REOPENED: BEING_HANDLED,
    S.REPLIED: {"rate": S.CLOSED, "reopen": S.REOPENED, "autoclose": S.CLOSED, "note": SAME},
    S.CLOSED: {"note": SAME},
    S.REJECTED: {"note": SAME},
}
# 并单 (issue 13): an unanswered ticket may be merged into a master held by a bureau (answered or not);
# the merged ticket's business rates the master's reply on it, and it stays merged.
for _state in (S.SUBMITTED, S.DISPATCH, S.ASSIGNED, S.ACCEPTED, S.REOPENED):
    LIFECYCLE[_state] = {**LIFECYCLE[_state], "merge": S.MERGED}
for _state in (S.ASSIGNED, S.ACCEPTED, S.REOPENED, S.REPLIED, S.CLOSED):
    LIFECYCLE[_state] = {**LIFECYCLE[_state], "take_repeat": SAME}
LIFECYCLE[S.MERGED] = {"rate_merged": SAME}
# Co-handling, the office's callback and appeals of bad ratings (issue 14): asked while a bureau holds the
# ticket, a task is answered (or declined) whatever became of the ticket; a callback follows a reply and
# may reopen a closed ticket; an appeal and its decision are recorded in any state after filing.
WHILE_HELD = {"cohandle": SAME, "opinion": SAME, "decline": SAME, "appeal": SAME, "decide_appeal": SAME}
AFTER_REPLY = {"opinion": SAME, "decline": SAME, "callback": SAME, "appeal": SAME, "decide_appeal": SAME}
ISSUE_14 = {
    S.ASSIGNED: WHILE_HELD, S.ACCEPTED: WHILE_HELD, S.REOPENED: WHILE_HELD,
    S.REPLIED: AFTER_REPLY, S.CLOSED: {**AFTER_REPLY, "reopen": S.REOPENED},
    S.REJECTED: {"opinion": SAME, "decline": SAME, "appeal": SAME, "decide_appeal": SAME},
    S.DISPATCH: {"appeal": SAME, "decide_appeal": SAME},
}
LIFECYCLE = {state: {**actions, **ISSUE_14.get(state, {})} for state, actions in LIFECYCLE.items()}
ACTIONS = sorted({action for actions in LIFECYCLE.values() for action in actions})


@pytest.fixture(autouse=True)
def filed_on_a_wednesday():
    with as_of(FILED):
        yield


def bureau(session, code):
    return session.scalars(select(Bureau).where(Bureau.code == code)).one()


def new_ticket(session, **changes) -> Ticket:
    data, errors = validate(session, form_data(**changes))
    assert not errors, errors
    ticket, _ = file_ticket(session, data)
    session.commit()
    return ticket


def staff_of(session, code="scjgj"):
    return Actor("staff", "zhang", bureau(session, code))


SUPERVISOR = Actor("supervisor", "fgj-admin")


def test_a_topic_with_a_lead_routes_to_it_and_starts_both_clocks(session, routing_catalog):
    ticket = new_ticket(session)
    assert ticket.state is S.ASSIGNED and ticket.bureau.code == "scjgj"
    assert ticket.sign_due == SIGN_DUE
    assert ticket.reply_due == REPLY_DUE["complaint"]
    assert [e.action for e in ticket.events] == ["file", "route"]


def test_a_topic_without_a_lead_goes_to_the_dispatch_queue(session, routing_catalog):
    ticket = new_ticket(session, topic="bhzxtzz", guide="")
    assert ticket.state is S.DISPATCH and ticket.bureau is None and ticket.reply_due is None


@pytest.mark.parametrize("kind", list(REPLY_DUE))
def test_reply_deadline_by_type(session, routing_catalog, kind):
    assert new_ticket(session, type=kind).reply_due == REPLY_DUE[kind]


def test_a_topic_rule_wins_over_a_bureau_rule_which_wins_over_a_type_rule(session, routing_catalog, runner):
    for scope, key, days in (("type", "complaint", 7), ("bureau", "scjgj", 6), ("topic", "qykb", 4)):
        assert runner.invoke(args=["tickets", "rule", "--scope", scope, "--key", key, "--clock", "reply",
                                   "--days", str(days)]).exit_code == 0
    assert new_ticket(session).reply_due == D(2026, 12, 1)  # the topic's 4 working days
    assert new_ticket(session, topic="jzxk", guide="").reply_due == D(2026, 12, 4)  # no topic/bureau rule: type's 7


def test_sign_then_reply_then_good_rating_closes(session, routing_catalog):
    ticket = new_ticket(session)
    sign(session, ticket, staff_of(session))
    reply(session, ticket, staff_of(session), "经核查，已于今日办结营业执照，请到窗口领取。")
    rate(session, ticket, Score.SATISFIED, "满意")
    session.commit()
    assert ticket.state is S.CLOSED and not ticket.flagged
    assert [(e.from_state, e.to_state) for e in ticket.events][-3:] == [
        (S.ASSIGNED, S.ACCEPTED), (S.ACCEPTED, S.REPLIED), (S.REPLIED, S.CLOSED)]


def test_a_bad_rating_reopens_once_with_a_new_deadline_and_flags_the_supervisor(session, routing_catalog):
    ticket = new_ticket(session)
    sign(session, ticket, staff_of(session))
    reply(session, ticket, staff_of(session), "已转窗口处理，请耐心等待通知。")
    rate(session, ticket, Score.DISSATISFIED, "没有解决问题")
    session.commit()
    assert ticket.state is S.REOPENED and ticket.flagged and ticket.reopen_count == 1
    assert ticket.reply_due == D(2026, 12, 9)  # 10 working days again, from the rating
    reply(session, ticket, staff_of(session), "经重新核查，执照已办结并邮寄到贵公司。")
    rate(session, ticket, Score.VERY_DISSATISFIED, "仍不满意")
    session.commit()
    assert ticket.state is S.CLOSED  # reopened once only; the ledger keeps the flag
    assert ticket.flagged


def test_return_needs_a_reason_and_a_duty_and_only_before_signing(session, routing_catalog):
    ticket = new_ticket(session)
    with pytest.raises(DomainError, match="理由和所依据的职责"):
        return_to_dispatch(session, ticket, staff_of(session), "不归我们管", "")
    return_to_dispatch(session, ticket, staff_of(session), "属于住建领域", "三定方案未列此项职责")
    session.commit()
    assert ticket.state is S.DISPATCH and ticket.bureau is None
    assert "三定方案" in ticket.events[-1].internal_note and ticket.events[-1].public_text
    second = new_ticket(session)
    sign(session, second, staff_of(session))
    with pytest.raises(DomainError, match="不能退回分办"):
        return_to_dispatch(session, second, staff_of(session), "理由", "职责")


def test_transfer_is_approved_by_the_supervisor_and_restarts_the_clocks(session, routing_catalog):
    ticket = new_ticket(session)
    request_transfer(session, ticket, staff_of(session), bureau(session, "zjj"), "涉及施工许可")
    decide_transfer(session, ticket, SUPERVISOR, True, "同意")
    session.commit()
    assert ticket.state is S.ASSIGNED and ticket.bureau.code == "zjj" and ticket.pending_transfer_to is None
    with pytest.raises(DomainError, match="没有待审批的转办申请"):
        decide_transfer(session, ticket, SUPERVISOR, True, "")


def test_extension_only_before_the_deadline_and_the_business_is_told_why(session, routing_catalog):
    ticket = new_ticket(session)
    sign(session, ticket, staff_of(session))
    with pytest.raises(DomainError, match="已超过答复期限"):
        request_extension(session, ticket, staff_of(session), 5, "需要现场核查", ticket.reply_due + dt.timedelta(days=1))
    old_due = ticket.reply_due
    request_extension(session, ticket, staff_of(session), 5, "需要现场核查", FILED.date())
    decide_extension(session, ticket, SUPERVISOR, True, "涉及现场核查")
    session.commit()
    assert old_due == D(2026, 12, 9) and ticket.reply_due == D(2026, 12, 16)  # 5 more working days
    assert "涉及现场核查" in ticket.events[-1].public_text


def test_not_admissible_shows_the_reason(session, routing_catalog):
    ticket = new_ticket(session)
    reject(session, ticket, staff_of(session), "该事项已进入诉讼程序")
    session.commit()
    assert ticket.state is S.REJECTED and "诉讼" in ticket.events[-1].public_text
    with pytest.raises(DomainError):
        sign(session, ticket, staff_of(session))


def test_the_table_has_exactly_the_actions_of_the_lifecycle():
    assert sorted(TRANSITIONS) == ACTIONS


@pytest.mark.parametrize("action", ACTIONS)
def test_the_table_allows_each_action_from_exactly_its_states(action):
    for state in [None, *TicketState]:
        ticket = Ticket(state=state)
        if action in LIFECYCLE[state]:
            target = LIFECYCLE[state][action]
            event = move(ticket, action, SYSTEM)
            assert (event.from_state, ticket.state) == (state, state if target == SAME else target)
        else:
            with pytest.raises(DomainError, match="不能"):
                move(ticket, action, SYSTEM)
            assert ticket.state is state and ticket.events == []


def test_a_refused_transition_says_why_in_chinese(session, routing_catalog):
    ticket = new_ticket(session)
    with pytest.raises(DomainError, match="当前状态为“待签收”，不能答复"):
        reply(session, ticket, staff_of(session), "还没签收就答复是不允许的。")
    with pytest.raises(DomainError, match="不能评价"):
        rate(session, ticket, Score.SATISFIED, "")


def test_autoclose_closes_unrated_replies_after_the_configured_days_once(session, routing_catalog, runner):
    ticket = new_ticket(session)
    sign(session, ticket, staff_of(session))
    reply(session, ticket, staff_of(session), "已办结，请领取营业执照。")
    session.commit()
    assert autoclose(session, FILED.date()) == []
    later = D(2026, 12, 3)  # 6 working days after the reply: past the 5 it may wait for a rating
    assert [t.number for t in autoclose(session, later)] == [ticket.number]
    session.commit()
    assert ticket.state is S.CLOSED
    assert autoclose(session, later) == []
    result = runner.invoke(args=["tickets", "autoclose"])
    assert result.exit_code == 0 and "自动办结 0 件" in result.output


def test_numbers_are_unique_and_readable(session, routing_catalog):
    numbers = {new_ticket(session).number for _ in range(5)}
    assert len(numbers) == 5
    assert all(n.startswith("20261125-") for n in numbers)

