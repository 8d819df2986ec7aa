"""Tables as Excel (openpyxl) and CSV downloads, with the same header and rows as the page."""
from __future__ import annotations

import csv
import io
from urllib.parse import quote

from flask import Response, request
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Text a spreadsheet would run as a formula, or (for a CSV opened with another separator, such as the
# semicolon some locales use) split into cells of its own: it is written with a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", ";", ",", "|", "%")


def _download(data: bytes, content_type: str, filename: str) -> Response:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return Response(data, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store",
    })


def xlsx(filename: str, title: str, header: list[str], rows: list[list]) -> Response:
    """One sheet: a bold, frozen header row, then the rows; text never becomes a formula."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(["" if value is None else value for value in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for column, name in zip(sheet.columns, header):
        width = max([len(str(name)) * 2, *(len(str(c.value or "")) * 2 for c in column)])
        sheet.column_dimensions[column[0].column_letter].width = min(max(width, 8), 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return _download(buffer.getvalue(), XLSX, filename)


def csv_file(filename: str, header: list[str], rows: list[list]) -> Response:
    """UTF-8 with a byte-order mark so that Excel opens the Chinese correctly; formulas defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else ("'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v)
                         for v in row])
    return _download(("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", filename)


def requested(name: str, title: str, header: list[str], rows: list[list]) -> Response | None:
    """The download that ?format=xlsx or ?format=csv asks for, or None for the page itself."""
    kind = request.args.get("format", "")
    if kind == "xlsx":
        return xlsx(f"{name}.xlsx", title, header, rows)
    if kind == "csv":
        return csv_file(f"{name}.csv", header, rows)
    return None
