"""Tables as Excel (openpyxl) and CSV downloads, with the same header and rows as the page.

Both take the rows as any iterable and keep memory flat however many there are (a year's ledger at
100,000 tickets): the CSV is written to the response row by row as it is read; the Excel file is
written with openpyxl's write-only mode (rows go to a temporary file, not into memory) and then sent
from that file in chunks."""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from itertools import chain
from urllib.parse import quote

from flask import Response, request, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Text a spreadsheet would run as a formula, or (for a CSV opened with another separator, such as the
# semicolon some locales use) split into cells of its own: it is written with a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", ";", ",", "|", "%")
CHUNK = 64 * 1024


def _download(body, content_type: str, filename: str) -> Response:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return Response(body, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store",
    })


def _file_chunks(handle) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


def xlsx(filename: str, title: str, header: list[str], rows: Iterable[list]) -> Response:
    """One sheet: a bold, frozen header row, then the rows; text never becomes a formula. Columns are
    as wide as their header and the first rows need (the rest are not held to measure)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    rows = iter(rows)
    first = [list(row) for _, row in zip(range(200), rows)]
    for number, name in enumerate(header, 1):
        width = max([len(str(name)) * 2, *(len(str(row[number - 1] or "")) * 2 for row in first)])
        sheet.column_dimensions[get_column_letter(number)].width = min(max(width, 8), 60)
    bold = []
    for name in header:
        cell = WriteOnlyCell(sheet, name)
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    for values in chain(first, rows):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, "" if value is None else value)
            if isinstance(value, str) and value.startswith(FORMULA_START):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return _download(_file_chunks(handle), XLSX, filename)


def _csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else ("'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v)
                         for v in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def csv_file(filename: str, header: list[str], rows: Iterable[list]) -> Response:
    """UTF-8 with a byte-order mark so that Excel opens the Chinese correctly; formulas defused;
    sent as it is written."""
    return _download(stream_with_context(_csv_lines(header, rows)), "text/csv; charset=utf-8", filename)


def requested(name: str, title: str, header: list[str], rows: Iterable[list]) -> Response | None:
    """The download that ?format=xlsx or ?format=csv asks for, or None for the page itself."""
    kind = request.args.get("format", "")
    if kind == "xlsx":
        return xlsx(f"{name}.xlsx", title, header, rows)
    if kind == "csv":
        return csv_file(f"{name}.csv", header, rows)
    return None
