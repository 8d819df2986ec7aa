"""Configuration comes only from PORTAL_* variables; production insists on a strong secret."""
from __future__ import annotations

import pytest

from portal.config import ConfigError, load_config


def test_production_refuses_to_start_without_a_strong_secret_key():
    with pytest.raises(ConfigError):
        load_config({"PORTAL_ENV": "production"})
    with pytest.raises(ConfigError):
        load_config({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "changeme"})


def test_production_accepts_a_long_random_secret_and_its_own_address():
    config = load_config({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "x9" * 24,
                          "PORTAL_BASE_URL": "https://yshj.example.gov.cn/"})
    assert config["SESSION_COOKIE_SECURE"] is True and config["BASE_URL"] == "https://yshj.example.gov.cn"


def test_production_refuses_to_start_without_its_own_address():
    # links in mail and feeds would otherwise follow the request's Host header
    with pytest.raises(ConfigError, match="PORTAL_BASE_URL"):
        load_config({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "x9" * 24})


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError):
        load_config({"PORTAL_ENV": "staging"})


def test_settings_come_from_portal_variables():
    config = load_config({"PORTAL_SECRET_KEY": "k", "PORTAL_DATABASE_URL": "sqlite:///x.db",
                          "PORTAL_INDEX_DIR": "/tmp/ix", "PORTAL_RATELIMIT_ENABLED": "false"})
    assert config["DATABASE_URL"] == "sqlite:///x.db" and config["INDEX_DIR"] == "/tmp/ix"
    assert config["RATELIMIT_ENABLED"] is False
