"""How long the supervising office's pages take with a city's worth of tickets.

Two steps, so that the same database can be timed with this code and with an older checkout:

    # write N tickets over D days through the real services (`demo tickets`), demo content and accounts
    .venv/bin/python benchmarks/supervision_bench.py write --db sqlite:////tmp/b10k.sqlite3 --count 10000 --days 365
    # time the pages (Flask's test client, logged in as the demo supervisor), p50 and p95 of --repeat requests
    .venv/bin/python benchmarks/supervision_bench.py time --db sqlite:////tmp/b10k.sqlite3 --repeat 20
    # the same pages with another checkout's code (e.g. `git archive 6fcd15f | tar -x -C /tmp/base`)
    .venv/bin/python benchmarks/supervision_bench.py time --db sqlite:////tmp/b10k.sqlite3 --code /tmp/base
    # the same tickets in PostgreSQL (an empty database): every row copied, then timed there
    .venv/bin/python benchmarks/supervision_bench.py copy --db sqlite:////tmp/b10k.sqlite3 --to postgresql+psycopg://…/b10k

Wall times on a shared machine include waiting for a core; the CPU column is this process's own
(with SQLite, the queries' too; with PostgreSQL, not the server's). `/performance` keeps its figures in memory until a ticket moves; it is timed with that memory
emptied before every request (what the first reader after a change waits for). The exports are
timed whole (the body read to its end), with the peak of this process's memory (ru_maxrss) before
and after.
"""
from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write(args) -> None:
    sys.path.insert(0, str(ROOT))
    from portal import create_app, demo, migrate
    from portal.boundary import transaction
    from portal.catalog.content import import_content
    from portal.demo.load import write_tickets
    from portal.extensions import db

    migrate.upgrade(args.db)
    folder = Path(tempfile.mkdtemp(prefix="supervision-bench-"))
    app = create_app({"DATABASE_URL": args.db, "INDEX_DIR": str(folder / "ix"), "ATTACHMENT_DIR": str(folder / "att")})
    with app.app_context():
        with transaction():
            with demo.CONTENT.open(encoding="utf-8") as handle:
                import_content(db.session, handle)
            demo.seed_accounts(db.session)
        started = time.perf_counter()
        count = write_tickets(db.session, args.count, args.days, args.seed, unit=transaction)
        spent = time.perf_counter() - started
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{count} tickets in {spent:.0f} s: {count / spent:.0f} tickets/s "
          f"(process CPU {cpu.ru_utime + cpu.ru_stime:.0f} s)")


def copy(args) -> None:
    """Every row of one database into another, freshly migrated (e.g. SQLite into PostgreSQL, to time
    the same tickets on both); keys kept, PostgreSQL's sequences moved past them."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, func, select, text

    from portal import migrate
    from portal.database import Base

    migrate.upgrade(args.to)
    # SQLite hands back UTC moments without their zone: PostgreSQL is told to read them as UTC
    source, target = create_engine(args.db), create_engine(args.to, connect_args={"options": "-c timezone=utc"})
    with source.connect() as reading, target.begin() as writing:
        for table in reversed(Base.metadata.sorted_tables):  # what the migrations wrote (e.g. risk words)
            writing.execute(table.delete())
        for table in Base.metadata.sorted_tables:
            copied = 0
            for batch in reading.execution_options(stream_results=True).execute(select(table)).partitions(5000):
                writing.execute(table.insert(), [dict(row._mapping) for row in batch])
                copied += len(batch)
            if target.dialect.name == "postgresql" and "id" in table.c and copied:
                highest = writing.execute(select(func.max(table.c.id))).scalar()
                writing.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), {highest})"))
            print(f"{table.name}: {copied}", flush=True)


def pages(today: dt.date) -> list[tuple[str, str, str]]:
    """(label, path, what is forgotten before each request: "" nothing, "performance" the public page's
    kept figures, "trend counts" the trends' counts, "trends" everything the trends keep)."""
    year_ago = (today - dt.timedelta(days=365)).isoformat()
    return [
        ("ledger, first page", "/supervision/ledger", ""),
        ("ledger, one bureau, open only", "/supervision/ledger?bureau=scjgj&open=1", ""),
        ("scoreboard, 12 weeks", "/supervision/scoreboard", ""),
        ("scoreboard, a year", f"/supervision/scoreboard?from={year_ago}", ""),
        ("supervision start page", "/supervision/", ""),
        ("public /performance (this year)", "/performance", "performance"),
        ("public /performance (last year)", f"/performance?year={today.year - 1}", "performance"),
        ("trends, counted afresh (after any new ticket or step)", "/supervision/trends", "trend counts"),
        ("trends, nothing kept (a worker's first reader)", "/supervision/trends", "trends"),
        ("trends, kept", "/supervision/trends", ""),
    ]


def timed(client, url: str, repeat: int, before=None) -> tuple[float, float, float]:
    """p50 and p95 of the wall time, and p50 of this process's CPU time, in milliseconds."""
    samples, cpu = [], []
    for _ in range(repeat):
        if before:
            before()
        start, used = time.perf_counter(), time.process_time()
        response = client.get(url)
        body = response.get_data()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - used) * 1000)
        assert response.status_code == 200 and body, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)], statistics.median(cpu)


def time_pages(args) -> None:
    sys.path.insert(0, str(args.code or ROOT))
    from portal import create_app, demo
    from portal.supervision import views
    try:
        from portal.supervision import trends
    except ImportError:  # older code: no trends page
        trends = None

    folder = Path(tempfile.mkdtemp(prefix="supervision-bench-"))
    app = create_app({"DATABASE_URL": args.db, "INDEX_DIR": str(folder / "ix"), "ATTACHMENT_DIR": str(folder / "att"),
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    office = app.test_client()
    assert office.post("/login", data={"username": "dbz", "password": demo.PASSWORD}).status_code in (302, 303)
    today = dt.date.today()
    print(f"code: {args.code or ROOT}; database: {args.db.split('@')[-1]}")
    print("| page | p50 ms | p95 ms | p50 CPU ms |\n| --- | --- | --- | --- |")
    for label, path, forgotten in [] if args.exports else pages(today):
        if forgotten.startswith("trend") and trends is None:
            continue
        forget = {"performance": views._public_cache.clear, "trend counts": trends._FIGURES_KEPT.clear,
                  "trends": trends.forget}.get(forgotten)
        p50, p95, cpu = timed(office, path, args.repeat, forget)
        print(f"| {label} | {p50:.0f} | {p95:.0f} | {cpu:.0f} |", flush=True)
    if args.exports:
        year = f"from={(today - dt.timedelta(days=365)).isoformat()}"
        for label, path in [("ledger as CSV, a year", f"/supervision/ledger?format=csv&{year}"),
                            ("ledger as Excel, a year", f"/supervision/ledger?format=xlsx&{year}")]:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            start = time.perf_counter()
            response = office.get(path)
            size = sum(len(chunk) for chunk in response.response)
            spent = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(f"| {label} | {spent * 1000:.0f} (one request, {size / 1e6:.1f} MB) | "
                  f"peak RSS {peak / 1024:.0f} → {after / 1024:.0f} MB |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    writing = commands.add_parser("write")
    writing.add_argument("--db", required=True)
    writing.add_argument("--count", type=int, required=True)
    writing.add_argument("--days", type=int, default=365)
    writing.add_argument("--seed", type=int, default=16)
    copying = commands.add_parser("copy")
    copying.add_argument("--db", required=True)
    copying.add_argument("--to", required=True)
    timing = commands.add_parser("time")
    timing.add_argument("--db", required=True)
    timing.add_argument("--repeat", type=int, default=20)
    timing.add_argument("--code", type=Path, help="the checkout whose code answers (default: this one)")
    timing.add_argument("--exports", action="store_true",
                        help="instead of the pages, the year's ledger as CSV and Excel (memory: run on its own)")
    args = parser.parse_args()
    {"write": write, "copy": copy, "time": time_pages}[args.command](args)


if __name__ == "__main__":
    main()
