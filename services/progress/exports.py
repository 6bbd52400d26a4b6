"""Learners' progress in a course as CSV or XLSX (mooc_common/infra/export_formats.py)."""
import itertools

from mooc_common.infra import export_formats

COLUMNS = ("learner_id", "enrollment_id", "tenant_id", "unit_id", "intake_id", "category", "status",
           "percent_complete", "lessons_done", "first_activity_at", "last_activity_at",
           "completed_at", "cancelled")


def _cells(row):
    return ["" if row.get(c) is None else row[c] for c in COLUMNS]


def _rows(rows):
    return itertools.chain([list(COLUMNS)], map(_cells, rows))  # a generator: 50,000 rows stream


def to_csv(rows):
    return export_formats.to_csv(_rows(rows))


def to_xlsx(rows):
    return export_formats.to_xlsx([("progress", _rows(rows))])


FORMATS = export_formats.table(to_csv, to_xlsx)
