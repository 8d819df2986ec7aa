"""The index follows the database through crashes, concurrent writers and rebuilds under traffic."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from portal.catalog.content import import_content
from portal.search.index import IndexStore
from portal.search.models import IndexTask
from tests import factories as f
from tests.servers import pinned_thread, wait_for

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


def total(client, q: str, **params) -> int:
    response = client.get("/api/v1/search", query_string={"q": q, **params})
    assert response.status_code == 200
    return response.get_json()["total"]


def test_a_change_committed_before_a_crash_is_indexed_by_the_next_writer(session, index, client, app):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide()))
    session.commit()  # the process "dies" here: committed, never indexed
    assert session.scalar(select(func.count()).select_from(IndexTask)) > 0
    restarted = IndexStore(app.config["INDEX_DIR"], app.config["HOST_ID"])  # a new writer: only disk and database
    while restarted.drain(session).tasks:
        session.commit()
    session.commit()
    assert total(client, "公章刻制") == 1


def test_rows_applied_twice_change_nothing(session, index, client):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide()))
    session.commit()
    index.drain()
    # A writer that died after its index commit but before deleting the rows applies them again.
    session.add(IndexTask(doc_kind="guide", doc_key="gongzhang-kezhi"))
    session.commit()
    index.drain()
    assert total(client, "公章刻制") == 1
    with index.store.open().searcher() as searcher:
        assert searcher.doc_count() == 1


def test_a_rolled_back_change_leaves_no_task(session, index):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide()))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(IndexTask)) == 0


def test_concurrent_changes_from_several_processes_lose_nothing(session, index, client, app, tmp_path):
    import_content(session, f.lines(f.bureau(), f.topic()))
    session.commit()
    env = {**os.environ, "PORTAL_DATABASE_URL": app.config["DATABASE_URL"], "PORTAL_INDEX_DIR": app.config["INDEX_DIR"],
           "PORTAL_SECRET_KEY": "concurrency-test"}
    writer = subprocess.Popen([FLASK, "--app", "portal", "search", "worker", "--interval", "0.1"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    files = []
    for p in range(4):
        guides = [f.guide(slug=f"shixiang-{p}-{i}", title=f"并发测试事项{p}{i}", summary="并发写入核对。")
                  for i in range(6)]
        path = tmp_path / f"part{p}.jsonl"
        path.write_text("\n".join(f.lines(*guides)) + "\n", encoding="utf-8")
        files.append(path)
    importers = [subprocess.Popen([FLASK, "--app", "portal", "content", "import", str(path)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for path in files]
    try:
        for proc in importers:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err.decode()
        wait_for(lambda: total(client, "并发写入核对", per_page=50) >= 24, "the writer to catch up", seconds=60,
                 process=writer)
    finally:
        writer.terminate()
        writer.wait(timeout=30)
    assert writer.returncode == 0
    assert total(client, "并发写入核对", per_page=50) == 24
    session.expire_all()
    assert index.store.pending(session) == 0


def test_searches_never_wait_for_the_writer_lock(demo_app, demo_client):
    store = demo_app.extensions["search"].store
    lock = store.open().lock("WRITELOCK")  # the lock Whoosh's own writers take
    assert lock.acquire(blocking=False)
    try:
        started = time.monotonic()
        assert total(demo_client, "用电报装") > 0
        assert time.monotonic() - started < 5
    finally:
        lock.release()


def test_a_drain_waits_for_a_rebuild_and_then_writes_to_the_new_generation(session, index, client, app):
    """A change committed while a rebuild holds the writer lock is not applied to (and lost with)
    the old generation: the drain reports busy, and after the switch it lands in the new one."""
    import_content(session, f.lines(f.bureau(), f.topic()))
    session.commit()
    index.drain()
    lock = index.store.open().lock("WRITELOCK")
    assert lock.acquire(blocking=False)  # as a rebuild does, from before it reads the database
    try:
        import_content(session, f.lines(f.guide()))
        session.commit()
        report = index.store.drain(session, timeout=0.2)
        session.commit()
        assert report.busy and index.store.pending(session) > 0
    finally:
        lock.release()
    index.drain()
    assert total(client, "公章刻制") == 1


def test_a_rebuild_during_traffic_never_answers_with_an_error_or_nothing(demo_copy):
    """`flask search reindex`, run as the operator would in another process, four times over while
    three threads search; every answer is a 200 with results. (On a copy: it switches the index.)"""
    demo_app = demo_copy()
    failures: list[str] = []
    answered = [0]
    stop = threading.Event()

    def traffic():
        client = demo_app.test_client()
        while not stop.is_set():
            response = client.get("/api/v1/search", query_string={"q": "用电报装"})
            if response.status_code != 200 or response.get_json()["total"] == 0:
                failures.append(f"{response.status_code} {response.get_data(as_text=True)[:200]}")
            answered[0] += 1

    env = {**os.environ, "PORTAL_DATABASE_URL": demo_app.config["DATABASE_URL"],
           "PORTAL_INDEX_DIR": demo_app.config["INDEX_DIR"], "PORTAL_SECRET_KEY": "rebuild-test"}
    generations = set()
    threads = [pinned_thread(traffic) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(4):
            subprocess.run([FLASK, "--app", "portal", "search", "reindex"], cwd=ROOT, env=env, check=True,
                           capture_output=True, timeout=120)
            generations.add(demo_app.extensions["search"].store.current_dir())
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert len(generations) == 4
    assert answered[0] > 20
    assert failures == []
