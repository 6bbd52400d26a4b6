"""Cells of every CSV and XLSX the platform writes, safe to open in a spreadsheet program.

Text that starts with ``= + - @``, a TAB or a CR is a formula to Excel and LibreOffice (CSV
injection: ``=HYPERLINK(...)`` in a course title becomes a live link in the operator's copy),
so it gets a leading apostrophe (OWASP's advice), and in XLSX every text is written as a
text cell, never a formula. Characters XLSX cannot hold (control characters stored before
they were refused) are dropped instead of failing the whole file.
"""
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text(value):
    """``value`` unchanged unless it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values):
    return [text(v) for v in values]


def xlsx_row(sheet, values):
    """Cells for ``sheet.append``: text as text cells (works in write-only sheets too)."""
    cells = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text(value)))
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells
