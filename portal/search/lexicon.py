"""The base lexicon shipped with the analyzer: the everyday words businesses use, mapped to the terms a
county's guides and policies use (portal/search/lexicon.txt says where each group comes from).

It applies to any content, with no synonym line; the content's own synonym table adds to it and wins
where both name the same term (`merged`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

LEXICON_FILE = Path(__file__).resolve().parent / "lexicon.txt"
_ENTRY = re.compile(r"(\S+) = (\S.*)")


@dataclass(frozen=True)
class Group:
    name: str
    source: str
    terms: tuple[str, ...]


class LexiconError(ValueError):
    """The shipped lexicon file is malformed (a test holds it; the analyzer would not start)."""


def read(path: Path = LEXICON_FILE) -> tuple[dict[str, list[str]], list[Group]]:
    """Entries (term → official terms) and groups with their sources, checked line by line."""
    entries: dict[str, list[str]] = {}
    groups: list[Group] = []
    name, source, terms = "", "", []

    def close() -> None:
        if name:
            if not source:
                raise LexiconError(f"group {name} has no 来源 line")
            groups.append(Group(name, source, tuple(terms)))

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if line.startswith("## "):
            close()
            name, source, terms = line[3:].strip(), "", []
        elif line.startswith("# 来源："):
            source = line[len("# 来源："):].strip()
        elif not line or line.startswith("#"):
            continue
        else:
            match = _ENTRY.fullmatch(line)
            if not match or not name:
                raise LexiconError(f"line {number}: expected `term = official terms` inside a group: {line!r}")
            term, means = match.group(1), [m for m in match.group(2).split() if m != match.group(1)]
            if term in entries:
                raise LexiconError(f"line {number}: {term} is already an entry")
            if not means:
                raise LexiconError(f"line {number}: {term} maps to nothing but itself")
            entries[term] = means
            terms.append(term)
    close()
    return entries, groups


ENTRIES, GROUPS = read()


def merged(content: dict[str, list[str]]) -> dict[str, list[str]]:
    """The base lexicon with the content's synonyms added; a content synonym wins for its term."""
    return {**ENTRIES, **content}
