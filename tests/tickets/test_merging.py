"""Repeats and merging (并单, issue 13): two tickets on one matter are shown as likely repeats (same
company and topic within 30 days; the same words), merged by the holding bureau (across bureaus only by
the office), and both businesses get the one reply; the repeat is rated on its own and counts once."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import delete, select

from portal.accounts.models import Role
from portal.catalog import queries
from portal.clock import as_of
from portal.supervision.scoreboard import scoreboard
from portal.tickets import services
from portal.tickets.models import Channel, Score, Ticket, TicketState, TicketTerm, TicketType
from portal.tickets.services import TicketInput
from portal.tickets.similar import earlier_filings, key_words, likely_repeats, public_matches
from portal.tickets.viewers import Viewer
from tests.clock import NOW, TODAY
from tests.forms import post
from tests.staff import login, make_user
from tests.tickets.conftest import VALID_USCC, confirmation, file_through_form

S = TicketState
OTHER_USCC = "91620422MA71A2B3C8"


def filed(session, subject: str, description: str, topic: str = "qykb", credit_code: str = VALID_USCC,
          email: str = "", days_ago: int = 0, confidential: bool = False, publish: bool = False,
          phone: str = "13800000000") -> Ticket:
    data = TicketInput(type=TicketType.COMPLAINT, topic=queries.topic_by_code(session, topic), guide=None,
                       subject=subject, description=description, company_name="会宁县某某商贸有限公司",
                       credit_code=credit_code, contact_name="王先生", phone=phone, email=email,
                       publish=publish, confidential=confidential)
    with as_of(NOW - dt.timedelta(days=days_ago)):
        ticket, _ = services.file_ticket(session, data)
    session.commit()
    return ticket


@pytest.fixture
def people(session, routing_catalog):
    return {"wang": make_user(session, "wang", Role.STAFF, "scjgj", "王经办"),
            "zhao": make_user(session, "zhao", Role.STAFF, "zjj", "赵经办"),
            "dbz": make_user(session, "dbz", Role.SUPERVISOR, None, "督办员")}


FIRST = ("营业执照变更登记超时", "我公司十日前提交法定代表人变更登记，窗口受理后至今没有结果，也没有告知原因。")
AGAIN = ("再次反映法定代表人变更登记超时", "法定代表人变更登记已经提交十多天，窗口一直没有结果，也不说明原因，请尽快办理。")
UNRELATED = ("食品经营许可延续迟迟未办", "我店食品经营许可证即将到期，已提交延续申请，窗口说要现场核查但一直没有安排。")


def test_the_same_words_and_the_same_company_are_likely_repeats_and_nothing_else(session, people):
    first = filed(session, *FIRST, days_ago=3)
    again = filed(session, *AGAIN, credit_code=OTHER_USCC)  # another company, the same matter
    filed(session, *UNRELATED, credit_code="")  # same bureau, another matter, a person
    same_company = filed(session, "税务登记信息更新", "公司地址变更后税务登记信息需要同步更新，请指导。", days_ago=40)
    assert [w for w, _ in key_words(*AGAIN)][:3] == ["再次", "法定代表人", "变更登记"]  # the domain's words kept whole
    found = likely_repeats(session, again, Viewer.OFFICE)
    assert [(item.ticket.number, item.reasons) for item in found] == [(first.number, ("text",))]
    # the same company on the same topic within 30 days, whatever the words
    recent = filed(session, "税务登记信息更新", "公司地址变更后税务登记信息需要同步更新，请指导。", days_ago=10)
    found = likely_repeats(session, first, Viewer.OFFICE)
    assert [(item.ticket.number, item.reasons) for item in found] == [
        (recent.number, ("company",)), (again.number, ("text",))]
    assert same_company.number not in [item.ticket.number for item in found]  # 40 days before: outside


def test_a_bureau_is_not_shown_a_company_match_that_would_unmask_a_confidential_ticket(session, people):
    secret = filed(session, "检查人员暗示购买指定产品", "例行检查中检查人员暗示购买其推荐的消毒产品。", confidential=True)
    open_one = filed(session, "税务登记信息更新", "公司地址变更后税务登记信息需要同步更新，请指导。", days_ago=2)
    bureau = people["wang"].bureau_id
    assert likely_repeats(session, secret, Viewer.BUREAU, bureau) == []
    assert likely_repeats(session, open_one, Viewer.BUREAU, bureau) == []
    assert [i.ticket.number for i in likely_repeats(session, secret, Viewer.OFFICE)] == [open_one.number]


def test_repeats_are_shown_merged_and_both_businesses_get_the_one_reply(app, session, people, smtp):
    controller, inbox = smtp
    first = filed(session, *FIRST, email="first@example.com", days_ago=3)
    again = filed(session, *AGAIN, credit_code=OTHER_USCC, email="again@example.com")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        staff = app.test_client()
        login(staff, "wang")
        page = staff.get(f"/staff/tickets/{again.number}").get_data(as_text=True)
        likely = re.search(r'<ul class="likely-list">(.*?)</ul>', page, re.S).group(1)
        assert first.number in likely and "内容相近" in likely
        assert staff.get(f"/api/v1/staff/tickets/{again.number}").get_json()["similar"] == [first.number]

        refused = post(staff, f"/staff/tickets/{again.number}/merge", {"into": first.number, "reason": ""},
                       page=f"/staff/tickets/{again.number}")
        assert refused.status_code == 400 and "并单须写明理由" in refused.get_data(as_text=True)
        response = post(staff, f"/staff/tickets/{again.number}/merge",
                        {"into": first.number, "reason": "同一事项重复反映"}, page=f"/staff/tickets/{again.number}")
        assert response.status_code == 303
        session.expire_all()
        assert (again.state, again.merged_into_id) == (S.MERGED, first.id)
        assert [e.action for e in first.events][-1] == "take_repeat"
        inbox.wait_for(1)
        told = inbox.messages[0]
        assert told["To"] == "again@example.com" and first.number in told["Subject"]
        assert first.number in told.get_content()
        # the public status is `merged`
        assert app.test_client().get(f"/api/v1/tickets/{again.number}").status_code == 404  # needs its code
        staff_json = staff.get(f"/api/v1/staff/tickets/{first.number}").get_json()
        assert staff_json["repeats"] == [again.number]

        assert post(staff, f"/staff/tickets/{first.number}/sign", page=f"/staff/tickets/{first.number}").status_code == 303
        assert post(staff, f"/staff/tickets/{first.number}/reply", {"body": "经核查，变更登记已于今日办结，请领取新执照。"},
                    page=f"/staff/tickets/{first.number}").status_code == 303
        inbox.wait_for(3)
        replies = {m["To"]: m for m in inbox.messages[1:]}
        assert set(replies) == {"first@example.com", "again@example.com"}
        for message in replies.values():
            assert "经核查，变更登记已于今日办结，请领取新执照。" in message.get_content()
        assert again.number in replies["again@example.com"]["Subject"]
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)


def test_the_repeats_tracking_page_carries_the_reply_and_it_is_rated_on_its_own(app, session, people):
    first = filed(session, *FIRST, days_ago=3)
    business = app.test_client()
    number, code = confirmation(business, file_through_form(business, subject=AGAIN[0], description=AGAIN[1]))
    again = session.scalars(select(Ticket).where(Ticket.number == number)).one()
    wang, office = people["wang"].as_actor(), people["dbz"].as_actor()
    from portal.tickets.merging import merge

    merge(session, again, first, wang, "同一事项重复反映")
    session.commit()
    view = business.get(f"/api/v1/tickets/{number}", headers={"X-Retrieval-Code": code}).get_json()
    assert (view["status"], view["status_label"], view["reply"], view["can_rate"]) == ("merged", "已并单", None, False)
    assert view["merged_into"]["number"] == first.number
    services.sign(session, first, wang)
    services.reply(session, first, wang, "经核查，变更登记已于今日办结，请领取新执照。")
    session.commit()
    page = business.get(f"/tickets/{number}").get_data(as_text=True)
    assert "经核查，变更登记已于今日办结，请领取新执照。" in page and 'id="rate-form"' in page
    rated = post(business, f"/tickets/{number}/rate", {"score": "dissatisfied", "comment": "太慢"},
                 page=f"/tickets/{number}")
    assert rated.status_code == 303
    session.expire_all()
    assert again.state is S.MERGED and [r.score for r in again.ratings] == [Score.DISSATISFIED]
    assert again.ratings[0].bureau_id == first.bureau_id and again.flagged
    assert first.state is S.REPLIED and first.ratings == []  # the master's own business decides its rating
    again_rate = post(business, f"/tickets/{number}/rate", {"score": "satisfied"}, page="/tickets/track")
    assert again_rate.status_code == 409
    # counted once for the bureau: one received, one repeat (50 %), and the repeat's rating counted
    (bureau, figures), = scoreboard(session, TODAY - dt.timedelta(days=7), TODAY, TODAY)
    assert (bureau.code, figures.received, figures.repeats, figures.repeat_rate, figures.rated, figures.bad) == (
        "scjgj", 1, 1, 50.0, 1, 1)
    office_client = app.test_client()
    login(office_client, "dbz")
    ledger = office_client.get("/supervision/ledger").get_data(as_text=True)
    assert first.number in ledger and again.number not in ledger  # the master's holding, flagged for the rating
    assert office  # the office may merge too (next test)


def test_a_merge_across_bureaus_needs_the_office(app, session, people):
    mine = filed(session, *FIRST)
    theirs = filed(session, "施工许可审批超时", "厂房施工许可申请已提交三周仍未取得，变更登记也受影响。", topic="jzxk")
    staff = app.test_client()
    login(staff, "wang")
    refused = post(staff, f"/staff/tickets/{mine.number}/merge", {"into": theirs.number, "reason": "同一项目"},
                   page=f"/staff/tickets/{mine.number}")
    assert refused.status_code == 400
    assert f"本单位没有流水号为 {theirs.number} 的工单（跨单位并单须由县营商环境办办理）。" in refused.get_data(as_text=True)
    from portal.errors import Forbidden
    from portal.tickets.merging import merge

    with pytest.raises(Forbidden, match="跨单位并单须由县营商环境办办理"):
        merge(session, mine, theirs, people["wang"].as_actor(), "同一项目")
    session.rollback()
    office = app.test_client()
    login(office, "dbz")
    done = post(office, f"/staff/tickets/{mine.number}/merge", {"into": theirs.number, "reason": "同一项目"},
                page=f"/staff/tickets/{mine.number}")
    assert done.status_code == 303
    session.expire_all()
    assert mine.merged_into_id == theirs.id and mine.events[-1].actor_kind == "supervisor"
    # a ticket already merged is no master, and a master takes no second master
    third = filed(session, "营业执照第三次反映", "营业执照变更登记仍未办结。")
    again = post(office, f"/staff/tickets/{third.number}/merge", {"into": mine.number, "reason": "同一事项"},
                 page=f"/staff/tickets/{third.number}")
    assert f"工单 {mine.number} 本身已并入工单 {theirs.number}" in again.get_data(as_text=True)


def test_a_company_filing_again_is_told_of_its_earlier_ticket(app, session, people):
    earlier = filed(session, *FIRST, days_ago=5)
    secret = filed(session, *UNRELATED, confidential=True, days_ago=2, phone="13712345678")
    business = app.test_client()
    response = file_through_form(business, subject=AGAIN[0], description=AGAIN[1])
    notice = re.search(r'<div class="notice" id="earlier-tickets">(.*?)</div>', response.get_data(as_text=True),
                       re.S).group(1)
    assert earlier.number in notice and secret.number not in notice  # a 保密件 only to the same phone…
    newest = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert earlier_filings(session, newest) == [earlier]
    newest.phone = "13712345678"  # …the phone it was filed with
    assert earlier_filings(session, newest) == [secret, earlier]


def test_the_filing_form_offers_published_tickets_on_the_same_matter_without_personal_data(app, session, people):
    published = filed(session, *FIRST, publish=True, days_ago=3)
    filed(session, *FIRST, days_ago=2)  # not published: never offered
    wang = people["wang"].as_actor()
    services.sign(session, published, wang)
    services.reply(session, published, wang, "经核查，变更登记已于今日办结，请领取新执照。")
    session.commit()
    client = app.test_client()
    answer = client.post("/api/v1/tickets/similar", json={"subject": AGAIN[0], "description": AGAIN[1]}).get_json()
    assert answer == {"tickets": [{
        "subject": FIRST[0], "topic_name": "企业开办", "status_label": "已答复", "bureau_name": "县市场监管局",
        "filed_on": (TODAY - dt.timedelta(days=3)).isoformat(), "reply_due": None,
        "reply": "经核查，变更登记已于今日办结，请领取新执照。"}]}
    assert public_matches(session, *UNRELATED) == []
    assert client.post("/api/v1/tickets/similar", data="x").status_code == 400
    assert client.get("/tickets/new").get_data(as_text=True).count('id="similar-tickets"') == 1


def test_channel_of_a_merged_pair_is_kept(session, people):
    first = filed(session, *FIRST)
    assert first.channel is Channel.WEB


def test_the_index_of_words_follows_filing_answering_and_merging(session, people, runner):
    """A ticket's words are in `ticket_terms` while it may be offered as a likely repeat: from its filing
    until it is merged, or answered unpublished (again when it is reopened); a published one stays once
    answered and closed, for the filing form. `tickets rebuild-terms` writes the same index anew."""
    def words_of(ticket: Ticket) -> set[str]:
        return set(session.scalars(select(TicketTerm.term).where(TicketTerm.ticket_id == ticket.id)))

    first = filed(session, *FIRST, days_ago=3)
    again = filed(session, *AGAIN, credit_code=OTHER_USCC)
    shown = filed(session, *UNRELATED, credit_code="", publish=True)
    # the precise words and their sub-words (登记 of 变更登记), not the generic words of any complaint
    assert {"营业执照", "变更登记", "登记", "法定代表人", "超时", "窗口"} <= words_of(first)
    assert words_of(first).isdisjoint({"我公司", "没有", "告知", "的"})
    assert {"食品", "许可证", "许可", "延续", "现场", "核查"} <= words_of(shown)
    wang = people["wang"].as_actor()
    from portal.tickets.merging import merge

    merge(session, again, first, wang, "同一事项重复反映")
    session.commit()
    assert words_of(again) == set() and "法定代表人" in words_of(first)  # merged: never offered again

    for ticket in (first, shown):
        services.sign(session, ticket, wang)
        services.reply(session, ticket, wang, "经核查，已于今日办结。")
    session.commit()
    assert words_of(first) == set()  # answered and not published: no longer a candidate
    assert "延续" in words_of(shown)  # answered and published: the filing form still offers it
    services.rate(session, first, Score.DISSATISFIED, "")
    services.rate(session, shown, Score.SATISFIED, "")
    session.commit()
    assert first.state is S.REOPENED and "变更登记" in words_of(first)  # reopened: open again
    assert shown.state is S.CLOSED and "延续" in words_of(shown)
    kept = {t.number: words_of(t) for t in (first, again, shown)}

    session.execute(delete(TicketTerm))
    session.commit()
    result = runner.invoke(args=["tickets", "rebuild-terms"])
    assert result.exit_code == 0 and "疑似重复检索词已重建：2 件工单" in result.output
    session.expire_all()
    assert {t.number: words_of(t) for t in (first, again, shown)} == kept
