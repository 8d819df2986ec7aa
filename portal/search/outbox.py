"""Every change to searchable content records an index task in the same transaction, numbered as
the transaction commits.

A watcher of the transaction's changes (portal/changes.py) rather than calls sprinkled over services:
whatever changes a guide, a policy, an answer, their topic links or the synonym table (content import, the expiry
job, staff editing) is covered, and a rolled-back transaction leaves no task behind. The tasks form one
log that every host's index writer reads (portal/search/index.py): the number (`seq`) is given under a
lock held until the commit ends (PostgreSQL: an advisory lock; SQLite: its one writer at a time), so
numbers follow commit order and a writer that has applied n has missed nothing below n. The index
stores bureau and topic codes only; their names are looked up when a page is drawn, so renaming a
bureau needs no reindexing.
"""
from __future__ import annotations

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from portal.catalog.models import Answer, AnswerTopic, Guide, GuideTopic, Policy, PolicyTopic, Synonym
from portal.changes import watch
from portal.search.models import PRUNED, IndexCursor, IndexTask


def _documents(session: Session) -> set[tuple[str, str]]:
    """(kind, key) of every document this flush adds, changes or deletes."""
    touched: set[tuple[str, str]] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, (Guide, Policy, Answer)):
            kind = "guide" if isinstance(obj, Guide) else "policy" if isinstance(obj, Policy) else "answer"
            history = inspect(obj).attrs.slug.history
            touched.update((kind, slug) for slug in history.deleted)  # a renamed slug drops the old entry
            if obj.slug:
                touched.add((kind, obj.slug))
        elif isinstance(obj, GuideTopic) and obj.guide is not None:
            touched.add(("guide", obj.guide.slug))
        elif isinstance(obj, PolicyTopic) and obj.policy is not None:
            touched.add(("policy", obj.policy.slug))
        elif isinstance(obj, AnswerTopic) and obj.answer is not None:
            touched.add(("answer", obj.answer.slug))
        elif isinstance(obj, Synonym):
            touched.add(("synonyms", ""))
    return touched


LOG_LOCK = 71310002  # PostgreSQL advisory lock: one transaction at a time numbers its tasks and commits


def _record_index_tasks(session: Session, state: dict) -> None:
    recorded = state.setdefault("recorded", set())
    for kind, key in sorted(_documents(session) - recorded):
        session.add(IndexTask(doc_kind=kind, doc_key=key))
        recorded.add((kind, key))
    state.setdefault("tasks", []).extend(obj for obj in session.new if isinstance(obj, IndexTask))


def _number_tasks(session: Session, state: dict) -> None:
    """As the transaction commits: its tasks get the next numbers of the log, in commit order."""
    session.flush()  # every task of the transaction recorded (and flushed) first
    tasks = [task for task in dict.fromkeys(state.pop("tasks", [])) if task in session and task.seq is None]
    if not tasks:
        return
    if session.get_bind().dialect.name == "postgresql":  # held until this transaction's commit ends
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOG_LOCK})
    for number, task in enumerate(tasks, last_number(session) + 1):
        task.seq = number


def last_number(session: Session) -> int:
    """The highest number the log has given: its last row's, or, when pruning has emptied it, the last
    pruned one's. One statement, so one snapshot: numbers never go back."""
    highest = select(func.coalesce(func.max(IndexTask.seq), 0)).scalar_subquery()
    pruned = select(func.coalesce(func.max(IndexCursor.position), 0)).where(IndexCursor.host == PRUNED).scalar_subquery()
    larger = func.max if session.get_bind().dialect.name == "sqlite" else func.greatest  # SQLite's max(a, b)
    return session.scalar(select(larger(highest, pruned)))


def install() -> None:
    """Record an index task for every change to searchable content, in its transaction."""
    watch("search", _record_index_tasks, _number_tasks)
