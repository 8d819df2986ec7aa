"""What finding likely repeats costs with a county's worth of open tickets (portal/tickets/similar.py).

Writes N tickets straight into a migrated database (SQLite, or PostgreSQL with --database), every one
of them open and published (the worst case: each is a candidate for the staff page and for the filing
form), with texts made of the demo tickets' sentences and sentences of the county plan, then times:
- `likely_repeats` for a ticket as the office sees it (every bureau's open tickets are candidates),
- `likely_repeats` as a bureau sees it (its own),
- `public_matches` as the filing form asks (published tickets of the last year),
50 runs each, with ten different tickets. Milliseconds. The tickets are written with plain INSERTs, so
their words are put in the index (`ticket_terms`) as `flask tickets rebuild-terms` does; that takes the
time printed as the backfill's.

    .venv/bin/python benchmarks/similar_bench.py --count 10000
    .venv/bin/python benchmarks/similar_bench.py --count 10000 --database postgresql+psycopg://postgres@127.0.0.1:55444/bench
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from portal import create_app, migrate  # noqa: E402
from portal.catalog.content import import_content  # noqa: E402
from portal.catalog.models import Bureau, Topic  # noqa: E402
from portal.cli import DEMO_CONTENT  # noqa: E402
from portal.clock import now  # noqa: E402
from portal.demo.tickets import CHANNELLED, TICKETS  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.tickets.models import Ticket, TicketState, TicketType  # noqa: E402
from portal.tickets.similar import likely_repeats, public_matches, rebuild_terms  # noqa: E402
from portal.tickets.viewers import Viewer  # noqa: E402


def sentences() -> list[str]:
    plan = next(json.loads(line) for line in DEMO_CONTENT.open(encoding="utf-8") if '"huining-yshj-2022"' in line)
    parts = [s.strip("*# \n") for s in re.split(r"[。；\n]", plan["body"]) if 12 <= len(s.strip()) <= 80]
    return parts + [t[4] for t in TICKETS] + [t[4] for t in CHANNELLED]


def write(count: int, seed: int = 13) -> None:
    rng = random.Random(seed)
    pool = sentences()
    subjects = [t[3] for t in TICKETS] + [t[3] for t in CHANNELLED]
    topics = db.session.execute(select(Topic.id, Topic.lead_id).where(Topic.lead_id.is_not(None))).all()
    moment = now()
    rows = []
    for i in range(count):
        topic_id, bureau_id = rng.choice(topics)
        rows.append(dict(
            number=f"20990101-{i:05d}", code_hash="x", type=rng.choice(list(TicketType)),
            state=rng.choice([TicketState.ASSIGNED, TicketState.ACCEPTED]), topic_id=topic_id, bureau_id=bureau_id,
            subject=rng.choice(subjects)[:80] + f"（{i}）",
            description="。".join(rng.sample(pool, rng.randint(2, 5))) + "。", company_name="", credit_code="",
            contact_name="张先生", phone="13800000000", email="", publish=True,
            consented_at=moment - dt.timedelta(days=rng.randint(0, 300)),
            created_at=moment - dt.timedelta(days=rng.randint(0, 300)), received_at=moment, reopen_count=0,
            flagged=False, version=1))
    for start in range(0, count, 1000):
        db.session.execute(insert(Ticket), rows[start:start + 1000])
    db.session.commit()


def timed(fn, runs: int = 50) -> tuple[float, float, int]:
    samples, found = [], 0
    for i in range(runs):
        began = time.perf_counter()
        found += len(fn(i))
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="similar-bench-"))
    try:
        run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, folder: Path) -> None:
    url = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "INDEX_DIR": str(folder / "ix"), "RATELIMIT_ENABLED": False})
    with app.app_context():
        with DEMO_CONTENT.open(encoding="utf-8") as handle:
            import_content(db.session, handle)
        db.session.commit()
        write(args.count)
        began = time.perf_counter()
        indexed, words = rebuild_terms(db.session)
        db.session.commit()
        backfill = time.perf_counter() - began
        tickets = list(db.session.scalars(select(Ticket).order_by(Ticket.id).limit(10)))
        bureau = db.session.get(Bureau, tickets[0].bureau_id)
        cases = {
            "likely_repeats, office (all open tickets)": lambda i: likely_repeats(db.session, tickets[i % 10],
                                                                                  Viewer.OFFICE),
            "likely_repeats, a bureau (its own)": lambda i: likely_repeats(db.session, tickets[0], Viewer.BUREAU,
                                                                           bureau.id),
            "public_matches (filing form)": lambda i: public_matches(db.session, tickets[i % 10].subject,
                                                                     tickets[i % 10].description),
        }
        print(f"{db.engine.dialect.name}, {args.count} open published tickets; backfill of the index of words: "
              f"{indexed} tickets, {words} rows, {backfill:.1f} s")
        print("| case | p50 ms | p95 ms | found (50 runs) |\n| --- | --- | --- | --- |")
        for name, fn in cases.items():
            p50, p95, found = timed(fn)
            print(f"| {name} | {p50:.1f} | {p95:.1f} | {found} |")
            db.session.rollback()


if __name__ == "__main__":
    main()
