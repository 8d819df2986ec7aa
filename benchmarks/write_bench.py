"""What one ticket action costs to write, with any checkout's code (to compare before and after the
figures were kept as rows):

    .venv/bin/python benchmarks/write_bench.py --count 200                 # this checkout
    .venv/bin/python benchmarks/write_bench.py --count 200 --code /tmp/base  # e.g. git archive 6fcd15f
    .venv/bin/python benchmarks/write_bench.py --count 200 --without figures --without trend_words

A fresh SQLite database in a temporary folder with the demo catalog; then COUNT tickets, each filed,
signed, answered and rated (every fifth badly: reopened, answered again), every third asked for an
extension the office approves; every action its own unit of work (one commit), as a request is, at
its own moment. Prints the milliseconds per action, wall and CPU (the writing only, set-up
excluded): on a shared machine the wall time mostly waits for the disk (each commit is synced)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--code", type=Path, help="the checkout whose code writes (default: this one)")
    parser.add_argument("--without", action="append", default=[], metavar="WATCHER",
                        help="write without this part's session hook (portal.changes), e.g. figures, trend_words: "
                             "what the part costs is the difference with the same code")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code or ROOT))
    from portal import create_app, demo, migrate
    from portal.actors import Actor
    from portal.boundary import transaction
    from portal.catalog import queries
    from portal.catalog.content import import_content
    from portal.clock import COUNTY_TZ, as_of
    from portal.extensions import db
    from portal.tickets import services
    from portal.tickets.models import Score, TicketType
    from portal.tickets.services import TicketInput

    folder = Path(tempfile.mkdtemp(prefix="write-bench-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "INDEX_DIR": str(folder / "ix"), "ATTACHMENT_DIR": str(folder / "att")})
    if args.without:
        from portal import changes
        for name in args.without:
            del changes._WATCHERS[name]
    actions = 0
    with app.app_context():
        with transaction(), demo.CONTENT.open(encoding="utf-8") as handle:
            import_content(db.session, handle)
        session = db.session
        office = Actor("supervisor", "督办员")
        start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=COUNTY_TZ)
        began, cpu = time.perf_counter(), time.process_time()
        for i in range(args.count):
            moment = start + dt.timedelta(hours=i)

            def act(hours: float, step) -> None:
                nonlocal actions
                with as_of(moment + dt.timedelta(hours=hours)), transaction():
                    step()
                actions += 1

            holder: list = []
            topic = queries.topic_by_code(session, ("qykb", "jzxk", "nsfw", "hddl")[i % 4])
            data = TicketInput(type=list(TicketType)[i % 4], topic=topic, guide=None, subject=f"写入基准 {i}",
                               description="用于测量每个办理动作写入成本的工单。", company_name="", credit_code="",
                               contact_name="张先生", phone="13800000000", email="", publish=False)
            act(0, lambda: holder.append(services.file_ticket(session, data)[0]))
            ticket = holder[0]
            staff = Actor("staff", "经办人", ticket.bureau)
            act(2, lambda: services.sign(session, ticket, staff))
            if i % 3 == 0:
                act(3, lambda: services.request_extension(session, ticket, staff, 3, "需现场核查",
                                                          (moment + dt.timedelta(hours=3)).astimezone(COUNTY_TZ).date()))
                act(4, lambda: services.decide_extension(session, ticket, office, True, "同意延期"))
            act(30, lambda: services.reply(session, ticket, staff, "经核查，已按规定办理完毕，请知悉。"))
            bad = i % 5 == 0
            act(50, lambda: services.rate(session, ticket, Score.DISSATISFIED if bad else Score.SATISFIED, ""))
            if bad:
                act(70, lambda: services.reply(session, ticket, staff, "重新核查后已妥善解决，请再次评价。"))
        spent, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"{actions} actions in {spent:.2f} s: {spent / actions * 1000:.2f} ms per action, "
          f"{cpu / actions * 1000:.2f} ms of CPU per action ({args.code or ROOT}"
          f"{''.join(f' without {name}' for name in args.without)})")


if __name__ == "__main__":
    main()
