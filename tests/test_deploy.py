"""The deploy pieces work for real: gunicorn with the shipped config, and the backup script."""
from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from portal import migrate
from tests import factories as f
from tests.servers import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        return json.loads(response.read())


def test_gunicorn_serves_and_its_index_writer_follows_new_content(tmp_path):
    """make run's setup for real: gunicorn with the shipped config, the index writer it starts,
    and a content change made by another process reaching search without a restart."""
    url = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    port = free_port()
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_INDEX_DIR": str(tmp_path / "ix"),
           "PORTAL_BIND": f"127.0.0.1:{port}", "PORTAL_WORKERS": "2", "PORTAL_SECRET_KEY": "gunicorn-test-secret"}
    bin_dir = Path(sys.executable).parent
    for command in (["init-db"], ["search", "reindex"]):
        subprocess.run([str(bin_dir / "flask"), "--app", "portal", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    proc = subprocess.Popen([str(bin_dir / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "portal:create_app()"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _get_json(base + "/healthz")["status"] == "ok", "gunicorn to answer", process=proc)
        content = tmp_path / "c.jsonl"
        content.write_text("\n".join(f.lines(f.bureau(), f.topic(), f.guide())) + "\n", encoding="utf-8")
        subprocess.run([str(bin_dir / "flask"), "--app", "portal", "content", "import", str(content)], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        search = base + "/api/v1/search?q=" + urllib.parse.quote("公章刻制")
        wait_for(lambda: [r["slug"] for r in _get_json(search)["results"]] == ["gongzhang-kezhi"],
                 "the new guide to be found", process=proc)
        for _ in range(10):  # every worker sees it, not just the one that refreshed first
            assert _get_json(search)["total"] == 1
        assert _get_json(base + "/healthz")["index_pending"] == 0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode == 0



def test_backup_script_writes_a_restorable_sqlite_copy(tmp_path):
    db_path = tmp_path / "portal.sqlite3"
    migrate.upgrade(f"sqlite:///{db_path}")
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO bureaus (code, name, phone, supervisor, description) "
                     "VALUES ('fgj', '县发改局', '', 1, '')")
    backups = tmp_path / "backups"
    env = {**os.environ, "PORTAL_DATABASE_URL": f"sqlite:///{db_path}", "BACKUP_DIR": str(backups)}
    subprocess.run(["sh", str(ROOT / "deploy/backup.sh")], env=env, check=True, capture_output=True)
    [archive] = backups.glob("portal-*.sqlite3.gz")
    restored = tmp_path / "restored.sqlite3"
    restored.write_bytes(gzip.decompress(archive.read_bytes()))
    with sqlite3.connect(restored) as conn:
        assert conn.execute("SELECT name FROM bureaus").fetchall() == [("县发改局",)]
