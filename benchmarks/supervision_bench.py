"""How long the supervising office's pages take with a county's worth of tickets.

Writes N tickets through the real services over the past year (each step at its own moment via
clock.as_of: signed, answered, rated, some late, returned, transferred, reopened, left open), then
times the ledger, the scoreboard for a quarter and for the year, the public /performance page, a
bureau's workspace list and the county's, each through Flask's test client on SQLite.

    .venv/bin/python benchmarks/supervision_bench.py --sizes 2000 10000
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app, demo, migrate  # noqa: E402
from portal.catalog import queries  # noqa: E402
from portal.catalog.content import import_content  # noqa: E402
from portal.clock import COUNTY_TZ, as_of  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.tickets import services  # noqa: E402
from portal.tickets.models import Score, TicketType  # noqa: E402
from portal.tickets.services import Actor, TicketInput  # noqa: E402

TOPICS = ["qykb", "jzxk", "hddl", "nsfw", "djcc", "zfcg", "hdxd", "ldlsc", "zscq", "bhzxtzz"]
TRACK = "http://127.0.0.1/tickets/track"


def write_tickets(count: int, seed: int = 7) -> None:
    """`count` tickets over the 360 days before today, through the services."""
    rng = random.Random(seed)
    session = db.session
    today = dt.datetime.now(COUNTY_TZ).replace(hour=9, minute=0, second=0, microsecond=0)
    office = Actor("supervisor", "督办员")
    for i in range(count):
        filed = today - dt.timedelta(days=rng.randint(0, 360), minutes=rng.randint(0, 480))
        topic = queries.topic_by_code(session, rng.choice(TOPICS))
        with as_of(filed):
            data = TicketInput(type=rng.choice(list(TicketType)), topic=topic, guide=None, subject=f"基准工单 {i}",
                               description="用于测量督办页面速度的工单。", company_name="", credit_code="",
                               contact_name="张先生", phone="13800000000", email="", publish=False)
            ticket, _ = services.file_ticket(session, data, TRACK)
        moment = filed
        if ticket.bureau is None:
            moment += dt.timedelta(days=1)
            with as_of(moment):
                from portal.supervision.services import route

                route(session, ticket, queries.bureau_by_code(session, "fgj"), office, "分办")
        staff = Actor("staff", "经办人", ticket.bureau)

        def step(days: float, action, *args):
            nonlocal moment
            moment += dt.timedelta(days=days)
            if moment > today:
                return False
            with as_of(moment):
                action(session, ticket, *args)
            return True

        roll = rng.random()
        if roll < 0.05:
            step(rng.uniform(0, 3), services.return_to_dispatch, staff, "不属本单位", "三定方案")
        elif step(rng.choice([0.2, 0.5, 1, 2, 4]), services.sign, staff):
            if roll < 0.12:
                other = "scjgj" if ticket.bureau.code == "zjj" else "zjj"
                if step(1, services.request_transfer, staff, queries.bureau_by_code(session, other), "转办"):
                    step(1, services.decide_transfer, office, True, "同意")
            elif roll < 0.9 and step(rng.choice([1, 3, 6, 12, 20]), services.reply, staff, "答复内容已经足够十个字。", TRACK):
                score = rng.choice(list(Score))
                step(rng.uniform(0, 4), services.rate, score, "", TRACK)
        if i % 200 == 0:
            session.commit()
    session.commit()


def timed(client, url: str, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples), max(samples)


def run(size: int, repeat: int) -> list[tuple[str, float, float]]:
    folder = Path(tempfile.mkdtemp(prefix="supervision-bench-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "INDEX_DIR": str(folder / "ix"), "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        with demo.CONTENT.open(encoding="utf-8") as handle:
            import_content(db.session, handle)
        demo.seed_accounts(db.session)
        db.session.commit()
        started = time.perf_counter()
        write_tickets(size)
        print(f"{size} tickets written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    office, bureau = app.test_client(), app.test_client()
    office.post("/login", data={"username": "dbz", "password": demo.PASSWORD})
    bureau.post("/login", data={"username": "scjg", "password": demo.PASSWORD})
    year_ago = (dt.date.today() - dt.timedelta(days=365)).isoformat()
    rows = []
    for label, client, path in [
        ("ledger (all)", office, "/supervision/ledger"),
        ("ledger, one bureau, open only", office, "/supervision/ledger?bureau=scjgj&open=1"),
        ("ledger as Excel", office, "/supervision/ledger?format=xlsx"),
        ("scoreboard, 12 weeks", office, "/supervision/scoreboard"),
        ("scoreboard, a year", office, f"/supervision/scoreboard?from={year_ago}"),
        ("public /performance (this year)", office, "/performance"),
        ("supervision start page", office, "/supervision/"),
        ("workspace, one bureau", bureau, "/staff/?view=all"),
        ("workspace, county (supervisor)", office, "/staff/?view=all"),
    ]:
        p50, worst = timed(client, path, repeat)
        rows.append((label, p50, worst))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| tickets | page | median ms | worst ms |\n| --- | --- | --- | --- |")
    for size in args.sizes:
        for label, p50, worst in run(size, args.repeat):
            print(f"| {size:,} | {label} | {p50:.0f} | {worst:.0f} |")


if __name__ == "__main__":
    main()
