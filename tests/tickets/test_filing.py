"""Filing through the form and the API: every field checked, nothing stored from a refusal,
attachments sniffed, tracking that tells a wrong code from nothing, rate limits."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.tickets.models import Attachment, Ticket, TicketEvent
from tests.forms import csrf_token
from tests.tickets.conftest import PDF, PNG, confirmation, file_through_form, form_data, form_tokens


def stored(session) -> tuple[int, int, int]:
    session.expire_all()
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Ticket, TicketEvent, Attachment))


def test_form_files_a_ticket_and_shows_number_and_code_once(client, session, routing_catalog):
    response = file_through_form(client)
    number, code = confirmation(client, response)
    assert re.fullmatch(r"\d{8}-\d{4}", number) and len(code) >= 10
    assert client.get("/tickets/filed").status_code == 302  # shown once: the session forgets it
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.number == number and code not in ticket.code_hash and ticket.bureau.code == "scjgj"


GOOD_AND_BAD = {
    "type": (["consultation", "help", "suggestion"], ["", "praise", "投诉"]),
    "topic": (["bhzxtzz", "jzxk"], ["", "nosuch"]),
    "subject": (["执照超时", "长" * 100], ["", "短", "长" * 101]),
    "description": (["请问办理公章刻制需要多久？", "详" * 5000], ["", "太短了", "详" * 5001]),
    "credit_code": (["", "91110000600037341L", "91110000600037341l"], ["91110000600037341X", "123", "9111000060003734"]),
    "contact_name": (["李", "李" * 50], ["", "   ", "李" * 51]),
    "phone": (["13912345678", "0943-3212345", "09433212345", "139 1234 5678", "+86 139 1234 5678", "139-1234-5678"],
              ["", "12345", "23912345678", "1391234567", "abc", "0943-12"]),
    "email": (["", "boss@example.com", "a.b+c@mail.gansu.gov.cn"],
              ["boss", "boss@", "a b@example.com", "a@[b.com", "<a>@b.com", "a,b@c.com"]),
    "consent": (["true", "on"], ["", "false"]),
    "guide": (["", "gongzhang-kezhi"], ["nosuch"]),
}


@pytest.mark.parametrize("field", GOOD_AND_BAD)
def test_every_field_good_and_bad_through_the_api(client, session, routing_catalog, field):
    good, bad = GOOD_AND_BAD[field]
    for value in good:
        response = client.post("/api/v1/tickets", json=form_data(**{field: value}))
        assert response.status_code == 201, (field, value, response.get_json())
    before = stored(session)
    for value in bad:
        response = client.post("/api/v1/tickets", json=form_data(**{field: value}))
        assert response.status_code == 400, (field, value)
        assert list(response.get_json()["errors"]) == [field], (field, value)
    assert stored(session) == before


@pytest.mark.parametrize("field", [f for f in GOOD_AND_BAD if f != "description"])
def test_the_form_shows_the_message_beside_the_field_and_keeps_what_was_typed(client, session, routing_catalog, field):
    good, bad = GOOD_AND_BAD[field]
    for value in good[-1:]:
        assert file_through_form(client, **{field: value}).status_code == 200, (field, value)
    before = stored(session)
    response = file_through_form(client, **{field: bad[-1]}, description="这是我输入的详细情况，应当保留。")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page
    if field != "guide":  # the guide is chosen on the guide's page, not typed: there is no input to mark
        assert 'aria-invalid="true"' in page and f'aria-describedby="{field}-error"' in page
    assert "这是我输入的详细情况，应当保留。" in page
    assert stored(session) == before


def test_api_answers_the_design_shape(client, routing_catalog):
    body = client.post("/api/v1/tickets", json=form_data(type="consultation")).get_json()
    assert set(body) == {"number", "code", "status", "bureau", "sign_due", "reply_due"}
    assert body["status"] == "assigned" and body["bureau"] == "scjgj"
    view = client.get(f"/api/v1/tickets/{body['number']}", query_string={"code": body["code"]}).get_json()
    assert view["status"] == "assigned" and view["reply_due"] == body["reply_due"]
    assert [e["action"] for e in view["events"]] == ["file", "route"]
    text = str(view)
    assert "13800000000" not in text and "王先生" not in text and "91110000600037341L" not in text


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(client, routing_catalog):
    body = client.post("/api/v1/tickets", json=form_data()).get_json()
    wrong = client.get(f"/api/v1/tickets/{body['number']}", query_string={"code": "WRONGCODE234"})
    unknown = client.get("/api/v1/tickets/20991231-9999", query_string={"code": body["code"]})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json() == unknown.get_json()
    page_wrong = client.post("/tickets/track", data={"number": body["number"], "code": "WRONGCODE234",
                                                     "csrf_token": csrf_token(client, "/tickets/track")})
    page_unknown = client.post("/tickets/track", data={"number": "20991231-9999", "code": body["code"],
                                                       "csrf_token": csrf_token(client, "/tickets/track")})
    assert page_wrong.status_code == page_unknown.status_code == 404

    def same(page: str, number: str) -> str:  # the form's CSRF token is signed afresh for every page
        return re.sub(r'name="csrf_token" value="[^"]+"', "TOKEN", page.replace(number, "N"))

    assert same(page_wrong.get_data(as_text=True), body["number"]) == \
        same(page_unknown.get_data(as_text=True), "20991231-9999")


def test_tracking_shows_status_bureau_deadlines_and_the_public_timeline(client, routing_catalog):
    body = client.post("/api/v1/tickets", json=form_data()).get_json()
    fresh = client.application.test_client()
    assert fresh.get(f"/tickets/{body['number']}").status_code == 302  # not opened with the code yet
    response = fresh.post("/tickets/track", data={"number": body["number"], "code": body["code"].lower(),
                                                  "csrf_token": csrf_token(fresh, "/tickets/track")})
    assert response.status_code == 303
    page = fresh.get(response.headers["Location"]).get_data(as_text=True)
    assert "县市场监管局" in page and "待签收" in page and "答复期限" in page and "剩" in page
    assert "提交诉求" in page and "13800000000" not in page


def test_posting_without_the_csrf_token_is_refused(client, session, routing_catalog):
    response = client.post("/tickets/new", data=form_data())
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    assert stored(session) == (0, 0, 0)


def _upload(client, files):
    data = form_data()
    data.update(form_tokens(client))
    data["attachments"] = files
    return client.post("/tickets/new", data=data, content_type="multipart/form-data")


def test_attachments_are_stored_outside_static_and_downloaded_only_by_the_tracker(
        client, session, routing_catalog, app):
    import io

    response = _upload(client, [(io.BytesIO(PNG), "现场照片.png"), (io.BytesIO(PDF), "说明.html")])
    number, code = confirmation(client, response)
    files = session.scalars(select(Attachment)).all()
    assert [a.content_type for a in files] == ["image/png", "application/pdf"]
    directory = Path(app.config["ATTACHMENT_DIR"])
    assert "static" not in directory.parts
    assert all((directory / a.stored_name).read_bytes() in (PNG, PDF) for a in files)
    assert all("现场" not in a.stored_name for a in files)
    assert [a.original_name for a in files] == ["现场照片.png", "说明.pdf"]  # the name follows the content
    url = f"/tickets/{number}/attachments/{files[0].id}"
    download = client.get(url)
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert client.application.test_client().get(url).status_code == 404


@pytest.mark.parametrize("files, message", [
    ([("invoice.png", b"MZ\x90\x00 this is a windows executable")], "不是 JPEG、PNG 或 PDF"),
    ([("notes.pdf", b"just text")], "不是 JPEG、PNG 或 PDF"),
    ([("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024))], "超过 5 MB"),
    ([(f"p{i}.png", PNG) for i in range(4)], "最多上传 3 个附件"),
])
def test_bad_attachments_are_refused_with_nothing_stored(client, session, routing_catalog, app, files, message):
    import io

    response = _upload(client, [(io.BytesIO(data), name) for name, data in files])
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert stored(session) == (0, 0, 0)
    directory = Path(app.config["ATTACHMENT_DIR"])
    assert not directory.exists() or not any(directory.iterdir())


def test_a_request_larger_than_allowed_is_a_413(client, routing_catalog):
    import io

    response = _upload(client, [(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * (17 * 1024 * 1024)), "huge.png")])
    assert response.status_code == 413 and "文件过大" in response.get_data(as_text=True)


def test_api_refuses_a_body_that_is_not_a_json_object(client, routing_catalog):
    assert client.post("/api/v1/tickets", data="not json", content_type="text/plain").status_code == 400
    assert client.post("/api/v1/tickets", json=["a"]).get_json()["errors"]["_body"]
    odd = client.post("/api/v1/tickets", json=form_data(subject={"x": 1}, phone=["1"], consent=["true"],
                                                         topic="q\x00kb"))
    assert odd.status_code == 400 and {"subject", "phone", "consent", "topic"} <= set(odd.get_json()["errors"])
    assert client.get("/api/v1/tickets/2026%00?code=X").status_code == 404


def test_rating_through_the_tracking_page(client, session, routing_catalog):
    from portal.actors import Actor
    from portal.tickets.services import reply, sign

    number, _ = confirmation(client, file_through_form(client))
    ticket = session.scalars(select(Ticket)).one()
    staff = Actor("staff", "staff-zhangsan", ticket.bureau)
    sign(session, ticket, staff)
    reply(session, ticket, staff, "您的执照已办结，\r\n请到三号窗口领取。")
    session.commit()
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert "您的执照已办结" in page and "评价答复" in page
    assert "staff-zhangsan" not in page  # public text appears under the bureau's name only
    token = csrf_token(client, f"/tickets/{number}")
    assert client.post(f"/tickets/{number}/rate", data={"csrf_token": token}).status_code == 400
    done = client.post(f"/tickets/{number}/rate", data={"csrf_token": token, "score": "very_satisfied",
                                                        "comment": "很快"})
    assert done.status_code == 303
    assert "已办结" in client.get(f"/tickets/{number}").get_data(as_text=True)


def test_filing_and_tracking_are_rate_limited_with_a_chinese_message(limited_app):
    client = limited_app.test_client()
    statuses = [client.post("/api/v1/tickets", json={}).status_code for _ in range(6)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429
    assert client.post("/api/v1/tickets", json={}).get_json()["error"] == "操作过于频繁"
    tracks = [client.get("/api/v1/tickets/20260101-0001?code=X").status_code for _ in range(11)]
    assert tracks[:10] == [404] * 10 and tracks[10] == 429
    fresh = limited_app.test_client()
    token = csrf_token(fresh, "/tickets/track")
    pages = [fresh.post("/tickets/track", data={"number": "20260101-0001", "code": "X", "csrf_token": token})
             .status_code for _ in range(11)]
    assert pages[:10] == [404] * 10 and pages[10] == 429


def test_the_filing_form_is_rate_limited_too(limited_app):
    client = limited_app.test_client()
    statuses = []
    for _ in range(6):
        data = {"subject": "x"}
        data.update(form_tokens(client))
        statuses.append(client.post("/tickets/new", data=data).status_code)
    assert statuses[:5] == [400] * 5 and statuses[5] == 429
    last = client.post("/tickets/new", data=form_tokens(client))
    assert last.status_code == 429 and "操作过于频繁" in last.get_data(as_text=True)


def test_a_multi_line_description_from_a_browser_is_accepted(client, session, routing_catalog):
    number, _ = confirmation(client, file_through_form(client, description="第一行说明情况。\r\n第二行补充材料。\r\n"))
    assert session.scalars(select(Ticket)).one().description == "第一行说明情况。\n第二行补充材料。"


def test_a_double_submit_files_once(client, session, routing_catalog):
    data = form_data()
    data.update(form_tokens(client))
    first = client.post("/tickets/new", data=data, content_type="multipart/form-data")
    again = client.post("/tickets/new", data=data, content_type="multipart/form-data")
    assert first.status_code == 200 and again.status_code == 409
    assert "已经提交过" in again.get_data(as_text=True)
    assert stored(session)[0] == 1


def test_a_rating_made_twice_at_once_is_recorded_once(client, session, routing_catalog, app):
    from portal.extensions import db
    from portal.tickets.models import Score
    from portal.actors import Actor
    from portal.tickets.services import rate, reply, sign

    client.post("/api/v1/tickets", json=form_data())
    ticket = session.scalars(select(Ticket)).one()
    staff = Actor("staff", "li", ticket.bureau)
    sign(session, ticket, staff)
    reply(session, ticket, staff, "您的执照已办结，请到三号窗口领取。")
    session.commit()
    from sqlalchemy.orm.exc import StaleDataError

    first = session()  # this request's session, before another app context takes over the proxy
    with app.app_context():  # a second worker read the same replied ticket before the first rating landed
        second = db.session()
        other = second.get(Ticket, ticket.id)
        rate(first, ticket, Score.SATISFIED, "")
        first.commit()
        with pytest.raises(StaleDataError):  # at the first flush, inside the service or at the commit
            rate(second, other, Score.VERY_DISSATISFIED, "")
            second.commit()
        second.rollback()
    session.expire_all()
    assert [r.score for r in session.scalars(select(Ticket)).one().ratings] == [Score.SATISFIED]
