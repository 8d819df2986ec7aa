"""Searching the catalog: results, snippets and facet counts for one request.

Facets are counted with set operations on document numbers: the numbers holding each bureau,
topic, kind and status are read from the index's postings once per index change and kept; the
numbers matching the query are read once per request. That replaces Whoosh's grouped counting,
which walks every hit in Python (shared/search-notes.md: 229 ms p95 at 10k documents).
"""
from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from functools import cached_property

from markupsafe import Markup
from whoosh.analysis import StemmingAnalyzer
from whoosh.query import And, NullQuery, NumericRange, Or, Prefix, Query, Term

from portal.search.analyzer import fold
from portal.search.query import ParsedQuery, build, parse, respell, title_prefix_query, without_needless_expansions
from portal.search.reader import Snapshot

KINDS = ("guide", "policy", "answer")
URL_PREFIX = {"guide": "/guides/", "policy": "/policies/", "answer": "/answers/"}
STATUSES = ("in_force", "consultation", "expired", "repealed")
ORDERS = ("relevance", "date")
MAX_PER_PAGE = 50
# A word of the query found in this many documents or more is searched as typed, without the base
# lexicon's official terms (the content's own synonyms still apply).
EXPAND_BELOW = 100


@dataclass(frozen=True)
class SearchRequest:
    """A search as asked: words, filters (codes), page and order; unknown values are dropped."""

    q: str = ""
    kind: str = ""
    bureau: str = ""
    topic: str = ""
    status: str = ""  # "", one of STATUSES, or "all" (expired and repealed included)
    page: int = 1
    per_page: int = 10
    order: str = "relevance"

    @property
    def filters(self) -> dict[str, str]:
        return {name: value for name, value in
                (("kind", self.kind), ("bureau", self.bureau), ("topic", self.topic), ("status", self.status))
                if value and value != "all"}


@dataclass
class Hit:
    kind: str
    slug: str
    title: Markup
    plain_title: str
    url: str
    snippet: Markup
    bureau: str
    topics: list[str]
    status: str
    date: dt.date | None
    score: float
    online: bool = False
    title_en: str = ""
    summary_en: str = ""


@dataclass
class SearchResponse:
    request: SearchRequest
    parsed: ParsedQuery
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    relaxed: bool = False  # nothing had every word, so these results have some of them
    left_out: int = 0  # expired or repealed policies that match but are left out unless asked for
    corrected: str = ""  # what was searched instead of the words the index does not hold ("您是不是要找")

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


def _day_number(day: dt.date) -> int:
    return int(day.strftime("%Y%m%d"))


def _number_day(number: int) -> dt.date | None:
    try:
        return dt.date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


class _Sets:
    """Document-number sets of one snapshot for one day."""

    def __init__(self, snapshot: Snapshot, today: dt.date):
        self.snapshot = snapshot
        self.today = today

    def expired_by_date(self) -> frozenset[int]:
        """In-force policies whose expiry date has passed: shown as expired from that day on."""
        cached = self.snapshot.expired_docs.get(self.today)
        if cached is None:
            searcher = self.snapshot.searcher
            past = NumericRange("expires", None, _day_number(self.today) - 1)
            cached = frozenset(searcher.docs_for_query(past)) & self.snapshot.docs_with("status", "in_force")
            self.snapshot.expired_docs = {self.today: cached}
        return cached

    def status(self, value: str) -> frozenset[int]:
        docs = self.snapshot.docs_with("status", value)
        if value == "in_force":
            return docs - self.expired_by_date()
        if value == "expired":
            return docs | self.expired_by_date()
        return docs

    def of(self, facet: str, value: str) -> frozenset[int]:
        if facet == "status":
            return self.status(value)
        if facet == "topic":
            return self.snapshot.docs_with("topics", value)
        return self.snapshot.docs_with(facet, value)

    @cached_property
    def hidden(self) -> frozenset[int]:
        """Expired and repealed policies, left out unless asked for."""
        return self.status("expired") | self.status("repealed")


def mark(text: str, terms: list[str]) -> Markup:
    """Escape `text` and wrap each query term in <mark> (longest first, ASCII case ignored)."""
    pattern = "|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True) if t)
    if not pattern:
        return Markup(html.escape(text))  # nosec B704
    out, position = [], 0
    for match in re.finditer(pattern, text, flags=re.IGNORECASE):
        out.append(html.escape(text[position:match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        position = match.end()
    out.append(html.escape(text[position:]))
    # every piece escaped; only <mark> tags are ours (bandit B704: Markup of untrusted text)
    return Markup("".join(out))  # nosec B704


SNIPPET_CHARS = 110


def snippet(body: str, summary: str, terms: list[str]) -> Markup:
    """The stretch of the body holding the most different query words, with them marked.

    A string search over the stored text of the ten shown results: Whoosh's highlighters either
    re-segment every text or, with stored offsets, marked words the query did not contain."""
    folded = fold(body)  # same length: offsets stay valid
    found: list[tuple[int, str]] = []
    for term in terms:
        start, seen = folded.find(term), 0
        while start != -1 and seen < 20:
            found.append((start, term))
            seen += 1
            start = folded.find(term, start + len(term))
    if not found:
        return mark(summary[:SNIPPET_CHARS], terms)
    found.sort()
    best_start, best_count = found[0][0], 0
    for i, (start, _) in enumerate(found):
        distinct = set()
        for position, term in found[i:]:
            if position >= start + SNIPPET_CHARS:
                break
            distinct.add(term)
        if len(distinct) > best_count:
            best_start, best_count = start, len(distinct)
    begin = max(0, best_start - 20)
    end = min(len(body), begin + SNIPPET_CHARS)
    text = " ".join(body[begin:end].split())
    return Markup(("…" if begin else "") + mark(text, terms) + ("…" if end < len(body) else ""))  # nosec B704


@dataclass
class _Match:
    """What a query matched: the Whoosh query to score with, and the document numbers."""

    query: Query
    docs: frozenset[int]
    relaxed: bool = False


def _parse(snapshot: Snapshot, text: str) -> ParsedQuery:
    parsed = parse(text, snapshot.expansions)
    return without_needless_expansions(parsed, lambda word: snapshot.doc_frequency(word) >= EXPAND_BELOW,
                                       set(snapshot.synonyms))


def _match(snapshot: Snapshot, parsed: ParsedQuery, found) -> _Match:
    """Every concept whole; then every concept, a word also as its parts apart (用电报装 in 用电、用气报装);
    then any concept, scored by the words each document holds (each word weighs by how rare it is, so
    注销公司要多久 ranks 注销 and 公司 together first, and 投资康养项目 puts 康养 above 投资 and 项目).
    The first that `found` accepts (filters applied), or the last tried."""
    has_term = snapshot.has_term
    attempt = _Match(NullQuery, frozenset())
    for parts in (False, True):
        query = build(parsed, has_term=has_term, parts=parts)
        attempt = _Match(query, snapshot.matching(query))
        if found(attempt.docs):
            return attempt
    if len(parsed.concepts) > 1:
        query = build(parsed, relaxed=True, has_term=has_term, parts=True)
        attempt = _Match(query, snapshot.matching(query), relaxed=True)
    return attempt


ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
ENGLISH_FIELDS = ("title_en", "body_en")
ENGLISH_ANALYZER = StemmingAnalyzer()  # the English fields' own (portal.search.documents)


def english_match(snapshot: Snapshot, text: str, found) -> _Match | None:
    """A query in English words, against the English fields (stemmed alike: licence, licences and
    licensing meet): every word, else any of them; None when the query has no English word or the
    English fields hold none of its words, so the Chinese search goes on as before."""
    if not ENGLISH_WORD.search(text) or any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return None
    words = list(dict.fromkeys(token.text for token in ENGLISH_ANALYZER(text)))
    parts = [Or([Term(f, w) for f in ENGLISH_FIELDS if snapshot.has_term(f, w)]) for w in words]
    parts = [part for part in parts if part.subqueries]
    if not parts:
        return None
    every = And(parts) if len(parts) > 1 else parts[0]
    attempt = _Match(every, snapshot.matching(every))
    if found(attempt.docs) or len(parts) == 1:
        return attempt
    anything = Or(parts)
    return _Match(anything, snapshot.matching(anything), relaxed=True)


def search(snapshot: Snapshot, request: SearchRequest, today: dt.date) -> SearchResponse:
    """Run one search: AND of the user's concepts, then their parts, then OR; words the index does not
    hold are respelled first (pinyin, homophones) and, when no document holds every word, replaced by
    the closest known word if that finds documents holding them all. Facets are counted alike."""
    parsed = _parse(snapshot, request.q)
    response = SearchResponse(request, parsed)
    if parsed.empty:
        return response
    sets = _Sets(snapshot, today)
    hide = request.status not in ("all", "expired", "repealed")
    chosen = {name: sets.of(name, value) for name, value in request.filters.items()}

    def narrowed(docs: frozenset[int], skip: str | None = None, hiding: bool = hide) -> frozenset[int]:
        """The documents the chosen filters allow, but for the facet `skip` (its own choice is
        counted over all its values); expired and repealed policies out unless asked for."""
        if hiding:
            docs = docs - sets.hidden
        for name, subset in chosen.items():
            if name != skip:
                docs = docs & subset
        return docs

    def found(docs: frozenset[int]) -> bool:
        return bool(narrowed(docs))

    match = english_match(snapshot, request.q, found)
    if match is None:
        respelled = respell(parsed, snapshot.vocabulary, snapshot.has_term)
        if respelled:
            parsed = response.parsed = _parse(snapshot, respelled)
            response.corrected = respelled
        match = _match(snapshot, parsed, found)
    if match.relaxed or not found(match.docs):  # some word matched nothing: try the closest known word
        closest = respell(parsed, snapshot.vocabulary, snapshot.has_term, closest=True)
        if closest:
            retry = _parse(snapshot, closest)
            attempt = _match(snapshot, retry, found)
            if found(attempt.docs) and (not attempt.relaxed or not found(match.docs)):
                parsed, match = retry, attempt
                response.parsed, response.corrected = retry, closest
    matched = match.docs
    response.relaxed = match.relaxed and found(matched)  # only said when the looser search found something

    final = narrowed(matched)
    response.total = len(final)
    if hide:
        response.left_out = len(narrowed(matched, hiding=False) & sets.hidden)
    # Each facet counts only what the results can hold: the status facet too leaves out the
    # expired and repealed policies the results leave out (offered apart, as `left_out`).
    response.facets = {
        "kind": _count(narrowed(matched, "kind"), KINDS, lambda v: sets.of("kind", v)),
        "bureau": _count(narrowed(matched, "bureau"), snapshot.values("bureau"), lambda v: sets.of("bureau", v)),
        "topic": _count(narrowed(matched, "topic"), snapshot.values("topics"), lambda v: sets.of("topic", v)),
        "status": _count(narrowed(matched, "status"), STATUSES, sets.status),
    }
    if not final:
        return response

    page = min(max(request.page, 1), response.pages)
    limit = page * request.per_page
    terms = parsed.highlight_terms()
    hidden_now = sets.hidden
    for hit in _ranked(snapshot, request, match, final, page, limit):
        stored = hit.fields()
        docnum = hit.docnum
        status = stored["status"]
        if status == "in_force" and docnum in hidden_now:
            status = "expired"
        response.hits.append(Hit(
            kind=stored["kind"], slug=stored["slug"], title=mark(stored["title"], terms),
            plain_title=stored["title"], url=URL_PREFIX[stored["kind"]] + stored["slug"],
            snippet=snippet(stored["body"], stored["summary"], terms),
            bureau=stored["bureau"], topics=[t for t in stored["topics"].split(",") if t],
            status=status, date=_number_day(stored["date"]), score=round(hit.score or 0.0, 3),
            online=bool(stored.get("online")), title_en=stored.get("title_en") or "",
            summary_en=stored.get("summary_en") or "",
        ))
    return response


def _ranked(snapshot: Snapshot, request: SearchRequest, match: _Match, final: frozenset[int], page: int, limit: int):
    """The hits of the page, by relevance or by date."""
    options = {"sortedby": "date", "reverse": True} if request.order == "date" else {}
    results = snapshot.searcher.search(match.query, filter=set(final), limit=limit, **options)
    return results[(page - 1) * request.per_page: limit]


def warm_up(snapshot: Snapshot, today: dt.date) -> None:
    """Search once, by relevance and by date, before gunicorn forks: Whoosh then reads each field's
    lengths and the date column into memory (17 MB at 10k documents), the facet sets are counted and
    the vocabulary built in the master, so the workers share those pages instead of each copying them
    on its first search."""
    snapshot.vocabulary()
    reader = snapshot.searcher.reader()
    word = next((w for w in (t.decode("utf-8") for t in reader.lexicon("title")) if len(w) > 1 and w.isalpha()), "")
    if word:
        search(snapshot, SearchRequest(q=word), today)
        search(snapshot, SearchRequest(q=word, order="date"), today)


def _count(docs: frozenset[int], values, docs_of) -> dict[str, int]:
    counts = {}
    for value in values:
        n = len(docs & docs_of(value))
        if n:
            counts[value] = n
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def suggest(snapshot: Snapshot, text: str, limit: int = 8) -> list[dict]:
    """Titles for what the user has typed so far, the last word possibly unfinished."""
    parsed = parse(text, snapshot.expansions)
    if parsed.empty:
        return []
    query = title_prefix_query(parsed)
    compact = parsed.text.replace(" ", "").lower()
    if 1 < len(compact) <= 12:
        query = Or([query, Prefix("title", compact)])  # 不动 → 不动产…, 用电报 → 用电报装…
    results = snapshot.searcher.search(query, limit=limit)
    return [{"title": hit["title"], "kind": hit["kind"], "url": URL_PREFIX[hit["kind"]] + hit["slug"]}
            for hit in results]
