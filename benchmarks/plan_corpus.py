"""The evaluation corpus "content without the demo synonyms", written mechanically from the county plan.

The plan's 37 measures (三、工作推进措施 1–37) become plain policies: the title is the measure's short
title (its first sentence, without the number), the body its whole paragraph, the bureau the plan's
牵头单位 where it names a demo bureau (its exact name, or a demo bureau's name that begins with it, as
县政府办 → 县政府办公室), else the supervising office (县发改局: the plan's author, for 县直相关部门).
Bureaus and topics are copied from the demo content file (a policy's topics are the demo topics whose
`measures` list its number); no synonym line, guide or other policy is written.

    .venv/bin/python benchmarks/plan_corpus.py OUT.jsonl
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN_NAME = "huining-business-environment-plan-2022.txt"
DEMO = ROOT / "portal" / "demo" / "huining-demo.jsonl"
FALLBACK_BUREAU = "fgj"
MEASURE = re.compile(r"^(\d{1,2})\.(.+)$")
LEAD = re.compile(r"牵头单位\s*[:：]\s*([^；;）)]+)")


def plan_path() -> Path:
    """PLAN_FILE if set, else shared/domain/ of the nearest folder above the checkout that has it."""
    if os.environ.get("PLAN_FILE"):
        return Path(os.environ["PLAN_FILE"])
    for folder in ROOT.parents:
        candidate = folder / "shared" / "domain" / PLAN_NAME
        if candidate.exists():
            return candidate
    raise SystemExit(f"the county plan ({PLAN_NAME}) is not found in a shared/domain/ above {ROOT}; set PLAN_FILE")


def measures(text: str) -> list[tuple[int, str, str, str]]:
    """(number, title, paragraph, lead bureau text) of every numbered measure of part 三."""
    start = text.index("三、工作推进措施")
    end = text.index("四、工作要求")
    found = []
    for line in text[start:end].splitlines():
        match = MEASURE.match(line.strip())
        if not match:
            continue
        number, paragraph = int(match.group(1)), match.group(2).strip()
        title = paragraph.split("。", 1)[0]
        lead = LEAD.search(paragraph)
        found.append((number, title, paragraph, lead.group(1).strip() if lead else ""))
    assert [n for n, *_ in found] == list(range(1, 38)), "the plan should have measures 1 to 37"
    return found


def corpus_lines() -> list[str]:
    demo = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line.strip()]
    bureaus = [o for o in demo if o["kind"] == "bureau"]
    topics = [o for o in demo if o["kind"] == "topic"]
    by_name = {b["name"]: b["code"] for b in bureaus}

    def bureau_of(lead: str) -> str:
        if lead in by_name:
            return by_name[lead]
        starting = [code for name, code in by_name.items() if name.startswith(lead)]
        return starting[0] if len(starting) == 1 else FALLBACK_BUREAU

    lines = [json.dumps(o, ensure_ascii=False) for o in bureaus + topics]
    for number, title, paragraph, lead in measures(plan_path().read_text(encoding="utf-8")):
        policy = {
            "kind": "policy", "slug": f"plan-m{number:02d}", "title": title, "bureau": bureau_of(lead),
            "topics": [t["code"] for t in topics if number in t.get("measures", [])],
            "published_on": "2022-09-15", "status": "in_force", "body": paragraph,
        }
        lines.append(json.dumps(policy, ensure_ascii=False))
    return lines


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    Path(sys.argv[1]).write_text("\n".join(corpus_lines()) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
