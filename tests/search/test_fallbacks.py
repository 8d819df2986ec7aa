"""Search is never empty when the words are there: a word's parts apart, sentence-like queries,
typed pinyin, homophones and near misses, and the base lexicon on content with no synonym line."""
from __future__ import annotations

from portal.catalog.content import import_content
from portal.search.query import parse
from tests import factories as f
from tests.search.test_search import api, slugs


def load(session, index, *guides: dict) -> None:
    """A bureau, a topic and the given guides, indexed; no synonym line."""
    import_content(session, f.lines(f.bureau(), f.topic(), *guides))
    session.commit()
    index.drain()


def guide(slug: str, title: str, body: str) -> dict:
    return f.guide(slug=slug, title=title, summary="", body=body, code=None, applicants="", conditions="",
                   materials=[], steps=[], faq=[], legal_basis="", fee="")


def test_a_dictionary_word_finds_a_document_holding_its_parts_apart(session, index, client):
    # issue 12, item 9: 用电报装 is one word of words.txt; the document says 用电、用气报装
    load(session, index, guide("shuidian-lianban", "水电联办", "新建厂房的用电、用气报装一次申请，限时办结。"))
    assert slugs(api(client, q="用电报装")) == ["shuidian-lianban"]


def test_the_parts_fallback_keeps_the_words_order_of_importance(session, index, client):
    load(session, index,
         guide("shuidian-lianban", "水电联办", "新建厂房的用电、用气报装一次申请，限时办结。"),
         guide("tongxin", "通信报装", "宽带报装，三个工作日内开通。"))
    assert slugs(api(client, q="用电报装")) == ["shuidian-lianban"]  # 报装 alone is not enough


def test_a_sentence_like_query_drops_its_question_and_function_words():
    labels = [c.label for c in parse("注销公司要多久").concepts]
    assert labels == ["注销公司"]  # 要, 多久 dropped; 注销公司 a word of the base lexicon
    assert [c.label for c in parse("年报忘了报怎么办").concepts] == ["年报", "忘", "报"]
    assert [c.label for c in parse("招标公告在哪里看").concepts] == ["招标公告"]


def test_a_sentence_like_query_ranks_documents_by_the_words_that_match(session, index, client):
    load(session, index,
         guide("jianyi-zhuxiao", "企业简易注销", "公司注销可以走简易注销，公示期20天，办结时限3个工作日。"),
         guide("gongsi-biangeng", "公司变更登记", "公司变更法定代表人、住所等事项的登记。"),
         guide("diya-bandian", "低压用电报装", "小微企业低压用电报装，办结时限3个工作日。"))
    assert slugs(api(client, q="注销公司要多久"))[0] == "jianyi-zhuxiao"
    body = api(client, q="公司 住所 宇宙飞船")  # no document has every word
    assert slugs(body) == ["gongsi-biangeng", "jianyi-zhuxiao"]  # 公司 and 住所 before 公司 alone


def test_full_pinyin_and_initials_find_their_term_first(session, index, client):
    load(session, index,
         guide("qykb", "企业开办一窗通办", "企业开办全程网办，一个工作日办结。"),
         guide("qiye-biangeng", "企业变更登记", "企业变更经营范围，企业可以网上申请。"),
         guide("budongchan", "不动产登记", "不动产首次登记和转移登记。"))
    for typed in ("qiye kaiban", "qiyekaiban", "QiYe KaiBan", "qykb"):
        body = api(client, q=typed)
        assert slugs(body)[0] == "qykb", typed
    assert slugs(api(client, q="budongchan dengji"))[0] == "budongchan"
    page = client.get("/search", query_string={"q": "qykb"}).get_data(as_text=True)
    assert "您是不是要找" in page and "企业开办" in page


def test_a_mistyped_homophone_is_corrected(session, index, client):
    load(session, index,
         guide("yingye-zhizhao", "营业执照办理", "申领营业执照，电子营业执照同步发放。"),
         guide("zhaotoubiao", "招投标服务", "招投标全流程电子化。"),
         guide("dianzi-zhengzhao", "电子证照", "证照电子化，营业场所证明可免交。"))
    assert slugs(api(client, q="营业执招"))[0] == "yingye-zhizhao"
    assert slugs(api(client, q="招头标"))[0] == "zhaotoubiao"
    page = client.get("/search", query_string={"q": "营业执招"}).get_data(as_text=True)
    assert "您是不是要找" in page and "营业执照" in page


def test_no_match_at_all_falls_back_to_the_closest_word(session, index, client):
    load(session, index, guide("budongchan", "不动产登记", "不动产首次登记和转移登记。"))
    body = api(client, q="不动产登录")  # 录 is neither the word nor a homophone: one character off
    assert slugs(body) == ["budongchan"]
    page = client.get("/search", query_string={"q": "不动产登录"}).get_data(as_text=True)
    assert "您是不是要找" in page and "不动产登记" in page


def test_words_that_match_nothing_and_resemble_nothing_still_find_nothing(session, index, client):
    load(session, index, guide("budongchan", "不动产登记", "不动产首次登记和转移登记。"))
    assert api(client, q="宇宙飞船")["total"] == 0
    assert api(client, q="xyzzy")["total"] == 0


def test_the_base_lexicon_works_on_content_without_synonym_lines(session, index, client):
    load(session, index,
         guide("qykb", "企业开办", "企业登记、公章刻制、申领发票一次办结。"),
         guide("diya-bandian", "低压用电报装", "小微企业用电报装。"))
    assert slugs(api(client, q="开公司"))[0] == "qykb"
    assert slugs(api(client, q="装电表"))[0] == "diya-bandian"
    assert slugs(api(client, q="刻章"))[0] == "qykb"


def test_a_content_synonym_wins_over_the_base_lexicon(session, index, client):
    load(session, index,
         guide("qykb", "企业开办", "企业登记一次办结。"),
         guide("diya-bandian", "低压用电报装", "小微企业用电报装。"))
    import_content(session, f.lines({"kind": "synonym", "term": "开公司", "means": ["用电报装"]}))
    session.commit()
    index.drain()
    assert slugs(api(client, q="开公司")) == ["diya-bandian"]
