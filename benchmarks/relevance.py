"""Relevance on content nobody tuned for: the plan's 37 measures as plain policies, no synonym lines.

    .venv/bin/python benchmarks/relevance.py benchmarks/relevance/plan_queries_tune.jsonl [--show]

Builds the corpus with benchmarks/plan_corpus.py, loads it into a fresh SQLite database in a temporary
folder through the operator's own commands (`init-db`, `content import`, `search reindex`), then asks
`GET /api/v1/search?q=…&per_page=10` for every query of the file (JSON Lines with `query`, `kind` and
`expected`, the measure numbers that answer it) and prints MRR@10 overall and per kind (literal,
colloquial, pinyin, typo) and how many queries returned nothing. A query's reciprocal rank is 1/r
for the first of the ten results that is one of its expected measures, 0 if none is.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

KINDS = ("literal", "colloquial", "pinyin", "typo")


def flask(env: dict, *args: str) -> None:
    """One operator command, as an operator runs it; stops the evaluation if it fails."""
    command = [str(Path(sys.executable).parent / "flask"), "--app", "portal", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def measure_of(slug: str) -> int | None:
    return int(slug[len("plan-m"):]) if slug.startswith("plan-m") else None


def evaluate(query_file: Path, show: bool) -> dict:
    queries = [json.loads(line) for line in query_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    from plan_corpus import corpus_lines

    workdir = Path(tempfile.mkdtemp(prefix="relevance-"))
    try:
        corpus = workdir / "plan-measures.jsonl"
        corpus.write_text("\n".join(corpus_lines()) + "\n", encoding="utf-8")
        url = f"sqlite:///{workdir / 'portal.sqlite3'}"
        index_dir = workdir / "index"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
               "PORTAL_DATABASE_URL": url, "PORTAL_INDEX_DIR": str(index_dir),
               "PORTAL_SECRET_KEY": "relevance-evaluation", "PORTAL_RATELIMIT_ENABLED": "false"}
        flask(env, "init-db")
        flask(env, "content", "import", str(corpus))
        flask(env, "search", "reindex")

        from portal import create_app

        app = create_app({"DATABASE_URL": url, "INDEX_DIR": str(index_dir), "RATELIMIT_ENABLED": False,
                          "SECRET_KEY": "relevance-evaluation"})
        client = app.test_client()
        rows = []
        for q in queries:
            body = client.get("/api/v1/search", query_string={"q": q["query"], "per_page": 10}).get_json()
            found = [measure_of(r["slug"]) for r in body["results"]]
            rank = next((i for i, m in enumerate(found, 1) if m in q["expected"]), None)
            rows.append({**q, "rank": rank, "found": found, "empty": not found})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def mrr(subset: list[dict]) -> float:
        return sum(1 / r["rank"] for r in subset if r["rank"]) / len(subset) if subset else 0.0

    report = {"file": str(query_file), "queries": len(rows), "mrr": mrr(rows),
              "empty": sum(r["empty"] for r in rows), "kinds": {}}
    for kind in KINDS:
        subset = [r for r in rows if r["kind"] == kind]
        report["kinds"][kind] = {"queries": len(subset), "mrr": mrr(subset),
                                 "first": sum(r["rank"] == 1 for r in subset),
                                 "empty": sum(r["empty"] for r in subset)}
    if show:
        for r in rows:
            mark = "-" if r["rank"] is None else r["rank"]
            print(f"{r['kind']:10} rank {mark!s:>2}  {r['query']}  expected {r['expected']}  got {r['found'][:5]}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description="MRR@10 of a query file on the plan's measures.")
    parser.add_argument("queries", type=Path, help="JSON Lines: query, kind, expected (measure numbers)")
    parser.add_argument("--show", action="store_true", help="print every query's rank and first results")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    report = evaluate(args.queries, args.show)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"{report['file']}: {report['queries']} queries, MRR@10 {report['mrr']:.3f}, "
          f"{report['empty']} returned nothing")
    print("| kind | queries | MRR@10 | first | nothing |\n| --- | --- | --- | --- | --- |")
    for kind, k in report["kinds"].items():
        print(f"| {kind} | {k['queries']} | {k['mrr']:.3f} | {k['first']} | {k['empty']} |")


if __name__ == "__main__":
    main()
