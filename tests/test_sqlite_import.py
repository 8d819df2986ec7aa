"""On SQLite, a large content import lets filings in, and a database that stays locked is answered 503
with a retry hint, storing nothing (issue 19, finding 4)."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import time

from sqlalchemy import func, select

from portal.catalog.content import import_content
from portal.extensions import db
from portal.tickets.models import Ticket
from tests import factories as f
from tests.conftest import make_app
from tests.hosts import BIN, ROOT, flask, gunicorn, portal_env
from tests.tickets.conftest import form_data


def policies(count: int) -> list[str]:
    return [json.dumps(f.policy(f"p-{i}", f"关于第{i}项惠企政策的通知", summary="小微企业房租减免。",
                                body="为支持小微企业发展，现将有关事项通知如下。" * 40), ensure_ascii=False)
            for i in range(count)]


def test_filings_during_a_large_import_are_all_stored(tmp_path):
    # A writer waits at most 4 s here: one transaction for the whole import (several seconds) would
    # make the filings wait longer than that; batches of BATCH lines do not.
    env = portal_env(tmp_path, PORTAL_WORKERS="2", PORTAL_SQLITE_BUSY_TIMEOUT="4", PORTAL_RATELIMIT_ENABLED="false")
    seed = tmp_path / "seed.jsonl"
    seed.write_text("\n".join(f.lines(f.bureau(), f.topic(), f.guide())) + "\n", encoding="utf-8")
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(policies(4000)) + "\n", encoding="utf-8")
    flask(env, "init-db")
    flask(env, "content", "import", str(seed))
    with gunicorn(env) as host:
        importer = subprocess.Popen([str(BIN / "flask"), "--app", "portal", "content", "import", str(big)], cwd=ROOT,
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        results = []
        while importer.poll() is None:  # a filing every moment of the import, its writing included
            results.append(host.post_json("/api/v1/tickets", form_data())[0])
            time.sleep(0.2)
        out, err = importer.communicate(timeout=300)
    assert importer.returncode == 0, err
    assert "政策文件 新增 4000 条" in out
    assert len(results) >= 4 and set(results) == {201}, results
    stored = sqlite3.connect(tmp_path / "portal.sqlite3").execute("SELECT count(*) FROM tickets").fetchone()[0]
    assert stored == len(results)


def test_a_database_locked_too_long_gets_503_with_a_retry_hint_and_stores_nothing(tmp_path):
    path = tmp_path / "locked.sqlite3"
    app = make_app(f"sqlite:///{path}", tmp_path / "ix", SQLITE_BUSY_TIMEOUT=0.5)
    with app.app_context():
        import_content(db.session, f.lines(f.bureau(), f.topic(), f.guide()))
        db.session.commit()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding the lock
    try:
        response = app.test_client().post("/api/v1/tickets", json=form_data())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "未被保存" in response.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert app.test_client().post("/api/v1/tickets", json=form_data()).status_code == 201  # once the lock is gone
