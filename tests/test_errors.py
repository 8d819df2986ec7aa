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
