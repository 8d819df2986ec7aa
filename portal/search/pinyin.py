"""Pinyin and near-miss lookups over the words an index holds: `qiye kaiban` and `qykb` → 企业开办,
a homophone typed by a pinyin keyboard (营业执招) → 营业执照, and, when nothing matches at all, the
closest word by edit distance.

Readings come from `pypinyin`'s table of single characters (maintained, MIT, the reading table
most Chinese projects use; xpinyin's is older and has no heteronyms). Its phrase table (about 40 MB)
is not loaded: a word is matched under every reading of its characters (银行 is found as yinhang
and yinxing), which is what a typo needs anyway, and the character table alone costs 13 MB, shared
by gunicorn's workers when loaded before fork.
"""
from __future__ import annotations

import itertools
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")  # read by pypinyin at import: the phrase table is not needed
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")  # nor a second copy of the character table
from pypinyin.pinyin_dict import pinyin_dict  # noqa: E402

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
LETTERS = re.compile(r"[a-z]+")
MAX_READINGS = 8  # reading combinations kept per word (heteronyms multiply)
MAX_TERM_CHARS = 8
# Near-homophones a pinyin keyboard or a dialect confuses: retroflex and flat initials, n/l, front and
# back nasals, f/h.
_FUZZY = [(re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"^n"), "l"), (re.compile(r"^h(?=u)"), "f"),
          (re.compile(r"(?<=[aei])ng$"), "n"), (re.compile(r"(?<=i)ng$"), "n")]


def _toneless(reading: str) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
    return stripped.replace("ü", "v")


@lru_cache(maxsize=8192)
def readings(char: str) -> tuple[str, ...]:
    """The toneless readings of one character (行 → xing, hang, heng); () for anything not Chinese."""
    raw = pinyin_dict.get(ord(char))
    if not raw:
        return ()
    seen: dict[str, None] = {}
    for reading in raw.split(","):
        seen.setdefault(_toneless(reading).replace("v", "u"), None)
    return tuple(seen)


def fuzzy(syllable: str) -> str:
    for pattern, replacement in _FUZZY:
        syllable = pattern.sub(replacement, syllable)
    return syllable


def spellings(word: str) -> list[tuple[str, ...]]:
    """Syllable sequences of a Chinese word under its characters' readings (at most MAX_READINGS)."""
    options = [readings(c) for c in word]
    if not word or any(not o for o in options):
        return []
    return list(itertools.islice(itertools.product(*options), MAX_READINGS))


def letters_of(text: str) -> str:
    """What was typed as pinyin, lower case, spaces and apostrophes removed (lv and lü as lu)."""
    return "".join(LETTERS.findall(text.lower().replace("ü", "u").replace("v", "u")))


@dataclass
class Vocabulary:
    """The Chinese words an index holds (and the base lexicon's everyday words), keyed by full pinyin,
    fuzzy pinyin and initials; each key keeps its most frequent word. Built once per index snapshot,
    when a query first needs it."""

    weight: dict[str, int] = field(default_factory=dict)
    full: dict[str, str] = field(default_factory=dict)
    near: dict[str, str] = field(default_factory=dict)
    initials: dict[str, str] = field(default_factory=dict)
    by_length: dict[int, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, words: Iterable[tuple[str, int]]) -> Vocabulary:
        vocabulary = cls()
        for word, weight in words:
            if 0 < len(word) <= MAX_TERM_CHARS and HAN.fullmatch(word):
                vocabulary.weight[word] = max(weight, vocabulary.weight.get(word, 0))
        for word in sorted(vocabulary.weight, key=lambda w: (-vocabulary.weight[w], w)):  # most frequent first
            for syllables in spellings(word):
                vocabulary.full.setdefault("".join(syllables), word)
                vocabulary.near.setdefault("".join(fuzzy(s) for s in syllables), word)
                if 1 < len(word):
                    vocabulary.initials.setdefault("".join(s[0] for s in syllables), word)
            if 1 < len(word):
                vocabulary.by_length.setdefault(len(word), []).append(word)
        return vocabulary

    def __contains__(self, word: str) -> bool:
        return word in self.weight

    def from_letters(self, letters: str) -> list[str]:
        """Typed pinyin as words of the vocabulary: the fewest words whose full pinyin spells it
        (zhishichanquan → 知识产权; qiyekaiban → 企业开办), else the initials of one word (qykb).
        [] when it spells nothing known."""
        if not letters or len(letters) > 60:
            return []
        best: list[tuple[int, int, list[str]] | None] = [None] * (len(letters) + 1)
        best[0] = (0, 0, [])
        for start in range(len(letters)):
            if best[start] is None:
                continue
            cost, weight, words = best[start]
            for end in range(start + 1, min(len(letters), start + 6 * MAX_TERM_CHARS) + 1):
                word = self.full.get(letters[start:end])
                if word is None:
                    continue
                candidate = (cost + (1 if len(word) > 1 else 3), weight - self.weight[word], words + [word])
                if best[end] is None or candidate[:2] < best[end][:2]:
                    best[end] = candidate
        found = best[len(letters)]
        if found is not None and any(len(w) > 1 for w in found[2]):
            return found[2]
        word = self.initials.get(letters) if 1 < len(letters) <= MAX_TERM_CHARS else None
        if word:
            return [word]
        return found[2] if found is not None else []

    def homophone(self, word: str) -> str | None:
        """A word of the vocabulary said like `word` (营业执招 → 营业执照; 高薪 → 高新), or None."""
        for syllables in spellings(word):
            for table, key in ((self.full, "".join(syllables)), (self.near, "".join(fuzzy(s) for s in syllables))):
                found = table.get(key)
                if found and found != word and len(found) == len(word):
                    return found
        return None

    def respell(self, text: str) -> list[str] | None:
        """A run of Chinese characters the index does not hold, as the fewest words it does hold, each
        itself or a homophone (代款难 → 贷款 难); None when no part of it could be respelled."""
        n = len(text)
        if n < 2 or n > 4 * MAX_TERM_CHARS:
            return None
        best: list[tuple[int, list[str]] | None] = [None] * (n + 1)
        best[0] = (0, [])
        for start in range(n):
            if best[start] is None:
                continue
            cost, words = best[start]
            for end in range(start + 1, min(n, start + MAX_TERM_CHARS) + 1):
                piece = text[start:end]
                if len(piece) == 1:
                    option, step = piece, 2
                elif piece in self:
                    option, step = piece, 1
                else:
                    option, step = self.homophone(piece), 1
                if option is None:
                    continue
                candidate = (cost + step, words + [option])
                if best[end] is None or candidate[0] < best[end][0]:
                    best[end] = candidate
        found = best[n]
        if found is None or "".join(found[1]) == text:
            return None
        return found[1]

    def closest(self, word: str) -> str | None:
        """The most frequent word of the vocabulary one character away from `word` (a wrong, missing or
        extra character), for a word of at least three characters; None if there is none."""
        if len(word) < 3:
            return None
        candidates: list[str] = []
        for length in (len(word), len(word) - 1, len(word) + 1):
            for other in self.by_length.get(length, ()):
                if _one_apart(word, other):
                    candidates.append(other)
        return max(candidates, key=lambda w: (self.weight[w], w)) if candidates else None


def _one_apart(a: str, b: str) -> bool:
    """Whether one substitution, insertion or deletion turns a into b."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    if len(a) < len(b):
        a, b = b, a
    if len(a) - len(b) != 1:
        return False
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), len(b))
    return a[i + 1:] == b[i:]
