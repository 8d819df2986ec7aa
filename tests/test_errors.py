"""Errors reach readers as Chinese pages (or JSON under /api/), never as a stack trace."""
from __future__ import annotations

import pytest

from tests.conftest import make_app


@pytest.fixture
def failing_app(tmp_path):
    application = make_app(f"sqlite:///{tmp_path / 'e.sqlite3'}", tmp_path / "index")

    @application.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    @application.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret detail")

    application.config["TESTING"] = False  # let the handler answer instead of re-raising
    application.config["PROPAGATE_EXCEPTIONS"] = False
    return application


def test_unexpected_error_is_a_chinese_500_without_details(failing_app):
    response = failing_app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统繁忙" in body and "secret detail" not in body and "Traceback" not in body


def test_api_errors_are_json(failing_app):
    client = failing_app.test_client()
    response = client.get("/api/v1/boom")
    assert response.status_code == 500 and response.get_json()["error"] == "系统繁忙"
    assert client.get("/api/v1/nothing").get_json()["error"] == "页面不存在"


def test_search_without_an_index_is_a_chinese_503(tmp_path):
    application = make_app(f"sqlite:///{tmp_path / 'n.sqlite3'}", tmp_path / "no-index")
    client = application.test_client()
    page = client.get("/search?q=企业开办")
    assert page.status_code == 503 and "服务暂不可用" in page.get_data(as_text=True)
    api = client.get("/api/v1/search?q=企业开办")
    assert api.status_code == 503 and api.get_json()["error"] == "服务暂不可用"
    assert client.get("/api/v1/suggest?q=企业").get_json()["suggestions"] == []
    assert client.get("/healthz").status_code == 503
