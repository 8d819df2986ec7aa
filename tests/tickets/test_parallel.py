"""50 filings at once through gunicorn with several workers: every one stored once, numbers unique."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

from tests import factories as f
from tests.conftest import fresh_database
from tests.servers import free_port, wait_for
from tests.tickets.conftest import form_data

ROOT = Path(__file__).resolve().parents[2]


def test_fifty_parallel_filings_are_each_stored_once_with_a_unique_number(tmp_path, tmp_path_factory):
    url = fresh_database(tmp_path_factory, "portal_parallel")
    port = free_port()
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_INDEX_DIR": str(tmp_path / "ix"),
           "PORTAL_BIND": f"127.0.0.1:{port}", "PORTAL_WORKERS": "4", "PORTAL_RATELIMIT_ENABLED": "false",
           "PORTAL_INDEX_WRITER": "external", "PORTAL_ATTACHMENT_DIR": str(tmp_path / "att")}
    flask = str(Path(sys.executable).parent / "flask")
    content = tmp_path / "c.jsonl"
    content.write_text("\n".join(f.lines(f.bureau(), f.topic(), f.guide())) + "\n", encoding="utf-8")
    for command in (["init-db"], ["content", "import", str(content)], ["search", "reindex"]):
        subprocess.run([flask, "--app", "portal", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--config", "deploy/gunicorn.conf.py",
                             "portal:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
            return response.status == 200

    def file(i: int) -> tuple[int, dict]:
        payload = json.dumps(form_data(subject=f"并发提交第{i}件", contact_name=f"联系人{i}")).encode()
        request = urllib.request.Request(base + "/api/v1/tickets", data=payload, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())

    try:
        wait_for(healthy, "gunicorn to answer", process=proc)
        with ThreadPoolExecutor(max_workers=25) as pool:
            answers = list(pool.map(file, range(50)))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert [status for status, _ in answers] == [201] * 50
    numbers = [body["number"] for _, body in answers]
    assert len(set(numbers)) == 50
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT number, subject FROM tickets")).all()
    engine.dispose()
    assert sorted(n for n, _ in rows) == sorted(numbers)
    assert sorted(s for _, s in rows) == sorted(f"并发提交第{i}件" for i in range(50))
