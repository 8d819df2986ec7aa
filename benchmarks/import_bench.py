"""Content import: time for N new policies through `flask --app portal content import`, and for the same
file again (every line an update), each a whole process on a fresh SQLite (or the given) database.

Run by hand (figures go to benchmarks/RESULTS.md with this command):
    .venv/bin/python benchmarks/import_bench.py --sizes 1000 2000 4000 10000
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")
BODY = "为支持小微企业发展，现将有关事项通知如下。" * 40  # about 800 characters, like a short notice


def content_file(folder: Path, count: int) -> Path:
    lines = [{"kind": "bureau", "code": "fgj", "name": "县发改局"},
             {"kind": "topic", "code": "qykb", "name": "企业开办", "lead": "fgj"}]
    lines += [{"kind": "policy", "slug": f"p-{i}", "title": f"关于第{i}项惠企政策的通知", "bureau": "fgj",
               "topics": ["qykb"], "published_on": "2024-01-01", "summary": "小微企业房租减免。",
               "body": BODY, "beneficiaries": ["小微企业"]} for i in range(count)]
    path = folder / f"policies-{count}.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def timed(env: dict, *args: str) -> float:
    started = time.monotonic()
    subprocess.run([FLASK, "--app", "portal", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 10000])
    args = parser.parse_args()
    print("| new policies | import (s) | ms per line | the same file again (s) |")
    print("| --- | --- | --- | --- |")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            env = {**os.environ, "PORTAL_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
                   "PORTAL_INDEX_DIR": str(folder / "ix"), "PORTAL_SECRET_KEY": "benchmark-secret-0123456789abcdef"}
            timed(env, "init-db")
            path = content_file(folder, size)
            first = timed(env, "content", "import", str(path))
            again = timed(env, "content", "import", str(path))
            print(f"| {size:,} | {first:.1f} | {1000 * first / size:.1f} | {again:.1f} |", flush=True)


if __name__ == "__main__":
    main()
