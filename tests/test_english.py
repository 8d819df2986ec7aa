"""English: `?lang=` and the cookie choose the language, addresses stay the same, and the page cache never
hands a page in one language to a reader of the other; guides and policies carry optional English fields
through import and export alike; a query in English finds them; the filing errors come in English."""
from __future__ import annotations

import json

import pytest

from portal.catalog.content import ContentError, export_content, import_content
from tests.factories import bureau, guide, lines, policy, topic
from tests.forms import hidden_fields

ENGLISH_GUIDE = guide(
    title_en="Filing of a company seal", summary_en="Businesses file their new seals with the police.",
    body_en="## Notes\n\nAny registered seal maker will do.", applicants_en="New businesses",
    conditions_en="- A business licence", steps_en=["Apply", "Seal made", "Collect"],
    materials=[{"name": "营业执照", "form": "复印件", "copies": 1, "required": True, "note": "", "form_url": None,
                "name_en": "Business licence"}],
    faq=[{"q": "要钱吗？", "a": "不收费。", "q_en": "Does it cost anything?", "a_en": "No."}],
)


@pytest.fixture
def site(app, session, index):
    import_content(session, lines(bureau(), topic(), ENGLISH_GUIDE,
                                  policy(title_en="Tax relief for small businesses", summary_en="Lower taxes.")))
    session.commit()
    index.drain()
    return app


def english_page(response) -> bool:
    return response.get_data(as_text=True).startswith('<!doctype html>\n<html lang="en"')


def test_lang_sets_the_cookie_and_the_address_stays_the_same(site):
    client = site.test_client()
    first = client.get("/guides/gongzhang-kezhi?lang=en")
    assert first.status_code == 200 and english_page(first)
    assert first.headers["Set-Cookie"].startswith("lang=en;") and "HttpOnly" in first.headers["Set-Cookie"]
    page = client.get("/guides/gongzhang-kezhi")
    assert english_page(page)
    body = page.get_data(as_text=True)
    assert '<h1 lang="en">Filing of a company seal</h1>' in body
    assert '<label for="m1" lang="en">Business licence</label>' in body
    assert "Does it cost anything?" in body and "Any registered seal maker will do." in body
    assert 'href="/guides/gongzhang-kezhi?lang=zh"' in body  # the way back, on the same address
    back = client.get("/guides/gongzhang-kezhi?lang=zh")
    assert not english_page(back) and "<h1 lang=\"zh-CN\">公章刻制备案</h1>" in back.get_data(as_text=True)
    assert back.headers["Set-Cookie"].startswith("lang=zh;")


def test_a_page_without_english_fields_shows_the_chinese_with_a_note(site, session):
    import_content(session, lines(guide(slug="qita", title="其他事项")))
    session.commit()
    client = site.test_client()
    client.set_cookie("lang", "en")
    body = client.get("/guides/qita").get_data(as_text=True)
    assert '<h1 lang="zh-CN">其他事项</h1>' in body
    assert "This guide has no English version yet: the Chinese original is shown below." in body


def test_the_page_cache_never_mixes_the_languages(site):
    plain = site.test_client().get("/")
    kept = site.test_client().get("/")
    assert kept.headers["X-Page-Cache"] == "hit" and not english_page(kept)
    asked = site.test_client().get("/?lang=en")  # no cookie yet, but it sets one: drawn, never kept
    again = site.test_client().get("/?lang=en")
    assert english_page(asked) and english_page(again)
    assert "X-Page-Cache" not in asked.headers and "X-Page-Cache" not in again.headers
    reader = site.test_client()
    reader.set_cookie("lang", "en")
    with_cookie = reader.get("/")
    assert english_page(with_cookie) and "X-Page-Cache" not in with_cookie.headers
    assert not english_page(site.test_client().get("/")) and plain.status_code == 200
    other = site.test_client()
    other.set_cookie("lang", "zh")
    assert "X-Page-Cache" not in other.get("/").headers  # any cookie: drawn for the reader


def test_accept_language_is_not_followed(site):
    response = site.test_client().get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert not english_page(response)


def test_english_fields_round_trip_through_export_and_import(site, session):
    exported = [json.loads(line) for line in export_content(session)]
    line = next(row for row in exported if row["kind"] == "guide")
    assert line["title_en"] == "Filing of a company seal" and line["steps_en"] == ["Apply", "Seal made", "Collect"]
    assert line["materials"][0]["name_en"] == "Business licence" and "note_en" not in line["materials"][0]
    assert line["faq"][0] == {"q": "要钱吗？", "a": "不收费。", "q_en": "Does it cost anything?", "a_en": "No."}
    assert next(row for row in exported if row["kind"] == "policy")["title_en"] == "Tax relief for small businesses"
    import_content(session, [json.dumps(row, ensure_ascii=False) for row in exported])
    session.commit()
    assert [json.loads(line) for line in export_content(session)] == exported


def test_a_bad_english_field_rejects_the_whole_file(site, session):
    before = export_content(session)
    with pytest.raises(ContentError) as refused:
        import_content(session, lines(guide(slug="another", title="另一个"), guide(steps_en="not a list")))
    assert "steps_en" in str(refused.value.errors)
    session.rollback()
    assert export_content(session) == before


@pytest.mark.parametrize("query", ["company seal", "SEALS", "business licences"])
def test_an_english_query_finds_the_english_fields(site, query):
    found = site.test_client().get("/api/v1/search", query_string={"q": query}).get_json()
    assert [r["slug"] for r in found["results"]] == ["gongzhang-kezhi"]


def test_the_english_results_page_shows_the_english_title(site):
    client = site.test_client()
    client.set_cookie("lang", "en")
    body = client.get("/search?q=tax+relief").get_data(as_text=True)
    assert '<a href="/policies/liudi-tuishui" lang="en">Tax relief for small businesses</a>' in body


def test_filing_errors_in_english(site):
    client = site.test_client()
    client.set_cookie("lang", "en")
    fields = hidden_fields(client, "/tickets/new", "csrf_token", "nonce")
    response = client.post("/tickets/new", data={**fields, "type": "x", "subject": "a", "description": "short",
                                                 "phone": "1"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    for message in ("Choose the type of request: question, help, complaint or suggestion.",
                    "The subject must have 4 to 100 characters.",
                    "Describe the request in at least 10 characters.",
                    "Give an 11-digit mobile number or a landline with its area code (e.g. 0943-3212345).",
                    "Read and agree to the use of your personal data before sending."):
        assert message in body

