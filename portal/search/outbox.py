"""Every change to searchable content records an index task in the same transaction.

A session hook rather than calls sprinkled over services: whatever changes a guide, a policy, an
answer, their topic links or the synonym table (content import, the expiry job, staff editing later) is covered,
and a rolled-back transaction leaves no task behind. The index stores bureau and topic codes only;
their names are looked up when a page is drawn, so renaming a bureau needs no reindexing.
"""
from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from portal.catalog.models import Answer, AnswerTopic, Guide, GuideTopic, Policy, PolicyTopic, Synonym
from portal.changes import watch
from portal.search.models import IndexTask


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


def _record_index_tasks(session: Session, state: dict) -> None:
    recorded = state.setdefault("recorded", set())
    for kind, key in sorted(_documents(session) - recorded):
        session.add(IndexTask(doc_kind=kind, doc_key=key))
        recorded.add((kind, key))


def install() -> None:
    """Record an index task for every change to searchable content, in its transaction."""
    watch("search", _record_index_tasks)
