"""Bulk import of learners: reading the file and validating every row (pure, no I/O).

The file is CSV (UTF-8, with or without BOM) or XLSX (first sheet); the first row names
the columns (any order, case-insensitive). Row numbers in error reports are the rows as a
spreadsheet shows them: the header is row 1, the first learner row 2.
"""
import csv
import io

from marshmallow import ValidationError

from mooc_common.contracts.errors import ValidationFailed

from . import schemas

MAX_ROWS = 40_000
MAX_REPORTED_ERRORS = 10_000  # bounds the job document; error_count says how many in all
COLUMNS = ("username", "full_name", "email", "phone", "unit_code", "category", "job_title")
REQUIRED_COLUMNS = ("username", "full_name", "unit_code", "category")
TEMPLATE_EXAMPLE = ("nguyen.van.an", "Nguyễn Văn Ân", "an.nv@example.gov.vn", "0912345678",
                    "SO-TTTT", "civil_servant", "Chuyên viên")


def template_csv():
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return "\ufeff" + out.getvalue()  # BOM: spreadsheet programs then read UTF-8 correctly


def _file_error(message):
    return ValidationFailed("The file cannot be read.", {"file": [message]})


def read_rows(content):
    """(header, rows) from CSV or XLSX bytes; rows are lists of strings (or None)."""
    if content[:2] == b"PK":  # XLSX is a zip archive
        table = _xlsx_rows(content)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _file_error("not UTF-8 text (save the CSV as UTF-8) and not an XLSX workbook")
        table = csv.reader(io.StringIO(text, newline=""))
    header = next(table, None)
    if not header:
        raise _file_error("the file is empty")
    rows = []
    for row in table:
        if not any(cell not in (None, "") for cell in row):
            continue  # blank lines do not count
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise _file_error(f"more than {MAX_ROWS} rows")
    return [str(h or "").strip().lower() for h in header], rows


def _xlsx_rows(content):
    import openpyxl  # only needed for XLSX uploads
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise _file_error("not a readable XLSX workbook")
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        yield [None if v is None else str(v) for v in row]


def check_header(header):
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c and c not in COLUMNS]
    errors = [{"row": 1, "column": c, "message": "required column is missing"} for c in missing]
    errors += [{"row": 1, "column": c, "message": f"unknown column (expected: {', '.join(COLUMNS)})"}
               for c in unknown]
    return errors


def _flatten(messages):
    for column, problems in messages.items():
        for problem in (problems if isinstance(problems, list) else [problems]):
            yield column, str(problem)


def validate_rows(header, rows, units_by_code, taken_usernames, seats_remaining, import_id=None):
    """(learners, errors): every row checked; learners only if there is no error at all.

    ``taken_usernames``: {username: import_id of the holder}; a username held by this very
    import (a redelivered job) is not a duplicate.
    """
    schema = schemas.ImportRowSchema()
    index = {name: i for i, name in enumerate(header) if name in COLUMNS}
    learners, errors, first_row_of = [], [], {}
    for number, row in enumerate(rows, start=2):
        record = {name: (row[i] if i < len(row) else None) for name, i in index.items()}
        record = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in record.items()}
        if record.get("username"):
            record["username"] = record["username"].lower()
        try:
            learner, row_errors = schema.load(record), {}
        except ValidationError as exc:  # still check the other columns: report every error
            learner, row_errors = dict(record), exc.messages
            errors.extend({"row": number, "column": c, "message": m} for c, m in _flatten(row_errors))
        username = learner.get("username")
        if username and "username" not in row_errors:
            if username in first_row_of:
                errors.append({"row": number, "column": "username",
                               "message": f"duplicate of row {first_row_of[username]}"})
            else:
                first_row_of[username] = number
            if username in taken_usernames and (import_id is None or taken_usernames[username] != import_id):
                errors.append({"row": number, "column": "username", "message": "already taken"})
        unit = units_by_code.get(str(learner.pop("unit_code", None) or "").upper())
        if unit is None and "unit_code" not in row_errors:
            errors.append({"row": number, "column": "unit_code",
                           "message": "no active unit with this code in the tenant"})
        elif unit is not None:
            learner["unit_id"] = unit["_id"]
        learners.append(learner)
    if not errors and len(learners) > seats_remaining:
        errors.append({"row": None, "column": None,
                       "message": f"Learner quota exceeded: {len(learners)} rows, "
                                  f"{max(seats_remaining, 0)} seat(s) remain."})
    return (learners if not errors else []), errors
