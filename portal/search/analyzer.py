"""Chinese text analysis for the index and for queries, on rjieba (jieba's dictionary, in Rust).

Measured here (shared/search-notes.md): rjieba gives jieba's tokens on 100% of 2,000 documents,
segments about 30 times faster and takes 43 MB instead of about 180 MB, which matters with several
gunicorn workers. The index schema pickles this module's path: moving the analyzer means a rebuild.

Each text is segmented twice: precisely (default mode), which numbers the positions, and in search
mode, whose shorter sub-words (不动产登记证 → 不动产, 登记证, 动产 …) share the position of the word
they are part of. Phrases therefore match word by word, and a query word still finds a document
that happened to segment it as part of a longer word.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from pathlib import Path

import rjieba
from whoosh.analysis import Composable, Token, Tokenizer

from portal.search import lexicon

WORDS_FILE = Path(__file__).resolve().parent / "words.txt"

# Function words that carry no meaning in this domain's documents.
STOP_WORDS = frozenset("的 了 和 与 及 或 等 是 在 为 对 将 由 之 其 以 于 也 而 并 把 被 个 这 那 中".split())
_MEANINGFUL = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _load_dictionary() -> None:
    """Teach the segmenter the domain's words (用电报装 stays whole instead of 用/电报/装) and the base
    lexicon's everyday words, so that a query keeps them whole (招不到人, 房产证) and finds their entry."""
    if WORDS_FILE.exists():
        for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
            word = line.strip()
            if word and not word.startswith("#"):
                rjieba.add_word(word, None, None)
    for word in lexicon.ENTRIES:
        rjieba.add_word(word, None, None)


_load_dictionary()


# Full-width letters, digits and signs to their ASCII forms, ASCII letters to lower case, control
# characters to spaces: one character for one, so offsets into the stored text stay valid.
_FOLD = {0xFF01 + i: chr(0x21 + i).lower() for i in range(0x5E)}
_FOLD.update({ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
_FOLD[0x3000] = " "
_FOLD.update({i: " " for i in [*range(0x20), 0x7F]})


def fold(text: str) -> str:
    """Width and case folded, the same length as `text`."""
    return text.translate(_FOLD)


def normalize(text: str) -> str:
    """Full-width letters and digits to half-width, control characters to spaces."""
    return _CONTROL.sub(" ", unicodedata.normalize("NFKC", text))


def _keep(word: str) -> bool:
    return bool(_MEANINGFUL.search(word)) and word not in STOP_WORDS


def segment(text: str) -> list[tuple[str, int, int, int]]:
    """(word, position, start, end) for every precise word and search-mode sub-word worth indexing."""
    text = fold(text)  # keeps the length, so offsets point into the stored text
    words = [(w, s, e) for w, s, e in rjieba.tokenize(text) if w.strip()]
    starts = [s for _, s, _ in words]
    out = []
    for word, start, end in rjieba.tokenize(text, mode="search"):
        if not _keep(word):
            continue
        position = max(bisect.bisect_right(starts, start) - 1, 0)
        out.append((word, position, start, end))
    return out


def words(text: str) -> list[str]:
    """The precise words of a query fragment, in order, without punctuation or function words."""
    return [w for w, kept in tokens(text) if kept]


def tokens(text: str) -> list[tuple[str, bool]]:
    """Every precise word of a query fragment, in order, and whether it is worth searching (not
    punctuation, not a function word)."""
    return [(w.lower(), _keep(w)) for w in rjieba.cut(normalize(text)) if w.strip()]


class ChineseTokenizer(Tokenizer):
    """A Whoosh tokenizer over `segment()`."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for word, position, start, end in segment(value):
            token.text = word
            token.boost = 1.0
            if keeporiginal:
                token.original = word
            token.stopped = False
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def ChineseAnalyzer() -> Composable:  # noqa: N802 (Whoosh's analyzers are named like classes)
    """The analyzer every text field of the index uses."""
    return ChineseTokenizer()
