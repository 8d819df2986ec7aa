"""Appeals of bad ratings (差评申诉, issue 14): the rated bureau appeals once, within 5 working days, with a
reason; the supervising office upholds (the rating leaves the bureau's figures, still shown to the
office) or dismisses it (nothing changes); the business sees neither. The ratings are given on
Wednesday 25 November 2026; 5 working days later is Wednesday 2 December (26, 27, 30 Nov, 1, 2 Dec)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.catalog import queries
from portal.catalog.content import import_content
from portal.clock import as_of
from portal.supervision.scoreboard import scoreboard
from portal.tickets.appeals import RatingAppeal
from portal.tickets import services
from portal.tickets.models import Score, Ticket, TicketType
from portal.tickets.services import TicketInput
from tests import factories as f
from tests.forms import csrf_token, post
from tests.staff import login, make_user


def at(day: str, hour: int = 10):
    return as_of(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00"))


@pytest.fixture
def rated(session):
    """Two complaints of 县市场监管局 rated 非常不满意 today, and one rated 满意."""
    import_content(session, f.lines(f.bureau(), f.bureau("zjj", "县住建局"), f.bureau("fgj", "县发改局", supervisor=True),
                                    f.topic()))
    session.commit()
    wang = make_user(session, "wang", Role.STAFF, "scjgj", "王经办").as_actor()
    make_user(session, "zhao", Role.STAFF, "zjj", "赵经办")
    make_user(session, "dbz", Role.SUPERVISOR, None, "督办员")
    tickets = {}
    for name, score in [("upheld", Score.VERY_DISSATISFIED), ("dismissed", Score.VERY_DISSATISFIED),
                        ("good", Score.SATISFIED)]:
        data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, "qykb"), guide=None,
                           subject=f"{name}工单", description="申请营业执照至今未办结。", company_name="甲公司",
                           credit_code="", contact_name="王先生", phone="13800000000", email="", publish=False)
        ticket, code = services.file_ticket(session, data)
        services.sign(session, ticket, wang)
        services.reply(session, ticket, wang, "经核查，营业执照已办结，请领取。")
        services.rate(session, ticket, score, "乱评的" if score.bad else "")
        tickets[name] = (ticket, code)
    session.commit()
    return tickets


def client_of(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def appeal(client, ticket: Ticket, reason: str = "企业评价内容与诉求无关，属恶意差评。"):
    return post(client, f"/staff/tickets/{ticket.number}/appeal", {"reason": reason}, page=f"/staff/tickets/{ticket.number}")


def decide(client, ticket: Ticket, decision: str, reason: str = "经复核。"):
    return post(client, f"/supervision/tickets/{ticket.number}/appeal", {"decision": decision, "reason": reason},
                page=f"/staff/tickets/{ticket.number}")


def figures(session) -> tuple:
    fig = {b.code: f for b, f in scoreboard(session, dt.date(2026, 11, 23), dt.date(2026, 11, 27),
                                             dt.date(2026, 11, 27))}["scjgj"]
    return fig.rated, fig.bad, fig.satisfaction, fig.combined_satisfaction, fig.appeals_upheld


def test_an_upheld_appeal_takes_the_rating_out_of_the_figures_and_a_dismissed_one_does_not(app, session, rated):
    upheld, dismissed = rated["upheld"][0], rated["dismissed"][0]
    assert figures(session) == (3, 2, 33.3, 33.3, 0)
    wang, office = client_of(app, "wang"), client_of(app, "dbz")
    page = wang.get(f"/staff/tickets/{upheld.number}").get_data(as_text=True)
    assert 'id="form-appeal"' in page
    with at("2026-11-26"):
        assert appeal(wang, upheld).status_code == 303
        assert appeal(wang, dismissed, "企业要求超出法定范围。").status_code == 303
    assert figures(session) == (3, 2, 33.3, 33.3, 0)  # appealed, not yet decided: nothing changes
    start = office.get("/supervision/").get_data(as_text=True)
    assert 'id="pending-appeals"' in start and upheld.number in start and dismissed.number in start
    with at("2026-11-27"):
        assert decide(office, upheld, "uphold", "评价内容与诉求无关，认定为恶意差评。").status_code == 303
        assert decide(office, dismissed, "dismiss", "答复确未解决企业问题。").status_code == 303
    assert figures(session) == (2, 1, 50.0, 50.0, 1)
    session.expire_all()
    assert [(a.ticket.number, a.decision.value, a.decided_by) for a in session.scalars(
        select(RatingAppeal).order_by(RatingAppeal.id))] == [
        (upheld.number, "upheld", "督办员"), (dismissed.number, "dismissed", "督办员")]

    shown = office.get(f"/staff/tickets/{upheld.number}").get_data(as_text=True)
    assert "企业评价：<strong>非常不满意</strong>" in shown  # the rating stays, for the office to see
    assert "申诉成立" in shown and "该评价保留在工单上，不计入县市场监管局的考核数据" in shown
    board = office.get("/supervision/scoreboard?from=2026-11-23&to=2026-11-27").get_data(as_text=True)
    assert "申诉核减" in board and "不计入该部门的满意率、评价满意率和差评" in board
    assert 'id="pending-appeals"' not in office.get("/supervision/").get_data(as_text=True)


def test_the_business_sees_neither_the_appeal_nor_the_decision(app, session, rated):
    ticket, code = rated["upheld"]
    with at("2026-11-26"):
        assert appeal(client_of(app, "wang"), ticket).status_code == 303
    with at("2026-11-27"):
        assert decide(client_of(app, "dbz"), ticket, "uphold", "恶意差评").status_code == 303
    business = app.test_client()
    view = business.get(f"/api/v1/tickets/{ticket.number}", headers={"X-Retrieval-Code": code}).get_json()
    assert view["rating"]["label"] == "非常不满意"
    assert all("申诉" not in e["text"] and e["action"] not in ("appeal", "decide_appeal") for e in view["events"])
    business.post("/tickets/track", data={"number": ticket.number, "code": code,
                                          "csrf_token": csrf_token(business, "/tickets/track")})
    page = business.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "非常不满意" in page and "申诉" not in page and "恶意差评" not in page
    audit = [(a.action, a.username) for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
             if a.action.startswith("ticket_")]
    assert audit[-2:] == [("ticket_appeal", "wang"), ("ticket_decide_appeal", "dbz")]


def test_a_rating_is_appealed_once_within_five_working_days_by_the_rated_bureau(app, session, rated):
    upheld, dismissed, good = rated["upheld"][0], rated["dismissed"][0], rated["good"][0]
    wang = client_of(app, "wang")
    with at("2026-12-03"):  # the 6th working day after the rating
        late = appeal(wang, dismissed)
        assert late.status_code == 409
        assert "差评申诉须在评价后 5 个工作日内提出（该评价的申诉期限为 2026年12月2日），已超过期限" in late.get_data(as_text=True)
    with at("2026-12-02", 17):
        missing = appeal(wang, upheld, "  ")
        assert missing.status_code == 400 and "差评申诉须写明理由" in missing.get_data(as_text=True)
        assert appeal(wang, upheld).status_code == 303
        twice = appeal(wang, upheld)
        assert twice.status_code == 409 and "每条差评只能申诉一次" in twice.get_data(as_text=True)
        assert 'id="form-appeal"' not in wang.get(f"/staff/tickets/{upheld.number}").get_data(as_text=True)
    not_bad = appeal(wang, good)
    assert not_bad.status_code == 409 and "该工单没有本单位可以申诉的差评" in not_bad.get_data(as_text=True)
    other = post(client_of(app, "zhao"), f"/staff/tickets/{upheld.number}/appeal", {"reason": "代为申诉"}, page="/staff/")
    assert other.status_code == 404  # another bureau: not its ticket
    assert len(session.scalars(select(RatingAppeal)).all()) == 1


def test_the_office_decides_with_a_reason_and_only_an_appeal_waiting(app, session, rated):
    ticket = rated["upheld"][0]
    office = client_of(app, "dbz")
    nothing = decide(office, ticket, "uphold")
    assert nothing.status_code == 303  # 409: back to the ticket, told why
    assert "该工单没有待复核的差评申诉" in office.get(nothing.headers["Location"]).get_data(as_text=True)
    assert appeal(client_of(app, "wang"), ticket).status_code == 303
    no_choice = decide(office, ticket, "maybe")
    assert no_choice.status_code == 400 and "请选择申诉成立或不成立" in no_choice.get_data(as_text=True)
    no_reason = decide(office, ticket, "dismiss", " ")
    assert no_reason.status_code == 400 and "复核差评申诉须写明理由" in no_reason.get_data(as_text=True)
    assert 'id="form-appeal-decision"' in no_reason.get_data(as_text=True)
    assert post(client_of(app, "wang"), f"/supervision/tickets/{ticket.number}/appeal",
                {"decision": "uphold", "reason": "自己批准"}, page="/account/password").status_code == 403
    session.expire_all()
    [pending] = session.scalars(select(RatingAppeal)).all()
    assert pending.decision.value == "pending"
