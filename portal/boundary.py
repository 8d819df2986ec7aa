"""The request boundary: one unit of work per request and per command.

A request (or CLI command) that ends without an exception commits once, then sends the mail its
transaction queued and runs what it asked to run after the commit; one that raises rolls back, sends
nothing and runs what it asked to run on a rollback (removing a file written for a filing that was
not stored, say). Views, API handlers and commands never call `commit()`, `rollback()` or the mail
sender themselves; services flush and never commit. A job that works in several units (one per
subscriber, one per batch) opens one `transaction()` for each.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
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


class CommandGroup(AppGroup):
    """An AppGroup whose every command runs as one unit of work (in the app context)."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda f: register(_unit_of_work(f))


def command(name: str, **kwargs) -> Callable[[Callable], click.Command]:
    """A top-level `flask --app portal NAME` command that runs as one unit of work."""
    return lambda f: click.command(name, **kwargs)(with_appcontext(_unit_of_work(f)))

