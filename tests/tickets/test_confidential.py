"""保密件 (issue 13): a confidential ticket's personal data — the contact's name, phone and e-mail, the
company's name and credit code — appears nowhere its holding bureau can reach (every staff page, the
staff JSON, the attachments, the ledger's exports, the bureau's mail) and everywhere the supervising
office can; the business's own view is unchanged, and the bureau still replies."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.accounts.services import user_by_username
from portal.clock import as_of
from portal.mail import send_pending
from portal.supervision.services import remind, urge
from portal.tickets.models import Ticket
from portal.tickets.viewers import Viewer, party, shows_identity, sight
from tests.clock import NOW
from tests.forms import post
from tests.staff import login, make_user
from tests.tickets.conftest import PNG, VALID_USCC, confirmation, form_tokens, form_data

PERSONAL = ("机密商贸有限公司", VALID_USCC, "赵保密", "13912345678", "secret@example.com", "营业执照副本.png")


@pytest.fixture
def confidential(app, session, routing_catalog):
    """A confidential complaint filed on the web a week ago (its sign deadline passed), with an
    attachment; the bureau's account wang (with a mail address) and the office's dbz."""
    make_user(session, "wang", Role.STAFF, "scjgj", "王经办")
    make_user(session, "dbz", Role.SUPERVISOR, None, "督办员")
    user_by_username(session, "wang").email = "wang@scjgj.example"
    session.commit()
    client = app.test_client()
    data = form_data(company_name=PERSONAL[0], contact_name=PERSONAL[2], phone=PERSONAL[3], email=PERSONAL[4],
                     confidential="true", subject="检查人员暗示购买指定产品")
    data.update(form_tokens(client))
    data["attachments"] = [(io.BytesIO(PNG), PERSONAL[5])]
    with as_of(NOW - dt.timedelta(days=7)):
        number, code = confirmation(client, client.post("/tickets/new", data=data, content_type="multipart/form-data"))
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.confidential and ticket.bureau.code == "scjgj"
    return ticket, client, code


def bureau_reach(app, number: str) -> dict[str, bytes]:
    """Everything the holding bureau's account can open about the ticket."""
    client = app.test_client()
    login(client, "wang")
    ticket_id = None
    pages = {url: client.get(url) for url in (
        "/staff/", "/staff/?view=all", f"/staff/?view=all&q={PERSONAL[0][:4]}", "/staff/?view=overdue",
        f"/staff/tickets/{number}", "/api/v1/staff/tickets", f"/api/v1/staff/tickets/{number}",
        "/supervision/ledger?format=xlsx", "/supervision/ledger?format=csv", "/supervision/ledger",
        "/staff/tickets/new")}
    del ticket_id
    return {url: response.data for url, response in pages.items()}


def test_the_holding_bureau_sees_only_that_it_is_confidential(app, session, confidential):
    ticket, _client, _code = confidential
    reach = bureau_reach(app, ticket.number)
    for url, body in reach.items():
        text = body.decode("utf-8", "replace")
        for value in PERSONAL:
            assert value not in text, (url, value)
    assert "保密件" in reach[f"/staff/tickets/{ticket.number}"].decode()
    assert reach["/supervision/ledger?format=xlsx"] != b"" and b"<!doctype" in reach["/supervision/ledger"].lower()
    detail = app.test_client()
    login(detail, "wang")
    shown = detail.get(f"/api/v1/staff/tickets/{ticket.number}").get_json()
    assert (shown["company_name"], shown["credit_code"], shown["contact_name"], shown["phone"], shown["email"],
            shown["confidential"]) == ("保密件", "保密件", "保密件", "保密件", "保密件", True)
    assert shown["description"] == ticket.description  # the matter itself is the bureau's to handle
    # it is not found by its company's name either, and its attachment is not served
    assert ticket.number not in detail.get(f"/staff/?view=all&q={PERSONAL[0][:4]}").get_data(as_text=True)
    attachment = ticket.attachments[0]
    assert detail.get(f"/staff/tickets/{ticket.number}/attachments/{attachment.id}").status_code == 404
    # the ledger and its exports are the office's: the bureau is refused them
    assert detail.get("/supervision/ledger?format=csv").status_code == 403


def test_the_office_sees_everything_everywhere(app, session, confidential):
    ticket, _client, _code = confidential
    office = app.test_client()
    login(office, "dbz")
    page = office.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    for value in PERSONAL:
        assert value in page, value
    shown = office.get(f"/api/v1/staff/tickets/{ticket.number}").get_json()
    assert (shown["company_name"], shown["credit_code"], shown["contact_name"], shown["phone"], shown["email"]) == \
        PERSONAL[:5]
    assert ticket.number in office.get(f"/staff/?view=all&q={PERSONAL[0][:4]}").get_data(as_text=True)
    attachment = ticket.attachments[0]
    assert office.get(f"/staff/tickets/{ticket.number}/attachments/{attachment.id}").data == PNG
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(office.get("/supervision/ledger?format=xlsx").data)).active
                .iter_rows(values_only=True))
    assert rows[1][0] == ticket.number and rows[1][13] == PERSONAL[0]
    assert PERSONAL[0] in office.get("/supervision/ledger?format=csv").data.decode("utf-8-sig")


def test_the_bureaus_mail_carries_no_personal_data_and_the_business_is_still_answered(app, session, confidential,
                                                                                     smtp):
    ticket, client, code = confidential
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        office = user_by_username(session, "dbz").as_actor()
        urge(session, ticket, office, "请立即签收并联系诉求人核实。", NOW.date())
        remind(session, NOW.date())
        session.commit()
        send_pending(session)
        inbox.wait_for(2)
        to_bureau = [m for m in inbox.messages if m["To"] == "wang@scjgj.example"]
        assert [m["Subject"].split("：")[0] for m in to_bureau] == [
            f"【督办】工单 {ticket.number}", "工单到期提醒"]
        for message in to_bureau:
            text = message["Subject"] + message.get_content()
            assert all(value not in text for value in PERSONAL), text
            assert "保密件" in text
        # the bureau replies as usual, and the business receives it
        login(staff := app.test_client(), "wang")
        assert post(staff, f"/staff/tickets/{ticket.number}/sign", page=f"/staff/tickets/{ticket.number}").status_code == 303
        assert post(staff, f"/staff/tickets/{ticket.number}/reply", {"body": "经核查，已对相关检查人员批评教育并调离岗位。"},
                    page=f"/staff/tickets/{ticket.number}").status_code == 303
        send_pending(session)
        inbox.wait_for(3)
        assert inbox.messages[-1]["To"] == PERSONAL[4] and "调离岗位" in inbox.messages[-1].get_content()
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)  # the business's own view: unchanged
    assert "调离岗位" in page and PERSONAL[5] in page


def test_one_place_decides(session, confidential):
    ticket, _client, _code = confidential
    bureau, office = sight(user_by_username(session, "wang"), ticket), sight(user_by_username(session, "dbz"), ticket)
    assert (bureau.kind, bureau.identity, office.kind, office.identity) == ("holder", False, "office", True)
    assert party(ticket, bureau.identity).who == "保密件" and party(ticket, office.identity).who == PERSONAL[0]
    assert (shows_identity(Viewer.BUREAU, ticket), shows_identity(Viewer.OFFICE, ticket)) == (False, True)
    ticket.confidential = False
    assert sight(user_by_username(session, "wang"), ticket).identity and shows_identity(Viewer.BUREAU, ticket)
    assert party(ticket, sight(user_by_username(session, "wang"), ticket).identity).who == PERSONAL[0]
