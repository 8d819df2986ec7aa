"""Each process (each thread, under a threaded server) keeps one searcher open and refreshes it
only when the index changed: an up-to-date check costs 0.01 ms, a reopen 35 ms at 10k documents
(shared/search-notes.md), so it happens once per index change, never per request. A searcher is
not safe to share between threads, hence one per thread; under gunicorn's sync workers that is one
per worker, opened before fork so the pages are shared."""
from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.query import And, AndMaybe, NullQuery, Or, Query, Term
from whoosh.searching import Searcher

from portal.search import lexicon
from portal.search.index import SYNONYMS, IndexStore
from portal.search.pinyin import Vocabulary

VOCABULARY_FIELDS = ("title", "body")


@dataclass
class Snapshot:
    """An open searcher on one generation, with what is derived from it once per refresh."""

    directory: Path
    searcher: Searcher
    synonyms: dict[str, list[str]]
    synonyms_mtime: float
    value_docs: dict[tuple[str, str], frozenset[int]] = field(default_factory=dict)
    expired_docs: dict[dt.date, frozenset[int]] = field(default_factory=dict)
    titles: list[tuple[str, str, str]] | None = None
    _expansions: dict[str, list[str]] | None = None
    _vocabulary: Vocabulary | None = None

    @property
    def expansions(self) -> dict[str, list[str]]:
        """The base lexicon with this generation's content synonyms, which win for their terms."""
        if self._expansions is None:
            self._expansions = lexicon.merged(self.synonyms)
        return self._expansions

    def vocabulary(self) -> Vocabulary:
        """Every Chinese word of the titles and bodies (weighted by how many documents hold it) and
        every everyday word of the lexicon, for pinyin and typo lookups; built when first needed."""
        if self._vocabulary is None:
            self._vocabulary = Vocabulary.build(self._words())
        return self._vocabulary

    def _words(self):
        reader = self.searcher.reader()
        for fieldname in VOCABULARY_FIELDS:
            if fieldname not in reader.indexed_field_names():
                continue
            for text, info in reader.iter_field(fieldname):
                yield (text.decode("utf-8") if isinstance(text, bytes) else text), info.doc_frequency()
        for term in self.expansions:
            yield term, 1

    def docs_with(self, fieldname: str, value: str) -> frozenset[int]:
        """Document numbers holding `value` in `fieldname`, cached until the next refresh."""
        key = (fieldname, value)
        docs = self.value_docs.get(key)
        if docs is None:
            docs = self.value_docs[key] = self._postings(fieldname, value)
        return docs

    def _postings(self, fieldname: str, value: str) -> frozenset[int]:
        reader = self.searcher.reader()
        term = value.encode("utf-8")
        if (fieldname, term) not in reader:
            return frozenset()
        return frozenset(reader.postings(fieldname, term).all_ids())

    def matching(self, query: Query) -> frozenset[int]:
        """Document numbers matching `query`, by set algebra on posting lists: several times faster
        than walking Whoosh's matcher tree in Python, which scoring still does for the top 10.
        Nothing is cached between requests, so a worker's own memory stays small."""
        if isinstance(query, Term):
            return self._postings(query.fieldname, query.text)
        if isinstance(query, And):
            sets = sorted((self.matching(q) for q in query.subqueries), key=len)
            return frozenset.intersection(*sets) if sets else frozenset()
        if isinstance(query, Or):
            return frozenset().union(*(self.matching(q) for q in query.subqueries))
        if isinstance(query, AndMaybe):
            return self.matching(query.a)
        if query is NullQuery:
            return frozenset()
        return frozenset(self.searcher.docs_for_query(query))  # phrases, prefixes: Whoosh's own way

    def has_term(self, fieldname: str, word: str) -> bool:
        """Whether any document holds `word` in `fieldname` (a lexicon lookup, microseconds)."""
        return (fieldname, word.encode("utf-8")) in self.searcher.reader()

    def doc_frequency(self, word: str) -> int:
        """In how many documents' titles or bodies `word` occurs (the larger of the two; a lexicon lookup)."""
        return max(self.searcher.doc_frequency(f, word) for f in VOCABULARY_FIELDS)

    def values(self, fieldname: str) -> list[str]:
        """Every value a keyword field holds (bureau codes, topic codes, statuses, kinds)."""
        return [v.decode("utf-8") if isinstance(v, bytes) else v for v in self.searcher.reader().lexicon(fieldname)]


def _synonyms_mtime(directory: Path) -> float:
    try:
        return os.stat(directory / SYNONYMS).st_mtime
    except FileNotFoundError:
        return 0.0


class SearchReader:
    """Hands out an up-to-date snapshot of the live index to the calling thread."""

    def __init__(self, store: IndexStore):
        self.store = store
        self._local = threading.local()

    def _reopened(self, searcher: Searcher) -> Searcher:
        """A new searcher on the newest commit. Not Searcher.refresh(): it reuses segment readers
        whose deletions have since changed (an updated document then shows twice), and it fails
        on an index without segments."""
        fresh = self.store.open().searcher()
        searcher.close()
        return fresh

    def snapshot(self) -> Snapshot:
        """The caller's snapshot, refreshed if the index, its generation or its synonyms changed."""
        current: Snapshot | None = getattr(self._local, "snapshot", None)
        directory = self.store.current_dir()
        if current is not None and current.directory == directory:
            mtime = _synonyms_mtime(directory)
            fresh = current.searcher.up_to_date()
            if fresh and mtime == current.synonyms_mtime:
                return current
            searcher = current.searcher if fresh else self._reopened(current.searcher)
            synonyms = current.synonyms if mtime == current.synonyms_mtime else self.store.synonyms(directory)
            current = Snapshot(directory, searcher, synonyms, mtime)
        else:
            if current is not None:
                current.searcher.close()
            current = Snapshot(directory, self.store.open().searcher(), self.store.synonyms(directory),
                               _synonyms_mtime(directory))
        self._local.snapshot = current
        return current
