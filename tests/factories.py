"""Content lines for tests, one factory per kind, each a valid line unless told otherwise."""
from __future__ import annotations

import json


def line(**fields) -> str:
    return json.dumps(fields, ensure_ascii=False)


def bureau(code="scjgj", name="县市场监管局", **extra) -> dict:
    return {"kind": "bureau", "code": code, "name": name, "phone": "0943-0000103", **extra}


def topic(code="qykb", name="企业开办", lead="scjgj", co=(), **extra) -> dict:
    return {"kind": "topic", "code": code, "name": name, "lead": lead, "co": list(co), **extra}


def guide(slug="gongzhang-kezhi", title="公章刻制备案", bureau="scjgj", topics=("qykb",), **extra) -> dict:
    base = {
        "kind": "guide", "slug": slug, "title": title, "code": "HN-GAJ-001", "bureau": bureau,
        "topics": list(topics), "summary": "新开办企业刻制公章。", "body": "办理说明。",
        "applicants": "新开办企业", "conditions": "已领取营业执照",
        "materials": [{"name": "营业执照", "form": "复印件", "copies": 1, "required": True, "note": "", "form_url": None}],
        "steps": ["申请", "刻制", "领取"], "case_type": "immediate", "statutory_days": None, "promised_days": 0,
        "visits": 0, "fee": "不收费", "fee_basis": "", "location": "会宁县政务服务中心", "hours": "工作日",
        "phone": "0943-0000104", "complaint_phone": "12345", "online_url": "", "fully_online": True,
        "legal_basis": "《印铸刻字业暨印章管理办法》", "faq": [{"q": "要钱吗？", "a": "不收费。"}],
        "updated_on": "2024-05-06",
    }
    base.update(extra)
    return base


def policy(slug="liudi-tuishui", title="关于进一步加大增值税期末留抵退税政策实施力度的公告", bureau="scjgj",
           topics=("qykb",), **extra) -> dict:
    base = {
        "kind": "policy", "slug": slug, "title": title, "bureau": bureau, "topics": list(topics),
        "doc_number": "财政部 税务总局公告2022年第14号", "published_on": "2022-03-21",
        "effective_from": "2022-04-01", "expires_on": None, "status": "in_force",
        "beneficiaries": ["小微企业"], "summary": "留抵退税。", "body": "正文。", "interpretation": "解读。",
        "part_of": None, "measure_no": None,
    }
    base.update(extra)
    return base


def lines(*objects: dict) -> list[str]:
    return [line(**o) for o in objects]
