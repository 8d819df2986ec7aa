"""Markdown from bureaus is rendered, and anything that could run in a reader's browser is removed."""
from __future__ import annotations

from portal.catalog.content import import_content
from portal.rendering import markdown
from tests import factories as f


def test_markdown_renders_lists_tables_and_bold():
    html = str(markdown("**注意**\n\n- 一\n- 二\n\n| 材料 | 份数 |\n| --- | --- |\n| 执照 | 1 |"))
    assert "<strong>注意</strong>" in html and "<li>一</li>" in html and "<td>执照</td>" in html


def test_script_and_javascript_links_are_removed():
    html = str(markdown('<script>alert(1)</script>\n\n[点我](javascript:alert(1)) <img src=x onerror=alert(1)>'
                        "\n\n[正常](https://zwfw.gansu.gov.cn/)"))
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert '<a href="https://zwfw.gansu.gov.cn/" rel="noopener noreferrer nofollow">正常</a>' in html


def test_guide_body_with_html_is_shown_as_text_not_run(session, client):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide(body='<script>alert("x")</script>说明')))
    session.commit()
    response = client.get("/guides/gongzhang-kezhi")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "公章刻制备案" in page  # the guide itself, not an error page
    assert '<p>&lt;script&gt;alert("x")&lt;/script&gt;说明</p>' in page  # the body, its tag shown as text
    assert "<script" not in page  # nothing runs: the guide page has no script of its own either
