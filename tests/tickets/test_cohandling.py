"""Co-handling (主办/协办, issue 14): the holder asks two co-bureaus, its reply waits for both until they
answer or their deadlines pass, one answers late and is counted and listed so; a co-bureau sees the
description and the attachments, never the business's personal data, on the pages, in the JSON or in
an export. Every step is taken at its own moment (`as_of`); the expected dates are written out by hand
from the 2026 calendar: Wednesday 25 November 2026, then Thu 26, Fri 27, Mon 30 November, Tue 1,
Wed 2, Thu 3, Fri 4 December are working days."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.accounts.models import Role
from portal.catalog.content import import_content
from portal.clock import as_of
from portal.mail import send_pending
from portal.supervision.ledger import ledger
from portal.supervision.scoreboard import scoreboard
from portal.supervision.services import remind
from portal.tickets.cohandling import CohandlingTask
from portal.tickets.models import Ticket, TicketState
from tests import factories as f
from tests.forms import post
from tests.staff import login, make_user
from tests.tickets.conftest import PNG, VALID_USCC, confirmation, file_through_form

S = TicketState
PRIVATE = ("会宁县某某商贸有限公司", VALID_USCC, "王先生", "13800000000", "boss@shangmao.example")
QUESTION = "请县住建局核实厂房规划许可，县自然资源局核实用地手续，各自提出意见。"


def at(day: str, hour: int = 10):
    return as_of(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00"))


@pytest.fixture
def cohandling_users(session):
    """县市场监管局 leads 企业开办 with 县住建局 and 县自然资源局 as its co-bureaus (配合单位); 县税务局 has
    nothing to do with it. One account each, and the supervising office."""
    import_content(session, f.lines(
        f.bureau(), f.bureau("zjj", "县住建局"), f.bureau("zrzyj", "县自然资源局"), f.bureau("swj", "县税务局"),
        f.bureau("fgj", "县发改局", supervisor=True), f.topic(co=["zjj", "zrzyj"]), f.guide()))
    session.commit()
    return {name: make_user(session, name, role, bureau, display)
            for name, role, bureau, display in [("wang", Role.STAFF, "scjgj", "王经办"), ("zhao", Role.STAFF, "zjj", "赵经办"),
                                                ("qian", Role.STAFF, "zrzyj", "钱经办"), ("sun", Role.STAFF, "swj", "孙经办"),
                                                ("dbz", Role.SUPERVISOR, None, "督办员")]}


def logged_in(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def filed_and_signed(app, session) -> str:
    """A complaint filed through the form on Wednesday 25 November 2026 with a photo, signed at once by
    县市场监管局 (reply due Wednesday 9 December)."""
    business = app.test_client()
    number, _ = confirmation(business, file_through_form(
        business, email="boss@shangmao.example", attachments=[(io.BytesIO(PNG), "现场照片.png")]))
    wang = logged_in(app, "wang")
    assert post(wang, f"/staff/tickets/{number}/sign", page="/staff/").status_code == 303
    return number


def ask_both(client, number: str):
    return post(client, f"/staff/tickets/{number}/cohandle",
                {"bureau": ["zjj", "zrzyj"], "question": QUESTION}, page=f"/staff/tickets/{number}")


def ticket_of(session, number: str) -> Ticket:
    session.expire_all()
    return session.scalars(select(Ticket).where(Ticket.number == number)).one()


def test_the_holders_reply_waits_for_both_co_bureaus_until_they_answer_or_their_deadline_passes(
        app, session, cohandling_users):
    number = filed_and_signed(app, session)
    wang, zhao, qian = (logged_in(app, name) for name in ("wang", "zhao", "qian"))
    asked = ask_both(wang, number)
    assert asked.status_code == 303
    ticket = ticket_of(session, number)
    assert [(t.bureau.code, t.due, t.asked_by) for t in ticket.cohandling_tasks] == [
        ("zjj", dt.date(2026, 11, 30), "县市场监管局"), ("zrzyj", dt.date(2026, 11, 30), "县市场监管局")]  # 3 working days

    reply = {"body": "经会同县住建局、县自然资源局核查，贵公司厂房手续已齐全，用电报装可以办理。"}
    refused = post(wang, f"/staff/tickets/{number}/reply", reply, page=f"/staff/tickets/{number}")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "尚待协办单位答复：县住建局（协办期限 2026年11月30日）、县自然资源局（协办期限 2026年11月30日）" in page
    assert reply["body"] in page  # what was typed is kept
    assert ticket_of(session, number).state is S.ACCEPTED

    with at("2026-11-27"):  # 县住建局 answers within its deadline
        answered = post(zhao, f"/staff/tickets/{number}/opinion", {"body": "该厂房已取得建设工程规划许可证，符合规划。"},
                        page=f"/staff/tickets/{number}")
        assert answered.status_code == 303
        page = post(wang, f"/staff/tickets/{number}/reply", reply, page=f"/staff/tickets/{number}").get_data(as_text=True)
        assert "尚待协办单位答复：县自然资源局（协办期限 2026年11月30日）" in page and "县住建局（协办期限" not in page
    with at("2026-11-30", 17):  # the deadline's own day: still waiting
        assert post(wang, f"/staff/tickets/{number}/reply", reply, page=f"/staff/tickets/{number}").status_code == 409
    with at("2026-12-01"):  # 县自然资源局's deadline has passed: it answers late, and the holder replies
        holder_page = wang.get(f"/staff/tickets/{number}").get_data(as_text=True)
        assert 'id="cohandle-waiting"' not in holder_page and "协办意见：该厂房已取得建设工程规划许可证" in holder_page
        late = post(qian, f"/staff/tickets/{number}/opinion", {"body": "用地手续齐全，已办理不动产权证书。"},
                    page=f"/staff/tickets/{number}")
        assert late.status_code == 303
        assert post(wang, f"/staff/tickets/{number}/reply", reply, page=f"/staff/tickets/{number}").status_code == 303
    ticket = ticket_of(session, number)
    assert ticket.state is S.REPLIED
    assert [(t.bureau.code, t.late(dt.date(2026, 12, 4))) for t in ticket.cohandling_tasks] == [
        ("zjj", False), ("zrzyj", True)]

    with at("2026-12-04"):
        rows = {b.code: fig for b, fig in scoreboard(session, dt.date(2026, 11, 23), dt.date(2026, 12, 4),
                                                     dt.date(2026, 12, 4))}
        assert (rows["zjj"].cohandle_received, rows["zjj"].cohandle_on_time, rows["zjj"].cohandle_late) == (1, 1, 0)
        assert (rows["zrzyj"].cohandle_received, rows["zrzyj"].cohandle_on_time, rows["zrzyj"].cohandle_late) == (1, 0, 1)
        assert rows["scjgj"].cohandle_received == 0 and rows["scjgj"].answer_rate == 100.0
        assert [(r.bureau.code, r.problems, r.open, r.due) for r in ledger(session, dt.date(2026, 12, 4))] == [
            ("zrzyj", ["late_cohandle"], False, None)]
        office = logged_in(app, "dbz")
        board = office.get("/supervision/scoreboard?from=2026-11-23&to=2026-12-04").get_data(as_text=True)
        assert re.search(r'data-bureau="zrzyj">.*?</tr>', board, re.S)
        cells = table_cells(board, "zrzyj")
        assert cells["协办件数"] == "1" and cells["协办按时答复"] == "0" and cells["协办超时"] == "1"
        assert table_cells(board, "zjj")["协办超时"] == "0"
        listed = office.get("/supervision/ledger?bureau=zrzyj").get_data(as_text=True)
        assert number in listed and "协办超时" in listed and "县自然资源局" in listed
        assert number not in office.get("/supervision/ledger?bureau=zjj").get_data(as_text=True)


def table_cells(page: str, bureau: str) -> dict[str, str]:
    """The scoreboard's row of `bureau`, cell by column header."""
    header = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th scope=\"col\">(.*?)</th>", page)]
    row = re.search(rf'<tr data-bureau="{bureau}">(.*?)</tr>', page, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
    return dict(zip(header, cells))


def test_the_business_sees_which_bureaus_co_handle_and_never_a_name(app, session, cohandling_users):
    business = app.test_client()
    number, code = confirmation(business, file_through_form(business))
    wang = logged_in(app, "wang")
    post(wang, f"/staff/tickets/{number}/sign", page="/staff/")
    assert ask_both(wang, number).status_code == 303
    with at("2026-11-26"):
        post(logged_in(app, "zhao"), f"/staff/tickets/{number}/opinion", {"body": "该厂房已取得建设工程规划许可证。"},
             page=f"/staff/tickets/{number}")
    view = business.get(f"/api/v1/tickets/{number}", headers={"X-Retrieval-Code": code}).get_json()
    said = [(e["label"], e["by"], e["text"]) for e in view["events"] if e["action"] in ("cohandle", "opinion")]
    assert said == [("商请协办", "县市场监管局", "县住建局 协办"), ("商请协办", "县市场监管局", "县自然资源局 协办"),
                    ("协办意见", "县住建局", "县住建局 已提出协办意见。")]
    page = business.get(f"/tickets/{number}").get_data(as_text=True)
    assert "县住建局 协办" in page and "县自然资源局 协办" in page
    for secret in ("王经办", "赵经办", QUESTION, "建设工程规划许可证"):
        assert secret not in page and secret not in str(view)


def test_a_co_bureau_sees_the_description_and_attachments_never_the_business(app, session, cohandling_users):
    number = filed_and_signed(app, session)
    assert ask_both(logged_in(app, "wang"), number).status_code == 303
    zhao = logged_in(app, "zhao")

    listed = zhao.get("/staff/?view=cohandle").get_data(as_text=True)
    assert number in listed and "营业执照办理超时" in listed and "协办期限" in listed
    assert re.search(r'id="count-cohandle">1<', listed)
    assert number not in zhao.get("/staff/").get_data(as_text=True)  # not among its own tickets
    assert number not in zhao.get("/staff/?view=cohandle&q=某某商贸").get_data(as_text=True)  # no search by company
    assert number in zhao.get("/staff/?view=cohandle&q=营业执照").get_data(as_text=True)

    page = zhao.get(f"/staff/tickets/{number}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "我公司于上月在政务服务中心申请营业执照" in text and "现场照片.png" in text and QUESTION in text
    assert "2026年11月30日" in text and 'id="form-opinion"' in text and 'id="form-decline"' in text
    listed_json = zhao.get("/api/v1/staff/tickets?view=cohandle").get_json()
    assert [t["number"] for t in listed_json["tickets"]] == [number]
    data = zhao.get(f"/api/v1/staff/tickets/{number}").get_json()
    assert data["description"].startswith("我公司于上月") and data["attachments"][0]["name"] == "现场照片.png"
    assert data["cohandlers"] == [{"bureau": "zjj", "due": "2026-11-30", "answered_at": None},
                                  {"bureau": "zrzyj", "due": "2026-11-30", "answered_at": None}]
    for secret in (*PRIVATE, "王经办"):
        assert secret not in listed and secret not in text and secret not in str(data) and secret not in str(listed_json)
    download = zhao.get(data["attachments"][0]["url"])
    assert download.status_code == 200 and download.data == PNG

    # the holder's actions are not the co-bureau's; the supervising office's pages and exports neither
    before = len(ticket_of(session, number).events)
    for action, fields in [("reply", {"body": "由协办单位直接答复企业，内容足够十个字。"}), ("note", {"body": "内部备注"}),
                           ("transfer", {"reason": "转走"}), ("cohandle", {"bureau": "swj", "question": "再请税务局"})]:
        assert post(zhao, f"/staff/tickets/{number}/{action}", fields, page="/staff/").status_code == 403, action
    for url in ("/supervision/ledger?format=csv", "/supervision/ledger?format=xlsx", "/supervision/scoreboard?format=csv",
                "/supervision/scoreboard?format=xlsx", "/supervision/callbacks"):
        assert zhao.get(url).status_code == 403, url
    assert len(ticket_of(session, number).events) == before

    # the holder and the office still see everything
    holder = logged_in(app, "wang").get(f"/api/v1/staff/tickets/{number}").get_json()
    assert holder["phone"] == "13800000000" and holder["events"]
    # a bureau that was not asked sees nothing, as for any ticket of another bureau
    sun = logged_in(app, "sun")
    assert sun.get(f"/staff/tickets/{number}").status_code == 404
    assert sun.get(f"/api/v1/staff/tickets/{number}").status_code == 404
    assert sun.get(data["attachments"][0]["url"]).status_code == 404
    assert number not in sun.get("/staff/?view=cohandle").get_data(as_text=True)


def test_a_co_bureau_of_a_confidential_ticket_sees_neither_the_business_nor_the_attachments(app, session,
                                                                                            cohandling_users):
    """保密件 and 协办 together (portal/tickets/viewers.py): the co-bureau gets the matter but not the
    attachments (they may show the business); the holder sees "保密件" and no attachments; the office all."""
    business = app.test_client()
    number, _ = confirmation(business, file_through_form(
        business, email="boss@shangmao.example", confidential="true", attachments=[(io.BytesIO(PNG), "现场照片.png")]))
    wang = logged_in(app, "wang")
    assert post(wang, f"/staff/tickets/{number}/sign", page="/staff/").status_code == 303
    assert ask_both(wang, number).status_code == 303
    attachment = f"/staff/tickets/{number}/attachments/{ticket_of(session, number).attachments[0].id}"

    zhao = logged_in(app, "zhao")
    text = zhao.get(f"/staff/tickets/{number}").get_data(as_text=True)
    assert "我公司于上月在政务服务中心申请营业执照" in text and QUESTION in text and 'id="form-opinion"' in text
    assert "现场照片.png" not in text and "附件 1 个（保密件：由县营商环境办转交）" in text
    data = zhao.get(f"/api/v1/staff/tickets/{number}").get_json()
    assert data["description"].startswith("我公司于上月") and data["confidential"] is True
    assert data["attachments"] == [] and "company_name" not in data and "events" not in data
    for secret in PRIVATE:
        assert secret not in text and secret not in str(data)
    assert zhao.get(attachment).status_code == 404

    held = wang.get(f"/api/v1/staff/tickets/{number}").get_json()
    assert (held["company_name"], held["phone"], held["attachments"]) == ("保密件", "保密件", [])
    assert "现场照片.png" not in wang.get(f"/staff/tickets/{number}").get_data(as_text=True)
    assert wang.get(attachment).status_code == 404

    office = logged_in(app, "dbz")
    seen = office.get(f"/api/v1/staff/tickets/{number}").get_json()
    assert (seen["company_name"], seen["phone"]) == (PRIVATE[0], PRIVATE[3])
    assert [a["name"] for a in seen["attachments"]] == ["现场照片.png"] and office.get(attachment).data == PNG
    assert logged_in(app, "sun").get(attachment).status_code == 404


def test_the_office_exports_list_a_late_task_without_the_business(app, session, cohandling_users):
    number = filed_and_signed(app, session)
    assert ask_both(logged_in(app, "wang"), number).status_code == 303
    office = logged_in(app, "dbz")
    with at("2026-12-02"):  # both tasks open past 30 November
        text = office.get("/supervision/ledger?format=csv").data.decode("utf-8-sig")
        sheet = load_workbook(io.BytesIO(office.get("/supervision/ledger?format=xlsx").data)).active
    rows = [row for row in csv.reader(io.StringIO(text))][1:]
    assert [(r[0], r[3], r[6], r[8], r[9]) for r in rows] == [
        (number, "县住建局", "协办超时", "2026年11月30日", "2"), (number, "县自然资源局", "协办超时", "2026年11月30日", "2")]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    # The ledger is the office's alone: it names the business (诉求人, issue 13) but carries no contact
    # data, and a co-bureau can reach none of it.
    assert [r[13] for r in rows] == ["会宁县某某商贸有限公司"] * 2
    for secret in PRIVATE[1:]:
        assert secret not in text and secret not in cells
    for co_bureau in ("zhao", "qian"):
        assert logged_in(app, co_bureau).get("/supervision/ledger?format=csv").status_code == 403


def test_a_co_bureau_may_decline_with_a_reason_the_holder_and_the_office_see(app, session, cohandling_users):
    number = filed_and_signed(app, session)
    wang, qian = logged_in(app, "wang"), logged_in(app, "qian")
    assert ask_both(wang, number).status_code == 303
    with at("2026-11-26"):
        missing = post(qian, f"/staff/tickets/{number}/decline", {"reason": " "}, page=f"/staff/tickets/{number}")
        assert missing.status_code == 400 and "拒绝协办须写明理由" in missing.get_data(as_text=True)
        short = post(qian, f"/staff/tickets/{number}/opinion", {"body": "同意"}, page=f"/staff/tickets/{number}")
        assert short.status_code == 400 and "协办意见至少 10 个字" in short.get_data(as_text=True)
        done = post(qian, f"/staff/tickets/{number}/decline", {"reason": "用地手续不涉及本案，本局“三定”无此职责。"},
                    page=f"/staff/tickets/{number}")
        assert done.status_code == 303
        again = post(qian, f"/staff/tickets/{number}/opinion", {"body": "补充意见：请承办单位自行核实。"},
                     page=f"/staff/tickets/{number}")
        assert again.status_code == 409 and "本单位的协办事项已经答复" in again.get_data(as_text=True)
    [_, task] = ticket_of(session, number).cohandling_tasks
    assert (task.declined, task.answered_by, task.late(dt.date(2026, 11, 26))) == (True, "钱经办", False)
    for client in (wang, logged_in(app, "dbz")):
        page = client.get(f"/staff/tickets/{number}").get_data(as_text=True)
        assert "拒绝协办的理由：用地手续不涉及本案" in page and "已拒绝协办" in page
        assert "尚待县住建局（协办期限 2026年11月30日）答复" in page  # only 县住建局 is still due


@pytest.mark.parametrize("fields, message", [
    ({"question": QUESTION}, "请选择至少一个协办单位"),
    ({"bureau": "zjj", "question": "  "}, "请写明需要协办单位办理或答复的事项"),
    ({"bureau": "nope", "question": QUESTION}, "协办单位不存在"),
    ({"bureau": "scjgj", "question": QUESTION}, "县市场监管局是承办单位，不能同时作为协办单位"),
])
def test_asking_without_what_it_needs_is_a_400_and_asks_nobody(app, session, cohandling_users, fields, message):
    number = filed_and_signed(app, session)
    response = post(logged_in(app, "wang"), f"/staff/tickets/{number}/cohandle", fields, page=f"/staff/tickets/{number}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'id="form-cohandle"' in page
    if fields["question"].strip():
        assert fields["question"] in page  # kept as typed
    assert session.scalars(select(CohandlingTask)).all() == []


def test_a_bureau_is_asked_once_until_it_answers_and_only_while_the_ticket_is_held(app, session, cohandling_users):
    number = filed_and_signed(app, session)
    wang, office = logged_in(app, "wang"), logged_in(app, "dbz")
    assert ask_both(wang, number).status_code == 303
    again = post(office, f"/staff/tickets/{number}/cohandle", {"bureau": "zjj", "question": "请再核实。"},
                 page=f"/staff/tickets/{number}")
    assert again.status_code == 400 and "已商请县住建局协办，尚未答复" in again.get_data(as_text=True)
    by_office = post(office, f"/staff/tickets/{number}/cohandle", {"bureau": "swj", "question": "请核实纳税信用。"},
                     page=f"/staff/tickets/{number}")
    assert by_office.status_code == 303  # the supervising office asks too
    [*_, tax] = ticket_of(session, number).cohandling_tasks
    assert (tax.bureau.code, tax.asked_by) == ("swj", "县营商环境办")
    with at("2026-12-02"):
        post(wang, f"/staff/tickets/{number}/reply", {"body": "经核查，相关手续已齐全，可以办理。"}, page="/staff/")
        late = post(wang, f"/staff/tickets/{number}/cohandle", {"bureau": "zjj", "question": "补充核实。"},
                    page=f"/staff/tickets/{number}")
    assert ticket_of(session, number).state is S.REPLIED
    assert late.status_code == 409 and "不能商请协办" in late.get_data(as_text=True)


def test_the_cohandle_clock_is_set_like_the_others(app, session, cohandling_users, runner):
    result = runner.invoke(args=["tickets", "rule", "--scope", "bureau", "--key", "zjj", "--clock", "cohandle",
                                 "--days", "5"])
    assert result.exit_code == 0 and "cohandle 期限为 5 个工作日（新商请的协办起生效）" in result.output
    number = filed_and_signed(app, session)
    assert ask_both(logged_in(app, "wang"), number).status_code == 303
    assert [(t.bureau.code, t.due) for t in ticket_of(session, number).cohandling_tasks] == [
        ("zjj", dt.date(2026, 12, 2)), ("zrzyj", dt.date(2026, 11, 30))]  # 5 working days for 县住建局 only
    bad = runner.invoke(args=["tickets", "rule", "--scope", "type", "--key", "complaint", "--clock", "later",
                              "--days", "5"])
    assert bad.exit_code == 2


def test_remind_mails_a_co_bureau_its_tasks_due_and_overdue_once_a_day(app, session, cohandling_users, smtp):
    controller, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        number = filed_and_signed(app, session)
        cohandling_users["zhao"].email = "zhao@zjj.example"
        session.commit()
        assert ask_both(logged_in(app, "wang"), number).status_code == 303  # 县住建局 is mailed the task
        inbox.wait_for(2)  # the business's filing confirmation, then the task
        asked = inbox.messages[1]
        assert asked["To"] == "zhao@zjj.example" and f"【协办】工单 {number}" in asked["Subject"]
        assert "2026年11月30日" in asked.get_content() and "13800000000" not in asked.get_content()
        with at("2026-11-27", 8):  # the next working day is Monday 30 November, the deadline
            assert remind(session, dt.date(2026, 11, 27)) == {"bureaus": 1, "tickets": 1, "without_address": ["县自然资源局"]}
            session.commit()
            assert remind(session, dt.date(2026, 11, 27))["tickets"] == 0  # once a day
            session.commit()
        with at("2026-12-01", 8):
            assert remind(session, dt.date(2026, 12, 1))["tickets"] == 1
            session.commit()
        send_pending(session)
        inbox.wait_for(4)
        due, overdue = (m.get_content() for m in inbox.messages[2:4])
        assert f"{number} 营业执照办理超时：协办期限为 2026年11月30日" in due
        assert f"{number} 营业执照办理超时：已逾期（协办期限 2026年11月30日）" in overdue
        assert {m["To"] for m in inbox.messages[2:]} == {"zhao@zjj.example"} and len(inbox.messages) == 4
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)
