"""What people searched: the queries that found nothing (for the staff to close the gap with a synonym)
and the queries that found something, counted per day for the home page's 热搜.

Only the words are kept: no address, no session, and nothing that looks like personal data (a run of
digits such as a phone or ID number, an e-mail address, a 统一社会信用代码) is recorded at all. A person
counts once a day per query: the check uses the rate limiter's storage (shared between workers when
PORTAL_RATELIMIT_STORAGE is Redis) under a keyed hash of address, day and words, so neither the
storage nor the database holds an address. 热搜 shows only queries searched by at least
HOT_MIN_PEOPLE such person-days in the last HOT_DAYS days, so that one person cannot write there.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.actors import Actor
from portal.audit import audit, name_actions
from portal.catalog.content import ContentError, import_content
from portal.catalog.models import Synonym
from portal.clock import now
from portal.errors import InvalidFields, NotFound
from portal.search.analyzer import normalize
from portal.search.models import SearchCount, SearchGap

MAX_CHARS = 50
HOT_DAYS = 7
HOT_MIN_PEOPLE = 3
HOT_SHOWN = 8
# Runs of digits (phones, ID and account numbers), e-mail addresses, credit codes: never recorded.
PERSONAL = re.compile(r"\d{5,}|@|[0-9a-z]{15,}|\d{3,}[- ]\d{3,}", re.IGNORECASE)
name_actions({"search_synonym": "从检索缺口添加同义词", "search_gap_dismiss": "忽略检索缺口"})


def recordable(query: str) -> str:
    """The words of a query as they are kept ("" if they must not be): spaces collapsed, ASCII
    lower-cased, at most MAX_CHARS characters, nothing that looks like personal data."""
    text = " ".join(normalize(query).split()).lower()
    if not text or len(text) > MAX_CHARS or PERSONAL.search(text):
        return ""
    return text


def person_key(secret: str, scope: str, address: str, day: dt.date, text: str) -> str:
    """A keyed hash naming (person, day, query) without the address (scope: the database, so that two
    portals sharing a limiter storage keep apart)."""
    message = json.dumps([scope, address, day.isoformat(), text], ensure_ascii=False).encode("utf-8")
    return "search-person:" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()[:32]


def _upsert(session: Session, model, values: dict, keys: list[str], increments: dict) -> None:
    """INSERT … ON CONFLICT DO UPDATE on SQLite and PostgreSQL alike: concurrent workers never collide."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(model).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=increments(statement)))


def record(session: Session, text: str, found: bool, day: dt.date) -> None:
    """Count one person's search of `text` (already `recordable`): a gap if it found nothing, else a
    search of the day."""
    if not found:
        moment = now()
        _upsert(session, SearchGap, {"text": text, "count": 1, "first_at": moment, "last_at": moment}, ["text"],
                lambda s: {"count": SearchGap.count + 1, "last_at": s.excluded.last_at})
    else:
        _upsert(session, SearchCount, {"text": text, "day": day, "count": 1}, ["text", "day"],
                lambda s: {"count": SearchCount.count + 1})


def hot_queries(session: Session, today: dt.date, limit: int = HOT_SHOWN) -> list[str]:
    """The most searched queries of the last HOT_DAYS days that found something, searched by at least
    HOT_MIN_PEOPLE person-days and not found nothing since (a gap of the same words hides it)."""
    total = func.sum(SearchCount.count)
    rows = session.execute(
        select(SearchCount.text, total)
        .where(SearchCount.day > today - dt.timedelta(days=HOT_DAYS))
        .where(~SearchCount.text.in_(select(SearchGap.text)))
        .group_by(SearchCount.text).having(total >= HOT_MIN_PEOPLE)
        .order_by(total.desc(), SearchCount.text).limit(limit)
    ).all()
    return [text for text, _count in rows]


def gaps(session: Session) -> list[SearchGap]:
    """Queries that found nothing, most searched first."""
    return list(session.scalars(select(SearchGap).order_by(SearchGap.count.desc(), SearchGap.last_at.desc())))


def _gap(session: Session, gap_id: int) -> SearchGap:
    gap = session.get(SearchGap, gap_id)
    if gap is None:
        raise NotFound("没有这条检索记录（可能已处理）。")
    return gap


def add_synonym(session: Session, actor: Actor, gap_id: int, means: list[str]) -> Synonym:
    """Close a gap: its words become a synonym line meaning `means` (checked as a content-file line, so
    it is exported with the content and reaches the index through the outbox), the gap is removed."""
    gap = _gap(session, gap_id)
    if not means:
        raise InvalidFields({"means": ["请填写这个说法对应的规范用语，如“企业开办”"]})
    line = {"kind": "synonym", "term": gap.text, "means": means}
    try:
        import_content(session, [json.dumps(line, ensure_ascii=False)], actor)
    except ContentError as exc:
        raise InvalidFields({"means": [e.message for e in exc.lines]}) from None
    synonym = session.scalars(select(Synonym).where(Synonym.term == gap.text)).one()
    audit(session, actor, "search_synonym", target=gap.text, detail="→ " + "、".join(synonym.means))
    session.execute(delete(SearchGap).where(SearchGap.id == gap.id))
    session.flush()
    return synonym


def dismiss(session: Session, actor: Actor, gap_id: int) -> None:
    """Drop a gap that needs no synonym (a typo nobody repeats, a word the county has no content for)."""
    gap = _gap(session, gap_id)
    audit(session, actor, "search_gap_dismiss", target=gap.text, detail=f"{gap.count} 次")
    session.delete(gap)
    session.flush()


MEANS_SPLIT = re.compile(r"[\s,，、;；]+")


def parse_means(raw: str) -> list[str]:
    """The official terms typed in one box, separated by spaces, commas or 、."""
    return [m for m in MEANS_SPLIT.split(raw or "") if m]
