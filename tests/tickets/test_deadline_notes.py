"""What staff, the supervisor and the business read next to a running deadline: the working days left
explained the same way everywhere, 今日到期 on the day itself, and, for a deadline in a year whose
State Council holiday arrangement has not been entered, that it may still move. "Today" is pinned."""
from __future__ import annotations

import datetime as dt
import re

from portal.accounts.models import Role
from portal.actors import Actor
from portal.catalog import queries
from portal.catalog.content import import_content
from portal.clock import as_of
from portal.tickets import services
from portal.tickets.models import TicketType
from portal.tickets.services import TicketInput
from tests import factories as f
from tests.staff import login, make_user

# Filed Monday 28 December 2026: signing due Tue 29 December (2026, on the official calendar), the
# complaint's 10 working days end Tue 12 January 2027 (元旦, Fri 1 January, is off by the law).
FILED = dt.datetime(2026, 12, 28, 10, 0)
TENTATIVE = "2027年国务院放假安排尚未录入"
EXPLAINED = "不含今天"


def setup_office(session):
    import_content(session, f.lines(f.bureau(), f.bureau("fgj", "县发改局", supervisor=True), f.topic()))
    session.commit()
    return make_user(session, "wang", Role.STAFF, "scjgj", "王经办"), make_user(session, "dbz", Role.SUPERVISOR, None)


def file(session):
    data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, "qykb"), guide=None,
                       subject="营业执照办理超时", description="我公司申请营业执照至今未办结。", company_name="甲公司",
                       credit_code="", contact_name="王先生", phone="13800000000", email="", publish=False)
    ticket, code = services.file_ticket(session, data)
    session.commit()
    return ticket, code


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def tracked(app, number: str, code: str) -> str:
    client = app.test_client()
    page = client.get("/tickets/track").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/tickets/track", data={"number": number, "code": code, "csrf_token": csrf}).status_code == 303
    return text_of(client.get(f"/tickets/{number}").get_data(as_text=True))


def signed_in(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def test_a_deadline_in_a_year_without_the_notice_says_it_may_move_on_every_page(app, session, runner):
    wang, _ = setup_office(session)
    with as_of(FILED):
        ticket, code = file(session)
        staff, office = signed_in(app, "wang"), signed_in(app, "dbz")
        # Signing is due on 29 December 2026: the official calendar, nothing may move. The list shows
        # that deadline only; the ticket's pages also show the answer's, which runs from assignment.
        listed = text_of(staff.get("/staff/").get_data(as_text=True))
        assert "签收期限 2026年12月29日（剩 1 个工作日）" in listed and TENTATIVE not in listed and EXPLAINED in listed
        for page in (text_of(staff.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)),
                     tracked(app, ticket.number, code)):
            assert "签收期限2026年12月29日（剩 1 个工作日） 答复期限" in page
            assert f"答复期限2027年1月12日（剩 10 个工作日） {TENTATIVE}" in page
            assert EXPLAINED in page
        services.sign(session, ticket, Actor("staff", "王经办", wang.bureau, wang.id))
        session.commit()
        # Answering is due on 12 January 2027, counted by the statutory holidays only.
        pages = {"workspace list": staff.get("/staff/"), "ticket page": staff.get(f"/staff/tickets/{ticket.number}"),
                 "supervisor's list": office.get("/staff/"),
                 "supervisor's ticket page": office.get(f"/staff/tickets/{ticket.number}")}
        pages = {name: text_of(response.get_data(as_text=True)) for name, response in pages.items()}
        pages["tracking page"] = tracked(app, ticket.number, code)
        for name, page in pages.items():
            assert "2027年1月12日（剩 10 个工作日）" in page, name
            assert TENTATIVE in page, name
            assert EXPLAINED in page, name
        api = app.test_client().get(f"/api/v1/tickets/{ticket.number}?code={code}").get_json()
        assert api["reply_due"] == "2027-01-12" and api["reply_due_tentative"] is True
        assert api["sign_due_tentative"] is False

    assert runner.invoke(args=["calendar", "confirm", "2027"]).exit_code == 0
    with as_of(FILED):
        assert TENTATIVE not in text_of(staff.get("/staff/").get_data(as_text=True))
        assert TENTATIVE not in tracked(app, ticket.number, code)


def test_the_public_page_and_the_staff_pages_say_the_same_on_the_due_day(app, session):
    setup_office(session)
    with as_of(FILED):
        ticket, code = file(session)
    with as_of(dt.datetime(2026, 12, 29, 16, 0)):  # the signing deadline's own day
        staff = signed_in(app, "wang")
        for page in (text_of(staff.get("/staff/").get_data(as_text=True)),
                     text_of(staff.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)),
                     tracked(app, ticket.number, code)):
            assert "2026年12月29日（今日到期）" in page
            assert "剩 0 个工作日" not in page
            assert "截至期限当日 24 时" in page
    with as_of(dt.datetime(2026, 12, 30, 9, 0)):
        assert "2026年12月29日（已逾期 1 个工作日）" in tracked(app, ticket.number, code)


def test_the_supervisors_start_page_names_the_missing_year_from_december(app, session, runner):
    setup_office(session)
    office = signed_in(app, "dbz")
    with as_of(dt.datetime(2026, 11, 30, 9, 0)):
        assert "2027年" not in text_of(office.get("/supervision/").get_data(as_text=True))
    with as_of(dt.datetime(2026, 12, 1, 9, 0)):
        page = text_of(office.get("/supervision/").get_data(as_text=True))
        assert "2027年国务院节假日安排尚未录入" in page and "calendar confirm 2027" in page
    with as_of(dt.datetime(2027, 3, 1, 9, 0)):  # still not entered in the year itself
        assert "2027年国务院节假日安排尚未录入" in text_of(office.get("/supervision/").get_data(as_text=True))
    assert runner.invoke(args=["calendar", "confirm", "2027"]).exit_code == 0
    with as_of(dt.datetime(2026, 12, 1, 9, 0)):
        assert "2027年国务院节假日安排尚未录入" not in text_of(office.get("/supervision/").get_data(as_text=True))
