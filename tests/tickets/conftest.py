"""Ticket fixtures: the catalog routing needs (a topic with a lead bureau, one without), valid form data."""
from __future__ import annotations

import re

import pytest

from portal.catalog.content import import_content
from tests import factories as f
from tests.forms import hidden_fields

VALID_USCC = "91110000600037341L"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
def routing_catalog(session):
    """Bureaus scjgj, zjj and fgj (the supervising office); topics qykb (lead scjgj), jzxk (lead zjj) and
    bhzxtzz (no lead: the dispatch queue); the guide gongzhang-kezhi."""
    import_content(session, f.lines(
        f.bureau(), f.bureau("fgj", "县发改局", supervisor=True), f.bureau("zjj", "县住建局"),
        f.topic(), f.topic("bhzxtzz", "保护中小投资者", lead=None), f.topic("jzxk", "办理建筑许可", lead="zjj"),
        f.guide(),
    ))
    session.commit()


def form_data(**changes) -> dict:
    data = {
        "type": "complaint", "topic": "qykb", "guide": "gongzhang-kezhi", "subject": "营业执照办理超时",
        "description": "我公司于上月在政务服务中心申请营业执照，至今未办结，窗口未说明原因。",
        "company_name": "会宁县某某商贸有限公司", "credit_code": VALID_USCC, "contact_name": "王先生",
        "phone": "13800000000", "email": "", "consent": "true", "publish": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def form_tokens(client, url: str = "/tickets/new") -> dict:
    """The CSRF token and the one-time nonce of a freshly shown filing form."""
    return hidden_fields(client, url, "csrf_token", "nonce")


def file_through_form(client, **changes):
    data = form_data(**changes)
    data.update(form_tokens(client))
    return client.post("/tickets/new", data=data, content_type="multipart/form-data")


def confirmation(client, response) -> tuple[str, str]:
    """Number and code from the confirmation page the filing answered with."""
    assert response.status_code == 200 and 'id="ticket-code"' in response.get_data(as_text=True), \
        response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    number = re.search(r'id="ticket-number">([^<]+)<', page).group(1)
    code = re.search(r'id="ticket-code">([^<]+)<', page).group(1)
    return number, code
