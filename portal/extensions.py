"""Extensions, created unbound and bound to the app in create_app()."""
from __future__ import annotations

import json
import threading
from functools import partial, wraps

from flask import Flask, current_app
from flask.globals import app_ctx
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage
from flask_wtf import CSRFProtect
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker


class _AppSession(Session):
    """A session that talks to the engine of the app whose context is active."""

    def get_bind(self, mapper=None, clause=None, **kwargs):
        return current_app.extensions["database"].engine


def _app_context_scope() -> int:
    """One session per app context (and so per request, CLI command or test block)."""
    try:
        return id(app_ctx._get_current_object())
    except RuntimeError:
        return threading.get_ident()


class Database:
    """An engine per app and a session per app context; the request boundary commits."""

    def __init__(self) -> None:
        self.session = scoped_session(
            sessionmaker(class_=_AppSession, expire_on_commit=False), scopefunc=_app_context_scope
        )

    def init_app(self, app: Flask) -> None:
        app.extensions["database"] = _Bound(make_engine(app.config["DATABASE_URL"], app.config["SQLITE_BUSY_TIMEOUT"]))
        app.teardown_appcontext(lambda exc: self.session.remove())

    @property
    def engine(self) -> Engine:
        """The engine of the current app."""
        return current_app.extensions["database"].engine


class _Bound:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine


_json = partial(json.dumps, ensure_ascii=False)


def make_engine(url: str, busy_timeout: float = 15) -> Engine:
    """An engine; SQLite gets WAL, foreign keys and a busy timeout (seconds a writer waits for another
    to finish) so several workers can share it."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout}, json_serializer=_json)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=_json)


class OneThreadMemoryStorage(MemoryStorage):
    """limits' memory storage (memory://), used by one thread at a time. Its own locks are per key and
    taken after the key is read, and its expiry timer is restarted without a lock: from several threads
    (the tests, a threaded development or live server) a new key's count could be reset by another
    thread's read before its expiry was set (a search counted twice, or a limit's hit lost), and the
    timer started twice. Registered for the scheme memory://, in place of limits' own class; Redis,
    which production uses, counts atomically."""

    STORAGE_SCHEME = ["memory"]

    def __init__(self, *args, **kwargs):
        self._one_at_a_time = threading.RLock()
        super().__init__(*args, **kwargs)

    def _MemoryStorage__expire_events(self) -> None:  # the timer's run, under the same lock
        with self._one_at_a_time:
            super()._MemoryStorage__expire_events()


def _one_at_a_time(method):
    @wraps(method)
    def locked(self, *args, **kwargs):
        with self._one_at_a_time:
            return method(self, *args, **kwargs)
    return locked


for _name in ("incr", "decr", "get", "clear", "reset", "get_expiry", "acquire_entry", "get_moving_window",
              "acquire_sliding_window_entry", "get_sliding_window", "clear_sliding_window"):
    setattr(OneThreadMemoryStorage, _name, _one_at_a_time(getattr(MemoryStorage, _name)))


db = Database()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
