"""Two hosts, one database (issue 18): two gunicorn "hosts" on loopback ports, each with its own index
folder and index writer, sharing the database (the throwaway PostgreSQL server in make test's
PostgreSQL run; one SQLite file in the other run), Redis for the rate limits, one attachment folder
and a real SMTP server. Content imported once reaches both indexes; a host killed with SIGKILL while
filings are in flight loses none of the filings it answered, catches up when it comes back, and no mail
is lost or goes out twice (but the one it may have been handing over when it died); a login on one host holds on the other and a logout ends it on both; a job the timer
starts on both hosts at once does its work once; the filing limit is counted across both hosts."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import threading
import urllib.parse
from collections import Counter

from sqlalchemy import create_engine, text

from tests import factories as f
from tests.conftest import fresh_database
from tests.hosts import BIN, ROOT, Visitor, flask, gunicorn, portal_env, wait_for
from tests.tickets.conftest import PNG, form_data


def hosts_env(tmp_path, database: str, redis_url: str, smtp_port: int, **settings) -> tuple[dict, dict]:
    shared = dict(PORTAL_DATABASE_URL=database, PORTAL_RATELIMIT_STORAGE=redis_url, PORTAL_MAIL_SERVER="127.0.0.1",
                  PORTAL_MAIL_PORT=str(smtp_port), PORTAL_ATTACHMENT_DIR=str(tmp_path / "shared-attachments"),
                  PORTAL_BASE_URL="http://portal.test", PORTAL_WORKERS="2", **settings)
    a = portal_env(tmp_path / "a", PORTAL_HOST_ID="host-a", PORTAL_INDEX_DIR=str(tmp_path / "a" / "ix"), **shared)
    b = portal_env(tmp_path / "b", PORTAL_HOST_ID="host-b", PORTAL_INDEX_DIR=str(tmp_path / "b" / "ix"), **shared)
    for env in (a, b):
        os.makedirs(env["HOME"], exist_ok=True)
    return a, b


def content_file(path, *lines) -> str:
    path.write_text("\n".join(f.lines(*lines)) + "\n", encoding="utf-8")
    return str(path)


def found(host, words: str, slug: str) -> bool:
    """Whether a search on `host` finds the document `slug`."""
    results = json.loads(host.get("/api/v1/search?q=" + urllib.parse.quote(words))[1])["results"]
    return slug in [result["slug"] for result in results]


def kill(host) -> None:
    """SIGKILL to the host's master, workers and index writer, as a power cut would."""
    os.killpg(host.proc.pid, signal.SIGKILL)
    host.proc.wait()


def test_two_hosts_share_one_database(tmp_path, tmp_path_factory, redis_url, smtp):
    controller, inbox = smtp
    database = fresh_database(tmp_path_factory, "portal_hosts")
    env_a, env_b = hosts_env(tmp_path, database, redis_url, controller.port, PORTAL_RATELIMIT_ENABLED="false")
    flask(env_a, "init-db")
    flask(env_a, "content", "import", content_file(tmp_path / "seed.jsonl", f.bureau(), f.topic(), f.guide()))
    flask(env_a, "users", "create", "--username", "wang", "--password", "Huining2026pass", "--bureau", "scjgj")
    answered: list[tuple[str, int, str]] = []  # (subject, status, number)

    def file_many(host, prefix: str, count: int) -> None:
        for i in range(count):
            subject = f"{prefix}第{i}件诉求"
            data = form_data(subject=subject, email=f"host{ord(prefix)}-{i}@example.com")
            try:
                status, body, _ = host.post_json("/api/v1/tickets", data)
            except OSError:  # the host is down: no answer
                continue
            answered.append((subject, status, json.loads(body).get("number", "") if status == 201 else ""))

    with gunicorn(env_a) as a, gunicorn(env_b) as b:
        # content imported once, by a third process, reaches both indexes
        flask(env_a, "content", "import", content_file(tmp_path / "one.jsonl", f.guide("yinzhang", "印章刻制登记")))
        for host in (a, b):
            wait_for(lambda host=host: found(host, "印章刻制登记", "yinzhang"), f"search on {host.base}", seconds=30)

        # a login on one host holds on the other; a logout on either ends it on both
        person = Visitor()
        assert person.post(a.base, "/login", {"username": "wang", "password": "Huining2026pass"})[0] == 303
        assert person.get(b.base, "/staff/")[0] == 200
        assert person.post(b.base, "/logout", {}, form_page="/staff/")[0] == 303
        assert person.get(a.base, "/staff/")[0] == 302

        # an attachment filed on one host downloads on the other
        business = Visitor()
        status, page, _ = business.post(a.base, "/tickets/new", form_data(), form_page="/tickets/new",
                                        files=[("attachments", "营业执照.png", PNG, "image/png")])
        assert status == 200
        number = page.decode().split('id="ticket-number">')[1].split("<")[0]
        status, body, _ = b.get(f"/api/v1/tickets/{number}")
        ticket_page = business.get(b.base, f"/tickets/{number}")[1].decode()
        link = ticket_page.split(f"/tickets/{number}/attachments/")[1].split('"')[0]
        status, data, _ = business.get(b.base, f"/tickets/{number}/attachments/{link}")
        assert status == 200 and data == PNG

        # filings on both hosts while host A is killed and started again
        writers = [threading.Thread(target=file_many, args=(host, name, 12)) for host, name in ((a, "甲"), (b, "乙"))]
        for thread in writers:
            thread.start()
        wait_for(lambda: len(answered) >= 6, "the first filings", seconds=30)
        kill(a)
        flask(env_b, "content", "import", content_file(tmp_path / "two.jsonl", f.guide("fapiao", "发票申领登记")))
        for thread in writers:
            thread.join(timeout=120)
        with gunicorn(env_a, prepare=False) as again:
            for host in (again, b):  # the host that was down catches up with what it missed
                wait_for(lambda host=host: found(host, "发票申领登记", "fapiao"), f"catch-up {host.base}", seconds=30)
            # the same timer on both hosts at once: the work is done once
            runs = [subprocess.Popen([str(BIN / "flask"), "--app", "portal", "mail", "send"], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for env in (env_a, env_b)]
            outputs = [run.communicate(timeout=120)[0] for run in runs]
            assert all(run.returncode == 0 for run in runs), outputs

    filed = [(subject, number) for subject, status, number in answered if status == 201]
    assert filed and {status for _, status, _ in answered} == {201}
    engine = create_engine(database)
    unsent = "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL"
    with engine.begin() as conn:
        stored = Counter(row[0] for row in conn.execute(text("SELECT subject FROM tickets")))
        numbers = {row[0] for row in conn.execute(text("SELECT number FROM tickets"))}
        # a message the killed host had taken for sending (at most the one it was sending) waits
        # until its claim lapses (mail.CLAIM_FOR); here the claim is made old and the timer runs again
        in_flight = conn.execute(text(unsent + " AND claimed_at IS NOT NULL")).scalar()
        assert conn.execute(text(unsent)).scalar() == in_flight <= 1
        conn.execute(text("UPDATE mail_outbox SET claimed_at = :old WHERE sent_at IS NULL"),
                     {"old": dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)})
    flask(env_b, "mail", "send")
    with engine.connect() as conn:
        assert conn.execute(text(unsent)).scalar() == 0
    engine.dispose()
    assert all(stored[subject] == 1 for subject, _ in filed)  # every answered filing stored exactly once
    assert {number for _, number in filed} <= numbers
    received = Counter(message["To"] for message in inbox.messages)
    # no mail went out twice, but for one the killed host may have handed over before it could note it
    assert received and sum(count - 1 for count in received.values()) <= in_flight


def test_the_filing_limit_is_counted_across_hosts(tmp_path, tmp_path_factory, redis_url, smtp):
    controller, _ = smtp
    database = fresh_database(tmp_path_factory, "portal_hosts_limits")
    env_a, env_b = hosts_env(tmp_path, database, redis_url, controller.port, PORTAL_RATELIMIT_ENABLED="true")
    flask(env_a, "init-db")
    flask(env_a, "content", "import", content_file(tmp_path / "seed.jsonl", f.bureau(), f.topic(), f.guide()))
    subprocess.run(["redis-cli", "-u", redis_url, "FLUSHDB"], check=True, capture_output=True)
    with gunicorn(env_a) as a, gunicorn(env_b) as b:
        statuses = [(a if i % 2 else b).post_json("/api/v1/tickets", form_data(subject=f"限额第{i}件"))[0]
                    for i in range(7)]
    assert statuses == [201] * 5 + [429] * 2  # FILING_LIMIT: 5 a minute per client, on whichever host
