"""The index on disk, and the single writer that keeps it in step with the database.

Layout of the index folder (PORTAL_INDEX_DIR):
    current            symlink to the live generation, switched atomically by a rebuild
    ix-<stamp>/        a generation: Whoosh's files and `synonyms.json`
Only the writer (`flask --app portal search worker`, or a command) writes; web workers only read,
so they never wait for Whoosh's lock inside a request.

The outbox rows a drain applied are deleted after the index commit, by id: a row that commits late
(PostgreSQL hands out ids before commit) is simply still there next time, and a crash between the
index commit and the delete applies the rows again, which changes nothing.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload
from whoosh import index as whoosh_index
from whoosh.index import FileIndex, LockError

from portal.catalog.models import Answer, AnswerStatus, Guide, Policy, PolicyStatus, Synonym
from portal.errors import Unavailable
from portal.search.documents import answer_document, guide_document, make_schema, policy_document
from portal.search.models import IndexTask

CURRENT = "current"
SYNONYMS = "synonyms.json"
WRITER_TIMEOUT = 5.0  # seconds a drain waits for the lock; a rebuild holds it longer, and the drain retries


class IndexMissing(Unavailable):
    """No index has been built yet: run `flask --app portal search reindex`."""

    def __init__(self, root: str):
        super().__init__("检索索引正在建立，请稍后再试；也可以按领域和部门浏览办事指南。")
        self.root = root


@dataclass(frozen=True)
class DrainReport:
    tasks: int
    documents: int
    busy: bool = False


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class IndexStore:
    """The index folder: its live generation and the synonym table that goes with it."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def current_dir(self) -> Path:
        link = self.root / CURRENT
        if not link.is_symlink():
            raise IndexMissing(str(self.root))
        return self.root / os.readlink(link)

    def exists(self) -> bool:
        try:
            return whoosh_index.exists_in(str(self.current_dir()))
        except IndexMissing:
            return False

    def open(self) -> FileIndex:
        return whoosh_index.open_dir(str(self.current_dir()))

    @staticmethod
    def synonyms(directory: Path) -> dict[str, list[str]]:
        try:
            return json.loads((directory / SYNONYMS).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    @staticmethod
    def pending(session: Session) -> int:
        """Outbox rows not yet applied to the index."""
        return session.scalar(select(func.count()).select_from(IndexTask)) or 0

    # ---- writing: only the single writer calls these

    def drain(self, session: Session, batch: int = 500, timeout: float = WRITER_TIMEOUT) -> DrainReport:
        """Apply the oldest outbox rows to the live index, then delete them (the caller commits)."""
        session.expire_all()  # read the documents as committed now, not as an earlier batch saw them
        tasks = session.scalars(select(IndexTask).order_by(IndexTask.id).limit(batch)).all()
        if not tasks:
            return DrainReport(0, 0)
        directory = self.current_dir()
        try:
            writer = whoosh_index.open_dir(str(directory)).writer(timeout=timeout)
        except LockError:
            return DrainReport(0, 0, busy=True)
        if self.current_dir() != directory:  # a rebuild switched while we waited: write to the new one
            writer.cancel()
            return DrainReport(0, 0, busy=True)
        keys = {(t.doc_kind, t.doc_key) for t in tasks}
        try:
            for kind, key in sorted(keys):
                if kind == "synonyms":
                    continue
                document = _load_document(session, kind, key)
                if document is None:
                    writer.delete_by_term("id", f"{kind}:{key}")
                else:
                    writer.update_document(**document)
            if ("synonyms", "") in keys:
                _atomic_write(directory / SYNONYMS, json.dumps(load_synonyms(session), ensure_ascii=False))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        session.execute(delete(IndexTask).where(IndexTask.id.in_([t.id for t in tasks])))
        return DrainReport(len(tasks), len(keys))

    def rebuild(self, session: Session, procs: int = 1) -> Path:
        """Build a new generation beside the live one from the database, then switch to it atomically.

        The live generation's write lock is held throughout, so no drain applies (and deletes) a row
        that the new generation might have missed; drains wait and then write to the new generation.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".rebuild.lock", "w") as rebuild_lock:
            fcntl.flock(rebuild_lock, fcntl.LOCK_EX)  # one rebuild at a time; released on exit or death
            return self._rebuild(session, procs)

    def _rebuild(self, session: Session, procs: int) -> Path:
        previous = self.current_dir() if self.exists() else None
        # The lock every Whoosh writer of that index takes (MAIN_WRITELOCK), held until the switch.
        lock = whoosh_index.open_dir(str(previous)).lock("WRITELOCK") if previous else None
        if lock is not None:
            lock.acquire(blocking=True)
        try:
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
            directory = self.root / f"ix-{stamp}"
            directory.mkdir()
            ix = whoosh_index.create_in(str(directory), make_schema())
            options = {"procs": procs, "multisegment": True} if procs > 1 else {}
            writer = ix.writer(limitmb=256, **options)
            try:
                for document in all_documents(session):
                    writer.add_document(**document)
                writer.commit()
            except BaseException:
                writer.cancel()
                shutil.rmtree(directory, ignore_errors=True)
                raise
            _atomic_write(directory / SYNONYMS, json.dumps(load_synonyms(session), ensure_ascii=False))
            link = self.root / f".{CURRENT}.{os.getpid()}"
            link.unlink(missing_ok=True)
            link.symlink_to(directory.name)
            os.replace(link, self.root / CURRENT)  # readers see the old or the new, never neither
        finally:
            if lock is not None:
                lock.release()
        self._remove_old_generations(keep={directory, previous})
        return directory

    def _remove_old_generations(self, keep: set[Path | None]) -> None:
        """Keep the live and the previous generation (a reader may still be on it); remove the rest.
        Called under the rebuild lock, so no generation being built is touched."""
        for path in self.root.glob("ix-*"):
            if path not in keep:
                shutil.rmtree(path, ignore_errors=True)


def _load_document(session: Session, kind: str, key: str) -> dict | None:
    if kind == "guide":
        guide = session.scalars(select(Guide).where(Guide.slug == key)).one_or_none()
        return guide_document(guide) if guide else None
    if kind == "answer":
        answer = session.scalars(select(Answer).where(Answer.slug == key)).one_or_none()
        return answer_document(answer) if answer else None
    policy = session.scalars(select(Policy).where(Policy.slug == key)).one_or_none()
    return policy_document(policy) if policy else None


def all_documents(session: Session) -> Iterable[dict]:
    """Every searchable guide, policy and answer, streamed."""
    guides = select(Guide).options(selectinload(Guide.bureau), selectinload(Guide.topic_links)).order_by(Guide.id)
    for guide in session.scalars(guides):
        yield guide_document(guide)
    policies = (
        select(Policy)
        .options(selectinload(Policy.bureau), selectinload(Policy.topic_links))
        .where(Policy.status != PolicyStatus.DRAFT)
        .order_by(Policy.id)
    )
    for policy in session.scalars(policies):
        document = policy_document(policy)
        if document:
            yield document
    answers = (
        select(Answer)
        .options(selectinload(Answer.bureau), selectinload(Answer.topic_links))
        .where(Answer.status == AnswerStatus.PUBLISHED)
        .order_by(Answer.id)
    )
    for answer in session.scalars(answers):
        yield answer_document(answer)


def load_synonyms(session: Session) -> dict[str, list[str]]:
    return {s.term: list(s.means) for s in session.scalars(select(Synonym).order_by(Synonym.term))}

