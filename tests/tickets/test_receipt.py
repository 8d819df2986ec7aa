"""The receipt (回执): a printable page and a PDF drawn on the server that opens and holds the number;
only for the browser that opened the ticket with its code (or the API with the code), no personal data."""
from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from portal.errors import Unavailable
from portal.pdf import cjk_font
from tests.conftest import make_app
from tests.tickets.conftest import confirmation, file_through_form


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")


def test_the_receipt_pdf_opens_and_holds_the_number_bureau_and_deadlines(client, routing_catalog):
    number, code = confirmation(client, file_through_form(client))
    answer = client.get(f"/tickets/{number}/receipt.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="receipt-{number}.pdf"'
    assert answer.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(answer.data))
    assert len(reader.pages) == 1
    text = pdf_text(answer.data)
    for expected in (number, "诉求回执", "投诉", "营业执照办理超时", "公章刻制备案", "县市场监管局",
                     "2026年11月26日前", "2026年12月9日前", "/tickets/track", "生成日期：2026年11月25日"):
        assert expected in text, expected
    for private in (code, "王先生", "13800000000", "91110000600037341L", "会宁县某某商贸有限公司"):
        assert private not in text, private


def test_the_printable_receipt_says_the_same(client, routing_catalog):
    number, _ = confirmation(client, file_through_form(client))
    page = html.unescape(client.get(f"/tickets/{number}/receipt").get_data(as_text=True))
    for expected in (number, "诉求回执", "县市场监管局", "2026年12月9日前", "下载 PDF 回执"):
        assert expected in page
    filed = html.unescape(client.get(f"/tickets/{number}").get_data(as_text=True))
    assert f"/tickets/{number}/receipt.pdf" in filed


def test_another_browser_gets_no_receipt_without_the_code(app, client, routing_catalog):
    number, code = confirmation(client, file_through_form(client))
    stranger = app.test_client()
    for path in (f"/tickets/{number}/receipt", f"/tickets/{number}/receipt.pdf"):
        answer = stranger.get(path)
        assert answer.status_code == 404 and b"%PDF" not in answer.data
    assert stranger.get(f"/api/v1/tickets/{number}/receipt.pdf").status_code == 404
    assert stranger.get(f"/api/v1/tickets/{number}/receipt.pdf",
                        headers={"X-Retrieval-Code": "AAAAAAAAAAAA"}).status_code == 404
    assert stranger.get("/api/v1/tickets/20261125-0099/receipt.pdf",
                        headers={"X-Retrieval-Code": code}).status_code == 404
    with_code = stranger.get(f"/api/v1/tickets/{number}/receipt.pdf", headers={"X-Retrieval-Code": code})
    assert with_code.status_code == 200 and number in pdf_text(with_code.data)


def test_a_corrections_receipt_names_what_it_is_about(client, routing_catalog):
    body = client.post("/api/v1/tickets", json={"type": "correction", "guide": "gongzhang-kezhi", "problem": "link",
                                                "description": "网上办理链接打开后显示页面不存在。"}).get_json()
    answer = client.get(f"/api/v1/tickets/{body['number']}/receipt.pdf", headers={"X-Retrieval-Code": body["code"]})
    text = pdf_text(answer.data)
    for expected in (body["number"], "纠错回执", "公章刻制备案", "链接打不开", "县市场监管局", "2026年12月2日前"):
        assert expected in text, expected


def test_without_a_cjk_font_the_pdf_is_refused_saying_what_to_install(app, routing_catalog, tmp_path):
    fontless = make_app(app.config["DATABASE_URL"], tmp_path / "ix", PDF_FONT=str(tmp_path / "missing.ttf"))
    client = fontless.test_client()
    number, _ = confirmation(client, file_through_form(client))
    answer = client.get(f"/tickets/{number}/receipt.pdf")
    assert answer.status_code == 503
    assert "fonts-wqy-zenhei" in html.unescape(answer.get_data(as_text=True))
    assert client.get(f"/tickets/{number}/receipt").status_code == 200  # the printable page still works


def test_the_font_is_found_among_the_systems_fonts_or_refused(tmp_path):
    assert cjk_font().suffix in (".ttc", ".ttf", ".otf")  # CI installs fonts-wqy-zenhei
    with pytest.raises(Unavailable, match="fonts-wqy-zenhei"):
        cjk_font(dirs=(tmp_path,))
    other = tmp_path / "vendor" / "NotoSansCJKsc-Regular.otf"
    other.parent.mkdir()
    other.write_bytes(b"")
    assert cjk_font(dirs=(tmp_path,)) == other
    assert cjk_font(str(Path(cjk_font()))) == cjk_font()
