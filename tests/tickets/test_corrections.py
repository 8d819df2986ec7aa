"""指南纠错 and 找错: a correction ticket goes to the bureau that owns the page (the site operator for a
page nobody owns), with its own reply clock, through the same workspace; a revision linked to it tells
the reporter, who sees it on the tracking page; the guide shows 最近核对."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.catalog.content import import_content
from portal.catalog.models import Guide
from portal.extensions import db, limiter
from portal.supervision.ledger import ledger
from portal.supervision.scoreboard import scoreboard
from portal.tickets.models import Problem, Ticket, TicketType
from tests import factories as f
from tests.catalog.test_editing import guide_form
from tests.conftest import mail_app_on, make_app
from tests.forms import csrf_token, hidden_fields, post
from tests.staff import login, make_user
from tests.tickets.conftest import confirmation

DESCRIPTION = "材料清单写的是营业执照复印件，窗口实际要求原件和复印件各一份。"


def catalog_lines():
    return f.lines(
        f.bureau(), f.bureau("fgj", "县发改局", supervisor=True), f.bureau("zjj", "县住建局"),
        f.topic(), f.topic("jzxk", "办理建筑许可", lead="zjj"),
        f.guide(), f.guide("shigong-xuke", "建筑工程施工许可", bureau="zjj", topics=["jzxk"]),
        f.policy(bureau="zjj", topics=[]),
    )


@pytest.fixture
def catalog(session):
    import_content(session, catalog_lines())
    session.commit()


def correction(**changes) -> dict:
    data = {"type": "correction", "guide": "gongzhang-kezhi", "problem": "material", "description": DESCRIPTION}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def stored(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Ticket))


# --- the API ---------------------------------------------------------------------------------------

def test_a_guides_correction_goes_to_the_guides_bureau_with_five_working_days(client, catalog):
    answer = client.post("/api/v1/tickets", json=correction())
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    # filed Wednesday 2026-11-25: signed by the next working day, answered within 5 working days
    assert (body["status"], body["bureau"], body["sign_due"], body["reply_due"]) == (
        "assigned", "scjgj", "2026-11-26", "2026-12-02")


def test_the_company_and_contact_fields_are_not_required(client, catalog, session):
    assert client.post("/api/v1/tickets", json=correction()).status_code == 201
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.type, ticket.problem, ticket.guide.slug, ticket.topic.code) == (
        TicketType.CORRECTION, Problem.MATERIAL, "gongzhang-kezhi", "qykb")
    assert (ticket.company_name, ticket.contact_name, ticket.phone, ticket.email) == ("", "", "", "")
    assert ticket.subject == "纠错：《公章刻制备案》申请材料有误"


def test_a_policys_correction_goes_to_the_policys_bureau(client, catalog, session):
    body = client.post("/api/v1/tickets", json=correction(guide=None, policy="liudi-tuishui",
                                                          problem="outdated")).get_json()
    assert body["bureau"] == "zjj"
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.policy.slug == "liudi-tuishui" and ticket.topic is None


def test_a_page_of_a_guide_is_that_guide_and_any_other_page_goes_to_the_site_operator(client, catalog, session):
    by_path = client.post("/api/v1/tickets", json=correction(guide=None, page="/guides/shigong-xuke/print")).get_json()
    assert by_path["bureau"] == "zjj"
    other = client.post("/api/v1/tickets", json=correction(guide=None, page="/about", problem="link")).get_json()
    assert other["bureau"] == "fgj"  # the supervising office, no PORTAL_SITE_OPERATOR being set
    ticket = session.scalars(select(Ticket).where(Ticket.number == other["number"])).one()
    assert (ticket.page, ticket.topic, ticket.guide) == ("/about", None, None)
    tracked = client.get(f"/api/v1/tickets/{other['number']}", headers={"X-Retrieval-Code": other["code"]}).get_json()
    assert tracked["about"] == {"kind": "page", "path": "/about", "title": "/about"}
    assert tracked["problem_label"] == "链接打不开" and tracked["topic"] is None


def test_the_site_operator_and_the_reply_clock_are_settings(app, catalog, tmp_path):
    other = make_app(app.config["DATABASE_URL"], tmp_path / "ix", CORRECTION_REPLY_DAYS=3,
                     SITE={**app.config["SITE"], "operator": "zjj"})
    body = other.test_client().post("/api/v1/tickets", json=correction(guide=None, page="/help")).get_json()
    assert (body["bureau"], body["reply_due"]) == ("zjj", "2026-11-30")


@pytest.mark.parametrize("changes, field, message", [
    ({"problem": None}, "problem", "请选择问题类型"),
    ({"problem": "typo"}, "problem", "请选择问题类型"),
    ({"description": "有错"}, "description", "至少 10 个字"),
    ({"guide": "no-such-guide"}, "guide", "所指的办事指南不存在"),
    ({"guide": None, "policy": "no-such"}, "policy", "所指的政策文件不存在"),
    ({"guide": None}, "page", "请说明哪一个页面有误"),
    ({"guide": None, "page": "//evil.example/x"}, "page", "本站的路径"),
    ({"guide": None, "page": "https://evil.example/"}, "page", "本站的路径"),
    ({"phone": "12345"}, "phone", "可不填"),
    ({"email": "not-an-address"}, "email", "电子邮箱格式不正确"),
    ({"contact_name": "王先生"}, "consent", "同意"),
])
def test_a_bad_correction_is_a_400_with_the_fields_message_and_stores_nothing(
        client, catalog, session, changes, field, message):
    answer = client.post("/api/v1/tickets", json=correction(**changes))
    assert answer.status_code == 400
    assert message in answer.get_json()["errors"][field][0]
    assert stored(session) == 0


def test_a_contact_left_with_consent_is_kept(client, catalog, session):
    answer = client.post("/api/v1/tickets", json=correction(contact_name="王先生", phone="13800000000",
                                                            email="wang@example.com", consent=True))
    assert answer.status_code == 201
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.contact_name, ticket.phone, ticket.email) == ("王先生", "13800000000", "wang@example.com")


def test_the_complaint_form_does_not_offer_the_correction_type(client, catalog):
    page = text(client.get("/tickets/new"))
    assert 'value="complaint"' in page and 'value="correction"' not in page


# --- the form --------------------------------------------------------------------------------------

def test_the_guide_and_policy_pages_ask_and_every_page_has_the_footer_link(client, catalog):
    guide = text(client.get("/guides/gongzhang-kezhi"))
    assert "内容有误？" in guide and "/tickets/correction?guide=gongzhang-kezhi" in guide
    policy = text(client.get("/policies/liudi-tuishui"))
    assert "内容有误？" in policy and "/tickets/correction?policy=liudi-tuishui" in policy
    bureaus = text(client.get("/bureaus"))
    assert "/tickets/correction?page=/bureaus" in bureaus and "我为网站找错" in bureaus


def test_the_form_names_what_is_wrong_and_files_through_the_same_confirmation(client, catalog, session):
    page = text(client.get("/tickets/correction?guide=gongzhang-kezhi"))
    assert "办事指南《公章刻制备案》" in page and "县市场监管局" in page
    for label in ("办理时限有误", "申请材料有误", "链接打不开", "内容已过时", "其他问题"):
        assert label in page
    tokens = hidden_fields(client, "/tickets/correction?guide=gongzhang-kezhi", "csrf_token", "nonce")
    answer = client.post("/tickets/correction", data={**tokens, "guide": "gongzhang-kezhi", "problem": "time_limit",
                                                      "description": "承诺时限写 0 个工作日，窗口说要 3 天。"})
    number, _ = confirmation(client, answer)
    assert "纠错已提交" in text(answer)
    assert session.scalars(select(Ticket)).one().number == number
    tracking = text(client.get(f"/tickets/{number}"))
    assert "《公章刻制备案》" in tracking and "办理时限有误" in tracking and "县市场监管局" in tracking


def test_the_footers_link_on_a_guides_page_names_that_guide(client, catalog):
    page = text(client.get("/tickets/correction?page=/guides/shigong-xuke"))
    assert "办事指南《建筑工程施工许可》" in page and 'name="guide" value="shigong-xuke"' in page


def test_a_refused_form_comes_back_with_the_message_beside_the_field(client, catalog, session):
    tokens = hidden_fields(client, "/tickets/correction?page=/help", "csrf_token", "nonce")
    answer = client.post("/tickets/correction", data={**tokens, "page": "/help", "description": "太短"})
    page = text(answer)
    assert answer.status_code == 400
    assert 'id="problem-error"' in page and 'id="description-error"' in page and 'value="/help"' in page
    assert stored(session) == 0


def test_the_form_needs_its_csrf_token(client, catalog, session):
    tokens = hidden_fields(client, "/tickets/correction?guide=gongzhang-kezhi", "nonce")
    answer = client.post("/tickets/correction", data={**tokens, "guide": "gongzhang-kezhi", "problem": "other",
                                                      "description": DESCRIPTION})
    assert answer.status_code == 400 and stored(session) == 0


def test_the_form_is_rate_limited(limited_app, catalog, session):
    client = limited_app.test_client()
    codes = []
    for _ in range(6):
        tokens = hidden_fields(client, "/tickets/correction?page=/help", "csrf_token", "nonce")
        codes.append(client.post("/tickets/correction", data={**tokens, "page": "/help", "problem": "other",
                                                              "description": DESCRIPTION}).status_code)
    assert codes == [200] * 5 + [429]
    with limited_app.app_context():
        limiter.reset()


# --- the whole way: reported, answered, revised, seen --------------------------------------------

@pytest.fixture
def mail_app(tmp_path_factory, smtp):
    application = mail_app_on(tmp_path_factory, smtp, "portal_corrections", catalog_lines())
    with application.app_context():
        make_user(db.session, "wang", Role.STAFF, "scjgj", display_name="王经办")
        make_user(db.session, "lisi", Role.STAFF, "zjj", display_name="李四")
    return application


def test_a_correction_reaches_the_guides_bureau_is_answered_the_guide_revised_and_the_reporter_sees_it(
        mail_app, smtp):
    _, inbox = smtp
    reporter = mail_app.test_client()
    tokens = hidden_fields(reporter, "/tickets/correction?guide=gongzhang-kezhi", "csrf_token", "nonce")
    answer = reporter.post("/tickets/correction", data={
        **tokens, "guide": "gongzhang-kezhi", "problem": "material", "description": DESCRIPTION,
        "email": "reporter@example.com", "consent": "true"})
    number, code = confirmation(reporter, answer)
    inbox.wait_for(1)
    assert number in inbox.messages[0]["Subject"] and code in inbox.messages[0].get_content()

    other_bureau = mail_app.test_client()
    login(other_bureau, "lisi")
    assert other_bureau.get(f"/staff/tickets/{number}").status_code == 404

    staff = mail_app.test_client()
    login(staff, "wang")
    assert number in text(staff.get("/staff/"))
    ticket_page = text(staff.get(f"/staff/tickets/{number}"))
    assert "纠错" in ticket_page and "申请材料有误" in ticket_page
    assert f"/staff/content/guides/gongzhang-kezhi/edit?correction={number}" in ticket_page
    assert post(staff, f"/staff/tickets/{number}/sign", page=f"/staff/tickets/{number}").status_code == 303
    reply_text = "经核实，申请材料应为营业执照原件和复印件各一份，指南已更正，感谢指正。"
    assert post(staff, f"/staff/tickets/{number}/reply", {"body": reply_text},
                page=f"/staff/tickets/{number}").status_code == 303
    inbox.wait_for(2)
    assert reply_text in inbox.messages[1].get_content()

    edit = f"/staff/content/guides/gongzhang-kezhi/edit?correction={number}"
    assert f'name="correction" maxlength="20" value="{number}"' in text(staff.get(edit))
    published = post(staff, "/staff/content/guides/gongzhang-kezhi/edit",
                     guide_form("publish", correction=number, note="更正材料形式",
                                **{"materials-0-form": "原件和复印件"}), page=edit)
    assert published.status_code == 303, text(published)[:3000]
    inbox.wait_for(3)
    told = inbox.messages[2]
    assert told["To"] == "reporter@example.com" and number in told["Subject"]
    assert "已更正办事指南《公章刻制备案》" in told.get_content() and "/guides/gongzhang-kezhi" in told.get_content()

    tracking = text(reporter.get(f"/tickets/{number}"))
    assert reply_text in tracking
    assert "内容已更正" in tracking and "县市场监管局已根据您的纠错更正办事指南《公章刻制备案》（2026年11月25日）" in tracking
    guide_page = text(reporter.get("/guides/gongzhang-kezhi"))
    assert "原件和复印件" in guide_page
    assert re.search(r"最近核对</dt><dd[^>]*>2026年11月25日（修订发布）", guide_page)


def test_a_revision_links_only_a_correction_of_that_guide_held_by_the_bureau(client, catalog, session):
    make_user(session, "wang", Role.STAFF, "scjgj")
    other = client.post("/api/v1/tickets", json=correction(guide="shigong-xuke")).get_json()["number"]
    complaint = client.post("/api/v1/tickets", json={
        "type": "complaint", "topic": "qykb", "subject": "营业执照办理超时", "description": DESCRIPTION,
        "contact_name": "王先生", "phone": "13800000000", "consent": True}).get_json()["number"]
    login(client, "wang")
    edit = "/staff/content/guides/gongzhang-kezhi/edit"
    for number in (other, complaint, "20261125-9999"):
        answer = post(client, edit, guide_form("publish", correction=number), page=edit)
        assert answer.status_code == 400
        assert f"没有关于本办事指南、由本部门办理的纠错工单 {number}" in text(answer)
    session.rollback()
    assert session.scalars(select(Guide).where(Guide.slug == "gongzhang-kezhi")).one().checked_on is None


def test_a_bureau_confirms_its_guide_unchanged_and_the_page_shows_it(client, catalog, session):
    make_user(session, "wang", Role.STAFF, "scjgj")
    make_user(session, "lisi", Role.STAFF, "zjj")
    assert "最近核对" not in text(client.get("/guides/gongzhang-kezhi"))
    login(client, "lisi")
    history = "/staff/content/guides/shigong-xuke/revisions"
    assert post(client, "/staff/content/guides/gongzhang-kezhi/check", page=history).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, history)})
    login(client, "wang")
    mine = "/staff/content/guides/gongzhang-kezhi/revisions"
    assert post(client, "/staff/content/guides/gongzhang-kezhi/check", page=mine).status_code == 303
    assert "最近核对：2026年11月25日" in text(client.get(mine))
    anonymous = client.application.test_client()
    assert re.search(r"最近核对</dt><dd[^>]*>2026年11月25日（部门核对无误）", text(anonymous.get("/guides/gongzhang-kezhi")))
    session.rollback()
    assert session.scalars(select(Guide).where(Guide.slug == "gongzhang-kezhi")).one().checked_on == dt.date(2026, 11, 25)


def test_a_late_correction_is_on_the_ledger_and_the_scoreboard_of_its_bureau(client, catalog, session):
    number = client.post("/api/v1/tickets", json=correction()).get_json()["number"]
    later = dt.date(2026, 12, 3)  # neither signed by 26 November nor answered by 2 December
    row = next(r for r in ledger(session, later) if r.ticket.number == number)
    assert row.bureau.code == "scjgj" and row.open and row.due == dt.date(2026, 11, 26)
    figures = dict((b.code, f) for b, f in scoreboard(session, dt.date(2026, 11, 23), later, later))
    assert (figures["scjgj"].received, figures["scjgj"].overdue_now) == (1, 1)


def test_an_answers_page_asks_and_its_correction_goes_to_the_answering_bureau(demo_copy):
    app = demo_copy()
    client = app.test_client()
    with app.app_context():
        from portal.catalog import queries
        answer = db.session.scalars(queries.answers_query()).first()
        slug, bureau, question = answer.slug, answer.bureau.code, answer.question
    assert bureau != "fgj"  # not the site operator: the answering bureau decides
    page = text(client.get(f"/answers/{slug}"))
    assert "内容有误？" in page and f"/tickets/correction?page=/answers/{slug}" in page
    form = text(client.get(f"/tickets/correction?page=/answers/{slug}"))
    assert f"问答“{question}”" in form
    body = client.post("/api/v1/tickets", json=correction(guide=None, page=f"/answers/{slug}")).get_json()
    assert body["bureau"] == bureau


def test_with_no_operator_a_pages_correction_waits_for_the_office_and_is_routed_without_a_topic(app, client, session):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide()))  # no supervising office among the bureaus
    session.commit()
    make_user(session, "zhao", Role.SUPERVISOR, None)
    body = client.post("/api/v1/tickets", json=correction(guide=None, page="/help")).get_json()
    assert (body["status"], body["bureau"]) == ("dispatch", None)
    login(client, "zhao")
    queue = text(client.get("/supervision/dispatch"))
    assert body["number"] in queue and "不设领域（网页纠错）" in queue
    routed = post(client, f"/supervision/tickets/{body['number']}/route",
                  {"bureau": "scjgj", "topic": "", "reason": "本站帮助页面由市场监管局维护"}, page="/supervision/dispatch")
    assert routed.status_code == 303
    session.rollback()
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.bureau.code, ticket.topic, ticket.reply_due) == ("scjgj", None, dt.date(2026, 12, 2))
