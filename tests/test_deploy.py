"""The deploy pieces work for real: gunicorn with the shipped config, and the backup script."""
from __future__ import annotations

import gzip
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from portal import migrate

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_the_app_with_the_shipped_config(tmp_path):
    url = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    migrate.upgrade(url)
    port = free_port()
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_BIND": f"127.0.0.1:{port}", "PORTAL_WORKERS": "2",
           "PORTAL_SECRET_KEY": "gunicorn-test-secret"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "--config", "deploy/gunicorn.conf.py", "portal:create_app()"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not answer in 20 s"
                time.sleep(0.2)
        bodies = set()
        for _ in range(10):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                bodies.add(response.status)
        assert bodies == {200}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


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
