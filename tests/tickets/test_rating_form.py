"""Rating a reply: a missing level keeps what was typed and says so beside the choice; a rating is
thanked for."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.actors import Actor
from portal.tickets.models import Ticket
from portal.tickets.services import reply, sign
from tests.forms import csrf_token
from tests.tickets.conftest import confirmation, file_through_form


def replied(client, session) -> str:
    number, _ = confirmation(client, file_through_form(client))
    ticket = session.scalars(select(Ticket)).one()
    staff = Actor("staff", "li", ticket.bureau)
    sign(session, ticket, staff)
    reply(session, ticket, staff, "您的执照已办结，请到三号窗口领取。")
    session.commit()
    return number


def test_rating_without_a_level_keeps_the_comment_and_says_why_beside_the_choice(client, session, routing_catalog):
    number = replied(client, session)
    token = csrf_token(client, f"/tickets/{number}")
    missing = client.post(f"/tickets/{number}/rate", data={"csrf_token": token, "comment": "窗口态度很好，但跑了两趟"})
    assert missing.status_code == 400
    page = missing.get_data(as_text=True)
    assert "窗口态度很好，但跑了两趟</textarea>" in page
    fieldset = re.search(r"<fieldset[^>]*>", page).group(0)
    assert 'aria-describedby="score-error"' in fieldset and 'aria-invalid="true"' in fieldset
    assert re.search(r'id="score-error"[^>]*>请选择评价等级', page)


def test_a_rating_is_thanked_for(client, session, routing_catalog):
    number = replied(client, session)
    token = csrf_token(client, f"/tickets/{number}")
    done = client.post(f"/tickets/{number}/rate", data={"csrf_token": token, "score": "satisfied", "comment": "很快"})
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "感谢您的评价" in page and "您的评价：满意（很快）" in page


def test_a_bad_rating_is_thanked_for_and_says_what_happens_next(client, session, routing_catalog):
    number = replied(client, session)
    token = csrf_token(client, f"/tickets/{number}")
    done = client.post(f"/tickets/{number}/rate", data={"csrf_token": token, "score": "dissatisfied"})
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "感谢您的评价" in page and "重新办理" in page
