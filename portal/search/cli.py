"""flask --app portal search reindex | drain | worker"""
from __future__ import annotations

import signal
import time

import click
from flask import current_app

from portal.boundary import CommandGroup, transaction
from portal.extensions import db
from portal.search.index import BehindThePrunedLog, IndexMissing, IndexStore

search_cli = CommandGroup("search", help="全文检索索引。")
PRUNE_EVERY = 60.0  # seconds between prunes of the log by the worker


def store() -> IndexStore:
    return IndexStore(current_app.config["INDEX_DIR"], current_app.config["HOST_ID"])


@search_cli.command("reindex")
@click.option("--procs", default=1, show_default=True, help="Whoosh writer processes (2 halves a large rebuild).")
@click.option("--if-missing", is_flag=True, help="Only build when there is no index yet (for service start).")
def reindex_command(procs: int, if_missing: bool):
    """Build a new index from the database beside the live one and switch to it atomically."""
    if if_missing and store().exists():
        click.echo("索引已存在，未重建。")
        return
    started = time.monotonic()
    directory = store().rebuild(db.session, procs=procs)
    with store().open().searcher() as searcher:
        count = searcher.doc_count()
    click.echo(f"索引已重建：{count} 篇文档，用时 {time.monotonic() - started:.1f} 秒（{directory.name}）。")


@search_cli.command("drain")
def drain_command():
    """Apply every row of the log this host has not applied yet, once, then exit."""
    total = 0
    while True:
        with transaction():
            report = store().drain(db.session)
        total += report.tasks
        if report.tasks == 0 and not report.busy:
            break
    with transaction():
        pruned = store().prune(db.session)
    click.echo(f"已更新索引：{total} 条待办；清理各主机均已应用的日志 {pruned} 条。")


@search_cli.command("worker")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between looks at the outbox.")
def worker_command(interval: float):
    """The single index writer: applies outbox rows as they come, until stopped (SIGTERM)."""
    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"索引写入进程已启动（主机 {store().host}）。")
    pruned_at = 0.0
    while not stopping:
        try:
            with transaction():
                report = store().drain(db.session)
            if time.monotonic() - pruned_at > PRUNE_EVERY:
                with transaction():
                    store().prune(db.session)
                pruned_at = time.monotonic()
        except (IndexMissing, BehindThePrunedLog) as why:  # a new host, or one back after the log moved on
            current_app.logger.warning("building this host's index from the database: %s", why)
            with transaction():
                store().rebuild(db.session)
            report = None
        except Exception:  # a database or disk hiccup must not end the writer; the rows stay in the log
            current_app.logger.exception("index drain failed; will retry")
            report = None
        finally:
            db.session.remove()
        if report is None or report.tasks == 0 or report.busy:
            time.sleep(interval)
    click.echo("索引写入进程已停止。")


@search_cli.command("gaps")
@click.option("--limit", default=50, show_default=True, help="How many to list.")
def gaps_command(limit: int):
    """List the queries that found nothing, most searched first (as /staff/search-gaps does); add a
    synonym for one with a `synonym` line through `content import`."""
    from portal.clock import local
    from portal.search.gaps import gaps

    found = gaps(db.session)
    for gap in found[:limit]:
        click.echo(f"{gap.count:>5}  {local(gap.last_at):%Y-%m-%d %H:%M}  {gap.text}")
    click.echo(f"共 {len(found)} 条没有结果的搜索。")
