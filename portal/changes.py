"""What a transaction changes, recorded in that same transaction: one session hook serves every outbox.

A part that must hear of changes (the search index's outbox, subscription notices) registers a
watcher: `on_flush` sees each flush's new, changed and deleted objects and may add rows of its own;
`before_commit`, if given, runs once as the transaction commits, to finish what it recorded from the
final state (so a file of 10,000 lines costs 10,000 steps, not one per line per flush). Each watcher
keeps its notes in a dict that lives as long as the transaction; a rollback forgets them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session

State = dict


@dataclass(frozen=True)
class Watcher:
    name: str
    on_flush: Callable[[Session, State], None]
    before_commit: Callable[[Session, State], None] | None = None


_WATCHERS: dict[str, Watcher] = {}


def watch(name: str, on_flush: Callable[[Session, State], None],
          before_commit: Callable[[Session, State], None] | None = None) -> None:
    """Register (or replace) the watcher `name`; the session hooks are installed once per process."""
    _WATCHERS[name] = Watcher(name, on_flush, before_commit)
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _forget)
        event.listen(Session, "after_rollback", _forget)


def _state(session: Session, name: str) -> State:
    return session.info.setdefault(f"changes.{name}", {})


def _before_flush(session: Session, _flush_context, _instances) -> None:
    for watcher in _WATCHERS.values():
        watcher.on_flush(session, _state(session, watcher.name))


def _before_commit(session: Session) -> None:
    for watcher in _WATCHERS.values():
        if watcher.before_commit is not None:
            watcher.before_commit(session, _state(session, watcher.name))


def _forget(session: Session, *_args) -> None:
    for name in _WATCHERS:
        session.info.pop(f"changes.{name}", None)
