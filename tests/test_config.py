"""Configuration comes only from PORTAL_* variables; production insists on a strong secret."""
from __future__ import annotations

import pytest

from portal.config import ConfigError, load_config


def test_production_refuses_to_start_without_a_strong_secret_key():
    with pytest.raises(ConfigError):
        load_config({"PORTAL_ENV": "production"})
    with pytest.raises(ConfigError):
        load_config({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "changeme"})


SECRET = "Vq3-kT9_xZ2mNw7LpR4sYb8HcJ6fDg1E"  # 32 characters, 32 different ones
PRODUCTION = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": SECRET, "PORTAL_BASE_URL": "https://yshj.example.gov.cn/",
              "PORTAL_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0", "PORTAL_MAIL_SERVER": "mail.example.gov.cn"}


def production(**changes) -> dict:
    return {**PRODUCTION, **changes}


def test_production_accepts_a_long_random_secret_and_its_own_address():
    config = load_config(PRODUCTION)
    assert config["SESSION_COOKIE_SECURE"] is True and config["BASE_URL"] == "https://yshj.example.gov.cn"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_production_refuses_to_start_without_its_own_address():
    # links in mail and feeds would otherwise follow the request's Host header
    with pytest.raises(ConfigError, match="PORTAL_BASE_URL"):
        load_config(production(PORTAL_BASE_URL=""))


@pytest.mark.parametrize("secret", ["a" * 32, "ab" * 24, "0123456789abcd" * 3])
def test_production_refuses_a_long_secret_with_few_different_characters(secret):
    with pytest.raises(ConfigError, match="different"):
        load_config(production(PORTAL_SECRET_KEY=secret))


@pytest.mark.parametrize("storage", ["", "memory://", "memory://?x=1"])
def test_production_refuses_per_process_rate_limit_counts(storage):
    with pytest.raises(ConfigError, match="PORTAL_RATELIMIT_STORAGE=redis"):
        load_config(production(PORTAL_RATELIMIT_STORAGE=storage))


def test_production_refuses_to_start_without_a_mail_server():
    # without one, whole mails (retrieval codes included) would only go to the log
    with pytest.raises(ConfigError, match="PORTAL_MAIL_SERVER"):
        load_config(production(PORTAL_MAIL_SERVER=""))


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError):
        load_config({"PORTAL_ENV": "staging"})


def test_settings_come_from_portal_variables():
    config = load_config({"PORTAL_SECRET_KEY": "k", "PORTAL_DATABASE_URL": "sqlite:///x.db",
                          "PORTAL_INDEX_DIR": "/tmp/ix", "PORTAL_RATELIMIT_ENABLED": "false"})
    assert config["DATABASE_URL"] == "sqlite:///x.db" and config["INDEX_DIR"] == "/tmp/ix"
    assert config["RATELIMIT_ENABLED"] is False
