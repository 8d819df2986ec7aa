"""The embedded index writer is started again when it dies, and /healthz says when it falls behind
(issue 19, finding 3)."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import urllib.parse
from pathlib import Path

from portal.clock import now
from portal.search.models import IndexTask
from tests import factories as f
from tests.hosts import flask, gunicorn, portal_env, wait_for


def writers_of(master: int) -> list[int]:
    """The `search worker` processes the gunicorn master started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))
        if parent == master and "search worker" in command:
            found.append(int(entry.name))
    return found


def test_a_killed_index_writer_is_started_again_and_catches_up(tmp_path):
    env = portal_env(tmp_path, PORTAL_WORKERS="2")
    with gunicorn(env) as host:
        wait_for(lambda: len(writers_of(host.proc.pid)) == 1, "the first writer")
        [first] = writers_of(host.proc.pid)
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: writers_of(host.proc.pid) not in ([], [first]), "a new writer", seconds=20)
        content = tmp_path / "c.jsonl"
        content.write_text("\n".join(f.lines(f.bureau(), f.topic(), f.guide())) + "\n", encoding="utf-8")
        flask(env, "content", "import", str(content))
        query = "/api/v1/search?q=" + urllib.parse.quote("公章刻制")
        wait_for(lambda: json.loads(host.get(query)[1])["total"] == 1, "the guide in search", seconds=20)
        assert json.loads(host.get("/healthz")[1])["index_pending"] == 0


def test_healthz_is_degraded_when_a_change_waits_too_long_for_the_writer(app, session, client):
    client.application.extensions["search"].store.rebuild(session)
    session.add(IndexTask(doc_kind="guide", doc_key="waiting", created_at=now() - dt.timedelta(seconds=30)))
    session.commit()
    assert client.get("/healthz").status_code == 200  # 30 s is within the default 300 s
    session.add(IndexTask(doc_kind="guide", doc_key="stuck", created_at=now() - dt.timedelta(minutes=10)))
    session.commit()
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "degraded" and body["index_pending"] == 2
    assert "index writer behind" in body["reason"] and body["index_lag_seconds"] >= 600
