"""The file formats of every export (progress, year-end reports): one table of format name ->
media type, and the two writers. CSV is UTF-8 with a BOM, so spreadsheet programs read
Vietnamese correctly; XLSX is written by openpyxl in write-only mode (constant memory). Every
cell goes through ``spreadsheet_cells`` (no formula injection)."""
import csv
import io

from openpyxl import Workbook

from . import spreadsheet_cells

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_FORMATS = tuple(MEDIA_TYPES)


def to_csv(rows):
    """Bytes of a CSV file of ``rows`` (lists of values)."""
    out = io.StringIO()
    csv.writer(out).writerows(spreadsheet_cells.csv_row(row) for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets):
    """Bytes of an XLSX workbook of ``sheets`` = [(title, rows)]."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(spreadsheet_cells.xlsx_row(sheet, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table(to_csv, to_xlsx):
    """{format: (media type, render)}: what an export module offers its service."""
    return {"csv": (MEDIA_TYPES["csv"], to_csv), "xlsx": (MEDIA_TYPES["xlsx"], to_xlsx)}
