"""The scoreboard and the ledger against a hand-computed set of tickets around 国庆 2025: Oct 1-8 are
holidays, Sunday Sep 28 and Saturday Oct 11 are make-up workdays (调休). Every step is taken through
the services at its own moment (`clock.as_of`); "today" is Wednesday 2025-10-15."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.catalog import queries
from portal.catalog.content import import_content
from portal.clock import as_of
from portal.supervision.ledger import ledger
from portal.supervision.scoreboard import scoreboard, total, weekly
from portal.supervision.services import route, urge
from portal.tickets import services
from portal.tickets.models import Score, TicketType
from portal.actors import Actor
from portal.tickets.services import TicketInput
from tests import factories as f

TODAY = dt.date(2025, 10, 15)


def at(day: str, hour: int = 10):
    return as_of(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00"))


@pytest.fixture
def history(session):
    import_content(session, f.lines(
        f.bureau(), f.bureau("zjj", "县住建局"), f.topic(), f.topic("jzxk", "办理建筑许可", lead="zjj")))
    session.commit()
    a = Actor("staff", "甲局经办", queries.bureau_by_code(session, "scjgj"))
    b = Actor("staff", "乙局经办", queries.bureau_by_code(session, "zjj"))
    office = Actor("supervisor", "督办员")

    def filed(day: str, topic: str, kind: TicketType, subject: str):
        with at(day):
            data = TicketInput(type=kind, topic=queries.topic_by_code(session, topic), guide=None, subject=subject,
                               description="用于考核口径的手算样例。", company_name="", credit_code="",
                               contact_name="张先生", phone="13800000000", email="", publish=False)
            return services.file_ticket(session, data)[0]

    t1 = filed("2025-09-30", "qykb", TicketType.COMPLAINT, "一号")  # sign due Oct 9, reply due Oct 21
    with at("2025-10-09"):
        services.sign(session, t1, a)
    with at("2025-10-11"):  # a make-up Saturday: a working day
        services.reply(session, t1, a, "已办结，请领取营业执照。感谢支持。")
    with at("2025-10-13"):
        services.rate(session, t1, Score.SATISFIED, "")

    t2 = filed("2025-09-29", "qykb", TicketType.CONSULTATION, "二号")  # sign due Sep 30, reply due Oct 10
    with at("2025-10-09"):
        services.sign(session, t2, a)
    with at("2025-10-13"):
        services.reply(session, t2, a, "答复内容：已按规定办理，请知悉。")
    with at("2025-10-14"):
        services.rate(session, t2, Score.DISSATISFIED, "")  # reopened, new reply due Oct 17

    t3 = filed("2025-09-30", "jzxk", TicketType.HELP, "三号")  # sign due Oct 9, reply due Oct 14; never signed
    with at("2025-10-10"):
        urge(session, t3, office, "请立即签收并答复。", dt.date(2025, 10, 10))

    t4 = filed("2025-10-11", "jzxk", TicketType.COMPLAINT, "四号")  # to B on a make-up Saturday: sign due Oct 13
    with at("2025-10-13"):
        services.return_to_dispatch(session, t4, b, "属市场监管职责", "三定方案")
    with at("2025-10-14"):
        route(session, t4, queries.bureau_by_code(session, "scjgj"), office, "请市场监管局办理")
    with at("2025-10-15", 9):
        services.sign(session, t4, a)
    session.commit()
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4}


def test_the_deadlines_follow_the_holiday_and_the_make_up_saturday(history):
    t1, t2, t3, t4 = (history[k] for k in ("t1", "t2", "t3", "t4"))
    assert (t1.sign_due, t1.reply_due) == (dt.date(2025, 10, 9), dt.date(2025, 10, 21))
    assert t2.reply_due == dt.date(2025, 10, 17)  # redo: 3 working days from Oct 14
    assert (t3.sign_due, t3.reply_due) == (dt.date(2025, 10, 9), dt.date(2025, 10, 14))
    assert t4.sign_due == dt.date(2025, 10, 15) and t4.bureau.code == "scjgj"


def test_scoreboard_figures_match_the_hand_computed_ones(session, history):
    rows = {bureau.code: figures for bureau, figures in scoreboard(session, dt.date(2025, 9, 29), TODAY, TODAY)}
    a, b = rows["scjgj"], rows["zjj"]
    # A received 一号, 二号 and 四号 (routed to it on Oct 14 after 乙局 returned it)
    assert a.received == 3
    assert (a.signed_on_time, a.signed_judged, a.sign_rate) == (2, 3, 66.7)  # 二号 signed Oct 9, due Sep 30
    assert (a.answered_on_time, a.answered_judged, a.answer_rate) == (1, 2, 50.0)  # 四号 not yet due
    assert a.average_days == 4.0  # 一号: Oct 9, 10, 11 = 3; 二号: Sep 30, Oct 9, 10, 11, 13 = 5
    assert (a.rated, a.satisfied, a.satisfaction, a.bad, a.reopened) == (2, 1, 50.0, 1, 1)
    assert (a.returns, a.urges, a.overdue_now) == (0, 0, 0)
    # B held 三号 (never signed) and, from Oct 11 to 13, 四号, which it returned on its sign deadline
    assert b.received == 2
    assert (b.signed_on_time, b.signed_judged, b.sign_rate) == (1, 2, 50.0)
    assert (b.answer_rate, b.average_days, b.satisfaction) == (0.0, None, None)  # 四号 left before answering
    assert (b.returns, b.urges, b.overdue_now) == (1, 1, 1)
    county = total(list(rows.items()))
    assert (county.received, county.sign_rate, county.answer_rate) == (5, 60.0, 33.3)


def test_weekly_figures_bucket_by_the_monday_of_the_week(session, history):
    weeks = dict(weekly(session, dt.date(2025, 9, 29), TODAY, TODAY))
    assert list(weeks) == [dt.date(2025, 9, 29), dt.date(2025, 10, 6), dt.date(2025, 10, 13)]
    assert [w.received for w in weeks.values()] == [3, 1, 1]  # 四号: to B on Sat Oct 11, to A on Oct 14
    assert [w.rated for w in weeks.values()] == [0, 0, 2]
    assert [w.returns for w in weeks.values()] == [0, 0, 1]
    assert [w.urges for w in weeks.values()] == [0, 1, 0]
    only_b = dict(weekly(session, dt.date(2025, 9, 29), TODAY, TODAY, queries.bureau_by_code(session, "zjj")))
    assert [w.received for w in only_b.values()] == [1, 1, 0]


def test_a_period_before_the_tickets_counts_nothing_but_overdue_now(session, history):
    rows = {bureau.code: figures for bureau, figures in scoreboard(session, dt.date(2025, 9, 1), dt.date(2025, 9, 28), TODAY)}
    assert set(rows) == {"zjj"} and rows["zjj"].received == 0 and rows["zjj"].overdue_now == 1


def test_the_ledger_lists_late_bad_and_reopened_tickets_with_age_and_urges(session, history):
    rows = {row.ticket.subject: row for row in ledger(session, TODAY)}
    assert set(rows) == {"二号", "三号"}
    assert rows["二号"].problems == ["late_sign", "late_reply", "bad_rating", "reopened"]
    assert rows["三号"].problems == ["late_sign", "late_reply"]
    assert rows["三号"].age == 6  # Sep 30 → Oct 9, 10, 11, 13, 14, 15
    assert rows["三号"].overdue_days == 5  # sign due Oct 9 → Oct 10, 11 (调休), 13, 14, 15
    assert [u.kind.label for u in rows["三号"].urges] == ["督办"]
    assert [row.bureau.code for row in ledger(session, TODAY)] == ["scjgj", "zjj"]


def figures_for(session, start: str, end: str, today: str) -> dict:
    day = dt.date.fromisoformat
    return {b.code: f for b, f in scoreboard(session, day(start), day(end), day(today))}


@pytest.fixture
def two_bureaus(session):
    import_content(session, f.lines(f.bureau(), f.bureau("zjj", "县住建局"), f.topic()))
    session.commit()
    return (Actor("staff", "甲局经办", queries.bureau_by_code(session, "scjgj")),
            Actor("staff", "乙局经办", queries.bureau_by_code(session, "zjj")), Actor("supervisor", "督办员"))


def complaint(session, day: str):
    with at(day):
        data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, "qykb"), guide=None,
                           subject="样例", description="用于考核口径的样例。", company_name="", credit_code="",
                           contact_name="张先生", phone="13800000000", email="", publish=False)
        return services.file_ticket(session, data)[0]


def test_a_rejection_before_signing_is_an_answer_judged_against_the_reply_deadline(session, two_bureaus):
    a, _, _ = two_bureaus
    ticket = complaint(session, "2025-11-03")  # sign due 11-04, reply due 11-17
    with at("2025-11-05"):
        services.reject(session, ticket, a, "已进入诉讼程序")
    session.commit()
    fig = figures_for(session, "2025-11-03", "2025-11-30", "2025-11-30")["scjgj"]
    assert (fig.signed_judged, fig.signed_on_time) == (1, 0)  # the rejection came after the sign deadline
    assert (fig.answered_judged, fig.answered_on_time) == (1, 1)  # but well inside the reply deadline


def test_a_transfer_keeps_the_first_bureaus_late_record_and_the_rating_stays_with_the_rated(session, two_bureaus):
    a, b, office = two_bureaus
    ticket = complaint(session, "2025-11-03")  # sign due 11-04, reply due 11-17
    with at("2025-11-06"):
        services.sign(session, ticket, a)  # late
    with at("2025-11-20"):
        services.reply(session, ticket, a, "答复内容已经足够十个字。")  # late
    with at("2025-11-21"):
        services.rate(session, ticket, Score.VERY_DISSATISFIED, "")  # bad, reopened with A
    with at("2025-11-24"):
        services.request_transfer(session, ticket, a, queries.bureau_by_code(session, "zjj"), "属住建职责")
        services.decide_transfer(session, ticket, office, True, "同意转办")
    session.commit()
    rows = figures_for(session, "2025-11-01", "2025-11-30", "2025-11-30")
    assert (rows["scjgj"].received, rows["scjgj"].sign_rate, rows["scjgj"].answer_rate) == (1, 0.0, 0.0)
    assert (rows["scjgj"].rated, rows["scjgj"].bad, rows["scjgj"].reopened) == (1, 1, 1)
    # B got it on 11-24 (sign due 11-25) and has not signed by 11-30: late on its own account
    assert (rows["zjj"].received, rows["zjj"].rated, rows["zjj"].signed_judged, rows["zjj"].signed_on_time) == (1, 0, 1, 0)
    ledger_rows = ledger(session, dt.date(2025, 11, 30))
    assert [(r.bureau.code, r.problems, r.open) for r in ledger_rows] == [
        ("scjgj", ["late_sign", "late_reply", "bad_rating", "reopened"], False), ("zjj", ["late_sign"], True)]


def test_a_late_return_is_a_late_sign_for_the_returning_bureau(session, two_bureaus):
    a, _, _ = two_bureaus
    ticket = complaint(session, "2025-11-03")  # sign due 11-04
    with at("2025-11-07"):
        services.return_to_dispatch(session, ticket, a, "不属本局", "三定方案")
    session.commit()
    fig = figures_for(session, "2025-11-01", "2025-11-30", "2025-11-30")["scjgj"]
    assert (fig.received, fig.signed_judged, fig.signed_on_time, fig.returns) == (1, 1, 0, 1)
    [row] = ledger(session, dt.date(2025, 11, 30))
    assert (row.bureau.code, row.problems, row.open) == ("scjgj", ["late_sign"], False)


def test_a_transfer_approved_after_the_reply_deadline_keeps_the_late_answer(session, two_bureaus):
    a, _, office = two_bureaus
    ticket = complaint(session, "2025-11-03")  # reply due 11-17
    with at("2025-11-04"):
        services.sign(session, ticket, a)
        services.request_transfer(session, ticket, a, queries.bureau_by_code(session, "zjj"), "属住建职责")
    with at("2025-11-28"):
        services.decide_transfer(session, ticket, office, True, "同意转办")
    session.commit()
    fig = figures_for(session, "2025-11-01", "2025-11-30", "2025-11-28")["scjgj"]
    assert (fig.signed_judged, fig.signed_on_time, fig.answered_judged, fig.answered_on_time) == (1, 1, 1, 0)
    assert [(r.bureau.code, r.problems) for r in ledger(session, dt.date(2025, 11, 28))] == [("scjgj", ["late_reply"])]
