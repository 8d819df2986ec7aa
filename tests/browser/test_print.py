"""The 一次性告知书 printed by real Chromium (print to PDF, A4) and read back with pypdf: the page count,
the page size, and every element's text on the paper — nothing cut off."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

A4 = (595, 842)  # points, rounded


def printed(browser, url: str, screenshot) -> PdfReader:
    page = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    page.goto(url)
    qr = page.locator(".sheet-qr img")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert page.evaluate("document.querySelector('.sheet-qr img').naturalWidth") > 0
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator(".site-footer").is_hidden()
    page.screenshot(path=str(screenshot), full_page=True)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    page.close()
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader) -> str:
    return "".join(p.extract_text() for p in reader.pages).replace("\n", "").replace(" ", "")


@pytest.mark.parametrize("slug, title, pages, materials", [
    ("gongzhang-kezhi", "公章刻制备案", 2, ["营业执照或登记证书", "法定代表人（负责人）身份证件", "授权委托书"]),
    ("diya-xiaowei-bandian", "低压小微企业用电报装", 2, ["用电主体资格证明", "用电地址物权证明",
                                                       "经办人身份证件及授权委托书"]),
    ("qykb-yichuang", "企业开办“一窗通办”（营业执照、公章刻制、发票申领、社保登记、公积金缴存登记一表填报）", 2,
     ["企业开办“一表填报”申请表", "投资人主体资格证明或自然人身份证件", "住所（经营场所）使用相关文件", "公司章程或合伙协议",
      "法定代表人、董事、监事、经理等人员任职文件及身份证件", "授权委托书及代理人身份证件"]),
])
def test_the_notice_prints_on_a4_with_every_element(browser, live_server, artifacts, slug, title, pages, materials):
    reader = printed(browser, f"{live_server}/guides/{slug}/print", artifacts / f"notice-{slug}.png")
    (artifacts / f"notice-{slug}.pdf").write_bytes(_bytes(reader))
    assert len(reader.pages) == pages
    for sheet in reader.pages:
        assert (round(float(sheet.mediabox.width)), round(float(sheet.mediabox.height))) == A4
    text = text_of(reader)
    for expected in ("一次性告知书", title, "申请材料", "办理流程", "设定依据", "打印日期：2026年11月25日", *materials):
        assert expected.replace(" ", "") in text, expected


def _bytes(reader: PdfReader) -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    writer = PdfWriter(clone_from=reader)
    writer.write(out)
    return out.getvalue()
