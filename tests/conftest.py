"""Fixtures: a real database built by running the migrations (SQLite, or PostgreSQL when
PORTAL_TEST_DATABASE_URL names one), an app per database, the demo content, and the clock the
whole session runs at (tests/clock.py).

Isolation: `app` is one app for the session on an empty database, emptied again after every test
that used it. `demo_app` holds the demo content and is read-only: tests that change demo data (the
browser journeys, a rebuild of its index) take `demo_copy`, a copy of their own, and a check at the
end of the session fails if anything changed the original."""
from __future__ import annotations

import functools
import itertools
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from flask import current_app, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from portal import create_app, migrate, pagecache
from portal.accounts import services as accounts_services
from portal.catalog.content import export_content, import_content
from portal.cli import DEMO_CONTENT
from portal.clock import as_of
from portal.database import Base
from portal.extensions import db, limiter
from tests.clock import NOW
from tests.hosts import redis_url  # noqa: F401  (a real Redis server for any test that asks)
from tests.mailbox import smtp  # noqa: F401  (a real SMTP server for any test that asks)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# The tests configure the app themselves: nothing from the developer's shell may leak in, and no
# development secret is written into the checkout.
for _name in [n for n in os.environ if n.startswith("PORTAL_") and n not in ("PORTAL_TEST_DATABASE_URL",
                                                                             "PORTAL_TEST_NOW")]:
    del os.environ[_name]
os.environ["PORTAL_SECRET_KEY"] = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session", autouse=True)
def pinned_clock():
    """Every test runs at tests.clock.NOW (`portal.clock.now()` and `today()` answer it); threads
    and live servers started through tests/servers.py keep it. Subprocesses (gunicorn, `flask`
    commands) read the real clock: no test of theirs asserts anything that depends on the date."""
    with as_of(NOW):
        yield NOW


@pytest.fixture(scope="session", autouse=True)
def _passwords_hashed_once():
    """scrypt takes about 0.15 s by design, and the tests hash and check the same few passwords
    thousands of times (every account a fixture opens, every login): that was a third of the suite's
    time. The first hash of a password and the first check of a (hash, password) pair are real scrypt;
    repeats reuse the answer. Patched where the account services look them up; tickets' retrieval
    codes and subprocesses are untouched."""
    generate = functools.lru_cache(maxsize=None)(accounts_services.generate_password_hash)
    check = functools.lru_cache(maxsize=None)(accounts_services.check_password_hash)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts_services, "generate_password_hash", generate)
        patch.setattr(accounts_services, "check_password_hash", check)
        yield


def fresh_database(tmp_path_factory, name: str) -> str:
    """An empty database of the configured kind, named for the fixture that uses it."""
    base = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / (name + '.sqlite3')}"
    return _postgres_database(base, name)


def _postgres_database(base: str, name: str, template: str | None = None) -> str:
    """A PostgreSQL database `name` on the server of `base`, empty or copied from `template`."""
    url = make_url(base)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


class RequestClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as a request in production does.
    A test that holds an app context open (the `session` fixture) would otherwise hand one request's
    `g` (Flask-Login's loaded user, Flask-WTF's token) to the next, even to another client's."""

    def open(self, *args, **kwargs):
        if has_app_context() and current_app._get_current_object() is self.application:
            g.__dict__.clear()
        return super().open(*args, **kwargs)


def make_app(database_url: str, index_dir: Path, **overrides):
    migrate.upgrade(database_url)
    config = {"TESTING": True, "DATABASE_URL": database_url, "INDEX_DIR": str(index_dir),
              "ATTACHMENT_DIR": str(Path(index_dir).parent / f"{Path(index_dir).name}-attachments"),
              "RATELIMIT_ENABLED": False}
    config.update(overrides)
    application = create_app(config)
    application.test_client_class = RequestClient
    return application


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app on an empty, migrated database; every test leaves it empty again."""
    return make_app(fresh_database(tmp_path_factory, "portal_test"), tmp_path_factory.mktemp("index"))


@pytest.fixture(autouse=True)
def _empty_tables_after_test(request):
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        db.session.rollback()
        with db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
        pagecache.clear()  # the index log starts again from 1: the next test's pages are not these
    shutil.rmtree(application.config["ATTACHMENT_DIR"], ignore_errors=True)


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session


@pytest.fixture
def index(app, session):
    """The app's index, rebuilt from the (empty) database for this test; `drain()` applies the outbox."""
    store = app.extensions["search"].store
    store.rebuild(session)
    session.rollback()

    class Index:
        def __init__(self):
            self.store = store

        def drain(self) -> int:
            applied = 0
            while (report := store.drain(session)).tasks:
                applied += report.tasks
                session.commit()
            session.commit()
            return applied

    return Index()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def limited_app(app, tmp_path):
    """A second app on `app`'s database with its rate limits on, every count starting from zero
    (the tests' `app` runs with them off, as load checks do)."""
    application = make_app(app.config["DATABASE_URL"], tmp_path / "index", RATELIMIT_ENABLED=True)
    with application.app_context():
        limiter.reset()
    return application


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory):
    """The app on its own database holding the demo content, loaded through the import path.
    Read-only: a test that changes it takes `demo_copy` instead (checked at the end of the session)."""
    application = make_app(fresh_database(tmp_path_factory, "portal_demo_test"), tmp_path_factory.mktemp("demo-index"))
    with application.app_context():
        with DEMO_CONTENT.open(encoding="utf-8") as handle:
            import_content(db.session, handle)
        db.session.commit()
        application.extensions["search"].store.rebuild(db.session)
        db.session.rollback()
    before = _demo_state(application)
    yield application
    assert _demo_state(application) == before, "a test changed demo_app: give it a demo_copy of its own"


READS_RECORDED = {"search_counts", "search_gaps"}


def _demo_state(application) -> tuple:
    """What a test could change in the demo app: the content, the number of rows of every table
    (accounts, tickets, comments ...), and the index generation in use. What searching records of its
    readers (search_counts, search_gaps) is left out: reading the demo may count."""
    with application.app_context():
        rows = {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables if table.name not in READS_RECORDED}
        state = (export_content(db.session), rows, application.extensions["search"].store.current_dir())
        db.session.rollback()
    return state


_copies = itertools.count(1)


@pytest.fixture(scope="session")
def demo_copy(demo_app, tmp_path_factory):
    """A function that gives a new app on a copy of the demo database and index, for a test or a
    module that changes them (the original stays as every reader expects it)."""
    def copy():
        name = f"portal_demo_copy_{next(_copies)}"
        source = make_url(demo_app.config["DATABASE_URL"])
        if source.get_backend_name() == "sqlite":
            target = tmp_path_factory.mktemp("db") / f"{name}.sqlite3"
            original, duplicate = sqlite3.connect(source.database), sqlite3.connect(target)
            original.backup(duplicate)
            original.close()
            duplicate.close()
            url = f"sqlite:///{target}"
        else:
            demo_app.extensions["database"].engine.dispose()  # a template database may have no connections
            url = _postgres_database(os.environ["PORTAL_TEST_DATABASE_URL"], name, template=source.database)
        index = tmp_path_factory.mktemp(f"{name}-index")
        shutil.copytree(demo_app.config["INDEX_DIR"], index, symlinks=True, dirs_exist_ok=True)
        return make_app(url, index)

    return copy


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
