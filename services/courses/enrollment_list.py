"""A course's enrollments as its staff list them: the store query of the filters, the rows with
the learner's name, and the CSV export. Pure: the service fetches, this shapes.

Filters are equalities FerretDB pushes down to SQLite (course, tenant, status, source, intake,
category); a unit subtree becomes the ``$in`` of its unit ids and a name search the ``$in`` of
the matching learners' enrollment ids (natural ids: ``storage.enrollment_id``), both evaluated
over the course's enrollments of the tenant only. Enrollments keep the learner's unit and
category of the day they enrolled (what the reports count too).
"""
import csv
import io

from mooc_common.infra import spreadsheet_cells

STATUSES = ("active", "completed", "cancelled")  # completed: active with a completion
SOURCES = ("self", "admin", "unit", "category", "csv")
MAX_EXPORT_ROWS = 50_000  # a tenant's 40,000 learners fit; more must be filtered first
NAMES_BATCH = 500  # learners named per accounts call (accounts.learner_names' bound)

_STATUS_QUERY = {"active": {"status": "active", "completed_at": None},
                 "completed": {"status": "active", "completed_at": {"$ne": None}},
                 "cancelled": {"status": "cancelled"}}


def query(course_id, tenant_id, filters, unit_ids=None, enrollment_ids=None):
    """The store query; ``unit_ids``: the chosen unit's subtree; ``enrollment_ids``: those of the
    learners a name search found (None: no such filter)."""
    found = {"course_id": course_id}
    if tenant_id is not None:
        found["tenant_id"] = tenant_id
    found.update({k: filters[k] for k in ("source", "intake_id", "category") if filters.get(k)})
    if filters.get("status"):
        found.update(_STATUS_QUERY[filters["status"]])
    if unit_ids is not None:
        found["unit_id"] = {"$in": list(unit_ids)}
    if enrollment_ids is not None:
        found["_id"] = {"$in": list(enrollment_ids)}
    return found


def status_of(enrollment):
    if enrollment["status"] == "active" and enrollment.get("completed_at"):
        return "completed"
    return enrollment["status"]


def named(rows, names):
    """Rows with the learner's ``username`` and ``full_name`` (None when accounts has no such
    learner any more) and the status as listed (completed shown as such)."""
    return [dict(row, status=status_of(row), **(names.get(row["learner_id"]) or {"username": None, "full_name": None}))
            for row in rows]


COLUMNS = ("username", "full_name", "unit", "category", "intake", "source", "status", "enrolled_at",
           "completed_at", "cancelled_at", "learner_id", "enrollment_id")


def to_csv(rows, unit_names, intake_names):
    """``rows`` as the list dumps them (schemas.ListedEnrollmentSchema); UTF-8 with BOM (spreadsheet programs then read Vietnamese right); cells that a spreadsheet
    would run as a formula are neutralised (spreadsheet_cells)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        cells = dict(row, unit=unit_names.get(row.get("unit_id")) or row.get("unit_id"),
                     intake=intake_names.get(row.get("intake_id")) or row.get("intake_id"))
        writer.writerow(spreadsheet_cells.csv_row(["" if cells.get(c) is None else cells[c] for c in COLUMNS]))
    return "\ufeff" + out.getvalue()
