"""Every channel into one work order (issue 13): a request taken by phone at /staff/tickets/new, one
forwarded by 12345 through an Open311 key, and one filed on the web reach the same workspace, with
their channels on the pages, the staff JSON, the ledger export and the scoreboard."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.clock import COUNTY_TZ, as_of
from portal.tickets.models import Channel, Ticket, TicketType
from tests.clock import NOW
from tests.forms import hidden_fields, post
from tests.open311.conftest import FILING, make_key
from tests.staff import login, make_user
from tests.tickets.conftest import confirmation, file_through_form, form_data

FIVE_DAYS_AGO = NOW - dt.timedelta(days=5)  # Friday 20 November 2026, 10:00: every sign deadline has passed


@pytest.fixture
def desk_users(session, routing_catalog):
    return {"wang": make_user(session, "wang", Role.STAFF, "scjgj", "王经办"),
            "dbz": make_user(session, "dbz", Role.SUPERVISOR, None, "督办员")}


def intake_form(client, **changes) -> dict:
    data = form_data(**changes)
    data.update(channel="phone", received_at="2026-11-25T09:40")
    data.update(hidden_fields(client, "/staff/tickets/new", "csrf_token", "nonce"))
    return {k: v for k, v in data.items() if v is not None}


def test_a_call_taken_by_phone_is_filed_routed_and_its_code_shown_once(app, session, desk_users):
    client = app.test_client()
    login(client, "wang")
    response = client.post("/staff/tickets/new", data=intake_form(client, email="wang@example.com"))
    number, code = confirmation(client, response)
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert number == "20261125-0001" and re.fullmatch(r"[A-HJ-NP-Z2-9]{12}", code)
    assert f'id="ticket-code-spoken">{code[:4]} {code[4:8]} {code[8:]}<' in page
    text = re.sub(r"<[^>]+>", "", page)
    assert "受理渠道电话" in text and "签收期限2026年11月26日（剩 1 个工作日）" in text  # clocks as the web form's
    assert code not in client.get("/staff/").get_data(as_text=True)  # shown once: nowhere else
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.channel is Channel.PHONE and ticket.bureau.code == "scjgj"
    assert ticket.received_at.replace(tzinfo=dt.timezone.utc) == dt.datetime(2026, 11, 25, 1, 40, tzinfo=dt.timezone.utc)
    assert ticket.events[0].internal_note == "电话受理（王经办）；个人信息使用说明已告知诉求人，诉求人口头同意。"
    assert ticket.events[0].public_text == "已收到您的投诉（电话）：营业执照办理超时"
    assert session.scalars(select(AuditEntry.action).where(AuditEntry.username == "wang").order_by(AuditEntry.id)).all()[-1] == "ticket_file"
    # the business opens it with what was read out to it
    business = app.test_client()
    assert post(business, "/tickets/track", {"number": number, "code": code}).status_code == 303
    # a reload of the used form files nothing twice
    again = client.post("/staff/tickets/new", data={**intake_form(client), "nonce": "used"})
    assert again.status_code == 409 and session.scalars(select(Ticket)).all() == [ticket]


def test_intake_refuses_what_is_wrong_field_by_field_and_stores_nothing(app, session, desk_users):
    client = app.test_client()
    login(client, "wang")
    data = intake_form(client, consent="", channel="web", received_at="2026-11-26T09:00")
    data.update(channel="web", received_at="2026-11-26T09:00")
    response = client.post("/staff/tickets/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请选择受理渠道：电话、来信、来访、12345转办或微信。" in page
    assert "受理时间不能晚于现在。" in page and "请先向诉求人告知个人信息使用说明并取得其同意。" in page
    assert 'value="营业执照办理超时"' in page  # what was typed is kept
    assert session.scalars(select(Ticket)).all() == []
    old = intake_form(client)
    old["received_at"] = "2026-10-01T09:00"
    assert "受理时间不能早于 30 天前" in client.post("/staff/tickets/new", data=old).get_data(as_text=True)


def test_intake_is_for_staff_and_the_office_only(app, session, desk_users):
    make_user(session, "root", Role.ADMIN, None, "管理员")
    client = app.test_client()
    assert client.get("/staff/tickets/new").status_code == 302  # to the login
    login(client, "root")
    assert client.get("/staff/tickets/new").status_code == 403
    office = app.test_client()
    login(office, "dbz")
    response = office.post("/staff/tickets/new", data=intake_form(office, topic="bhzxtzz"))
    confirmation(office, response)
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.state.value == "dispatch" and ticket.events[0].actor_kind == "supervisor"


def test_phone_12345_and_web_reach_one_workspace_with_their_channels(app, session, desk_users, runner):
    key = make_key(runner, "hotline-12345", "hotline")
    staff, office, business = app.test_client(), app.test_client(), app.test_client()
    login(staff, "wang")
    login(office, "dbz")
    with as_of(FIVE_DAYS_AGO):
        phoned = intake_form(staff, subject="电话反映营业执照超时")
        phoned["received_at"] = "2026-11-20T09:30"
        phone_number, _ = confirmation(staff, staff.post("/staff/tickets/new", data=phoned))
        forwarded = app.test_client().post("/open311/v2/requests.json", data={
            **FILING, "api_key": key, "attribute[subject]": "12345转来营业执照超时"})
        hotline_number = json.loads(forwarded.data)[0]["service_request_id"]
        web_number, _ = confirmation(business, file_through_form(business, subject="网上反映营业执照超时"))
    numbers = {"phone": phone_number, "hotline": hotline_number, "web": web_number}
    assert numbers == {"phone": "20261120-0001", "hotline": "20261120-0002", "web": "20261120-0003"}

    listing = staff.get("/staff/").get_data(as_text=True)
    for number, label in ((phone_number, "电话"), (hotline_number, "12345转办"), (web_number, "网站")):
        row = re.search(rf'{number}</a>(.*?)</li>', listing, re.S).group(1)
        assert f'<span class="badge badge-channel">{label}</span>' in row
        page = staff.get(f"/staff/tickets/{number}").get_data(as_text=True)
        assert f'<dd id="ticket-channel">{label}' in page
    listed = staff.get("/api/v1/staff/tickets").get_json()["tickets"]
    assert {t["number"]: t["channel"] for t in listed} == {phone_number: "phone", hotline_number: "hotline",
                                                           web_number: "web"}
    assert staff.get(f"/api/v1/staff/tickets/{phone_number}").get_json()["channel"] == "phone"

    ledger = load_workbook(io.BytesIO(office.get("/supervision/ledger?format=xlsx").data)).active
    rows = list(ledger.iter_rows(values_only=True))
    assert rows[0][12:14] == ("渠道", "诉求人")
    assert sorted((r[0], r[6], r[12]) for r in rows[1:]) == [
        (phone_number, "未按时签收", "电话"), (hotline_number, "未按时签收", "12345转办"),
        (web_number, "未按时签收", "网站")]
    text = office.get("/supervision/ledger?format=csv").data.decode("utf-8-sig")
    assert sorted(line[12] for line in list(csv.reader(io.StringIO(text)))[1:]) == ["12345转办", "电话", "网站"]

    board = office.get("/supervision/scoreboard").get_data(as_text=True)
    table = re.search(r'<table[^>]*id="channels".*?</table>', board, re.S).group(0)
    heads = re.findall(r'<th scope="col">([^<]+)</th>', table)
    assert heads == ["部门", "网站", "电话", "12345转办"]
    assert re.findall(r"<td>(\d+)</td>", table) == ["1", "1", "1", "1", "1", "1"]  # the bureau, then 全县
    sheet = load_workbook(io.BytesIO(office.get("/supervision/scoreboard?format=xlsx").data)).active
    header, first = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    by_name = dict(zip(header, first))
    assert (by_name["部门"], by_name["受理件数"], by_name["渠道：网站"], by_name["渠道：电话"],
            by_name["渠道：12345转办"], by_name["渠道：Open311"]) == ("县市场监管局", 3, 1, 1, 1, 0)


def test_the_web_form_and_the_api_record_their_own_channels(app, session, routing_catalog):
    client = app.test_client()
    confirmation(client, file_through_form(client))
    response = client.post("/api/v1/tickets", json=form_data(consent=True))
    assert response.status_code == 201
    assert [t.channel for t in session.scalars(select(Ticket).order_by(Ticket.id))] == [Channel.WEB, Channel.API]
    assert all(t.received_at == t.created_at for t in session.scalars(select(Ticket)))


def test_the_received_moment_is_county_time(app):
    from portal.tickets.intake import received_moment

    moment = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in the county
    assert received_moment("2026-11-25T09:15", moment) == (dt.datetime(2026, 11, 25, 1, 15, tzinfo=dt.timezone.utc), "")
    assert received_moment("", moment) == (moment, "")
    assert received_moment("25/11/2026 09:15", moment)[1] == "受理时间格式不正确（如 2026-11-25T09:30）。"
    assert received_moment("2026-11-25T09:15+00:00", moment)[1] == "受理时间格式不正确（如 2026-11-25T09:30）。"
    assert COUNTY_TZ.key == "Asia/Shanghai"


def test_a_moment_received_in_county_time_is_stored_as_the_same_instant(app, session, routing_catalog):
    """The demo and the load generator hand `file_ticket` county-time moments: SQLite keeps no zone, so
    the service stores the instant in UTC (a county 18:00 was once stored as 18:00 UTC, 8 hours late)."""
    from portal.actors import Actor
    from portal.catalog import queries
    from portal.tickets import services
    from portal.tickets.services import TicketInput

    desk = Actor("staff", "市场监管局经办人", queries.bureau_by_code(session, "scjgj"))
    data = TicketInput(type=TicketType.HELP, topic=queries.topic_by_code(session, "qykb"), guide=None,
                       subject="电话反映执照问题", description="电话中反映营业执照变更问题。", company_name="",
                       credit_code="", contact_name="张先生", phone="13800000000", email="", publish=False)
    with as_of(dt.datetime(2026, 11, 23, 9, 0)):
        ticket = services.file_ticket(session, data, desk, channel=Channel.PHONE,
                                      received_at=dt.datetime(2026, 11, 22, 18, 0, tzinfo=COUNTY_TZ))[0]
    session.commit()
    session.expire_all()
    stored = session.get(Ticket, ticket.id)
    received = stored.received_at if stored.received_at.tzinfo else stored.received_at.replace(tzinfo=dt.timezone.utc)
    assert received == dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)
    consented = stored.consented_at if stored.consented_at.tzinfo else stored.consented_at.replace(tzinfo=dt.timezone.utc)
    assert consented == dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)
