"""Search benchmark: indexing rate, query latency through Flask and through the raw searcher,
the SQLite FTS5 (trigram) and LIKE peers on the same corpus, and a gunicorn worker's memory.

Run by hand (figures go to benchmarks/RESULTS.md with this command):
    .venv/bin/python benchmarks/search_bench.py --sizes 1000 10000 50000
The corpus is generated from the county plan's sentences: documents of 300 to 1,500 characters, and
public answers on top (one for every 20 documents; --no-answers leaves them out, as before issue 15).
QUERIES are the same 50 as before; FALLBACK_QUERIES go through the paths issue 15 added (typed pinyin
and initials, homophones, near misses, sentence-like questions) and are timed on their own.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app, migrate  # noqa: E402
from portal.catalog.content import import_content  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.search.query import build, parse  # noqa: E402
from portal.search.service import SearchRequest, search  # noqa: E402

DEMO = ROOT / "portal" / "demo" / "huining-demo.jsonl"
PLAN_SLUG = "huining-yshj-2022"  # the plan's full text ships in the demo content
QUERIES = [
    "企业开办", "用电报装", "不动产登记", "纳税申报", "政府采购", "招标投标", "施工许可", "联合验收", "动产抵押",
    "创业担保贷款", "职称评审", "小微企业", "知识产权", "破产", "营商环境", "数据共享", "公共资源交易", "冷链物流",
    "产业链", "高新技术企业", "用水用气", "电子证照", "合同备案", "担保费率", "信用监管",
    "企业 开办", "用电 时限", "不动产 电子证照", "小微企业 贷款", "招标 电子化", "政府采购 合同", "施工 许可 审批",
    "知识产权 保护", "破产 审理", "人才 职称", "税费 支持政策", "数字 政府", "园区 融资", "冷链 物流 设施",
    "开公司", "办电", "房产证", "报税", "打官司", "贷款难", "刻章", "接电 几天", "过户", "环评", "个体户",
]
FALLBACK_QUERIES = [
    "qiye kaiban", "qykb", "budongchan dengji", "yongdian baozhuang", "zhaotoubiao", "lenglian wuliu",
    "营业执招", "招头标", "不动产登计", "冷连物流", "代款难", "施工许可症", "政府采够合同",
    "注销公司要多久", "年报忘了报怎么办", "新公司给员工上社保要什么材料", "厂房用电报装一直不给接怎么办",
    "外地企业投标被排斥", "工程款一直不给", "宇宙飞船",
]


def sentences() -> list[str]:
    plan = next(json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()
                if f'"slug": "{PLAN_SLUG}"' in line)
    text = re.sub(r"[#*>`]", "", plan["body"])
    return [s.strip() + "。" for s in re.split(r"[。；\n]", text) if len(s.strip()) > 12]


def corpus_lines(n: int, seed: int = 7, answers: bool = True) -> list[str]:
    """Demo bureaus and topics, then n guides and policies written from the plan's sentences, and (after
    them, from their own random sequence, so the guides and policies are those of earlier runs) one
    public answer for every 20 documents."""
    rng = random.Random(seed)
    pool = sentences()
    base = [line for line in DEMO.read_text(encoding="utf-8").splitlines() if '"kind": "bureau"' in line
            or '"kind": "topic"' in line or '"kind": "synonym"' in line]
    bureaus = [json.loads(line)["code"] for line in base if '"kind": "bureau"' in line]
    topics = [json.loads(line)["code"] for line in base if '"kind": "topic"' in line]
    lines = list(base)
    for i in range(n):
        target = rng.randint(300, 1500)
        body = ""
        while len(body) < target:
            body += rng.choice(pool)
        body = body[:target]
        title = rng.choice(pool)[:rng.randint(8, 24)].rstrip("，、。")
        kind = "guide" if i % 3 else "policy"
        doc = {"kind": kind, "slug": f"bench-{i}", "title": title, "bureau": rng.choice(bureaus),
               "topics": rng.sample(topics, 2), "summary": body[:60], "body": body}
        if kind == "policy":
            doc.update(published_on=f"20{rng.randint(18, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                       status=rng.choice(["in_force", "in_force", "consultation", "expired", "repealed"]))
        lines.append(json.dumps(doc, ensure_ascii=False))
    if answers:
        arng = random.Random(seed + 1)
        for i in range(n // 20):
            body = ""
            while len(body) < arng.randint(200, 800):
                body += arng.choice(pool)
            question = arng.choice(pool)[:arng.randint(10, 30)].rstrip("，、。") + "？"
            lines.append(json.dumps({"kind": "answer", "slug": f"bench-answer-{i}", "question": question,
                                     "answer": body, "bureau": arng.choice(bureaus), "topics": arng.sample(topics, 1),
                                     "published_on": "2026-11-30", "status": "published"}, ensure_ascii=False))
    return lines


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def timed(fn, rounds: int = 3, queries: list[str] = QUERIES) -> list[float]:
    out = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - start) * 1000)
    return out


def peers(db_path: Path, words_of) -> dict[str, tuple[float, float]]:
    """FTS5 with the trigram tokenizer, and a LIKE scan, on a copy of the same documents."""
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, body, tokenize='trigram')")
    conn.execute("DELETE FROM fts")
    conn.execute("INSERT INTO fts(rowid, title, body) SELECT id, title, body FROM guides "
                 "UNION ALL SELECT id + 10000000, title, body FROM policies")
    conn.commit()

    def fts(q):
        terms = words_of(q)
        long_terms = [t for t in terms if len(t) >= 3]
        short = [t for t in terms if len(t) < 3]
        where, params = [], []
        if long_terms:
            where.append("fts MATCH ?")
            params.append(" AND ".join('"' + t.replace('"', "") + '"' for t in long_terms))
        for t in short:  # trigram cannot match fewer than 3 characters: LIKE through the same table
            where.append("(title LIKE ? OR body LIKE ?)")
            params += [f"%{t}%", f"%{t}%"]
        sql = " AND ".join(where) or "1"
        conn.execute(f"SELECT count(*) FROM fts WHERE {sql}", params).fetchone()
        conn.execute(f"SELECT rowid, snippet(fts, 1, '<mark>', '</mark>', '…', 16) FROM fts WHERE {sql} "
                     f"ORDER BY {'bm25(fts)' if long_terms else 'rowid'} LIMIT 10", params).fetchall()

    conn.execute("CREATE TABLE IF NOT EXISTS plain_docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
    conn.execute("DELETE FROM plain_docs")
    conn.execute("INSERT INTO plain_docs SELECT rowid, title, body FROM fts")
    conn.commit()

    def like(q):
        terms = words_of(q)
        where = " AND ".join(["(title LIKE ? OR body LIKE ?)"] * len(terms)) or "1"
        params = [p for t in terms for p in (f"%{t}%", f"%{t}%")]
        conn.execute(f"SELECT count(*) FROM plain_docs WHERE {where}", params).fetchone()
        conn.execute(f"SELECT id, title FROM plain_docs WHERE {where} LIMIT 10", params).fetchall()

    result = {"fts5 trigram": percentiles(timed(fts)), "LIKE scan": percentiles(timed(like))}
    conn.close()
    return result


def worker_memory(env: dict) -> dict[str, float]:
    """RSS, PSS and USS (MB) of each gunicorn worker after some searches, app preloaded before fork."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**env, "PORTAL_BIND": f"127.0.0.1:{port}", "PORTAL_WORKERS": "2", "PORTAL_INDEX_WRITER": "external"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--config", "deploy/gunicorn.conf.py",
                             "portal:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        for q in QUERIES * 2 + FALLBACK_QUERIES:  # the fallbacks build the vocabulary of pinyin and typos
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/search?q={urllib.parse.quote(q)}").read()
        children = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        figures = []
        for pid in children:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"flask" in cmdline:
                continue
            fields = {}
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
                name, value = line.split(":")
                fields[name] = int(value.split()[0]) / 1024
            figures.append({"rss": fields["Rss"], "pss": fields["Pss"],
                            "uss": fields["Private_Clean"] + fields["Private_Dirty"],
                            "dirty": fields["Private_Dirty"]})
        return {key: max(f[key] for f in figures) for key in ("rss", "pss", "uss", "dirty")}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def bench(n: int, procs: int, workdir: Path, answers: bool = True, ab_rounds: int = 3) -> dict:
    db_path = workdir / f"bench-{n}.sqlite3"
    index_dir = workdir / f"ix-{n}"
    url = f"sqlite:///{db_path}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "INDEX_DIR": str(index_dir), "RATELIMIT_ENABLED": False})
    out: dict = {"documents": n}
    with app.app_context():
        started = time.perf_counter()
        import_content(db.session, corpus_lines(n, answers=answers))
        db.session.commit()
        out["import_seconds"] = time.perf_counter() - started
        store = app.extensions["search"].store
        started = time.perf_counter()
        store.rebuild(db.session, procs=procs)
        out["reindex_seconds"] = time.perf_counter() - started
        out["docs_per_second"] = n / out["reindex_seconds"]
        db.session.rollback()
    snapshot = app.extensions["search"].snapshot()
    client = app.test_client()
    request_samples = timed(lambda q: client.get("/api/v1/search", query_string={"q": q}))
    out["request"] = percentiles(request_samples)
    out["fallbacks"] = percentiles(timed(lambda q: client.get("/api/v1/search", query_string={"q": q}),
                                         queries=FALLBACK_QUERIES))
    import tracemalloc

    from portal.search.pinyin import Vocabulary
    started = time.perf_counter()
    out["vocabulary_words"] = len(Vocabulary.build(snapshot._words()).weight)  # what the first fallback pays
    out["vocabulary_ms"] = (time.perf_counter() - started) * 1000
    tracemalloc.start()
    vocabulary = Vocabulary.build(snapshot._words())
    out["vocabulary_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del vocabulary

    def raw(q):
        """The raw Whoosh searcher on the same query: every match counted, top 10 with stored fields."""
        query = build(parse(q, snapshot.expansions), has_term=snapshot.has_term)
        docs = frozenset(snapshot.searcher.docs_for_query(query))
        results = snapshot.searcher.search(query, limit=10)
        for hit in results:
            hit.fields()
        return len(docs)

    out["raw"] = percentiles(timed(raw))
    today = __import__("datetime").date.today()
    out["service"] = percentiles(timed(lambda q: search(snapshot, SearchRequest(q=q), today)))
    # The base lexicon's cost, measured A/B in one process so that the machine's load hits both alike:
    # each query alternately with the lexicon and with the content's synonyms only (as before issue 15).
    with_lexicon, without_lexicon = [], []
    merged = snapshot.expansions
    for _ in range(ab_rounds):
        for q in QUERIES:
            for expansions, samples in ((merged, with_lexicon), (snapshot.synonyms, without_lexicon)):
                snapshot._expansions = expansions
                started = time.perf_counter()
                search(snapshot, SearchRequest(q=q), today)
                samples.append((time.perf_counter() - started) * 1000)
    snapshot._expansions = merged
    out["service, lexicon"] = percentiles(with_lexicon)
    out["service, no lexicon"] = percentiles(without_lexicon)
    out["ratio_p50"] = out["request"][0] / out["raw"][0]
    out["ratio_p95"] = out["request"][1] / out["raw"][1]
    out["flask_p50"] = out["request"][0] / out["service"][0]
    out["flask_p95"] = out["request"][1] / out["service"][1]
    from portal.search.analyzer import words
    out.update(peers(db_path, lambda q: [w for part in q.split() for w in (words(part) or [part])]))
    out["memory"] = worker_memory({**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_INDEX_DIR": str(index_dir),
                                   "PORTAL_SECRET_KEY": "bench"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--procs", type=int, default=1, help="Whoosh writer processes for the rebuild")
    parser.add_argument("--no-answers", action="store_true", help="guides and policies only, as before issue 15")
    parser.add_argument("--ab-rounds", type=int, default=3, help="rounds of the with/without lexicon comparison")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="search-bench-"))
    try:
        for n in args.sizes:
            r = bench(n, args.procs, workdir, answers=not args.no_answers, ab_rounds=args.ab_rounds)
            print(f"\n## {n} documents")
            print(f"import {r['import_seconds']:.1f} s; reindex {r['reindex_seconds']:.1f} s = "
                  f"{r['docs_per_second']:.0f} docs/s (procs={args.procs})")
            print("| path | p50 ms | p95 ms |\n| --- | --- | --- |")
            for key in ("request", "fallbacks", "service", "service, lexicon", "service, no lexicon", "raw",
                        "fts5 trigram", "LIKE scan"):
                print(f"| {key} | {r[key][0]:.1f} | {r[key][1]:.1f} |")
            print(f"request / raw searcher: {r['ratio_p50']:.2f} at p50, {r['ratio_p95']:.2f} at p95; "
                  f"request / service (Flask's share): {r['flask_p50']:.2f} at p50, {r['flask_p95']:.2f} at p95")
            print(f"vocabulary for pinyin and typos: {r['vocabulary_words']} words "
                  f"(built in {r['vocabulary_ms']:.0f} ms, once per index change, by the first query that needs it; "
                  f"{r['vocabulary_mb']:.1f} MB)")
            m = r["memory"]
            print(f"gunicorn worker (preloaded): RSS {m['rss']:.0f} MB, PSS {m['pss']:.0f} MB, USS {m['uss']:.0f} MB "
                  f"(of which Private_Dirty, the worker's own heap: {m['dirty']:.0f} MB)")
            sys.stdout.flush()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
