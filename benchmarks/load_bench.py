"""Load: a realistic mix of requests against one portal host, against two hosts sharing one database,
and the same load against a Flask "hello world" under the same gunicorn settings (the ceiling of
this stack on this machine). Loopback only, each run bounded in time.

Run by hand (figures go to benchmarks/RESULTS.md with this command):
    .venv/bin/python benchmarks/load_bench.py --seconds 60
Needs Debian's wrk (`apt-get install wrk`) and redis-server; PostgreSQL when --database names one
(default: a SQLite file, which two hosts on one machine can share).

The mix, per 100 requests: 25 home page, 30 search (20 queries of 1 to 3 terms, colloquial ones
included), 15 guide pages, 5 filings through the ticket API (POST, JSON), 15 tracking lookups (the
API with the code in its header), 10 views of the bureau workspace by a logged-in member of staff.
Rate limits are off (they would answer a one-address load with 429s); everything else is as served.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hosts import Visitor, flask, gunicorn, portal_env  # noqa: E402
from tests.servers import free_port, wait_for  # noqa: E402

QUERIES = ["企业开办", "用电报装", "不动产登记", "纳税", "政府采购", "招标投标", "施工许可", "开公司", "办电", "房产证",
           "报税", "贷款", "刻章", "小微企业 贷款", "知识产权", "营业执照", "公积金", "社保", "用水用气", "破产"]
GUIDES = []  # filled from the demo content
MIX = {"home": 25, "search": 30, "guide": 15, "file": 5, "track": 15, "workspace": 10}
FILING = {"type": "complaint", "topic": "qykb", "subject": "营业执照办理超时", "consent": "true",
          "description": "我公司于上月在政务服务中心申请营业执照，至今未办结，窗口未说明原因。",
          "company_name": "会宁县某某商贸有限公司", "contact_name": "王先生", "phone": "13800000000"}


def lua(requests: list[tuple[str, str, dict, str]]) -> str:
    """A wrk script that sends the prepared requests in turn and reports p50/p95/p99 and errors."""
    rows = []
    for method, path, headers, body in requests:
        head = ", ".join(f'["{k}"] = [==[{v}]==]' for k, v in headers.items())
        rows.append(f'  wrk.format("{method}", [==[{path}]==], {{{head}}}, [==[{body}]==]),')
    return textwrap.dedent("""\
        local requests = {
        %s
        }
        local i = 0
        request = function()
          i = i %% #requests + 1
          return requests[i]
        end
        local failures = 0
        response = function(status, headers, body)
          if status >= 400 then failures = failures + 1 end
        end
        done = function(summary, latency, requests)
          io.write(string.format("RESULT %%d %%.1f %%.2f %%.2f %%.2f %%d %%d\\n", summary.requests,
            summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
            latency:percentile(95) / 1000, latency:percentile(99) / 1000,
            summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
              + summary.errors.status, failures))
        end
        """) % "\n".join(rows)


def mix(cookie: str, tracked: list[tuple[str, str]]) -> list[tuple[str, str, dict, str]]:
    """100 requests in the proportions of MIX, interleaved."""
    plan = []
    for i in range(100):
        for kind, share in MIX.items():
            if i % (100 // share) == 0 and len([p for p in plan if p[0] == kind]) < share:
                plan.append((kind, i))
    requests = []
    for n, (kind, i) in enumerate(plan):
        if kind == "home":
            requests.append(("GET", "/", {}, ""))
        elif kind == "search":
            requests.append(("GET", "/search?q=" + urllib.parse.quote(QUERIES[n % len(QUERIES)]), {}, ""))
        elif kind == "guide":
            requests.append(("GET", f"/guides/{GUIDES[n % len(GUIDES)]}", {}, ""))
        elif kind == "file":
            requests.append(("POST", "/api/v1/tickets", {"Content-Type": "application/json"},
                             json.dumps(FILING, ensure_ascii=False)))
        elif kind == "track":
            number, code = tracked[n % len(tracked)]
            requests.append(("GET", f"/api/v1/tickets/{number}", {"X-Retrieval-Code": code}, ""))
        else:
            requests.append(("GET", "/staff/", {"Cookie": cookie}, ""))
    return requests


def run_wrk(bases: list[str], script: Path, seconds: int, connections: int) -> dict:
    """wrk against each base URL at once (the load split between hosts, as a balancer would)."""
    procs = [subprocess.Popen(["wrk", "-t", "1", "-c", str(max(1, connections // len(bases))), "-d", f"{seconds}s",
                               "-s", str(script), base], stdout=subprocess.PIPE, text=True) for base in bases]
    results = []
    for proc in procs:
        out = proc.communicate(timeout=seconds + 60)[0]
        line = next(row for row in out.splitlines() if row.startswith("RESULT"))
        count, rate, p50, p95, p99, errors, failures = line.split()[1:]
        results.append((int(count), float(rate), float(p50), float(p95), float(p99), int(errors), int(failures)))
    return {"requests": sum(r[0] for r in results), "rate": sum(r[1] for r in results),
            "p50": max(r[2] for r in results), "p95": max(r[3] for r in results), "p99": max(r[4] for r in results),
            "errors": sum(r[5] + r[6] for r in results)}


def hello_world(folder: Path, workers: str) -> subprocess.Popen:
    (folder / "hello.py").write_text("from flask import Flask\napp = Flask(__name__)\n\n\n"
                                     "@app.get('/')\ndef hello():\n    return 'hello'\n")
    port = free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", workers, "--worker-class", "sync",
                             "--bind", f"127.0.0.1:{port}", "--chdir", str(folder), "hello:app"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.base = f"http://127.0.0.1:{port}"
    import urllib.request

    wait_for(lambda: urllib.request.urlopen(proc.base, timeout=2).status == 200, "hello world", process=proc)
    return proc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database", default="", help="e.g. postgresql+psycopg://postgres@127.0.0.1:55432/bench")
    args = parser.parse_args()
    workers = str(os.cpu_count() + 1)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        redis = subprocess.Popen([shutil.which("redis-server"), "--port", str(port := free_port()), "--save", "",
                                  "--dir", tmp], stdout=subprocess.DEVNULL)
        stack.callback(redis.terminate)
        database = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"
        shared = dict(PORTAL_DATABASE_URL=database, PORTAL_RATELIMIT_ENABLED="false", PORTAL_WORKERS=workers,
                      PORTAL_RATELIMIT_STORAGE=f"redis://127.0.0.1:{port}/0",
                      PORTAL_ATTACHMENT_DIR=str(folder / "attachments"))
        env_a = portal_env(folder / "a", PORTAL_HOST_ID="a", PORTAL_INDEX_DIR=str(folder / "a" / "ix"), **shared)
        env_b = portal_env(folder / "b", PORTAL_HOST_ID="b", PORTAL_INDEX_DIR=str(folder / "b" / "ix"), **shared)
        for env in (env_a, env_b):
            os.makedirs(env["HOME"], exist_ok=True)
        flask(env_a, "init-db")
        flask(env_a, "seed-demo")
        demo = (ROOT / "portal" / "demo" / "huining-demo.jsonl").read_text(encoding="utf-8")
        GUIDES.extend(re.findall(r'"kind": "guide", "slug": "([a-z0-9-]+)"', demo)[:12])
        a = stack.enter_context(gunicorn(env_a))
        staff = Visitor()
        assert staff.post(a.base, "/login", {"username": "scjg", "password": "Huining-demo-2026"})[0] == 303
        cookie = "; ".join(f"{c.name}={c.value}" for c in staff.jar)
        tracked = []
        for _ in range(20):
            filed = json.loads(a.post_json("/api/v1/tickets", FILING)[1])
            tracked.append((filed["number"], filed["code"]))
        script = folder / "mix.lua"
        script.write_text(lua(mix(cookie, tracked)), encoding="utf-8")
        rows = [("portal, one host", run_wrk([a.base], script, args.seconds, args.connections))]
        b = stack.enter_context(gunicorn(env_b))
        rows.append(("portal, two hosts", run_wrk([a.base, b.base], script, args.seconds, args.connections)))
        hello = hello_world(folder, workers)
        stack.callback(hello.terminate)
        plain = folder / "hello.lua"
        plain.write_text(lua([("GET", "/", {}, "")]), encoding="utf-8")
        rows.append(("Flask hello world", run_wrk([hello.base], plain, args.seconds, args.connections)))
    print(f"{args.seconds} s, {args.connections} connections, {workers} sync workers per host, {database.split(':')[0]}")
    print("| target | requests | requests/s | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, r in rows:
        print(f"| {name} | {r['requests']:,} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['errors']} |")
    ceiling = rows[-1][1]["rate"]
    for name, r in rows[:-1]:
        print(f"{name}: {100 * r['rate'] / ceiling:.0f} % of the hello-world ceiling")


if __name__ == "__main__":
    main()
