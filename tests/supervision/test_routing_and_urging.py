"""What the supervising office trips over when routing, deciding and urging: a returned ticket is not
sent straight back, the topic can be put right, a refused decision is shown on the page it came from,
and an urge is not repeated within a working day."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.security import generate_password_hash

from portal.accounts.models import Role
from portal.accounts.services import user_by_username
from portal.audit import AuditEntry
from portal.catalog import queries
from portal.catalog.content import import_content
from portal.clock import as_of, today
from portal.errors import Refused
from portal.extensions import db
from portal.mail import send_pending
from portal.supervision.models import Urge
from portal.supervision.services import urge
from portal.tickets import services
from portal.tickets.models import Ticket, TicketState, TicketType
from portal.tickets.services import CODE_HASH, TicketInput
from tests import factories as f
from tests.forms import post
from tests.staff import login, make_user

S = TicketState


@pytest.fixture
def office(session):
    import_content(session, f.lines(
        f.bureau(), f.bureau("gdgs", "国网会宁供电公司"), f.bureau("fgj", "县发改局", supervisor=True),
        f.topic(), f.topic("hddl", "获得电力", lead="gdgs"), f.topic("bhzxtzz", "保护中小投资者", lead=None),
        f.guide(promised_days=0)))
    session.commit()
    make_user(session, "wang", Role.STAFF, "scjgj", "王经办")
    make_user(session, "dbz", Role.SUPERVISOR, None, "督办员")


def file(session, topic="qykb", subject="厂房用电报装迟迟未接电") -> Ticket:
    data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, topic),
                       guide=queries.guide_by_slug(session, "gongzhang-kezhi"), subject=subject,
                       description="我公司新建厂房申请低压用电报装，一直未接电。", company_name="甲公司", credit_code="",
                       contact_name="王先生", phone="13800000000", email="", publish=False)
    ticket = services.file_ticket(session, data)[0]
    session.commit()
    return ticket


def wang(session):
    return user_by_username(session, "wang").as_actor()


def dbz(session):
    return user_by_username(session, "dbz").as_actor()


def client_of(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def card(page: str, number: str) -> str:
    return re.search(rf'<section class="card dispatch-card" id="ticket-{number}">(.*?)</section>', page, re.S).group(1)


def bureau_choice(form: str) -> str:
    return re.search(r'<select[^>]*name="bureau".*?</select>', form, re.S).group(0)


def returned(session) -> Ticket:
    ticket = file(session)
    services.return_to_dispatch(session, ticket, wang(session), "属供电企业职责。", "本局“三定”规定无用电报装职责")
    session.commit()
    return ticket


# 1. A returned ticket is not routed straight back to the bureau that refused it.

def test_a_returned_ticket_preselects_no_bureau_and_shows_the_return_beside_the_choice(app, session, office):
    ticket = returned(session)
    office_client = client_of(app, "dbz")
    form = card(office_client.get("/supervision/dispatch").get_data(as_text=True), ticket.number)
    assert " selected" not in bureau_choice(form)  # 请选择承办单位, not the bureau that returned it
    beside = text_of(form[form.index('name="bureau"'):form.index('name="topic"')])
    assert "县市场监管局 于" in beside and "属供电企业职责" in beside and "本局“三定”规定无用电报装职责" in beside
    assert "属供电企业职责；职责依据" in beside  # joined without “。；”
    page = office_client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    route_form = re.search(r'<form[^>]*id="form-route".*?</form>', page, re.S).group(0)
    assert " selected" not in bureau_choice(route_form) and "属供电企业职责" in route_form


def test_a_ticket_no_bureau_returned_starts_at_nothing_or_its_topics_lead(app, session, office, runner):
    unled = file(session, topic="bhzxtzz", subject="小股东查阅账簿被拒")  # no lead: nothing to preselect
    page = client_of(app, "dbz").get("/supervision/dispatch").get_data(as_text=True)
    assert " selected" not in bureau_choice(card(page, unled.number))


def test_routing_back_to_the_bureau_that_returned_it_asks_for_confirmation(app, session, office):
    ticket = returned(session)
    office_client = client_of(app, "dbz")
    url = f"/supervision/tickets/{ticket.number}/route"
    again = post(office_client, url, {"bureau": "scjgj", "reason": "请再核实", "next": "/supervision/dispatch"},
                 page="/supervision/dispatch")
    assert again.status_code == 400
    page = again.get_data(as_text=True)
    form = card(page, ticket.number)
    assert "县市场监管局已于" in form and "退回" in form and 'name="confirm"' in form
    assert 'value="scjgj" selected' in form and "请再核实" in form  # the choice and the opinion are kept
    session.expire_all()
    assert session.get(Ticket, ticket.id).state is S.DISPATCH
    confirmed = post(office_client, url, {"bureau": "scjgj", "reason": "请再核实", "confirm": "1",
                                          "next": "/supervision/dispatch"}, page="/supervision/dispatch")
    assert confirmed.status_code == 303
    session.expire_all()
    ticket = session.get(Ticket, ticket.id)
    assert ticket.state is S.ASSIGNED and ticket.bureau.code == "scjgj"


# 2. The topic can be corrected, and the correction is an event the business sees.

def test_the_supervisor_corrects_the_topic_when_routing(app, session, office, runner):
    assert runner.invoke(args=["tickets", "rule", "--scope", "topic", "--key", "hddl", "--clock", "reply",
                               "--days", "4"]).exit_code == 0
    with as_of(dt.datetime(2026, 11, 23, 9, 0)):  # a Monday
        ticket = returned(session)
        office_client = client_of(app, "dbz")
        done = post(office_client, f"/supervision/tickets/{ticket.number}/route",
                    {"bureau": "gdgs", "topic": "hddl", "reason": "属用电报装", "next": "/supervision/dispatch"},
                    page="/supervision/dispatch")
    assert done.status_code == 303
    session.expire_all()
    ticket = session.get(Ticket, ticket.id)
    assert ticket.topic.code == "hddl" and ticket.bureau.code == "gdgs"
    assert ticket.reply_due == dt.date(2026, 11, 27)  # the new topic's 4 working days
    event = next(e for e in ticket.events if e.action == "retopic")
    assert event.public_text == "领域由“企业开办”更正为“获得电力”。"
    assert event.actor_kind == "supervisor"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket_retopic")).one()
    assert entry.target == ticket.number and entry.username == "dbz"

    staff_page = text_of(office_client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True))
    assert "更正领域" in staff_page and "获得电力" in staff_page


def test_the_business_sees_the_corrected_topic_and_the_step_without_staff_names(app, session, office):
    ticket = file(session)
    services.return_to_dispatch(session, ticket, wang(session), "属供电企业职责", "三定规定")
    session.commit()
    code_client = app.test_client()
    ticket.code_hash = generate_password_hash("ABCDEFGHJKLM", method=CODE_HASH)  # a code this test knows
    session.commit()
    post(client_of(app, "dbz"), f"/supervision/tickets/{ticket.number}/route",
         {"bureau": "gdgs", "topic": "hddl", "next": "/supervision/dispatch"}, page="/supervision/dispatch")
    view = code_client.get(f"/api/v1/tickets/{ticket.number}?code=ABCDEFGHJKLM").get_json()
    assert view["topic"] == "hddl" and view["topic_name"] == "获得电力"
    step = next(e for e in view["events"] if e["action"] == "retopic")
    assert step["by"] == "县营商环境办" and step["label"] == "更正领域"
    assert "督办员" not in str(view) and "dbz" not in str(view)


def test_the_holder_bureau_corrects_the_topic_when_it_asks_for_a_transfer(app, session, office):
    ticket = file(session)
    staff = client_of(app, "wang")
    page = staff.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    assert 'id="transfer-topic"' in page
    unknown = post(staff, f"/staff/tickets/{ticket.number}/transfer",
                   {"bureau": "gdgs", "topic": "nosuch", "reason": "属用电报装"}, page=f"/staff/tickets/{ticket.number}")
    assert unknown.status_code == 400 and "领域不存在" in unknown.get_data(as_text=True)
    done = post(staff, f"/staff/tickets/{ticket.number}/transfer",
                {"bureau": "gdgs", "topic": "hddl", "reason": "属用电报装"}, page=f"/staff/tickets/{ticket.number}")
    assert done.status_code == 303
    session.expire_all()
    ticket = session.get(Ticket, ticket.id)
    assert ticket.topic.code == "hddl" and ticket.transfer_requested
    event = next(e for e in ticket.events if e.action == "retopic")
    assert event.public_text == "领域由“企业开办”更正为“获得电力”。" and event.bureau.code == "scjgj"
    # Asking again with the topic as it now is records nothing new.
    services.decide_transfer(session, ticket, dbz(session), False, "仍由本局办理")
    services.correct_topic(session, ticket, wang(session), queries.topic_by_code(session, "hddl"))
    session.commit()
    assert [e.action for e in ticket.events].count("retopic") == 1


# 3. A refused decision is shown on the page it was made on, next to its field.

def test_an_approval_without_an_opinion_is_shown_inline_on_the_approvals_page(app, session, office):
    ticket = file(session)
    services.sign(session, ticket, wang(session))
    services.request_extension(session, ticket, wang(session), 5, "需现场核查", today())
    session.commit()
    office_client = client_of(app, "dbz")
    refused = post(office_client, f"/supervision/tickets/{ticket.number}/extension",
                   {"decision": "approve", "reason": "", "next": "/supervision/approvals"}, page="/supervision/approvals")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "转办、延期待审批" in page and 'class="staff-bar"' in page  # the approvals page, in the workspace
    assert page.count("同意延期须写明告知企业的原因") == 1
    field = re.search(rf'<textarea id="ex-{ticket.number}-extension-reason"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and f'aria-describedby="ex-{ticket.number}-extension-reason-error"' in field
    assert f'id="ex-{ticket.number}-extension-reason-error"' in page
    undecided = post(office_client, f"/supervision/tickets/{ticket.number}/extension",
                     {"reason": "需协调检测机构", "next": "/supervision/approvals"}, page="/supervision/approvals")
    assert undecided.status_code == 400 and "需协调检测机构</textarea>" in undecided.get_data(as_text=True)


def test_a_refused_transfer_decision_on_the_ticket_page_stays_on_the_ticket_page(app, session, office):
    ticket = file(session)
    services.request_transfer(session, ticket, wang(session), None, "属用电报装")
    session.commit()
    office_client = client_of(app, "dbz")
    here = f"/staff/tickets/{ticket.number}"
    refused = post(office_client, f"/supervision/tickets/{ticket.number}/transfer",
                   {"decision": "approve", "reason": "同意", "next": here}, page=here)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "诉求人信息" in page and page.count("请选择转办的承办单位") == 1
    assert 'id="decide-transfer-bureau-error"' in page


# 4. The same urge is not repeated within a working day.

def test_the_same_urge_twice_within_a_working_day_is_refused_and_mailed_once(app, session, office, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        user_by_username(session, "wang").email = "wang@scjgj.example"
        session.commit()
        with as_of(dt.datetime(2026, 11, 27, 10, 0)):  # a Friday
            ticket = file(session)
            office_client = client_of(app, "dbz")
            url, here = f"/supervision/tickets/{ticket.number}/urge", f"/staff/tickets/{ticket.number}"
            assert post(office_client, url, {"body": "请今日签收", "next": here}, page=here).status_code == 303
            again = post(office_client, url, {"body": "请今日签收", "next": here}, page=here)
            assert again.status_code == 303
            told = text_of(office_client.get(again.headers["Location"]).get_data(as_text=True))
            assert "对该工单催办（督办员），同一工作日内不重复催办" in told
            assert "本工作日已催办" in told and 'id="urge-body"' not in office_client.get(here).get_data(as_text=True)
        with as_of(dt.datetime(2026, 11, 28, 10, 0)):  # Saturday: no working day has begun since
            refused = post(office_client, url, {"body": "请尽快签收", "next": here}, page=here)
            assert refused.status_code == 303
        assert len(session.scalars(select(Urge)).all()) == 1
        inbox.wait_for(1)
        assert send_pending(db.session) == (0, 0) and len(inbox.messages) == 1
        with as_of(dt.datetime(2026, 11, 30, 9, 0)):  # Monday: a new working day; the deadline (Mon) runs
            assert post(office_client, url, {"body": "请今日签收", "next": here}, page=here).status_code == 303
        assert [u.kind.label for u in session.scalars(select(Urge).order_by(Urge.id))] == ["催办", "催办"]
        inbox.wait_for(2)
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)


def test_an_urge_made_twice_at_once_is_recorded_once(app, session, office):
    ticket = file(session)
    first = session()
    with app.app_context():  # a second worker read the same ticket before the first urge landed
        second = db.session()
        other = second.get(Ticket, ticket.id)
        urge(first, ticket, dbz(first), "请今日签收", today())
        first.commit()
        with pytest.raises((Refused, StaleDataError)):
            urge(second, other, dbz(second), "请今日签收", today())
            second.commit()
        second.rollback()
    assert len(session.scalars(select(Urge)).all()) == 1


# 5. A guide done on the spot is not "承诺 0 个工作日".

def test_the_ticket_page_says_a_guide_is_done_on_the_spot(app, session, office):
    ticket = file(session)
    page = text_of(client_of(app, "wang").get(f"/staff/tickets/{ticket.number}").get_data(as_text=True))
    assert "公章刻制备案 （县市场监管局，当场办结）" in page
    assert "承诺 0 个工作日" not in page


def test_the_ledger_offers_no_second_urge_within_the_working_day(app, session, office):
    with as_of(dt.datetime(2026, 11, 25, 9, 0)):
        ticket = file(session)
        ticket.sign_due = dt.date(2026, 11, 20)  # overdue: the urge is a 督办
        session.commit()
        office_client = client_of(app, "dbz")
        before = office_client.get("/supervision/ledger").get_data(as_text=True)
        assert f'id="urge-{ticket.number}"' in before
        assert post(office_client, f"/supervision/tickets/{ticket.number}/urge",
                    {"body": "已逾期，限期签收", "next": "/supervision/ledger"}, page="/supervision/ledger").status_code == 303
        after = office_client.get("/supervision/ledger").get_data(as_text=True)
        assert f'id="urge-{ticket.number}"' not in after and "本工作日已督办（2026年11月25日 09:00）" in after
        assert "2026年11月20日" in text_of(after) and "2026年11月25日 督办" in text_of(after)
    with as_of(dt.datetime(2026, 11, 26, 9, 0)):
        assert f'id="urge-{ticket.number}"' in office_client.get("/supervision/ledger").get_data(as_text=True)
