"""What the index holds: the schema, and a guide, policy or public answer turned into one document."""
from __future__ import annotations

import datetime as dt
import re

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from portal.catalog.models import Answer, AnswerStatus, Guide, Policy, PolicyStatus
from portal.search.analyzer import ChineseAnalyzer

NO_EXPIRY = 99991231


def make_schema() -> Schema:
    """Titles weigh three times the body, document numbers twice; the summary is part of the body
    and stored again on its own for result cards."""
    analyzer = ChineseAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),  # "guide:<slug>", "policy:<slug>" or "answer:<slug>"
        kind=ID(stored=True),
        slug=ID(stored=True),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=3.0),
        summary=STORED,
        code=TEXT(analyzer=analyzer, stored=True, field_boost=2.0),  # 事项编码 or 文号
        body=TEXT(analyzer=analyzer, stored=True),  # stored for snippets
        bureau=ID(stored=True),
        topics=KEYWORD(stored=True, commas=True),
        status=ID(stored=True),  # the policy's recorded status; "" for guides
        expires=NUMERIC(int, stored=True),  # yyyymmdd, NO_EXPIRY when none
        date=NUMERIC(int, stored=True, sortable=True),  # yyyymmdd: last update or publication
        online=STORED,
        # The English fields of guides and policies, with Whoosh's standard English analyzer (words,
        # lower case, stop words out, Porter stems): an English query finds them.
        title_en=TEXT(analyzer=StemmingAnalyzer(), stored=True, field_boost=3.0),
        summary_en=STORED,
        body_en=TEXT(analyzer=StemmingAnalyzer()),
    )


_MARKUP = re.compile(r"[#*_`>|\[\]]+|\(https?://[^)]*\)")


def plain(markdown: str | None) -> str:
    """Markdown reduced to readable text for indexing and snippets."""
    return _MARKUP.sub(" ", markdown or "").strip()


def _day(value: dt.date | None, default: int = 0) -> int:
    return int(value.strftime("%Y%m%d")) if value else default


def guide_document(guide: Guide) -> dict:
    """Every element a business might search a guide by, materials and questions included."""
    parts = [
        guide.summary, plain(guide.applicants), plain(guide.conditions),
        "；".join(m["name"] for m in guide.materials), "；".join(guide.steps), plain(guide.body),
        " ".join(f"{item['q']} {item['a']}" for item in guide.faq), guide.fee, plain(guide.legal_basis),
    ]
    return {
        "id": f"guide:{guide.slug}", "kind": "guide", "slug": guide.slug, "title": guide.title,
        "summary": guide.summary, "code": guide.code or "", "body": "\n".join(p for p in parts if p),
        "bureau": guide.bureau.code, "topics": ",".join(t.code for t in guide.topics), "status": "",
        "expires": NO_EXPIRY, "date": _day(guide.updated_on), "online": guide.fully_online,
        "title_en": guide.title_en, "summary_en": guide.summary_en,
        "body_en": "\n".join(p for p in (
            guide.summary_en, plain(guide.applicants_en), plain(guide.conditions_en),
            "; ".join(m.get("name_en", "") for m in guide.materials), "; ".join(guide.steps_en or []),
            plain(guide.body_en), " ".join(f"{item.get('q_en', '')} {item.get('a_en', '')}" for item in guide.faq),
        ) if p.strip()),
    }


def policy_document(policy: Policy) -> dict | None:
    """A public policy as a document; drafts are not searchable."""
    if policy.status is PolicyStatus.DRAFT:
        return None
    body = "\n".join(p for p in (policy.summary, plain(policy.interpretation), plain(policy.body)) if p)
    return {
        "id": f"policy:{policy.slug}", "kind": "policy", "slug": policy.slug, "title": policy.title,
        "summary": policy.summary, "code": policy.doc_number or "", "body": body,
        "bureau": policy.bureau.code, "topics": ",".join(t.code for t in policy.topics),
        "status": policy.status.value, "expires": _day(policy.expires_on, NO_EXPIRY),
        "date": _day(policy.published_on), "online": False,
        "title_en": policy.title_en, "summary_en": policy.summary_en,
        "body_en": "\n".join(p for p in (policy.summary_en, plain(policy.interpretation_en), plain(policy.body_en)) if p),
    }


def answer_document(answer: Answer) -> dict | None:
    """A published answer as a document: the question is its title; drafts and retired ones are not searchable."""
    if answer.status is not AnswerStatus.PUBLISHED:
        return None
    text = plain(answer.answer)
    return {
        "id": f"answer:{answer.slug}", "kind": "answer", "slug": answer.slug, "title": answer.question,
        "summary": text[:120], "code": "", "body": text, "bureau": answer.bureau.code,
        "topics": ",".join(t.code for t in answer.topics), "status": "", "expires": NO_EXPIRY,
        "date": _day(answer.published_on), "online": False,
    }
