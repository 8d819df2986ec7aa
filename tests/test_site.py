"""The furniture a government site carries (issue 17): every public page has the inspection meta tags
and the footer, every footer link answers, the values come from PORTAL_SITE_* settings (placeholders
marked 示例 in development, nothing invented in production), the sitemap comes from the routes and the
catalog, one search box on the home page, the emblem is one file."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from portal import site
from portal.catalog.content import import_content
from portal.config import ROOT, load_config
from portal.subscriptions.services import CONFIRM_FOR
from tests import factories as f
from tests.conftest import make_app

META = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ColumnType")
ARTICLE = ("ArticleTitle", "PubDate", "ContentSource")
FOOTER_LINKS = ("网站地图", "隐私政策", "使用帮助", "联系我们", "关于本站", "无障碍说明", "我为网站找错")


class Page(HTMLParser):
    """The meta tags, links and search forms of a page, and the links of its site footer."""

    def __init__(self, text: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[str] = []
        self.footer_links: list[tuple[str, str]] = []
        self.search_forms = 0
        self._footer = 0
        self._href = None
        self._label = ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "name" in attrs:
            self.meta[attrs["name"]] = attrs.get("content", "")
        if tag == "footer" and "site-footer" in (attrs.get("class") or ""):
            self._footer = 1
        if tag == "form" and attrs.get("role") == "search":
            self.search_forms += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            if self._footer:
                self._href, self._label = attrs["href"], ""

    def handle_data(self, data):
        if self._href is not None:
            self._label += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.footer_links.append((self._label.strip(), self._href))
            self._href = None
        if tag == "footer" and self._footer:
            self._footer = 0


def parse(response) -> Page:
    return Page(response.get_data(as_text=True))


def local(href: str) -> bool:
    parts = urlsplit(href)
    return not parts.scheme and not parts.netloc and href.startswith("/")


def test_every_public_page_has_the_meta_tags_and_the_footer_and_every_footer_link_answers(demo_app, demo_client):
    sitemap = parse(demo_client.get("/sitemap"))
    # the header's display switches (长者模式, English) are links but not pages
    pages = sorted({h for h in sitemap.links if local(h) and not h.startswith("/mode?") and "lang=" not in h})
    # the sitemap holds every public page without arguments (from the routes) and the whole catalog
    for rule in demo_app.url_map.iter_rules():
        if not rule.arguments and "GET" in rule.methods and site.is_public(rule.endpoint):
            assert rule.rule in pages, f"{rule.rule} ({rule.endpoint}) missing from /sitemap"
    for path in ("/guides/gongzhang-kezhi", "/guides/gongzhang-kezhi/print", "/policies/huining-yshj-2022",
                 "/topics/qykb", "/bureaus/scjgj", "/tickets/new", "/tickets/track", "/search", "/performance",
                 "/privacy", "/help", "/contact", "/about", "/accessibility", "/subscribe"):
        assert any(p == path or p.startswith(path + "?") for p in pages), path
    assert len(pages) > 150  # 46 guides, their print views, the policies, topics and bureaus

    footer_targets: set[str] = set()
    for path in pages:
        response = demo_client.get(path)
        assert response.status_code == 200, path
        page = parse(response)
        for name in META:
            assert page.meta.get(name), f"{path}: meta {name} missing or empty"
        assert page.meta["SiteName"] == "会宁县营商环境服务平台" and page.meta["SiteIDCode"] == "0000000000"
        if path.startswith(("/guides/", "/policies/")) and path.count("/") >= 2:
            for name in ARTICLE:
                assert page.meta.get(name), f"{path}: meta {name} missing"
        labels = {label for label, _ in page.footer_links}
        assert set(FOOTER_LINKS) <= labels, f"{path}: footer lacks {set(FOOTER_LINKS) - labels}"
        footer_targets.update(href for _, href in page.footer_links if local(href))
    for href in sorted(footer_targets):
        assert demo_client.get(href).status_code == 200, href


def test_the_columns_and_an_articles_title_date_and_source(demo_client):
    guide = parse(demo_client.get("/guides/gongzhang-kezhi"))
    assert (guide.meta["ColumnName"], guide.meta["ColumnType"]) == ("办事指南", "办事服务")
    assert guide.meta["ArticleTitle"] == "公章刻制备案"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", guide.meta["PubDate"]) and guide.meta["ContentSource"] == "县公安局"
    plan = parse(demo_client.get("/policies/huining-yshj-2022"))
    assert (plan.meta["ColumnName"], plan.meta["ColumnType"]) == ("政策文件", "文件资料")
    assert plan.meta["ContentSource"] == "县发改局"
    home = parse(demo_client.get("/"))
    assert (home.meta["ColumnName"], home.meta["ColumnType"]) == ("首页", "首页") and "ArticleTitle" not in home.meta
    assert parse(demo_client.get("/tickets/new")).meta["ColumnType"] == "互动交流"
    assert parse(demo_client.get("/login")).meta["ColumnName"] == "工作人员登录"


def test_the_home_page_has_one_search_box(demo_client):
    assert parse(demo_client.get("/")).search_forms == 1
    assert parse(demo_client.get("/guides")).search_forms >= 1  # other pages keep the header's


def test_development_shows_placeholders_marked_as_examples(demo_client):
    page = html.unescape(demo_client.get("/about").get_data(as_text=True))
    footer = page[page.rindex('<footer class="site-footer">'):]
    for shown in ("主办单位：会宁县××局", "网站标识码：0000000000", "陇ICP备00000000号", "甘公网安备00000000000000号"):
        assert shown in footer
    assert footer.count("（示例）") >= 7 and "PORTAL_SITE_" in footer
    assert 'href="https://beian.miit.gov.cn/"' in footer
    assert 'href="https://beian.mps.gov.cn/#/query/webSearch?code=00000000000000"' in footer
    assert "img/conac.svg" in footer


def test_production_invents_nothing_and_shows_what_is_set(app, tmp_path):
    config = load_config({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "Vq3-kT9_xZ2mNw7LpR4sYb8HcJ6fDg1E",
                          "PORTAL_BASE_URL": "https://yshj.huining.example", "PORTAL_MAIL_SERVER": "mail.example",
                          "PORTAL_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0",
                          "PORTAL_SITE_SPONSOR": "会宁县人民政府办公室", "PORTAL_SITE_ICP": "陇ICP备12345678号-1"})
    assert config["SITE_PLACEHOLDERS"] == frozenset()
    assert config["SITE"]["domain"] == "yshj.huining.example"
    assert {k: v for k, v in config["SITE"].items() if v} == {
        "sponsor": "会宁县人民政府办公室", "icp": "陇ICP备12345678号-1", "name": "会宁县营商环境服务平台",
        "domain": "yshj.huining.example"}
    production = make_app(app.config["DATABASE_URL"], tmp_path / "ix", SITE=config["SITE"],
                          SITE_PLACEHOLDERS=config["SITE_PLACEHOLDERS"])
    response = production.test_client().get("/about")
    page = html.unescape(response.get_data(as_text=True))
    footer = page[page.rindex('<footer class="site-footer">'):]
    assert "主办单位：会宁县人民政府办公室" in footer and "陇ICP备12345678号-1" in footer
    for hidden in ("承办单位", "网站标识码", "公网安备", "联系电话：", "地址：", "示例", "conac"):
        assert hidden not in footer, hidden
    meta = parse(response).meta
    assert meta["SiteDomain"] == "yshj.huining.example" and "SiteIDCode" not in meta


def test_every_site_setting_reads_its_variable():
    env = {"PORTAL_SECRET_KEY": "x" * 40, **{f"PORTAL_SITE_{k.upper()}": f"值{k}" for k in
                                             ("sponsor", "organizer", "phone", "address", "email", "id_code", "icp",
                                              "psb", "conac_url", "name", "domain", "operator")}}
    config = load_config(env)
    assert config["SITE"] == {k: f"值{k}" for k in ("sponsor", "organizer", "phone", "address", "email", "id_code",
                                                    "icp", "psb", "conac_url", "name", "domain", "operator")}
    assert config["SITE_PLACEHOLDERS"] == frozenset()


def test_the_sitemap_lists_the_catalog_as_it_changes(client, session):
    import_content(session, f.lines(f.bureau(), f.topic(), f.guide(), f.policy()))
    session.commit()
    page = html.unescape(client.get("/sitemap").get_data(as_text=True))
    for shown in ('href="/guides/gongzhang-kezhi">公章刻制备案', 'href="/guides/gongzhang-kezhi/print"',
                  'href="/policies/liudi-tuishui"', 'href="/topics/qykb">企业开办', 'href="/bureaus/scjgj">县市场监管局',
                  'href="/tickets/correction">我为网站找错', 'href="/privacy">隐私政策'):
        assert shown in page, shown
    assert "/staff" not in page and "/api/" not in page and "/supervision" not in page


def test_the_privacy_page_says_what_the_code_does(demo_client):
    page = html.unescape(demo_client.get("/privacy").get_data(as_text=True))
    assert CONFIRM_FOR.days == 7 and "确认链接失效（7 天）后一天内删除" in page
    for form in ("提交诉求", "内容纠错", "征求意见稿", "订阅政策更新", "工作人员账号"):
        assert form in page
    assert "如何" in page or "删除" in page
    assert "/contact" in page


def test_the_emblem_is_one_file_the_readme_names():
    emblem = ROOT / "static" / "img" / "emblem.svg"
    assert emblem.is_file() and "<svg" in emblem.read_text(encoding="utf-8")
    assert "static/img/emblem.svg" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "img/emblem.svg" in (ROOT / "templates" / "base.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ["/help", "/contact", "/about", "/accessibility"])
def test_the_site_pages_answer_without_a_catalog(client, path):
    assert client.get(path).status_code == 200


def test_placeholders_exist_only_in_development():
    assert Path(ROOT / "portal" / "config.py").is_file()
    development = load_config({"PORTAL_SECRET_KEY": "x" * 40})
    assert development["SITE"]["id_code"] == "0000000000" and "id_code" in development["SITE_PLACEHOLDERS"]
