"""The one place that reads PORTAL_* environment variables."""
from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = ROOT / "instance"

WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "development"}
MIN_SECRET_LENGTH = 32
MIN_SECRET_SYMBOLS = 16  # distinct characters: "a" * 32 is long but guessable
PER_PROCESS_STORAGE = ("memory://",)  # each gunicorn worker would count alone, and start again when recycled


class ConfigError(RuntimeError):
    """The environment asks for something the portal refuses to run with."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret() -> str:
    """A random key kept under instance/, so sessions survive restarts in development."""
    path = INSTANCE_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(environ: dict[str, str] | None = None) -> dict:
    """Read the PORTAL_* settings; production refuses to start without a strong secret key."""
    env = os.environ if environ is None else environ
    mode = env.get("PORTAL_ENV", "development").strip() or "development"
    if mode not in {"development", "production"}:
        raise ConfigError(f"PORTAL_ENV must be development or production, not {mode!r}")

    secret = env.get("PORTAL_SECRET_KEY", "")
    if mode == "production":
        if (secret.lower() in WEAK_SECRETS or len(secret) < MIN_SECRET_LENGTH
                or len(set(secret)) < MIN_SECRET_SYMBOLS):
            raise ConfigError(
                f"PORTAL_ENV=production needs PORTAL_SECRET_KEY of at least {MIN_SECRET_LENGTH} random characters "
                f"with at least {MIN_SECRET_SYMBOLS} different ones (e.g. python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
    elif not secret:
        secret = _development_secret()

    storage = env.get("PORTAL_RATELIMIT_STORAGE", "").strip() or "memory://"
    if mode == "production" and storage.startswith(PER_PROCESS_STORAGE):
        raise ConfigError("PORTAL_ENV=production needs PORTAL_RATELIMIT_STORAGE=redis://…: with memory:// every "
                          "gunicorn worker (and every host) counts alone, so the login, tracking and filing limits "
                          "let several times their number through")
    mail_server = env.get("PORTAL_MAIL_SERVER", "").strip()
    if mode == "production" and not mail_server:
        raise ConfigError("PORTAL_ENV=production needs PORTAL_MAIL_SERVER: without it mail would only be written "
                          "to the log, retrieval codes included")

    base_url = env.get("PORTAL_BASE_URL", "").strip().rstrip("/")
    if mode == "production" and not base_url.startswith(("https://", "http://")):
        raise ConfigError("PORTAL_ENV=production needs PORTAL_BASE_URL (e.g. https://yshj.huining.gov.cn): "
                          "links in mail and feeds never follow the request's Host header")

    database_url = env.get("PORTAL_DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    index_dir = env.get("PORTAL_INDEX_DIR") or str(ROOT / "search_index")

    return {
        "PORTAL_ENV": mode,
        "SECRET_KEY": secret,
        "DATABASE_URL": database_url,
        # SQLite: how long a writer waits for another; then the request is answered 503 with Retry-After
        "SQLITE_BUSY_TIMEOUT": float(env.get("PORTAL_SQLITE_BUSY_TIMEOUT", "15") or 15),
        "INDEX_DIR": index_dir,
        # Which host this is, for its cursor in the index log: every host keeps its own index folder
        "HOST_ID": (env.get("PORTAL_HOST_ID") or socket.gethostname() or "local").strip()[:100],
        # /healthz answers 503 (degraded) when a change has waited longer than this for the index writer
        "INDEX_MAX_LAG": int(env.get("PORTAL_INDEX_MAX_LAG", "300") or 300),
        # Anonymous public pages kept in each worker's memory (portal/pagecache.py) and for how long at most
        "PAGE_CACHE": _flag(env.get("PORTAL_PAGE_CACHE"), True),
        "PAGE_CACHE_SECONDS": float(env.get("PORTAL_PAGE_CACHE_SECONDS", "300") or 300),
        # Guide readings are counted in memory and added to the database at most this often
        "GUIDE_READINGS_SECONDS": float(env.get("PORTAL_GUIDE_READINGS_SECONDS", "30") or 30),
        "RATELIMIT_ENABLED": _flag(env.get("PORTAL_RATELIMIT_ENABLED"), True),
        # memory:// counts per process (development only); production shares the counts in Redis
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_HEADERS_ENABLED": True,
        "PROXY_HOPS": int(env.get("PORTAL_PROXY_HOPS", "0") or 0),
        "ATTACHMENT_DIR": env.get("PORTAL_ATTACHMENT_DIR") or str(INSTANCE_DIR / "attachments"),
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": int(env.get("PORTAL_MAIL_PORT", "25") or 25),
        "MAIL_SENDER": env.get("PORTAL_MAIL_SENDER", "noreply@huining.invalid"),
        "MAIL_SECURITY": env.get("PORTAL_MAIL_SECURITY", "none"),  # none, starttls or ssl
        "MAIL_USERNAME": env.get("PORTAL_MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("PORTAL_MAIL_PASSWORD", ""),
        "MAIL_TIMEOUT": 10,
        # Links in mail use this, never the request's Host header (which anyone can set).
        "BASE_URL": base_url,
        # Development only, with no PORTAL_BASE_URL: where a command's mail links point (`make run`'s address).
        "LOCAL_URL": "http://" + (env.get("PORTAL_BIND") or "127.0.0.1:8000"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": mode == "production",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # the filing form with its attachments
        # Open311 requests per API key (per client address without one): a partner forwarding a county's calls
        "OPEN311_LIMIT": env.get("PORTAL_OPEN311_LIMIT", "").strip() or "60 per minute;5000 per day",
        "MAX_JSON_LENGTH": 64 * 1024,  # a JSON body: a ticket is a few KB; more is an attack on a worker's CPU
        "WTF_CSRF_TIME_LIMIT": None,
        "TIMEZONE": "Asia/Shanghai",
    }
