"""Learners' progress in a course as CSV (UTF-8 with BOM, so spreadsheet programs read
Vietnamese correctly) or XLSX (openpyxl, write-only mode: constant memory)."""
import csv
import io

from openpyxl import Workbook

from mooc_common.infra import spreadsheet_cells

COLUMNS = ("learner_id", "enrollment_id", "tenant_id", "unit_id", "intake_id", "category", "status",
           "percent_complete", "lessons_done", "first_activity_at", "last_activity_at",
           "completed_at", "cancelled")


def _cells(row):
    return ["" if row.get(c) is None else row[c] for c in COLUMNS]


def to_csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(spreadsheet_cells.csv_row(_cells(r)) for r in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("progress")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(spreadsheet_cells.xlsx_row(sheet, _cells(row)))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


FORMATS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
}
