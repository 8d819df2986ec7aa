"""Parsing and searching never raise, whatever string comes in: 3,000 random ones, seeded."""
from __future__ import annotations

import random

from portal.clock import today
from portal.search.query import build, parse, title_prefix_query
from portal.search.service import SearchRequest, search, suggest

ALPHABET = (
    "企业开办用电报装不动产登记纳税申报公章刻制的了吗怎么办" "\"“”「」()（）[]{}<>*?~^:+-!&|/\\'%_,.;，。；：、"
    "ANDORNOTandornot title body 0123456789 \x00\x01\t\n\u3000\u202e😀𠀀é"
)


def random_queries(n: int, seed: int = 20261126):
    rng = random.Random(seed)
    for _ in range(n):
        length = rng.choice([0, 1, 2, 3, 5, 8, 13, 40, 150, 600])
        yield "".join(rng.choice(ALPHABET) for _ in range(length))


def test_random_strings_parse_and_build_without_error():
    synonyms = {"开公司": ["企业开办"], "办电": ["用电报装"], "公司": ["企业"]}
    for text in random_queries(3000):
        parsed = parse(text, synonyms)
        build(parsed)
        build(parsed, relaxed=True)
        title_prefix_query(parsed)
        assert len(parsed.text) <= 100


def test_random_strings_search_the_demo_index_without_error(demo_app):
    snapshot = demo_app.extensions["search"].snapshot()
    for text in random_queries(400, seed=7):
        response = search(snapshot, SearchRequest(q=text, per_page=5), today())
        assert response.total >= len(response.hits)
        suggest(snapshot, text)
