"""The knowledge base: an answer written from a demo ticket is found by search, shown on the filing form
while a business types a similar question, and holds none of the ticket's personal data; content files,
editing, retirement and 这解决了您的问题吗？."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from portal import demo
from portal.audit import AuditEntry
from portal.catalog.content import export_content, import_content
from portal.catalog.models import Answer, AnswerStatus
from portal.cli import DEMO_CONTENT
from portal.demo.tickets import seed_tickets
from portal.tickets.models import Ticket, TicketState
from tests import factories as f
from tests.forms import csrf_token as token
from tests.forms import post
from tests.staff import login

CONSTRUCTION = "施工许可证审批时间过长"  # demo ticket: replied, closed, the business agreed to publication
QUESTION = "厂房的施工许可证超过承诺时限还没有批下来，可以催办吗？"
ANSWER = ("施工许可实行一站式办理，材料齐全的在承诺时限内办结。超过时限的，可以在工程建设项目审批管理系统"
          "查看卡在哪个环节，并联系县住建局窗口催办；超时未说明原因的，可以在本平台投诉，由县营商环境办督办。")


@pytest.fixture
def demo_portal(session, index):
    """The demo content, accounts and tickets in the test's database, indexed."""
    with DEMO_CONTENT.open(encoding="utf-8") as handle:
        import_content(session, handle)
    demo.seed_accounts(session)
    seed_tickets(session)
    session.commit()
    index.drain()
    return session


def ticket_titled(session, subject: str) -> Ticket:
    return session.scalars(select(Ticket).where(Ticket.subject == subject)).one()


def personal_data(ticket: Ticket) -> list[str]:
    found = [ticket.contact_name, ticket.phone, ticket.company_name, ticket.credit_code, ticket.email]
    return [value for value in found if value]


def write_and_publish(client, session, index, ticket: Ticket, question=QUESTION, answer=ANSWER):
    """zjj's staff write the answer from the ticket page and publish the draft."""
    login(client, "zjj", demo.PASSWORD)
    page = f"/staff/tickets/{ticket.number}"
    response = post(client, f"{page}/answer", {"question": question, "answer": answer}, page=page)
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    revision_url = response.headers["Location"]
    match = re.search(r"/staff/content/answers/([a-z0-9-]+)/revisions/(\d+)", revision_url)
    assert match, revision_url
    slug, revision_id = match.groups()
    published = post(client, f"/staff/content/answers/{slug}/revisions/{revision_id}/publish", page=revision_url)
    assert published.status_code == 303
    index.drain()
    return slug


def test_an_answer_written_from_a_demo_ticket_is_found_shown_while_typing_and_holds_no_personal_data(
        demo_portal, client, index):
    session = demo_portal
    ticket = ticket_titled(session, CONSTRUCTION)
    assert ticket.state is TicketState.CLOSED and ticket.publish and ticket.credit_code
    slug = write_and_publish(client, session, index, ticket)
    assert slug.startswith("wenda-chang-fang-") and ticket.number not in slug

    # found by search, as an answer with its own facet
    body = client.get("/api/v1/search", query_string={"q": "施工许可证一直批不下来"}).get_json()
    assert slug in [r["slug"] for r in body["results"]]
    assert body["facets"]["kind"].get("answer", 0) >= 1
    only = client.get("/api/v1/search", query_string={"q": "施工许可证", "kind": "answer"}).get_json()
    assert only["results"] and {r["kind"] for r in only["results"]} == {"answer"}
    assert only["results"][0]["url"] == f"/answers/{slug}"

    # shown on the filing form while a business types a similar question (the script's endpoint) …
    similar = client.get("/api/v1/answers/similar", query_string={"q": "施工许可证超期没批怎么催"}).get_json()
    assert slug in [a["slug"] for a in similar["answers"]]
    # … and without JavaScript when the form comes back with what was typed
    filing = client.get("/tickets/new").get_data(as_text=True)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', filing).group(1)
    nonce = re.search(r'name="nonce" value="([^"]+)"', filing).group(1)
    refused = client.post("/tickets/new", data={"csrf_token": form_token, "nonce": nonce, "type": "complaint",
                                                "subject": "施工许可证超期没批怎么催"})
    assert refused.status_code == 400
    back = refused.get_data(as_text=True)
    assert "已有答复的类似问题" in back and f"/answers/{slug}" in back

    # the public page, the search results and the list hold none of the ticket's personal data
    for url in (f"/answers/{slug}", "/answers", "/search?q=施工许可证", f"/api/v1/answers/similar?q={QUESTION}"):
        text = client.get(url).get_data(as_text=True)
        for value in personal_data(ticket):
            assert value not in text, (url, value)
    page = client.get(f"/answers/{slug}").get_data(as_text=True)
    assert QUESTION in page and "这解决了您的问题吗" in page and "县住建局" in page
    # the answer links the ticket's guide or topic, never the ticket
    assert ticket.number not in page


@pytest.mark.parametrize("leak", ["name", "phone", "company", "credit_code", "mobile"])
def test_an_answer_holding_personal_data_is_refused_and_nothing_is_written(demo_portal, client, leak):
    session = demo_portal
    ticket = ticket_titled(session, CONSTRUCTION)
    text = {"name": f"{ticket.contact_name}您好，", "phone": f"请回电 {ticket.phone}。", "company": "示例建材的项目",
            "credit_code": ticket.credit_code, "mobile": "联系 139-1234-5678"}[leak]
    login(client, "zjj", demo.PASSWORD)
    page = f"/staff/tickets/{ticket.number}"
    response = post(client, f"{page}/answer", {"question": QUESTION, "answer": ANSWER + text}, page=page)
    assert response.status_code == 400
    assert "个人信息" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Answer)).all() == [] or all(a.slug != f"dafu-{ticket.number}"
                                                            for a in session.scalars(select(Answer)))
    from portal.answers.models import AnswerSource
    assert session.scalars(select(AnswerSource)).all() == []


def test_the_ticket_page_offers_the_form_and_then_links_what_was_written(app, demo_portal, client, index):
    """写入知识库 is a part the knowledge base adds to the ticket's page (workspace.TICKET_PAGE_PARTS):
    the form while nothing is written, a refused answer back in it, the link to the answer after."""
    session = demo_portal
    ticket = ticket_titled(session, CONSTRUCTION)
    staff = app.test_client()
    login(staff, "zjj", demo.PASSWORD)
    page = f"/staff/tickets/{ticket.number}"
    shown = staff.get(page).get_data(as_text=True)
    assert 'id="answer-write"' in shown and "保存为问答草稿" in shown and "这件工单已写入知识库" not in shown
    refused = post(staff, f"{page}/answer", {"question": QUESTION, "answer": ""}, page=page)
    assert refused.status_code == 400 and 'id="answer-error"' in refused.get_data(as_text=True)
    slug = write_and_publish(client, session, index, ticket)
    shown = staff.get(page).get_data(as_text=True)
    assert "这件工单已写入知识库" in shown and f"/staff/content/answers/{slug}/revisions" in shown
    assert "保存为问答草稿" not in shown


def test_only_a_replied_ticket_the_business_agreed_to_publish_can_be_written(demo_portal, client):
    session = demo_portal
    login(client, "scjg", demo.PASSWORD)
    unreplied = ticket_titled(session, "企业简易注销需要多少天")  # signed, urged, not replied
    page = f"/staff/tickets/{unreplied.number}"
    assert "写入知识库" not in client.get(page).get_data(as_text=True)
    refused = post(client, f"{page}/answer", {"question": QUESTION, "answer": ANSWER}, page=page)
    assert refused.status_code == 409
    private = ticket_titled(session, "营业执照变更登记超时")  # replied, but publication not agreed
    assert not private.publish
    page = f"/staff/tickets/{private.number}"
    assert post(client, f"{page}/answer", {"question": QUESTION, "answer": ANSWER}, page=page).status_code == 409


def test_another_bureaus_staff_cannot_write_from_the_ticket(demo_portal, client):
    ticket = ticket_titled(demo_portal, CONSTRUCTION)  # held by 县住建局
    login(client, "scjg", demo.PASSWORD)
    response = client.post(f"/staff/tickets/{ticket.number}/answer",
                           data={"question": QUESTION, "answer": ANSWER, "csrf_token": token(client, "/staff/")})
    assert response.status_code == 404


def test_retiring_an_answer_takes_it_off_the_public_and_search_and_keeps_its_history(demo_portal, client, index):
    session = demo_portal
    slug = write_and_publish(client, session, index, ticket_titled(session, CONSTRUCTION))
    history = f"/staff/content/answers/{slug}/revisions"
    assert post(client, f"/staff/content/answers/{slug}/retire", page=history).status_code == 303
    index.drain()
    assert client.get(f"/answers/{slug}").status_code == 404
    body = client.get("/api/v1/search", query_string={"q": "施工许可证", "kind": "answer"}).get_json()
    assert slug not in [r["slug"] for r in body["results"]]
    session.expire_all()
    answer = session.scalars(select(Answer).where(Answer.slug == slug)).one()
    assert answer.status is AnswerStatus.RETIRED
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.target.in_([slug]))))
    assert {"answer_draft", "answer_publish", "answer_retire"} <= actions
    assert "修订 #" in client.get(history).get_data(as_text=True)


def test_solved_is_counted_once_per_browser_without_an_account(demo_portal, client):
    slug = "dafu-jianyi-zhuxiao-tianshu"
    page = f"/answers/{slug}"
    assert post(client, f"{page}/vote", {"solved": "yes"}, page=page).status_code == 303
    again = client.post(f"{page}/vote", data={"solved": "yes", "csrf_token": token(client, "/tickets/new")})
    assert again.status_code == 303
    demo_portal.expire_all()
    answer = demo_portal.scalars(select(Answer).where(Answer.slug == slug)).one()
    assert (answer.helpful, answer.not_helpful) == (1, 0)
    assert "已收到您的反馈" in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/vote", data={"solved": "maybe", "csrf_token": token(client, "/tickets/new")}
                       ).status_code == 400
    assert client.post(f"{page}/vote", data={"solved": "yes"}).status_code == 400  # no CSRF token


def test_votes_are_rate_limited(demo_portal, app, client):
    app.config["RATELIMIT_ENABLED"] = True
    try:
        codes = []
        for i in range(12):
            fresh = app.test_client()
            page = "/answers/dafu-fapiao-edu"
            codes.append(fresh.post(f"{page}/vote", data={"solved": "no", "csrf_token": token(fresh, page)},
                                    environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code)
        assert codes[:10] == [303] * 10 and codes[10:] == [429, 429]
    finally:
        app.config["RATELIMIT_ENABLED"] = False


def test_the_demo_has_twenty_answers_on_their_pages_and_guides(demo_portal, client):
    answers = demo_portal.scalars(select(Answer).where(Answer.status == AnswerStatus.PUBLISHED)).all()
    assert len(answers) == 20
    listing = client.get("/answers").get_data(as_text=True)
    assert "公司不经营了，简易注销要公示多少天" in listing
    guide = client.get("/guides/qiye-jianyi-zhuxiao").get_data(as_text=True)
    assert "企业问过的问题" in guide and "/answers/dafu-jianyi-zhuxiao-tianshu" in guide


def test_answer_lines_import_all_or_nothing_and_round_trip(session):
    base = [f.bureau(), f.topic(), f.guide()]
    line = {"kind": "answer", "slug": "kezhang-yao-qian-ma", "question": "刻章要钱吗？", "answer": "不收费。",
            "topics": ["qykb"], "bureau": "scjgj", "guides": ["gongzhang-kezhi"], "policies": [],
            "published_on": "2026-11-30", "status": "published"}
    import_content(session, f.lines(*base, line))
    session.commit()
    exported = export_content(session)
    assert json.loads(exported[-1]) == line
    bad = dict(line, slug="other", guides=["no-such-guide"], status="maybe")
    with pytest.raises(Exception) as refused:
        import_content(session, f.lines(bad))
    assert "办事指南 'no-such-guide' 不存在" in str(refused.value) or "status" in str(refused.value)
    session.rollback()
    assert [a.slug for a in session.scalars(select(Answer))] == ["kezhang-yao-qian-ma"]


def test_staff_write_a_new_answer_in_the_content_editor_like_a_guide(demo_portal, client, index):
    login(client, "scjg", demo.PASSWORD)
    form = "/staff/content/answers/new"
    data = {"slug": "kezhang-yao-qian-ma", "question": "新公司刻公章要交钱吗？", "answer": "首套公章免费刻制。",
            "topics": ["qykb"], "guides": ["gongzhang-kezhi"], "note": "新建"}
    draft = post(client, form, dict(data, action="draft"))
    assert draft.status_code == 303
    assert client.get("/answers/kezhang-yao-qian-ma").status_code == 404  # a draft is not public
    published = post(client, "/staff/content/answers/kezhang-yao-qian-ma/edit", dict(data, action="publish"))
    assert published.status_code == 303
    index.drain()
    page = client.get("/answers/kezhang-yao-qian-ma").get_data(as_text=True)
    assert "首套公章免费刻制" in page and "县市场监管局" in page
    assert "/answers/kezhang-yao-qian-ma" in client.get("/guides/gongzhang-kezhi").get_data(as_text=True)
    leaking = post(client, "/staff/content/answers/kezhang-yao-qian-ma/edit",
                   dict(data, answer="请联系 13912345678。", action="publish"))
    assert leaking.status_code == 400 and "个人信息" in leaking.get_data(as_text=True)
