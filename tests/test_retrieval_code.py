"""The retrieval code stays between the business and the portal (issue 19, finding 7): it never sits in
the session cookie, can be sent in a header instead of the URL, never reaches the access log, and no
page with a code or personal data may be kept by a cache."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.catalog.content import import_content
from portal.tickets.models import Ticket
from tests import factories as f
from tests.hosts import flask, gunicorn, portal_env
from tests.staff import login, make_user
from tests.tickets.conftest import file_through_form, form_data


@pytest.fixture
def topics(session):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide()))
    session.commit()


def session_cookie(client) -> dict:
    cookie = client.get_cookie("session")
    app = client.application
    return app.session_interface.get_signing_serializer(app).loads(cookie.value) if cookie else {}


def test_the_code_is_shown_once_and_never_kept_in_the_session_cookie(client, session, topics):
    response = file_through_form(client)
    page = response.get_data(as_text=True)
    ticket = session.scalars(select(Ticket)).one()
    assert response.status_code == 200 and ticket.number in page and 'id="ticket-code"' in page
    code = page.split('id="ticket-code">')[1].split("<")[0]
    assert code not in json.dumps(session_cookie(client)) and ticket.number in session_cookie(client)["tracked_tickets"]
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"


def test_the_api_takes_the_code_in_a_header_and_still_in_the_query(client, topics):
    filed = client.post("/api/v1/tickets", json=form_data()).get_json()
    by_header = client.get(f"/api/v1/tickets/{filed['number']}", headers={"X-Retrieval-Code": filed["code"]})
    assert by_header.status_code == 200 and by_header.get_json()["number"] == filed["number"]
    assert by_header.headers["Cache-Control"] == "no-store" and by_header.headers["Referrer-Policy"] == "no-referrer"
    assert client.get(f"/api/v1/tickets/{filed['number']}?code={filed['code']}").status_code == 200  # old links
    wrong = client.get(f"/api/v1/tickets/{filed['number']}", headers={"X-Retrieval-Code": "WRONGCODE123"})
    assert wrong.status_code == 404


def test_pages_with_personal_data_are_not_stored_by_caches(app, client, session, topics):
    make_user(session, "wang", Role.STAFF, "scjgj")
    make_user(session, "dbz", Role.SUPERVISOR, None)
    number = client.post("/api/v1/tickets", json=form_data()).get_json()["number"]
    staff = app.test_client()
    login(staff, "wang")
    office = app.test_client()
    login(office, "dbz")
    for who, url in ((staff, f"/staff/tickets/{number}"), (staff, f"/api/v1/staff/tickets/{number}"),
                     (staff, "/staff/"), (office, "/supervision/"), (office, "/supervision/ledger"),
                     (client, f"/tickets/{number}"), (client, "/tickets/track")):
        response = who.get(url)
        assert response.status_code in (200, 302), url
        assert response.headers["Cache-Control"] == "no-store", url
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")  # public pages may be cached


def test_the_access_log_never_holds_a_code_and_gunicorn_keeps_no_shared_control_socket(tmp_path):
    env = portal_env(tmp_path, PORTAL_WORKERS="2")
    content = tmp_path / "c.jsonl"
    content.write_text("\n".join(f.lines(f.bureau(), f.topic(), f.guide())) + "\n", encoding="utf-8")
    flask(env, "init-db")
    flask(env, "content", "import", str(content))
    with gunicorn(env) as host:
        status, body, _ = host.post_json("/api/v1/tickets", form_data())
        filed = json.loads(body)
        assert status == 201
        assert host.get(f"/api/v1/tickets/{filed['number']}?code={filed['code']}")[0] == 200
        assert host.get("/subscribe/confirm/SECRET-TOKEN-123")[0] == 400
    log = host.output()
    assert f"/api/v1/tickets/{filed['number']}?code=" in log and filed["code"] not in log
    assert "SECRET-TOKEN-123" not in log
    assert not (tmp_path / ".gunicorn").exists()  # no $HOME/.gunicorn/gunicorn.ctl for a second portal to take
