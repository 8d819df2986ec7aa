"""Public pages a new user reads: a section's heading is not repeated by the text under it, the
performance page can be found, and a topic without guides shows where to go instead."""
from __future__ import annotations

import re

from portal.catalog.content import import_content
from tests import factories as f


def headings(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", page, re.S)]


def test_a_guides_notes_and_a_policys_interpretation_are_headed_once(client, session):
    import_content(session, f.lines(
        f.bureau(), f.topic(),
        f.guide(body="## 办理说明\n\n公章刻制已改为备案管理。\n\n## 注意事项\n\n带齐原件。"),
        f.guide(slug="zhizhao", title="营业执照", body="**办理说明**\n\n全程网办。"),
        f.policy(interpretation="## 政策解读\n\n留抵退税加大力度。\n\n### 谁能享受\n\n小微企业。")))
    session.commit()
    guide = client.get("/guides/gongzhang-kezhi").get_data(as_text=True)
    assert headings(guide).count("办理说明") == 1 and "注意事项" in headings(guide)
    assert "公章刻制已改为备案管理" in guide
    other = client.get("/guides/zhizhao").get_data(as_text=True)
    notes = re.search(r'<section id="notes">(.*?)</section>', other, re.S).group(1)
    assert notes.count("办理说明") == 1 and "全程网办" in notes
    policy = client.get("/policies/liudi-tuishui").get_data(as_text=True)
    assert headings(policy).count("政策解读") == 1 and "谁能享受" in headings(policy)


def test_the_demo_plan_and_guides_head_each_section_once(demo_client):
    assert headings(demo_client.get("/guides/qykb-yichuang").get_data(as_text=True)).count("办理说明") == 1
    assert headings(demo_client.get("/guides/bdc-shouci-dengji").get_data(as_text=True)).count("办理说明") == 1
    plan = demo_client.get("/policies/huining-yshj-2022").get_data(as_text=True)
    assert headings(plan).count("政策解读") == 1


def test_the_performance_page_is_linked_from_the_footer_and_the_home_page(demo_client):
    for url in ("/", "/guides", "/topics", "/tickets/track"):
        page = demo_client.get(url).get_data(as_text=True)
        footer = re.search(r'<footer class="site-footer">.*?</footer>', page, re.S).group(0)
        assert 'href="/performance"' in footer, url
    home = demo_client.get("/").get_data(as_text=True)
    main = re.search(r"<main.*?</main>", home, re.S).group(0)
    assert 'href="/performance"' in main


def test_a_topic_tile_without_guides_offers_a_request_and_the_topics_policies(demo_client):
    home = demo_client.get("/").get_data(as_text=True)
    tiles = re.findall(r'<li class="tile[^"]*"[^>]*>.*?</li>', home, re.S)
    empty = [t for t in tiles if "暂无办事指南" in t]
    assert len(empty) == 3 and not any("0 项指南" in t for t in tiles)
    codes = set()
    for tile in empty:
        code = re.search(r'href="/topics/([a-z0-9-]+)#policies"', tile).group(1)
        assert f'href="/tickets/new?topic={code}"' in tile, tile
        codes.add(code)
    assert codes == {"bhzxtzz", "cxscjg", "brphcx"}
    topic = demo_client.get("/topics/bhzxtzz").get_data(as_text=True)
    assert 'id="policies"' in topic
