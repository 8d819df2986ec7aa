"""The supervising office's pages and actions, its exports, the reminder job, and who may use them."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.accounts.models import Role
from portal.catalog import queries
from portal.catalog.content import import_content
from portal.clock import as_of, today
from portal.supervision.models import Reminder, Urge
from portal.supervision.services import remind
from portal.tickets import services
from portal.tickets.models import Ticket, TicketState, TicketType
from portal.actors import Actor
from portal.tickets.services import TicketInput
from tests import factories as f
from tests.forms import post
from tests.staff import login, make_user

S = TicketState


@pytest.fixture
def office(session):
    import_content(session, f.lines(
        f.bureau(), f.bureau("zjj", "县住建局"), f.bureau("fgj", "县发改局", supervisor=True),
        f.topic(), f.topic("bhzxtzz", "保护中小投资者", lead=None)))
    session.commit()
    make_user(session, "wang", Role.STAFF, "scjgj", "王经办")
    make_user(session, "dbz", Role.SUPERVISOR, None, "督办员")
    make_user(session, "root", Role.ADMIN, None, "管理员")


def file(session, topic="qykb", subject="营业执照办理超时", email="") -> Ticket:
    data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, topic), guide=None,
                       subject=subject, description="我公司申请营业执照至今未办结。", company_name="甲公司",
                       credit_code="", contact_name="王先生", phone="13800000000", email=email, publish=False)
    ticket = services.file_ticket(session, data)[0]
    session.commit()
    return ticket


def wang(session) -> Actor:
    from portal.accounts.services import user_by_username

    user = user_by_username(session, "wang")
    return Actor("staff", user.display_name, user.bureau, user.id)


def supervisor(app):
    client = app.test_client()
    login(client, "dbz")
    return client


SUPERVISION_PAGES = ["/supervision/", "/supervision/dispatch", "/supervision/approvals", "/supervision/ledger",
                     "/supervision/ledger?format=xlsx", "/supervision/ledger?format=csv", "/supervision/scoreboard",
                     "/supervision/scoreboard?format=xlsx", "/supervision/scoreboard?format=csv"]


def test_only_the_supervisor_reaches_supervision(app, session, office):
    ticket = file(session)
    anonymous = app.test_client()
    for url in SUPERVISION_PAGES:
        assert anonymous.get(url).status_code == 302, url
    for username in ("wang", "root"):
        client = app.test_client()
        login(client, username)
        for url in SUPERVISION_PAGES:
            assert client.get(url).status_code == 403, (username, url)
        assert post(client, f"/supervision/tickets/{ticket.number}/urge", {"body": "快办"},
                    page="/account/password").status_code == 403
    office_client = supervisor(app)
    for url in SUPERVISION_PAGES:
        assert office_client.get(url).status_code == 200, url
    assert login(app.test_client(), "dbz").headers["Location"] == "/supervision/"


def test_the_public_performance_page_shows_figures_and_no_personal_data(app, session, office):
    ticket = file(session)
    services.sign(session, ticket, wang(session))
    services.reply(session, ticket, wang(session), "已办结，请领取营业执照。谢谢。")
    session.commit()
    page = app.test_client().get("/performance").get_data(as_text=True)
    assert "县市场监管局" in page and "100.0%" in page
    for private in ("13800000000", "王先生", "甲公司", "营业执照办理超时", "王经办"):
        assert private not in page
    assert app.test_client().get("/performance?year=abc").status_code == 200


def test_the_dispatch_queue_routes_a_returned_ticket_with_its_reason(app, session, office):
    ticket = file(session)
    services.return_to_dispatch(session, ticket, wang(session), "属住建领域", "三定方案无此职责")
    session.commit()
    client = supervisor(app)
    page = client.get("/supervision/dispatch").get_data(as_text=True)
    assert ticket.number in page and "属住建领域" in page and "三定方案无此职责" in page
    missing = post(client, f"/supervision/tickets/{ticket.number}/route", {"bureau": ""}, page="/supervision/dispatch")
    assert missing.status_code == 400 and "请选择承办单位" in missing.get_data(as_text=True)
    done = post(client, f"/supervision/tickets/{ticket.number}/route", {"bureau": "zjj", "reason": "请住建局办理",
                                                                      "next": "/supervision/dispatch"},
                page="/supervision/dispatch")
    assert done.status_code == 303 and done.headers["Location"] == "/supervision/dispatch"
    session.expire_all()
    ticket = session.get(Ticket, ticket.id)
    assert ticket.state is S.ASSIGNED and ticket.bureau.code == "zjj" and ticket.sign_due is not None
    assert f'id="ticket-{ticket.number}"' not in client.get("/supervision/dispatch").get_data(as_text=True)


def test_approving_an_extension_tells_the_business_the_new_date_and_why(app, session, office):
    ticket = file(session)
    services.sign(session, ticket, wang(session))
    services.request_extension(session, ticket, wang(session), 5, "需现场核查", today())
    session.commit()
    old_due = ticket.reply_due
    client = supervisor(app)
    assert ticket.number in client.get("/supervision/approvals").get_data(as_text=True)
    url = f"/supervision/tickets/{ticket.number}/extension"
    no_reason = post(client, url, {"decision": "approve"}, page="/supervision/approvals")
    assert no_reason.status_code == 400 and "须写明告知企业的原因" in no_reason.get_data(as_text=True)
    undecided = post(client, url, {"reason": "x"}, page="/supervision/approvals")
    assert undecided.status_code == 400 and "请选择同意或不同意" in undecided.get_data(as_text=True)
    assert post(client, url, {"decision": "approve", "reason": "需协调检测机构"}, page="/supervision/approvals").status_code == 303
    session.expire_all()
    ticket = session.get(Ticket, ticket.id)
    due = ticket.reply_due
    assert due > old_due and ticket.pending_extension_days is None
    assert "需协调检测机构" in ticket.events[-1].public_text and f"{due.year}年{due.month}月{due.day}日" in ticket.events[-1].public_text
    again = post(client, url, {"decision": "approve", "reason": "再批"}, page="/supervision/approvals")
    assert again.status_code == 303  # refused as a state conflict: back to the page with the message
    assert "没有待审批的延期申请" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_approving_a_transfer_moves_the_ticket_and_refusing_keeps_it(app, session, office):
    first, second = file(session), file(session, subject="第二件")
    for ticket in (first, second):
        services.request_transfer(session, ticket, wang(session), None, "属住建职责")
    session.commit()
    client = supervisor(app)
    silent = post(client, f"/supervision/tickets/{first.number}/transfer", {"decision": "approve", "bureau": "zjj"},
                  page="/supervision/approvals")
    assert silent.status_code == 400 and "须写明意见" in silent.get_data(as_text=True)
    assert post(client, f"/supervision/tickets/{first.number}/transfer",
                {"decision": "approve", "bureau": "zjj", "reason": "属住建职责"}, page="/supervision/approvals").status_code == 303
    assert post(client, f"/supervision/tickets/{second.number}/transfer", {"decision": "refuse", "reason": "属本局"},
                page="/supervision/approvals").status_code == 303
    session.expire_all()
    assert session.get(Ticket, first.id).bureau.code == "zjj"
    kept = session.get(Ticket, second.id)
    assert kept.bureau.code == "scjgj" and not kept.transfer_requested


def test_urging_flags_the_ticket_counts_it_and_mails_the_bureau(app, session, office, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        from portal.accounts.services import user_by_username

        user_by_username(session, "wang").email = "wang@scjgj.example"
        session.commit()
        ticket = file(session)
        client = supervisor(app)
        url = f"/supervision/tickets/{ticket.number}/urge"
        empty = post(client, url, {"body": " "}, page="/supervision/")
        assert empty.status_code == 400 and "催办须写明要求" in empty.get_data(as_text=True)
        assert post(client, url, {"body": "请今日签收"}, page="/supervision/").status_code == 303
        inbox.wait_for(1)
        assert inbox.messages[0]["To"] == "wang@scjgj.example" and "催办" in inbox.messages[0]["Subject"]
        assert "请今日签收" in inbox.messages[0].get_content()
        session.expire_all()
        ticket = session.get(Ticket, ticket.id)
        ticket.sign_due = dt.date(2020, 1, 2)  # now past its deadline: the next urge is 督办
        session.commit()
        assert post(client, url, {"body": "已逾期，限期办理"}, page="/supervision/").status_code == 303
        kinds = [u.kind.label for u in session.scalars(select(Urge).order_by(Urge.id))]
        assert kinds == ["催办", "督办"]
        session.expire_all()
        assert session.get(Ticket, ticket.id).urge_count == 2

        bureau = app.test_client()
        login(bureau, "wang")
        assert "已催办督办 2 次" in bureau.get("/staff/").get_data(as_text=True)
        page = bureau.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
        assert 'id="urge-flag"' in page and "已逾期，限期办理" in page
        public = app.test_client().get(f"/api/v1/tickets/{ticket.number}?code=wrong")
        assert public.status_code == 404
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)


def table_rows(page: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return rows


def test_the_ledger_exports_are_the_rows_of_the_page(app, session, office):
    late = file(session, subject="逾期未签收")
    late.sign_due = dt.date(2020, 1, 2)
    bad = file(session, subject="=1+1 差评工单")  # a formula-like subject stays text
    services.sign(session, bad, wang(session))
    services.reply(session, bad, wang(session), "已办结，请领取营业执照。谢谢。")
    from portal.tickets.models import Score

    services.rate(session, bad, Score.VERY_DISSATISFIED, "")
    file(session, subject="正常工单")
    session.commit()
    client = supervisor(app)
    page = client.get("/supervision/ledger").get_data(as_text=True)
    shown = [row[:14] for row in table_rows(page, "ledger")]  # the last column holds the urge form
    assert {row[1] for row in shown} == {"逾期未签收", "=1+1 差评工单"}

    sheet = load_workbook(io.BytesIO(client.get("/supervision/ledger?format=xlsx").data)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # no formula, only text
    values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ["流水号", "标题", "类型"]
    assert values[1:] == shown
    text = client.get("/supervision/ledger?format=csv").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert [[cell.removeprefix("'") for cell in line] for line in lines[1:]] == shown
    assert any(cell == "'=1+1 差评工单" for line in lines for cell in line)  # defused for spreadsheets
    only_bad = client.get("/supervision/ledger?problem=bad_rating").get_data(as_text=True)
    assert [row[1] for row in table_rows(only_bad, "ledger")] == ["=1+1 差评工单"]


def test_the_scoreboard_exports_match_the_page(app, session, office):
    ticket = file(session)
    services.sign(session, ticket, wang(session))
    session.commit()
    client = supervisor(app)
    page = client.get("/supervision/scoreboard").get_data(as_text=True)
    shown = table_rows(page, "scoreboard")
    assert shown[0][0] == "县市场监管局" and shown[0][1] == "1" and shown[0][2] == "100.0%"
    assert page.count('<figure class="chart"') == 11 and '<rect class="bar"' in page
    sheet = load_workbook(io.BytesIO(client.get("/supervision/scoreboard?format=xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("县市场监管局", 1, 100)
    assert client.get("/supervision/scoreboard?from=2099-01-01&to=bad").status_code == 200


def test_remind_mails_each_bureau_once_a_day(app, session, office, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        from portal.accounts.services import user_by_username
        from portal.mail import send_pending

        user_by_username(session, "wang").email = "wang@scjgj.example"
        overdue, due_soon, later = file(session, subject="已逾期"), file(session, subject="明日到期"), file(session)
        day = dt.date(2026, 11, 25)  # a Wednesday
        overdue.sign_due, due_soon.sign_due, later.sign_due = dt.date(2026, 11, 20), dt.date(2026, 11, 26), dt.date(2026, 12, 9)
        session.commit()
        assert remind(session, day) == {"bureaus": 1, "tickets": 2, "without_address": []}
        session.commit()
        send_pending(session)
        inbox.wait_for(1)
        body = inbox.messages[0].get_content()
        assert "已逾期" in body and "明日到期" in body and later.number not in body
        assert remind(session, day) == {"bureaus": 0, "tickets": 0, "without_address": []}
        session.commit()
        assert send_pending(session) == (0, 0)
        assert len(inbox.messages) == 1
        assert len(session.scalars(select(Reminder)).all()) == 2
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)


def test_the_remind_command_rests_on_days_off_and_mails_once_a_day(app, runner, session, office, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        with as_of(dt.datetime(2026, 11, 23, 9, 0)):
            ticket = file(session, subject="周一提交的投诉")  # sign due 11-24
        with as_of(dt.datetime(2026, 10, 3, 9, 0)):  # 国庆
            holiday = runner.invoke(args=["tickets", "remind"])
        assert holiday.exit_code == 0 and "不是工作日" in holiday.output
        with as_of(dt.datetime(2026, 11, 25, 9, 0)):
            unaddressed = runner.invoke(args=["tickets", "remind"])
            assert "没有登记邮箱" in unaddressed.output and "县市场监管局" in unaddressed.output
            assert runner.invoke(args=["users", "email", "wang", "wang@scjgj.example"]).exit_code == 0
            first = runner.invoke(args=["tickets", "remind"])
            second = runner.invoke(args=["tickets", "remind"])
        assert "提醒 1 个部门、1 件工单；发出邮件 1 封" in first.output, first.output
        assert "提醒 0 个部门、0 件工单；发出邮件 0 封" in second.output, second.output
        inbox.wait_for(1)
        assert len(inbox.messages) == 1 and ticket.number in inbox.messages[0].get_content()
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)
