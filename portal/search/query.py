"""Turning what a business types into a Whoosh query. Nothing here raises on any input.

Whoosh's own query parser is not used: its syntax (AND, OR, field:, wildcards, brackets) means
nothing to a business and every unbalanced bracket would be an error. Instead the text is split
into quoted phrases and words; each word becomes a concept that may be found in the title,
document number or body, as itself or as its parts; an everyday word from the synonym
table (开公司) also accepts the catalog's terms (企业开办). Concepts are ANDed; the caller falls
back to OR when nothing matches.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh.query import And, AndMaybe, NullQuery, Or, Phrase, Prefix, Query, Term

from portal.search.analyzer import normalize, subwords, words

FIELDS = ("title", "code", "body")
MAX_QUERY_CHARS = 100
MAX_CONCEPTS = 12
# Words that say how, not what ("怎么办理", "需要什么材料"): dropped when the query has other words.
FILLER = frozenset(
    "怎么 怎样 如何 什么 哪里 哪儿 哪些 哪个 多久 几天 多少 需要 要 想 能 能否 可以 是否 请问 一下 吗 呢 啊 吧 "
    "我 我们 你 您 办 办理 申请 手续 流程 问题 咨询 怎么办 开通 领 交 弄 搞 找 去 跑 and or not".split()
)
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」')


@dataclass
class Concept:
    """One thing the user asked for, with the alternative ways the catalog may say it."""

    label: str
    alternatives: list[list[str]] = field(default_factory=list)  # each alternative: words that must all occur
    phrase: bool = False

    def terms(self) -> set[str]:
        return {w for alternative in self.alternatives for w in alternative}


@dataclass
class ParsedQuery:
    text: str
    concepts: list[Concept]
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not self.concepts

    def split(self) -> tuple[list[Concept], list[Concept]]:
        """Required concepts and optional ones: a lone character (新, 店) only helps the ranking
        when the query has real words too, since a document rarely holds it as a word of its own."""
        weak = [c for c in self.concepts if len(c.label) == 1 and not c.phrase]
        strong = [c for c in self.concepts if c not in weak]
        return (strong, weak) if strong else (weak, [])

    def highlight_terms(self) -> list[str]:
        """Every word worth marking in a title or snippet, longest first."""
        return sorted({t for c in self.concepts for t in c.terms()}, key=len, reverse=True)


def _query_words(fragment: str) -> list[str]:
    """Words of a typed fragment; a run of lone characters (不/动, cut from 不动产) is kept together."""
    merged: list[str] = []
    run = ""
    for word in words(fragment):
        if len(word) == 1 and "\u3400" <= word <= "\u9fff" and word not in FILLER:
            run += word
            continue
        if run:
            merged.append(run)
            run = ""
        merged.append(word)
    if run:
        merged.append(run)
    return merged


def _word_concept(word: str) -> Concept:
    return Concept(word, [[word]])


def _concepts(fragment: str, synonyms: dict[str, list[str]]) -> list[Concept]:
    """Words of a fragment as concepts; a word, or a run of up to four words, that is a synonym term
    also accepts the catalog's terms. Matching words rather than raw text keeps 小微 (a term) from
    cutting 小微企业 (a word) in two."""
    found = _query_words(fragment)
    concepts: list[Concept] = []
    i = 0
    while i < len(found):
        for j in range(min(len(found), i + 4), i, -1):
            term = "".join(found[i:j])
            if term in synonyms:
                alternatives = [found[i:j]]
                alternatives += [ws for ws in (words(m) for m in synonyms[term]) if ws and ws not in alternatives]
                concepts.append(Concept(term, alternatives))
                i = j
                break
        else:
            concepts.append(_word_concept(found[i]))
            i += 1
    return concepts


def parse(raw: str | None, synonyms: dict[str, list[str]] | None = None) -> ParsedQuery:
    """Split a typed query into concepts; any string in, never an exception out."""
    text = normalize(raw or "").strip()
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    synonyms = synonyms or {}
    concepts: list[Concept] = []
    position = 0
    for match in _QUOTED.finditer(text):
        concepts += _concepts(text[position:match.start()], synonyms)
        phrase_words = words(next(g for g in match.groups() if g is not None))
        if len(phrase_words) > 1:
            concepts.append(Concept("".join(phrase_words), [phrase_words], phrase=True))
        elif phrase_words:
            concepts.append(_word_concept(phrase_words[0]))
        position = match.end()
    concepts += _concepts(text[position:].replace('"', " ").replace("“", " ").replace("”", " "), synonyms)

    meaningful = [c for c in concepts if c.label not in FILLER]
    concepts = meaningful or concepts
    unique: list[Concept] = []
    for concept in concepts:
        if all(concept.alternatives != seen.alternatives for seen in unique):
            unique.append(concept)
    return ParsedQuery(text, unique[:MAX_CONCEPTS], truncated or len(unique) > MAX_CONCEPTS)


HasTerm = Callable[[str, str], bool]


def _everything(_fieldname: str, _word: str) -> bool:
    return True


def _word_query(word: str, fieldname: str, has_term: HasTerm = _everything) -> Query | None:
    """A word in a field, as itself or, if the index never holds it whole, as all of its parts
    (a compound segmented differently in the documents). None when the field cannot match."""
    if has_term(fieldname, word):
        return Term(fieldname, word)
    parts = subwords(word)
    if len(parts) > 1 and all(has_term(fieldname, p) for p in parts):
        return And([Term(fieldname, p) for p in parts])
    return None


def _any_field(word: str, has_term: HasTerm) -> Query:
    queries = [q for q in (_word_query(word, f, has_term) for f in FIELDS) if q is not None]
    if not queries:
        return NullQuery
    return queries[0] if len(queries) == 1 else Or(queries)


def _all(parts: list[Query]) -> Query:
    """AND of parts; a part that cannot match makes the whole unmatchable (Whoosh would drop it)."""
    if any(part is NullQuery for part in parts):
        return NullQuery
    return parts[0] if len(parts) == 1 else And(parts)


def _concept_query(concept: Concept, has_term: HasTerm) -> Query:
    alternatives = []
    for group in concept.alternatives:
        if concept.phrase:
            alternatives.append(Or([Phrase(f, group) for f in FIELDS]))
        elif len(group) == 1:
            alternatives.append(_any_field(group[0], has_term))
        else:
            alternatives.append(_all([_any_field(w, has_term) for w in group]))
    return alternatives[0] if len(alternatives) == 1 else Or(alternatives)


def build(parsed: ParsedQuery, relaxed: bool = False, has_term: HasTerm = _everything) -> Query:
    """All concepts (or, relaxed, any of them) as one query; NullQuery when there is nothing to find.

    `has_term(field, word)` tells whether the index holds a word, so that no posting list is read
    for a form of the word that cannot match."""
    if parsed.empty:
        return NullQuery
    strong, weak = parsed.split()
    parts = [_concept_query(c, has_term) for c in strong]
    if relaxed:
        parts += [_concept_query(c, has_term) for c in weak]
        return (parts[0] if len(parts) == 1 else Or(parts)).normalize()
    required = _all(parts)
    if required is NullQuery or not weak:
        return required.normalize()
    optional = [_concept_query(c, has_term) for c in weak]
    return AndMaybe(required, optional[0] if len(optional) == 1 else Or(optional)).normalize()


def title_prefix_query(parsed: ParsedQuery) -> Query:
    """Titles holding every word, the last one possibly unfinished (as the user types)."""
    if parsed.empty:
        return NullQuery
    *complete, last = parsed.concepts
    parts = [_word_query(group[0], "title") if len(group) == 1 else And([Term("title", w) for w in group])
             for c in complete for group in c.alternatives[:1]]
    last_options: list[Query] = []
    for group in last.alternatives:
        if len(group) == 1:
            last_options += [_word_query(group[0], "title"), Prefix("title", group[0])]
        else:
            last_options.append(And([Term("title", w) for w in group]))
    parts.append(Or(last_options))
    return parts[0] if len(parts) == 1 else And(parts)
