"""The base lexicon is a data file of a few hundred entries, each group saying where it comes from."""
from __future__ import annotations

from portal.search import lexicon

SOURCES = ("[方案]", "[目录]", "[法规]", "[常用]")


def test_the_lexicon_has_a_few_hundred_entries_in_groups_with_named_sources():
    assert len(lexicon.ENTRIES) >= 300
    assert len(lexicon.GROUPS) >= 18  # at least one per key indicator's subject, roughly
    for group in lexicon.GROUPS:
        assert group.terms, group.name
        assert any(source in group.source for source in SOURCES), group.name
    assert sum(len(g.terms) for g in lexicon.GROUPS) == len(lexicon.ENTRIES)


def test_every_entry_maps_an_everyday_word_to_other_words():
    for term, means in lexicon.ENTRIES.items():
        assert means and term not in means, term
        assert all(m.strip() == m and m for m in means), term


def test_a_malformed_lexicon_is_refused(tmp_path):
    bad = tmp_path / "lexicon.txt"
    for text, message in (("开公司 = 企业开办\n", "inside a group"),
                          ("## 组\n开公司 = 企业开办\n", "no 来源"),
                          ("## 组\n# 来源：[常用]\n开公司 = 开公司\n", "nothing but itself"),
                          ("## 组\n# 来源：[常用]\n开公司 = 企业开办\n开公司 = 企业登记\n", "already")):
        bad.write_text(text, encoding="utf-8")
        try:
            lexicon.read(bad)
        except lexicon.LexiconError as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"accepted: {text!r}")


def test_content_synonyms_add_to_the_lexicon_and_win_for_their_terms():
    merged = lexicon.merged({"开公司": ["用电报装"], "盖个章": ["公章刻制"]})
    assert merged["开公司"] == ["用电报装"] and merged["盖个章"] == ["公章刻制"]
    assert merged["刻章"] == lexicon.ENTRIES["刻章"]


def test_a_word_the_content_uses_often_is_searched_as_typed_unless_a_content_synonym_names_it():
    from portal.search.query import parse, without_needless_expansions

    parsed = parse("贷款", lexicon.merged({}))
    assert len(parsed.concepts[0].alternatives) > 1  # 贷款 → 融资, 信贷 in the base lexicon
    assert without_needless_expansions(parsed, lambda word: True, set()).concepts[0].alternatives == [["贷款"]]
    assert without_needless_expansions(parsed, lambda word: False, set()).concepts == parsed.concepts
    own = parse("贷款", lexicon.merged({"贷款": ["信贷"]}))
    assert without_needless_expansions(own, lambda word: True, {"贷款"}).concepts[0].alternatives == [["贷款"], ["信贷"]]
