"""The index log numbers its rows in commit order and never gives a number twice, also after pruning
has emptied it; each host reads it from its own cursor (issue 18)."""
from __future__ import annotations

from sqlalchemy import select

from portal.catalog.content import import_content
from portal.search.index import BehindThePrunedLog, IndexStore
from portal.search.models import IndexCursor, IndexTask
from tests import factories as f


def seqs(session) -> list[int]:
    session.expire_all()
    return list(session.scalars(select(IndexTask.seq).order_by(IndexTask.seq)))


def test_numbers_go_on_after_the_log_was_pruned_empty(session, index):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide("a"), f.guide("b", "第二项")))
    session.commit()
    assert seqs(session) == [1, 2]
    index.drain()
    assert index.store.prune(session) == 2
    session.commit()
    assert seqs(session) == []
    import_content(session, f.lines(f.guide("c", "第三项")))
    session.commit()
    assert seqs(session) == [3]  # not 1 again: a host at 2 would never read it


def test_each_host_reads_the_log_from_its_own_cursor_and_a_late_host_rebuilds(app, session, index, tmp_path):
    other = IndexStore(tmp_path / "other-ix", "host-b")
    other.rebuild(session)
    session.commit()
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide("a")))
    session.commit()
    index.drain()  # this host applies the row
    assert index.store.prune(session) == 0  # host-b has not: the row stays
    session.commit()
    assert other.drain(session).tasks == 1
    session.commit()
    assert index.store.prune(session) == 1
    session.commit()
    # a third host whose cursor is below what was pruned cannot follow the log: it must rebuild
    session.add(IndexCursor(host="host-c", position=0))
    session.commit()
    late = IndexStore(tmp_path / "late-ix", "host-c")
    late.rebuild(session)
    session.commit()
    assert late.position(session) == 1 and late.drain(session).tasks == 0
    stale = IndexStore(tmp_path / "stale-ix", "host-d")
    stale.rebuild(session)
    session.execute(IndexCursor.__table__.update().where(IndexCursor.host == "host-d").values(position=0))
    session.commit()
    try:
        stale.drain(session)
    except BehindThePrunedLog:
        pass
    else:
        raise AssertionError("a host below the pruned log must be told to rebuild")
