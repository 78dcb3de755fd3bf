"""CSV and Excel downloads of the dashboard tables (`tables.Table`): the same header and rows
as the page, raw numbers (no thousands separators, rates as percentages 0..100).

Every text cell goes through `spreadsheet_text`: names come from people (a counter, an agency,
an officer) and a spreadsheet program would run one that starts like a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date

from django.http import HttpResponse
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from satupintu.reports.tables import Table

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (or a DDE command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: object) -> object:
    """The cell value to write: text that a spreadsheet would take for a formula gets a leading
    apostrophe, so it is shown as the text it is. Numbers, dates and empty cells pass as they
    are (a negative number stays a number)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cells(values: Iterable[object]) -> list[object]:
    return [spreadsheet_text("" if v is None else v) for v in values]


def export_filename(
    *, mall_slug: str, table: str, date_from: date, date_to: date, extra: str = ""
) -> str:
    """`satupintu-<mall>[-<extra>]-<table>-<from>_<to>` (the extension is added on response)."""
    parts = ["satupintu", mall_slug, slugify(extra) if extra else "", table]
    stem = "-".join(p for p in parts if p)
    return re.sub(r"[^A-Za-z0-9_.-]", "", f"{stem}-{date_from.isoformat()}_{date_to.isoformat()}")


def table_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_cells(table.header))
    for row in table.rows:
        writer.writerow(_cells(row))
    # The byte-order mark makes spreadsheet programs read the file as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def table_xlsx(table: Table, *, sheet_title: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    # Sheet names: at most 31 characters, none of []:*?/\
    sheet.title = re.sub(r"[\[\]:*?/\\]", "", sheet_title or table.title)[:31] or "Data"
    sheet.append(_cells(table.header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([None if v is None else spreadsheet_text(v) for v in row])
    for index, column in enumerate(table.columns, start=1):
        width = max([len(str(column.label))] + [len(str(r[index - 1] or "")) for r in table.rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_response(table: Table, *, fmt: str, filename: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(table_xlsx(table), content_type=XLSX_TYPE)
        extension = "xlsx"
    else:
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
        extension = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response
