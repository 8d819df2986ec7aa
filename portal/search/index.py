"""The index on disk, and the single writer per host that keeps it in step with the database.

Layout of the index folder (PORTAL_INDEX_DIR, one per host: never shared between hosts):
    current            symlink to the live generation, switched atomically by a rebuild
    ix-<stamp>/        a generation: Whoosh's files and `synonyms.json`
Only the writer (`flask --app portal search worker`, or a command) writes; web workers only read,
so they never wait for Whoosh's lock inside a request.

Every host reads the one log of index tasks in the database (numbered in commit order, see
portal/search/outbox.py) from its own cursor (`index_cursors`, PORTAL_HOST_ID): a host that was down
catches up, a new host builds its index from the database and then follows the log from where the
build began. The cursor moves after the index commit, so a crash in between applies some rows again,
which changes nothing. Rows are pruned once every live host has passed them; a host that comes back
after they were pruned builds its index again.
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
from portal.clock import local, now
from portal.errors import Unavailable
from portal.search.documents import answer_document, guide_document, make_schema, policy_document
from portal.search.models import PRUNED, IndexCursor, IndexTask
from portal.search.outbox import last_number

CURRENT = "current"
SYNONYMS = "synonyms.json"
WRITER_TIMEOUT = 5.0  # seconds a drain waits for the lock; a rebuild holds it longer, and the drain retries
LIVE_FOR = dt.timedelta(days=7)  # a host not seen for this long no longer holds the log back
HEARTBEAT = dt.timedelta(minutes=1)  # an idle writer says it is alive this often


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


class BehindThePrunedLog(RuntimeError):
    """This host's cursor is below rows already pruned from the log: its index must be built again."""


class IndexStore:
    """The index folder of one host: its live generation, the synonym table that goes with it, and
    how far it has read the log."""

    def __init__(self, root: str | Path, host: str = "local"):
        self.root = Path(root)
        self.host = host

    def current_dir(self) -> Path:
        link = self.root / CURRENT
        if not link.is_symlink():
            raise IndexMissing(str(self.root))
        return self.root / os.readlink(link)

    def exists(self) -> bool:
        """A usable index is there: one of an older schema (without the English fields, say) counts as
        missing, so the writer or `search reindex --if-missing` builds it anew."""
        try:
            if not whoosh_index.exists_in(str(self.current_dir())):
                return False
        except IndexMissing:
            return False
        return set(make_schema().names()) <= set(self.open().schema.names())

    def open(self) -> FileIndex:
        return whoosh_index.open_dir(str(self.current_dir()))

    @staticmethod
    def synonyms(directory: Path) -> dict[str, list[str]]:
        try:
            return json.loads((directory / SYNONYMS).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def position(self, session: Session) -> int:
        """How far this host's index has applied the log."""
        return session.scalar(select(IndexCursor.position).where(IndexCursor.host == self.host)) or 0

    def _unapplied(self, session: Session):
        return select(IndexTask).where(IndexTask.seq > self.position(session))

    def pending(self, session: Session) -> int:
        """Log rows this host's index has not applied yet."""
        return session.scalar(select(func.count()).select_from(self._unapplied(session).subquery())) or 0

    def lag(self, session: Session) -> float:
        """Seconds the oldest row this host has not applied has waited (0 when none waits)."""
        oldest = session.scalar(select(func.min(IndexTask.created_at)).where(IndexTask.seq > self.position(session)))
        return max(0.0, (now() - local(oldest)).total_seconds()) if oldest is not None else 0.0

    # ---- writing: only the host's single writer calls these

    def _cursor(self, session: Session, name: str | None = None) -> IndexCursor:
        name = name or self.host
        cursor = session.get(IndexCursor, name)
        if cursor is None:
            cursor = IndexCursor(host=name, position=0, seen_at=now())
            session.add(cursor)
        return cursor

    def _move_to(self, session: Session, position: int) -> None:
        cursor = self._cursor(session)
        cursor.position, cursor.seen_at = position, now()

    def drain(self, session: Session, batch: int = 500, timeout: float = WRITER_TIMEOUT) -> DrainReport:
        """Apply the next rows of the log to this host's live index and move its cursor past them
        (the caller commits). Raises BehindThePrunedLog when rows it needs were pruned already."""
        session.expire_all()  # read the documents as committed now, not as an earlier batch saw them
        position = self.position(session)
        pruned = session.scalar(select(IndexCursor.position).where(IndexCursor.host == PRUNED)) or 0
        if position < pruned:
            raise BehindThePrunedLog(f"{self.host} read up to {position}; the log was pruned up to {pruned}")
        tasks = session.scalars(select(IndexTask).where(IndexTask.seq > position)
                                .order_by(IndexTask.seq).limit(batch)).all()
        if not tasks:
            cursor = self._cursor(session)
            if now() - local(cursor.seen_at) > HEARTBEAT:  # alive, so the log is kept for this host
                cursor.seen_at = now()
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
        self._move_to(session, tasks[-1].seq)
        return DrainReport(len(tasks), len(keys))

    def prune(self, session: Session) -> int:
        """Delete the rows every live host has applied (the caller commits); returns how many."""
        live = session.scalars(select(IndexCursor.position).where(
            IndexCursor.host != PRUNED, IndexCursor.seen_at >= now() - LIVE_FOR)).all()
        if not live:
            return 0
        upto = min(live)
        deleted = session.execute(delete(IndexTask).where(IndexTask.seq <= upto)).rowcount
        marker = self._cursor(session, PRUNED)
        marker.position, marker.seen_at = max(marker.position or 0, upto), now()
        return deleted

    def rebuild(self, session: Session, procs: int = 1) -> Path:
        """Build a new generation beside the live one from the database, then switch to it atomically,
        and set this host's cursor to where the log stood before the build read anything (rows after
        that are applied again by the next drain, which changes nothing; the caller commits).

        The live generation's write lock is held throughout, so no drain applies a row that the new
        generation might have missed; drains wait and then write to the new generation.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".rebuild.lock", "w") as rebuild_lock:
            fcntl.flock(rebuild_lock, fcntl.LOCK_EX)  # one rebuild at a time; released on exit or death
            # read before the documents: whatever the build sees was committed at `start` or after
            start = last_number(session)
            directory = self._rebuild(session, procs)
            self._move_to(session, start)
            return directory

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

