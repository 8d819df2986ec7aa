"""The request boundary: one unit of work per request and per command.

A request (or CLI command) that ends without an exception commits once, then sends the mail its
transaction queued and runs what it asked to run after the commit; one that raises rolls back, sends
nothing and runs what it asked to run on a rollback (removing a file written for a filing that was
not stored, say). Views, API handlers and commands never call `commit()`, `rollback()` or the mail
sender themselves; services flush and never commit. A job that works in several units (one per
subscriber, one per batch) opens one `transaction()` for each.
"""
from __future__ import annotations

import fcntl
import functools
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal import mail
from portal.extensions import db

_AFTER_COMMIT = "boundary.after_commit"
_ON_ROLLBACK = "boundary.on_rollback"


@dataclass
class Unit:
    """One unit of work; after it ends, how much of its mail went out."""

    session: Session
    sent: int = 0
    failed: int = 0


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once this transaction has committed (never if it rolls back)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def on_rollback(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` if this transaction rolls back (never if it commits)."""
    session.info.setdefault(_ON_ROLLBACK, []).append(callback)


def _commit(unit: Unit) -> None:
    session = unit.session
    committing = session.get_transaction()
    try:
        session.commit()
    except BaseException:
        _rollback(session)
        raise
    session.info.pop(_ON_ROLLBACK, None)
    ids = mail.take_queued(session, committing)
    for callback in session.info.pop(_AFTER_COMMIT, []):
        _run(callback)
    if ids:
        unit.sent, unit.failed = mail.send_pending(session, ids=ids)


def _rollback(session: Session) -> None:
    session.rollback()
    session.info.pop(_AFTER_COMMIT, None)
    mail.forget_queued(session)
    for callback in session.info.pop(_ON_ROLLBACK, []):
        _run(callback)


def _run(callback: Callable[[], None]) -> None:
    """What runs after the outcome is settled must not undo it: a failure is logged, not raised."""
    try:
        callback()
    except Exception:
        current_app.logger.exception("after-transaction step %r failed", callback)


@contextmanager
def transaction(session: Session | None = None) -> Iterator[Unit]:
    """One unit of work: commit at the end and send its mail, or roll back on any exception."""
    unit = Unit(session or db.session())
    try:
        yield unit
    except BaseException:
        _rollback(unit.session)
        raise
    _commit(unit)


class Portal(Flask):
    """Flask with the boundary around every view: the view returns, then the unit commits (a failed
    commit is answered by the error handlers like any other error) and its mail is sent."""

    def dispatch_request(self):
        with transaction():
            return super().dispatch_request()


def _unit_of_work(f: Callable) -> Callable:
    @functools.wraps(f)
    def run(*args, **kwargs):
        with transaction():
            return f(*args, **kwargs)

    return run


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Whether this process may run the periodic job `name` now: the same timer fires on every host,
    and the first to take the lock does the work. PostgreSQL: a session advisory lock, released when
    the job ends or its connection dies. SQLite (one machine): a file lock beside the database."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        key = zlib.crc32(f"huining-portal job {name}".encode())
        with engine.connect() as conn:
            taken = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
            conn.commit()
            try:
                yield bool(taken)
            finally:
                if taken:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    conn.commit()
        return
    database = make_url(str(engine.url)).database
    if not database or database == ":memory:":
        yield True
        return
    with open(Path(database).with_name(f"{Path(database).name}.job-{name.replace(' ', '-')}.lock"), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _as_job(name: str, f: Callable) -> Callable:
    @functools.wraps(f)
    def run(*args, **kwargs):
        with job_lock(name) as ours:
            if not ours:
                click.echo(f"“{name}”正在其他主机或进程上运行，本次跳过（它完成同样的工作）。")
                return None
            return f(*args, **kwargs)

    return run


class CommandGroup(AppGroup):
    """An AppGroup whose every command runs as one unit of work (in the app context); a command
    registered with `job=True` is a periodic job that runs once at a time across every host."""

    def command(self, *args, job: bool = False, **kwargs):
        register = super().command(*args, **kwargs)

        def decorate(f):
            work = _unit_of_work(f)
            if job:
                name = f"{self.name} {kwargs.get('name') or (args[0] if args else f.__name__)}"
                work = _as_job(name, work)
            return register(work)

        return decorate


def command(name: str, **kwargs) -> Callable[[Callable], click.Command]:
    """A top-level `flask --app portal NAME` command that runs as one unit of work."""
    return lambda f: click.command(name, **kwargs)(with_appcontext(_unit_of_work(f)))

