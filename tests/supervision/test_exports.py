"""Exports a spreadsheet opens safely (issue 19, finding 11): no cell starts with what a spreadsheet
would run or split, and the CSV says its charset once."""
from __future__ import annotations

import csv
import io

from portal.supervision.exports import csv_file, xlsx

HOSTILE = ["=1+1", "+1", "-1", "@SUM(A1)", ";=1", ",=1", "|calc", "%0A=1", "\t=1"]


def test_csv_cells_that_a_spreadsheet_would_run_or_split_are_defused(app):
    with app.test_request_context():
        response = csv_file("导出.csv", ["标题"], [[value] for value in HOSTILE] + [["正常标题"]])
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["'" + value for value in HOSTILE] + ["正常标题"]


def test_xlsx_cells_are_text_never_formulas(app):
    from openpyxl import load_workbook

    with app.test_request_context():
        response = xlsx("导出.xlsx", "表", ["标题"], [[value] for value in HOSTILE])
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [cell.value for (cell,) in sheet.iter_rows(min_row=2)] == HOSTILE
    assert all(cell.data_type == "s" for (cell,) in sheet.iter_rows(min_row=2))
