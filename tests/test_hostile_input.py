"""Inputs a penetration test sent that answered 500 or tied up a worker (issue 19, findings 2 and 8):
each now gets a 4xx naming what is wrong, quickly, and nothing is stored."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.catalog.content import import_content
from portal.tickets.models import Ticket
from tests import factories as f
from tests.tickets.conftest import form_data


@pytest.fixture
def topics(session):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide()))
    session.commit()


def tickets(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Ticket))


def test_a_json_body_over_64_kb_is_refused_before_it_is_read(client, session, topics):
    body = json.dumps(form_data(credit_code="9" * 1_000_000)).encode()
    response = client.post("/api/v1/tickets", data=body, content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"] == "文件过大"
    assert tickets(session) == 0


@pytest.mark.parametrize("field, value", [("credit_code", "9" * 50_000), ("phone", "(" * 50_000),
                                          ("email", "a" * 50_000 + "@example.com"), ("subject", "标" * 5_000)])
def test_an_over_long_field_is_refused_by_its_length_before_it_is_checked(client, session, topics, field, value):
    response = client.post("/api/v1/tickets", json=form_data(**{field: value}))
    assert response.status_code == 400
    [message] = response.get_json()["errors"][field]
    assert "过长" in message
    assert tickets(session) == 0


def test_json_nested_too_deep_is_a_400_not_a_crash(client, session, topics):
    body = "[" * 30_000 + "]" * 30_000  # 60 KB: under the cap, over Python's recursion limit
    response = client.post("/api/v1/tickets", data=body, content_type="application/json")
    assert response.status_code == 400 and "_body" in response.get_json()["errors"]


@pytest.mark.parametrize("field", ["subject", "description", "contact_name", "company_name"])
def test_a_lone_surrogate_is_refused_with_the_field_named(client, session, topics, field):
    body = json.dumps(form_data(**{field: "营业执照ZZ办理，十个字以上的内容"}), ensure_ascii=False).replace("ZZ", "\\ud800")
    response = client.post("/api/v1/tickets", data=body, content_type="application/json")
    assert response.status_code == 400 and field in response.get_json()["errors"]
    assert tickets(session) == 0


def test_the_import_names_the_line_of_a_huge_integer_or_a_surrogate(runner, tmp_path, session):
    content = tmp_path / "hostile.jsonl"
    guide = json.dumps(f.guide(summary="摘要ZZ"), ensure_ascii=False).replace("ZZ", "\\udc80")
    content.write_text("\n".join([json.dumps(f.bureau()), '{"kind": "topic", "code": "qykb", "name": "企业开办", '
                                  '"measures": [' + "9" * 5000 + "]}", guide]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["content", "import", str(content)])
    assert result.exit_code == 1
    assert "第 2 行" in result.output and "第 3 行，字段 summary" in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
