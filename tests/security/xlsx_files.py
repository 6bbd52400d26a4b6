"""Hostile XLSX workbooks built in memory (bombs, millions of empty rows) for the security tests."""
import io
import zipfile

import openpyxl

COLUMNS = ["username", "full_name", "email", "phone", "unit_code", "category", "job_title"]
_SHEET = "xl/worksheets/sheet1.xml"
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def workbook(rows=()):
    book = openpyxl.Workbook()
    book.active.append(COLUMNS)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(sheet_data):
    """A valid workbook whose first sheet's <sheetData> is replaced by ``sheet_data``."""
    xml = f'<?xml version="1.0"?><worksheet xmlns="{_NS}"><sheetData>{sheet_data}</sheetData></worksheet>'
    src, out = zipfile.ZipFile(io.BytesIO(workbook())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for entry in src.infolist():
            dest.writestr(entry.filename, xml.encode() if entry.filename == _SHEET else src.read(entry))
    return out.getvalue()


def header_cells():
    return "".join(f'<c t="inlineStr"><is><t>{c}</t></is></c>' for c in COLUMNS)


def empty_rows(count):
    """A header then ``count`` empty rows: tens of kilobytes once compressed."""
    return with_sheet(f'<row r="1">{header_cells()}</row>'
                      + "".join(f'<row r="{i}"/>' for i in range(2, count + 2)))


def inflating(megabytes):
    """One cell holding ``megabytes`` MB of text: compressed about a thousand times."""
    return with_sheet(f'<row r="1"><c t="inlineStr"><is><t>{"A" * (megabytes * 1024 ** 2)}</t></is></c></row>')
