"""Turning what a business types into a Whoosh query. Nothing here raises on any input.

Whoosh's own query parser is not used: its syntax (AND, OR, field:, wildcards, brackets) means
nothing to a business and every unbalanced bracket would be an error. Instead the text is split
into quoted phrases and words; each word becomes a concept that may be found in the title,
document number or body, as itself or as its parts; an everyday word from the base lexicon or
the synonym table (开公司) also accepts the catalog's terms (企业开办). Concepts are ANDed; the caller
falls back, when nothing matches, to each word's parts, then to OR ranked by how many concepts a
document holds, and before any of that respells the words the index does not hold (`respell`):
typed pinyin, homophones, and at last the closest word.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh.query import And, AndMaybe, NullQuery, Or, Phrase, Prefix, Query, Term

from portal.search.analyzer import normalize, tokens, words
from portal.search.pinyin import HAN, Vocabulary, letters_of

FIELDS = ("title", "code", "body")
MAX_QUERY_CHARS = 100
MAX_CONCEPTS = 12
# Words that say how, not what ("怎么办理", "需要什么材料"): dropped when the query has other words.
# Question words and the words around them ("在哪看", "找谁", "能不能", "要多久") are dropped as well:
# a sentence-like query then ranks by the words that say what it is about.
FILLER = frozenset(
    "怎么 怎样 如何 什么 哪里 哪儿 哪些 哪个 多久 几天 多少 需要 要 想 能 能否 可以 是否 请问 一下 吗 呢 啊 吧 "
    "我 我们 你 您 办 办理 申请 手续 流程 问题 咨询 怎么办 开通 领 交 弄 搞 找 去 跑 and or not "
    "在哪 在哪里 在哪儿 去哪 去哪里 去哪儿 哪 哪家 谁 找谁 找哪个 哪个部门 看 查 能不能 可不可以 会不会 有没有 是不是 "
    "有 没有 为什么 为啥 咋 咋办 啥 怎么回事 多长时间 时间 多长 几个 几 一直 总是 太 很 还 都 就 又 老 了 "
    "该 应该 得 必须 想要 想问 问 问下 请 帮 帮忙 一下子 现在 今年 自己 别人 我的 我家 我司 本人 "
    "么 嘛 呀 哦 哈 喔".split()
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
    """Words of a typed fragment; a run of lone characters (不/动, cut from 不动产) is kept together,
    unless a function word or a sign stands between them (忘了报 is 忘, 报)."""
    merged: list[str] = []
    run = ""
    for word, kept in tokens(fragment):
        if kept and len(word) == 1 and "\u3400" <= word <= "\u9fff" and word not in FILLER:
            run += word
            continue
        if not kept:
            if run:
                merged.append(run)
                run = ""
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


def without_needless_expansions(parsed: ParsedQuery, common: Callable[[str], bool], keep: set[str]) -> ParsedQuery:
    """The query with the base lexicon's alternatives dropped from each concept whose own words are
    `common` in the index: the content already speaks the business's word, and expanding a frequent
    word into frequent official terms costs time for little. Concepts named in `keep` (the content's
    own synonyms) always keep theirs."""
    concepts = []
    for concept in parsed.concepts:
        own = concept.alternatives[0] if concept.alternatives else []
        if (len(concept.alternatives) > 1 and not concept.phrase and concept.label not in keep
                and own and all(common(word) for word in own)):
            concept = Concept(concept.label, [own], concept.phrase)
        concepts.append(concept)
    return ParsedQuery(parsed.text, concepts, parsed.truncated)


HasTerm = Callable[[str, str], bool]


def _everything(_fieldname: str, _word: str) -> bool:
    return True


def split(word: str, present: Callable[[str], bool]) -> list[str] | None:
    """`word` as two or three consecutive parts that are each `present` (用电报装 → 用电, 报装), the
    split with the fewest one-character parts, then the fewest parts; None when there is none."""
    n = len(word)
    if n < 3 or n > 12:
        return None
    splits = [[word[:i], word[i:]] for i in range(1, n)]
    splits += [[word[:i], word[i:j], word[j:]] for i in range(1, n - 1) for j in range(i + 1, n)]
    splits.sort(key=lambda parts: (sum(len(p) == 1 for p in parts), len(parts), -len(parts[0])))
    for parts in splits:
        if sum(len(p) == 1 for p in parts) < len(parts) and all(present(p) for p in parts):
            return parts
    return None


def _word_query(word: str, fieldname: str, has_term: HasTerm = _everything, parts: bool = False) -> Query | None:
    """A word in a field, as itself or, if the index never holds it whole, as its parts (a compound
    segmented differently in the documents). With `parts`, a document holding the parts apart
    (用电、用气报装 for 用电报装) matches too, below one holding the word. None when the field cannot match."""
    whole = Term(fieldname, word) if has_term(fieldname, word) else None
    if whole is not None and not parts:
        return whole
    pieces = split(word, lambda p: has_term(fieldname, p))
    apart = And([Term(fieldname, p, boost=0.5) for p in pieces]) if pieces else None
    if whole is not None and apart is not None:
        return Or([whole, apart])
    return whole or apart


def _any_field(word: str, has_term: HasTerm, parts: bool = False) -> Query:
    queries = [q for q in (_word_query(word, f, has_term, parts) for f in FIELDS) if q is not None]
    if not queries:
        return NullQuery
    return queries[0] if len(queries) == 1 else Or(queries)


def _all(parts: list[Query]) -> Query:
    """AND of parts; a part that cannot match makes the whole unmatchable (Whoosh would drop it)."""
    if any(part is NullQuery for part in parts):
        return NullQuery
    return parts[0] if len(parts) == 1 else And(parts)


def concept_query(concept: Concept, has_term: HasTerm = _everything, parts: bool = False) -> Query:
    """One concept: any of its alternatives, each with all of its words; NullQuery if none can match."""
    alternatives = []
    for group in concept.alternatives:
        if concept.phrase:
            alternatives.append(Or([Phrase(f, group) for f in FIELDS]))
        elif len(group) == 1:
            alternatives.append(_any_field(group[0], has_term, parts))
        else:
            alternatives.append(_all([_any_field(w, has_term, parts) for w in group]))
    alternatives = [a for a in alternatives if a is not NullQuery]
    if not alternatives:
        return NullQuery
    return alternatives[0] if len(alternatives) == 1 else Or(alternatives)


def build(parsed: ParsedQuery, relaxed: bool = False, has_term: HasTerm = _everything, parts: bool = False) -> Query:
    """All concepts (or, relaxed, any of them) as one query; NullQuery when there is nothing to find.

    `has_term(field, word)` tells whether the index holds a word, so that no posting list is read
    for a form of the word that cannot match; `parts` lets a word match as its parts apart too."""
    if parsed.empty:
        return NullQuery
    strong, weak = parsed.split()
    required_parts = [concept_query(c, has_term, parts) for c in strong]
    if relaxed:
        anything = [q for q in required_parts + [concept_query(c, has_term, parts) for c in weak] if q is not NullQuery]
        if not anything:
            return NullQuery
        return (anything[0] if len(anything) == 1 else Or(anything)).normalize()
    required = _all(required_parts)
    if required is NullQuery or not weak:
        return required.normalize()
    optional = [q for q in (concept_query(c, has_term, parts) for c in weak) if q is not NullQuery]
    if not optional:
        return required.normalize()
    return AndMaybe(required, optional[0] if len(optional) == 1 else Or(optional)).normalize()


def respell(parsed: ParsedQuery, vocabulary: Callable[[], Vocabulary], has_term: HasTerm,
            closest: bool = False) -> str | None:
    """The query with the words the index cannot match respelled, or None if nothing changed.

    Adjacent unmatched words are respelled together: typed pinyin as the vocabulary's words
    (qiye kaiban, qykb → 企业开办), Chinese as the fewest known words, each itself or a homophone
    (营业执招 → 营业执照, 招头标 → 招投标). With `closest`, a word that is still unmatched becomes the
    most frequent word one character away, taken with its neighbours (不动产 登录 → 不动产登记)."""
    if parsed.empty or any(c.phrase for c in parsed.concepts):
        return None
    unknown = [not c.phrase and concept_query(c, has_term) is NullQuery for c in parsed.concepts]
    if not any(unknown):
        return None
    known = vocabulary()
    out: list[str] = []
    changed = False
    i = 0
    concepts = parsed.concepts
    labels = [c.label for c in concepts]
    while i < len(concepts):
        if not unknown[i]:
            out.append(labels[i])
            i += 1
            continue
        j = i
        while j < len(concepts) and unknown[j] and _same_script(labels[i], labels[j]):
            j += 1
        run = "".join(labels[i:j])
        fixed = None
        if HAN.fullmatch(run):
            fixed = known.respell(run)
            if fixed is None and closest:
                fixed, used_left, used_right = _closest(known, run, labels, i, j)
                if fixed is not None:
                    if used_left:
                        out.pop()
                    j += used_right
        elif run.isascii() and run.isalpha():
            fixed = known.from_letters(letters_of(run)) or None
        if fixed:
            out.extend(fixed)
            changed = True
        else:
            out.extend(labels[i:j])
        i = j
    if not changed:
        return None
    text = out[0]
    for previous, word in zip(out, out[1:]):
        text += ("" if HAN.fullmatch(previous) and HAN.fullmatch(word) else " ") + word
    return text


def _closest(known: Vocabulary, run: str, labels: list[str], i: int, j: int) -> tuple[list[str] | None, bool, bool]:
    """The closest known word to an unmatched run, taken with the Chinese words beside it when that
    is what comes close (不动产 登录 → 不动产登记); whether the left and right neighbours were used."""
    left = labels[i - 1] if i > 0 and HAN.fullmatch(labels[i - 1]) else ""
    right = labels[j] if j < len(labels) and HAN.fullmatch(labels[j]) else ""
    for use_left, use_right in ((True, True), (True, False), (False, True), (False, False)):
        if (use_left and not left) or (use_right and not right):
            continue
        near = known.closest((left if use_left else "") + run + (right if use_right else ""))
        if near:
            return [near], use_left, use_right
    return None, False, False


def _same_script(a: str, b: str) -> bool:
    return bool(HAN.fullmatch(a)) == bool(HAN.fullmatch(b))


def title_prefix_query(parsed: ParsedQuery) -> Query:
    """Titles holding every word, the last one possibly unfinished (as the user types)."""
    if parsed.empty:
        return NullQuery
    *complete, last = parsed.concepts
    parts = [_word_query(group[0], "title") if len(group) == 1 else And([Term("title", w) for w in group])
             for c in complete for group in c.alternatives[:1]]
    parts = [p for p in parts if p is not None]
    last_options: list[Query] = []
    for group in last.alternatives:
        if len(group) == 1:
            last_options += [_word_query(group[0], "title"), Prefix("title", group[0])]
        else:
            last_options.append(And([Term("title", w) for w in group]))
    parts.append(Or(last_options))
    return parts[0] if len(parts) == 1 else And(parts)
