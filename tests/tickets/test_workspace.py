"""The bureau workspace: what staff see, every action by state and role, bureau isolation, CSRF, audit."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import select
from werkzeug.routing import AnyConverter, IntegerConverter

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.catalog import queries as catalog_queries
from portal.catalog.content import import_content
from portal.clock import today
from portal.tickets import services
from portal.tickets.models import Score, Ticket, TicketState, TicketType
from portal.actors import Actor
from portal.tickets.services import TicketInput
from portal.tickets.workspace import ACTIONS
from tests import factories as f
from tests.forms import csrf_token, post
from tests.staff import login, make_user
from tests.tickets.conftest import VALID_USCC

S = TicketState
VALID = {  # fields that satisfy each action's rules
    "sign": {},
    "return": {"reason": "该事项属住房建设领域", "body": "本局“三定”方案未包含建筑许可职责"},
    "transfer": {"bureau": "zjj", "reason": "涉及施工许可，属县住建局职责"},
    "extend": {"days": "5", "reason": "需现场核查，涉及多个部门"},
    "note": {"body": "已电话联系企业，约定下周现场核查。"},
    "assign": {"assignee": "liu"},
    "reply": {"body": "经核查，贵公司营业执照已于今日办结，请到政务服务中心领取。"},
    "reject": {"reason": "该事项已进入行政诉讼程序。"},
}


@pytest.fixture
def workspace_users(session):
    import_content(session, f.lines(
        f.bureau(), f.bureau("zjj", "县住建局"), f.bureau("fgj", "县发改局", supervisor=True),
        f.topic(), f.topic("jzxk", "办理建筑许可", lead="zjj"), f.topic("bhzxtzz", "保护中小投资者", lead=None),
        f.guide(), f.policy(doc_number="国务院令第722号", slug="yhyshj-tl", title="优化营商环境条例"),
    ))
    session.commit()
    return {
        "wang": make_user(session, "wang", Role.STAFF, "scjgj", "王经办"),
        "liu": make_user(session, "liu", Role.STAFF, "scjgj", "刘经办"),
        "zhao": make_user(session, "zhao", Role.STAFF, "zjj", "赵经办"),
        "dbz": make_user(session, "dbz", Role.SUPERVISOR, None, "督办员"),
        "root": make_user(session, "root", Role.ADMIN, None, "管理员"),
    }


def file(session, topic="qykb", subject="营业执照办理超时", company="会宁县某某商贸有限公司", kind=TicketType.COMPLAINT):
    data = TicketInput(
        type=kind, topic=catalog_queries.topic_by_code(session, topic), guide=None, subject=subject,
        description="我公司申请营业执照至今未办结，窗口未说明原因。", company_name=company, credit_code=VALID_USCC,
        contact_name="王先生", phone="13800000000", email="", publish=False,
    )
    ticket, code = services.file_ticket(session, data)
    session.commit()
    return ticket, code


def staff_actor(user):
    return Actor("staff", user.display_name, user.bureau, user.id)


def ticket_in(session, users, state: TicketState) -> Ticket:
    """A ticket of 县市场监管局 brought to `state` through the services."""
    ticket, _ = file(session, topic="bhzxtzz" if state is S.DISPATCH else "qykb")
    wang = staff_actor(users["wang"])
    if state in (S.ACCEPTED, S.REPLIED, S.REOPENED, S.CLOSED):
        services.sign(session, ticket, wang)
    if state in (S.REPLIED, S.REOPENED, S.CLOSED):
        services.reply(session, ticket, wang, VALID["reply"]["body"])
    if state is S.REOPENED:
        services.rate(session, ticket, Score.DISSATISFIED, "")
    if state is S.CLOSED:
        services.rate(session, ticket, Score.SATISFIED, "")
    if state is S.REJECTED:
        services.reject(session, ticket, wang, "重复诉求")
    session.commit()
    assert ticket.state is state
    return ticket


def test_staff_see_their_bureaus_tickets_with_counts_and_nobody_elses(app, session, workspace_users):
    own, _ = file(session)
    other, _ = file(session, topic="jzxk", subject="施工许可证迟迟未发")
    client = app.test_client()
    login(client, "wang")
    page = client.get("/staff/").get_data(as_text=True)
    assert own.number in page and other.number not in page
    assert re.search(r'id="count-open">1<', page)
    login_other = app.test_client()
    login(login_other, "zhao")
    page = login_other.get("/staff/").get_data(as_text=True)
    assert other.number in page and own.number not in page


def test_overdue_and_due_today_come_first(app, session, workspace_users):
    later, _ = file(session, subject="后到期的工单")
    overdue, _ = file(session, subject="已逾期的工单")
    today_due, _ = file(session, subject="今日到期的工单")
    overdue.sign_due = dt.date(2020, 1, 2)
    today_due.sign_due = today()
    later.sign_due = dt.date(2099, 1, 1)
    session.commit()
    client = app.test_client()
    login(client, "wang")
    page = client.get("/staff/").get_data(as_text=True)
    order = [m for m in re.findall(r'class="ticket-link" href="/staff/tickets/([^"]+)"', page)]
    assert order == [overdue.number, today_due.number, later.number]
    assert "已逾期" in page and "今日到期" in page
    assert client.get("/staff/?view=overdue").get_data(as_text=True).count('class="ticket-link"') == 1


def test_filters_by_state_type_topic_date_and_search(app, session, workspace_users):
    first, _ = file(session, subject="营业执照办理超时", company="甲公司")
    second, _ = file(session, subject="咨询刻章流程", company="乙公司", kind=TicketType.CONSULTATION)
    services.sign(session, second, staff_actor(workspace_users["wang"]))
    session.commit()
    client = app.test_client()
    login(client, "wang")

    def numbers(query: str) -> set[str]:
        page = client.get("/staff/?" + query).get_data(as_text=True)
        return set(re.findall(r'class="ticket-link" href="/staff/tickets/([^"]+)"', page))

    assert numbers("view=all&state=accepted") == {second.number}
    assert numbers("view=all&type=consultation") == {second.number}
    assert numbers("view=all&q=甲公司") == {first.number}
    assert numbers("view=all&q=" + first.number) == {first.number}
    assert numbers("view=all&topic=qykb") == {first.number, second.number}
    day = today().isoformat()
    assert numbers(f"view=all&from={day}&to={day}") == {first.number, second.number}
    assert numbers("view=all&to=2020-01-01") == set()
    assert numbers("view=mine") == {second.number}  # the signer handles it
    assert numbers("view=all&state=bogus&type=%25&topic=../x&from=x") == {first.number, second.number}


def test_ticket_page_shows_personal_data_internal_notes_and_staff_names(app, session, workspace_users):
    ticket, _ = file(session)
    services.sign(session, ticket, staff_actor(workspace_users["wang"]))
    services.add_note(session, ticket, staff_actor(workspace_users["wang"]), "已电话联系企业")
    session.commit()
    client = app.test_client()
    login(client, "liu")
    page = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    for text in ("13800000000", VALID_USCC, "王先生", "已电话联系企业", "王经办", "答复期限", "剩 "):
        assert text in page, text


# Which workspace action each state allows (DESIGN.md's lifecycle), written out by hand, and the event
# each records. A submitted ticket is routed at once, so no bureau ever sees one.
WORKSPACE_ALLOWS = {
    S.DISPATCH: {"note", "reject"},
    S.ASSIGNED: {"sign", "return", "transfer", "note", "assign", "reject"},
    S.ACCEPTED: {"transfer", "extend", "note", "assign", "reply", "reject"},
    S.REOPENED: {"transfer", "extend", "note", "assign", "reply", "reject"},
    S.REPLIED: {"note"},
    S.CLOSED: {"note"},
    S.REJECTED: {"note"},
}
EVENT = {"sign": "sign", "return": "return", "transfer": "request_transfer", "extend": "request_extension",
         "note": "note", "assign": "handover", "reply": "reply", "reject": "reject"}


def test_the_workspace_offers_exactly_these_actions():
    assert set(ACTIONS) == set(EVENT)


@pytest.mark.parametrize("state", list(WORKSPACE_ALLOWS))
@pytest.mark.parametrize("action", list(EVENT))
def test_every_action_is_allowed_exactly_in_the_states_of_the_lifecycle(app, session, workspace_users, action, state):
    ticket = ticket_in(session, workspace_users, state)
    client = app.test_client()
    login(client, "dbz" if state is S.DISPATCH else "wang")  # a ticket in dispatch has no bureau
    events_before = len(ticket.events)
    response = post(client, f"/staff/tickets/{ticket.number}/{action}", VALID[action], page="/staff/")
    session.expire_all()
    ticket = session.get(Ticket, ticket.id)
    if state is S.DISPATCH and action != "note":
        assert response.status_code == 403  # the supervisor does not act for a bureau
    elif action in WORKSPACE_ALLOWS[state]:
        assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
        assert len(ticket.events) == events_before + 1 and ticket.events[-1].action == EVENT[action]
    else:
        assert response.status_code == 409
        assert "不能" in response.get_data(as_text=True)
        assert len(ticket.events) == events_before


@pytest.mark.parametrize("action, fields, message", [
    ("return", {"reason": "不属本单位"}, "退回须写明理由和所依据的职责"),
    ("return", {"body": "三定方案"}, "退回须写明理由和所依据的职责"),
    ("transfer", {"bureau": "zjj"}, "申请转办须写明理由"),
    ("transfer", {"bureau": "nope", "reason": "x"}, "转办单位不存在"),
    ("transfer", {"bureau": "scjgj", "reason": "x"}, "转办单位不能是当前承办单位"),
    ("extend", {"days": "abc", "reason": "需核查"}, "延期天数应为 1 至 30 个工作日"),
    ("extend", {"days": "31", "reason": "需核查"}, "延期天数应为 1 至 30 个工作日"),
    ("extend", {"days": "3"}, "申请延期须写明理由"),
    ("note", {"body": "  "}, "备注内容不能为空"),
    ("assign", {"assignee": "zhao"}, "经办人须为本单位在用账号"),
    ("assign", {"assignee": "nobody"}, "经办人须为本单位在用账号"),
    ("reply", {"body": "已办"}, "答复内容至少 10 个字"),
    ("reject", {"reason": ""}, "不予受理须写明理由"),
])
def test_an_action_missing_what_it_needs_is_a_400_with_the_reason_and_changes_nothing(
        app, session, workspace_users, action, fields, message):
    ticket = ticket_in(session, workspace_users, S.ASSIGNED if action == "return" else S.ACCEPTED)
    client = app.test_client()
    login(client, "wang")
    before = len(ticket.events)
    response = post(client, f"/staff/tickets/{ticket.number}/{action}", fields, page="/staff/")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    for name, value in fields.items():  # what was typed is kept
        if name in ("body", "reason", "days") and value.strip():
            assert value in page, name
    session.expire_all()
    assert len(session.get(Ticket, ticket.id).events) == before


def test_an_extension_after_the_reply_deadline_is_refused(app, session, workspace_users):
    ticket = ticket_in(session, workspace_users, S.ACCEPTED)
    ticket.reply_due = dt.date(2020, 1, 2)
    session.commit()
    client = app.test_client()
    login(client, "wang")
    response = post(client, f"/staff/tickets/{ticket.number}/extend", VALID["extend"], page="/staff/")
    assert response.status_code == 409 and "已超过答复期限" in response.get_data(as_text=True)


def test_a_second_pending_request_is_refused(app, session, workspace_users):
    ticket = ticket_in(session, workspace_users, S.ACCEPTED)
    client = app.test_client()
    login(client, "wang")
    url = f"/staff/tickets/{ticket.number}"
    assert post(client, url + "/extend", VALID["extend"], page=url).status_code == 303
    assert post(client, url + "/extend", VALID["extend"], page=url).status_code == 409
    assert post(client, url + "/transfer", VALID["transfer"], page=url).status_code == 303
    again = post(client, url + "/transfer", {"reason": "再次申请"}, page=url)
    assert again.status_code == 409 and "已有待审批的转办申请" in again.get_data(as_text=True)


def test_a_returned_ticket_leaves_the_bureau_for_the_dispatch_queue(app, session, workspace_users):
    ticket = ticket_in(session, workspace_users, S.ASSIGNED)
    client = app.test_client()
    login(client, "wang")
    response = post(client, f"/staff/tickets/{ticket.number}/return", VALID["return"], page="/staff/")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    session.expire_all()
    ticket = session.get(Ticket, ticket.id)
    assert ticket.state is S.DISPATCH and ticket.bureau is None
    assert "三定" in ticket.events[-1].internal_note and "住房建设" in ticket.events[-1].internal_note
    assert client.get(f"/staff/tickets/{ticket.number}").status_code == 404


def test_assigning_a_colleague_names_the_handler(app, session, workspace_users):
    ticket = ticket_in(session, workspace_users, S.ACCEPTED)
    client = app.test_client()
    login(client, "wang")
    assert post(client, f"/staff/tickets/{ticket.number}/assign", {"assignee": "liu"}, page="/staff/").status_code == 303
    session.expire_all()
    assert session.get(Ticket, ticket.id).assignee.username == "liu"
    mine = app.test_client()
    login(mine, "liu")
    assert ticket.number in mine.get("/staff/?view=mine").get_data(as_text=True)


def test_the_reply_reaches_the_business_under_the_bureaus_name_with_cited_policies_linked(
        app, session, workspace_users):
    ticket, code = file(session)
    client = app.test_client()
    login(client, "wang")
    url = f"/staff/tickets/{ticket.number}"
    assert post(client, url + "/sign", page=url).status_code == 303
    text = "依据《优化营商环境条例》（国务院令第722号），贵公司营业执照已办结，请领取。"
    assert post(client, url + "/reply", {"body": text}, page=url).status_code == 303

    business = app.test_client()
    view = business.get(f"/api/v1/tickets/{ticket.number}?code={code}").get_json()
    assert view["status"] == "replied" and view["reply"]["by"] == "县市场监管局"
    assert view["reply"]["cites"] == [{"doc_number": "国务院令第722号", "slug": "yhyshj-tl", "title": "优化营商环境条例"}]
    assert "王经办" not in str(view)
    tracked = business.post("/tickets/track", data={"number": ticket.number, "code": code,
                                                     "csrf_token": csrf_token(business, "/tickets/track")})
    page = business.get(tracked.headers["Location"]).get_data(as_text=True)
    assert '<a href="/policies/yhyshj-tl" title="优化营商环境条例">国务院令第722号</a>' in page
    assert "王经办" not in page and "13800000000" not in page


def test_staff_of_another_bureau_get_404_on_every_route_and_the_json_api(app, session, workspace_users, tmp_path):
    ticket = ticket_in(session, workspace_users, S.ASSIGNED)
    client = app.test_client()
    login(client, "zhao")
    number = ticket.number
    assert client.get(f"/staff/tickets/{number}").status_code == 404
    assert client.get(f"/staff/tickets/{number}/attachments/1").status_code == 404
    assert client.get(f"/api/v1/staff/tickets/{number}").status_code == 404
    assert number not in client.get("/api/v1/staff/tickets?view=all").get_data(as_text=True)
    for action, fields in VALID.items():
        response = post(client, f"/staff/tickets/{number}/{action}", fields, page="/staff/")
        assert response.status_code == 404, action
    session.expire_all()
    assert session.get(Ticket, ticket.id).state is S.ASSIGNED
    # the same answer as for a ticket that does not exist
    assert client.get("/staff/tickets/20991231-9999").status_code == 404
    assert client.get("/api/v1/staff/tickets/20991231-9999").status_code == 404


def test_the_supervisor_sees_every_ticket_and_the_admin_none(app, session, workspace_users):
    ticket = ticket_in(session, workspace_users, S.ASSIGNED)
    supervisor = app.test_client()
    login(supervisor, "dbz")
    assert supervisor.get(f"/staff/tickets/{ticket.number}").status_code == 200
    assert supervisor.get(f"/api/v1/staff/tickets/{ticket.number}").get_json()["phone"] == "13800000000"
    assert post(supervisor, f"/staff/tickets/{ticket.number}/sign", page="/staff/").status_code == 403
    admin = app.test_client()
    login(admin, "root")
    assert admin.get("/staff/").status_code == 403
    assert admin.get(f"/staff/tickets/{ticket.number}").status_code == 403
    assert admin.get(f"/api/v1/staff/tickets/{ticket.number}").status_code == 403


def test_anonymous_visitors_are_sent_to_login_and_the_api_says_401(app, session, workspace_users):
    ticket = ticket_in(session, workspace_users, S.ASSIGNED)
    client = app.test_client()
    response = client.get(f"/staff/tickets/{ticket.number}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/staff/tickets/")
    assert client.get(f"/api/v1/staff/tickets/{ticket.number}").status_code == 401
    assert client.post(f"/staff/tickets/{ticket.number}/sign").status_code == 400  # no token, before anything


def test_every_post_route_refuses_a_request_without_the_csrf_token(app, session, workspace_users):
    ticket = ticket_in(session, workspace_users, S.ASSIGNED)
    client = app.test_client()
    login(client, "wang")
    values = {"number": ticket.number, "action": "sign", "user_id": workspace_users["liu"].id,
              "slug": "gongzhang-kezhi"}
    adapter = app.url_map.bind("localhost")
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith(("/api/", "/open311/")):
            continue  # machine doors: JSON clients and Open311 partners (an API key) send no form token
        args = {}
        for name in rule.arguments:
            converter = rule._converters[name]
            if isinstance(converter, AnyConverter):
                args[name] = sorted(converter.items)[0]
            else:
                args[name] = values.get(name, 1 if isinstance(converter, IntegerConverter) else "x")
        url = adapter.build(rule.endpoint, args, method="POST")
        response = client.post(url, data={"body": "x", "reason": "x"})
        assert response.status_code == 400, (url, response.status_code)
        checked.append(url)
    assert len(checked) >= 12
    session.expire_all()
    assert session.get(Ticket, ticket.id).state is S.ASSIGNED


def test_every_staff_action_is_in_the_audit_log_with_the_address(app, session, workspace_users):
    ticket = ticket_in(session, workspace_users, S.ASSIGNED)
    client = app.test_client()
    login(client, "wang")
    url = f"/staff/tickets/{ticket.number}"
    post(client, url + "/sign", page=url)
    post(client, url + "/note", VALID["note"], page=url)
    post(client, url + "/extend", VALID["extend"], page=url)
    session.expire_all()
    entries = session.scalars(select(AuditEntry).where(AuditEntry.target == ticket.number)
                              .order_by(AuditEntry.id)).all()
    assert [(e.action, e.username, e.address) for e in entries] == [
        ("ticket_sign", "wang", "127.0.0.1"), ("ticket_note", "wang", "127.0.0.1"),
        ("ticket_request_extension", "wang", "127.0.0.1")]
    assert "5 个工作日" in entries[-1].detail


def test_reply_templates_belong_to_one_bureau(app, session, workspace_users):
    client = app.test_client()
    login(client, "wang")
    saved = post(client, "/staff/templates", {"title": "已办结", "body": "您反映的问题已办结，感谢您的支持。"})
    assert saved.status_code == 303
    short = post(client, "/staff/templates", {"title": "短", "body": "太短"})
    assert short.status_code == 400 and "模板名称为 2 至 60 字" in short.get_data(as_text=True)
    ticket = ticket_in(session, workspace_users, S.ACCEPTED)
    assert "您反映的问题已办结" in client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)

    other = app.test_client()
    login(other, "zhao")
    assert "已办结" not in other.get("/staff/templates").get_data(as_text=True)
    from portal.tickets.models import ReplyTemplate

    template_id = session.scalars(select(ReplyTemplate.id)).one()
    assert post(other, f"/staff/templates/{template_id}/delete", page="/staff/templates").status_code == 404
    assert post(other, "/staff/templates", {"id": str(template_id), "title": "改了", "body": "别的单位改不了这个模板。"},
                page="/staff/templates").status_code == 404
    assert post(client, f"/staff/templates/{template_id}/delete", page="/staff/templates").status_code == 303
    assert session.scalars(select(ReplyTemplate)).all() == []


def test_a_bureau_admin_takes_every_action_staff_take(app, session, workspace_users):
    make_user(session, "boss", Role.BUREAU_ADMIN, "scjgj", "局管理员")
    client = app.test_client()
    login(client, "boss")
    ticket = ticket_in(session, workspace_users, S.ASSIGNED)
    url = f"/staff/tickets/{ticket.number}"
    for action in ("sign", "note", "assign", "extend", "transfer", "reply"):
        assert post(client, f"{url}/{action}", VALID[action], page=url).status_code == 303, action
    session.expire_all()
    assert session.get(Ticket, ticket.id).state is S.REPLIED


@pytest.mark.parametrize("action", [a for a in ACTIONS if a != "note"])
def test_neither_the_supervisor_nor_the_admin_acts_for_a_bureau(app, session, workspace_users, action):
    ticket = ticket_in(session, workspace_users, S.ACCEPTED if action not in ("sign", "return") else S.ASSIGNED)
    before = len(ticket.events)
    for username, code in (("dbz", 403), ("root", 403)):
        client = app.test_client()
        login(client, username)
        response = post(client, f"/staff/tickets/{ticket.number}/{action}", VALID[action], page="/account/password")
        assert response.status_code == code, (username, action)
    session.expire_all()
    assert len(session.get(Ticket, ticket.id).events) == before


def test_an_attachment_is_served_to_the_holder_bureau_only(app, session, workspace_users):
    from tests.tickets.conftest import PNG, confirmation, file_through_form

    business = app.test_client()
    number, _ = confirmation(business, file_through_form(
        business, attachments=[(io.BytesIO(PNG), "现场照片.png")]))
    ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
    [item] = ticket.attachments
    url = f"/staff/tickets/{number}/attachments/{item.id}"
    holder = app.test_client()
    login(holder, "wang")
    got = holder.get(url)
    assert got.status_code == 200 and got.data == PNG and "attachment" in got.headers["Content-Disposition"]
    other = app.test_client()
    login(other, "zhao")
    assert other.get(url).status_code == 404
    other_ticket = ticket_in(session, workspace_users, S.ASSIGNED)
    other_ticket.bureau = catalog_queries.bureau_by_code(session, "zjj")
    session.commit()
    # B's own ticket number with A's attachment id does not reach A's file either
    assert other.get(f"/staff/tickets/{other_ticket.number}/attachments/{item.id}").status_code == 404
