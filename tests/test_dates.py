"""One date format for readers everywhere (portal.clock.chinese_date: 2026年12月8日), in pages and in
the texts written from now on; what was stored before keeps its words."""
from __future__ import annotations

import datetime as dt
import re

from portal.catalog.content import import_content
from portal.catalog.services import expire_policies
from portal.clock import as_of
from portal.actors import OPERATOR
from portal.tickets.models import TicketEvent
from tests import factories as f
from tests.tickets.conftest import confirmation, file_through_form


def test_the_public_timeline_writes_dates_as_the_headers_do(client, session):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide()))
    session.commit()
    with as_of(dt.datetime(2026, 12, 8, 9, 5)):
        number, _ = confirmation(client, file_through_form(client))
        page = client.get(f"/tickets/{number}").get_data(as_text=True)
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S).group(1)
    assert "2026年12月8日 09:05" in timeline
    assert "2026-12-08" not in re.sub(r'datetime="[^"]*"', "", timeline)
    assert "答复期限 2026年12月22日" in timeline


def test_an_old_event_keeps_its_words(client, session):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide()))
    session.commit()
    number, _ = confirmation(client, file_through_form(client))
    event = session.query(TicketEvent).filter(TicketEvent.action == "route").one()
    event.public_text = "已交由县市场监管局办理，答复期限 2026年12月08日。"  # as written before the one format
    session.commit()
    assert "答复期限 2026年12月08日。" in client.get(f"/tickets/{number}").get_data(as_text=True)


def test_an_expired_policys_recorded_reason_uses_the_one_format(session):
    import_content(session, f.lines(f.bureau(), f.topic(), f.policy(expires_on="2026-03-05")))
    session.commit()
    (policy,) = expire_policies(session, dt.date(2026, 12, 1), OPERATOR)
    assert policy.status_changes[-1].reason == "有效期至 2026年3月5日，已届满"
