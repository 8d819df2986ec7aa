"""The supervising office's callback (回访, issue 14): recorded on a replied or closed ticket, tried again
until it reaches the business and then final; `unresolved` or a bad satisfaction reopens the ticket
once; the list of tickets to call, with the day's sample. Dates by hand from the 2026 calendar: Wed 25,
Thu 26, Fri 27, Mon 30 November, Tue 1 December … are working days; Mon 16 November is 7 working days
before the 25th."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.actors import Actor
from portal.catalog import queries
from portal.catalog.content import import_content
from portal.clock import as_of
from portal.supervision.callbacks import Callback
from portal.tickets import services
from portal.tickets.models import Score, Ticket, TicketState, TicketType
from portal.tickets.services import TicketInput
from tests import factories as f
from tests.forms import post
from tests.staff import login, make_user

S = TicketState


def at(day: str, hour: int = 10):
    return as_of(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00"))


@pytest.fixture
def office(session):
    import_content(session, f.lines(f.bureau(), f.bureau("fgj", "县发改局", supervisor=True), f.topic()))
    session.commit()
    make_user(session, "wang", Role.STAFF, "scjgj", "王经办")
    make_user(session, "dbz", Role.SUPERVISOR, None, "督办员")
    return Actor("staff", "王经办", queries.bureau_by_code(session, "scjgj"))


def replied(session, staff: Actor, subject: str = "营业执照办理超时", email: str = "boss@shangmao.example") -> Ticket:
    data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, "qykb"), guide=None,
                       subject=subject, description="我公司申请营业执照至今未办结。", company_name="甲公司",
                       credit_code="", contact_name="王先生", phone="13800000000", email=email, publish=False)
    ticket = services.file_ticket(session, data)[0]
    services.sign(session, ticket, staff)
    services.reply(session, ticket, staff, "经核查，营业执照已办结，请领取。")
    session.commit()
    return ticket


def supervisor(app):
    client = app.test_client()
    login(client, "dbz")
    return client


def call(client, ticket: Ticket, **fields):
    return post(client, f"/supervision/tickets/{ticket.number}/callback", fields, page=f"/staff/tickets/{ticket.number}")


def fresh(session, ticket: Ticket) -> Ticket:
    session.expire_all()
    return session.get(Ticket, ticket.id)


def test_an_unresolved_callback_reopens_the_ticket_with_a_new_deadline_and_tells_the_business(
        app, session, office, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        ticket = replied(session, office)
        client = supervisor(app)
        with at("2026-11-27"):
            done = call(client, ticket, reached="yes", resolved="unresolved", satisfaction="basic", note="仍未拿到执照")
            assert done.status_code == 303
        ticket = fresh(session, ticket)
        assert (ticket.state, ticket.reopen_count, ticket.flagged) == (S.REOPENED, 1, True)
        assert ticket.reply_due == dt.date(2026, 12, 11)  # 10 working days from Friday 27 November
        assert ticket.events[-2].action == "callback" and ticket.events[-2].public_text == "县营商环境办已回访。"
        assert ticket.events[-1].public_text == (
            "经县营商环境办回访，企业反映问题未解决，已交县市场监管局重新办理，答复期限 2026年12月11日。")
        [record] = session.scalars(select(Callback)).all()
        assert (record.reached, record.resolved.value, record.satisfaction.value, record.bureau.code) == (
            True, "unresolved", "basic", "scjgj")
        inbox.wait_for(1)  # the request sends the mail it queued: the reopening
        [message] = inbox.messages
        told = message.get_content()
        assert message["To"] == "boss@shangmao.example"
        assert "县营商环境办回访时，您反映问题未解决，诉求已交县市场监管局重新办理" in told and "2026年12月11日" in told
        page = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
        assert "已接通，未解决，基本满意：仍未拿到执照" in page and 'id="form-callback"' not in page
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)


def test_a_callback_not_reached_is_tried_again_and_one_reached_is_final(app, session, office):
    ticket = replied(session, office)
    client = supervisor(app)
    with at("2026-11-26"):
        assert call(client, ticket, reached="no", note="无人接听").status_code == 303
    with at("2026-11-27"):
        assert call(client, ticket, reached="no", resolved="resolved", satisfaction="satisfied").status_code == 303
        page = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
        assert 'id="form-callback"' in page and page.count("未接通") >= 2
        assert call(client, ticket, reached="yes", resolved="resolved", satisfaction="satisfied").status_code == 303
    again = call(client, ticket, reached="yes", resolved="unresolved", satisfaction="very_dissatisfied")
    assert again.status_code == 303 and again.headers["Location"] == f"/staff/tickets/{ticket.number}"  # 409: back, told
    assert "该工单已于 2026年11月27日 10:00 回访（已接通，已解决，满意，督办员），回访结果不再更改" in client.get(
        again.headers["Location"]).get_data(as_text=True)
    calls = session.scalars(select(Callback).order_by(Callback.id)).all()
    assert [(c.reached, c.resolved and c.resolved.value, c.satisfaction and c.satisfaction.value) for c in calls] == [
        (False, None, None), (False, None, None), (True, "resolved", "satisfied")]  # nothing asked when not reached
    assert fresh(session, ticket).state is S.REPLIED  # resolved and satisfied: the reply stands


@pytest.mark.parametrize("fields, field, message", [
    ({}, "reached", "请选择是否联系上企业"),
    ({"reached": "maybe"}, "reached", "请选择是否联系上企业"),
    ({"reached": "yes", "satisfaction": "satisfied"}, "resolved", "已接通的回访须选择问题是否解决和企业的满意程度"),
    ({"reached": "yes", "resolved": "partly", "satisfaction": "happy"}, "satisfaction",
     "已接通的回访须选择问题是否解决和企业的满意程度"),
    ({"reached": "no", "note": "x" * 2001}, "note", "回访记录最多 2000 字"),
])
def test_a_callback_without_what_it_needs_is_a_400_beside_its_field_and_stores_nothing(
        app, session, office, fields, field, message):
    ticket = replied(session, office)
    response = call(supervisor(app), ticket, **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(rf'id="callback-{field}-error" role="alert">{message}', page), page[-3000:]
    assert session.scalars(select(Callback)).all() == [] and fresh(session, ticket).state is S.REPLIED


def test_a_ticket_reopened_once_is_not_reopened_again_and_a_closed_one_is(app, session, office):
    client = supervisor(app)
    redone = replied(session, office, "已重办过")
    services.rate(session, redone, Score.DISSATISFIED, "")  # reopened by the bad rating
    services.reply(session, redone, office, "重新办理：营业执照已补发，请领取。")
    session.commit()
    assert call(client, redone, reached="yes", resolved="unresolved", satisfaction="dissatisfied").status_code == 303
    redone = fresh(session, redone)
    assert (redone.state, redone.reopen_count, redone.flagged) == (S.REPLIED, 1, True)

    closed = replied(session, office, "已办结")
    services.rate(session, closed, Score.SATISFIED, "")
    session.commit()
    assert fresh(session, closed).state is S.CLOSED
    assert call(client, closed, reached="yes", resolved="resolved", satisfaction="very_dissatisfied").status_code == 303
    closed = fresh(session, closed)
    assert (closed.state, closed.reopen_count, closed.closed_at) == (S.REOPENED, 1, None)
    assert closed.events[-1].public_text.startswith("经县营商环境办回访，企业反映对办理结果非常不满意，已交县市场监管局重新办理")


def test_only_the_supervising_office_calls_back_and_only_after_a_reply(app, session, office):
    ticket = replied(session, office)
    staff = app.test_client()
    login(staff, "wang")
    assert post(staff, f"/supervision/tickets/{ticket.number}/callback", {"reached": "no"},
                page="/account/password").status_code == 403
    data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, "qykb"), guide=None,
                       subject="还在办理", description="尚未答复。", company_name="", credit_code="",
                       contact_name="李女士", phone="13900000000", email="", publish=False)
    open_ticket = services.file_ticket(session, data)[0]
    session.commit()
    client = supervisor(app)
    response = call(client, open_ticket, reached="no")
    assert response.status_code == 303  # 409: back to the ticket's page with the reason
    assert "工单当前状态为“待签收”，不能回访" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert session.scalars(select(Callback)).all() == []


@pytest.fixture
def twelve_replied_today(session, office):
    """Twelve tickets replied today (20261125-0001 … -0012), one replied on Monday 16 November (outside
    the last 5 working days) and one not replied yet."""
    with at("2026-11-16"):
        old = replied(session, office, "上周答复的")
    tickets = [replied(session, office, f"第{i}件") for i in range(1, 13)]
    data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, "qykb"), guide=None,
                       subject="尚未答复", description="尚未答复。", company_name="", credit_code="",
                       contact_name="李女士", phone="13900000000", email="", publish=False)
    services.file_ticket(session, data)
    session.commit()
    assert [t.number for t in tickets] == [f"20261125-{i:04d}" for i in range(1, 13)]
    return old, tickets


def listed(client, url: str = "/supervision/callbacks") -> list[str]:
    return re.findall(r'<tr data-number="([^"]+)">', client.get(url).get_data(as_text=True))


def numbers(*indexes: int) -> list[str]:
    return [f"20261125-{i:04d}" for i in indexes]


def test_the_list_offers_the_days_sample_with_the_phone_to_call(app, session, twelve_replied_today):
    old, _ = twelve_replied_today
    client = supervisor(app)
    page = client.get("/supervision/callbacks").get_data(as_text=True)
    assert "共 12 件" in page and '<a href="tel:13800000000">13800000000</a>' in page and "王先生" in page
    # SHA-256 of "2026-11-25:<number>" (sha256sum), largest two: -0007 (f59d0d…), -0008 (ca9d93…)
    assert listed(client) == numbers(1, 2, 3, 4, 5, 6, 9, 10, 11, 12)
    assert listed(client) == listed(client)  # the same all day
    with at("2026-11-26"):  # another day, another sample: largest on the 26th are -0004 (fa9086…), -0010 (f71536…)
        assert listed(client) == numbers(1, 2, 3, 5, 6, 7, 8, 9, 11, 12)
    assert listed(client, "/supervision/callbacks?all=1") == numbers(*range(1, 13))
    assert listed(client, "/supervision/callbacks?all=1&days=10") == [old.number, *numbers(*range(1, 13))]


def test_a_call_not_reached_stays_on_the_list_and_a_reached_one_leaves_it(app, session, twelve_replied_today):
    _, tickets = twelve_replied_today
    client = supervisor(app)
    assert call(client, tickets[6], reached="no", note="占线").status_code == 303  # -0007, outside today's sample
    assert call(client, tickets[1], reached="yes", resolved="resolved", satisfaction="satisfied").status_code == 303
    # -0007 tried: always offered; of the ten others left, none is sampled out
    assert listed(client) == numbers(1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
    page = client.get("/supervision/callbacks").get_data(as_text=True)
    assert "2026年11月25日 10:00 未接通" in page
    assert "20261125-0002" not in client.get("/supervision/callbacks?all=1").get_data(as_text=True)
