"""Bulk import of learners: reading the file and validating every row (pure, no I/O).

The file is CSV (UTF-8, with or without BOM) or XLSX (first sheet); the first row names
the columns (any order, case-insensitive). Row numbers in error reports are the rows as a
spreadsheet shows them: the header is row 1, the first learner row 2.
"""
import csv
import io
import itertools
import json
from pathlib import Path

from marshmallow import ValidationError

from mooc_common.contracts.errors import ValidationFailed
from mooc_common.infra.capped_process import CappedProcessFailed, run_python
from mooc_common.infra.zip_limits import ArchiveRefused, check_zip

from . import schemas

MAX_ROWS = 40_000
MAX_REPORTED_ERRORS = 10_000  # bounds the job document; error_count says how many in all
# Every row read counts, empty ones too (a 20 KB XLSX can declare 2 million empty rows); the
# slack lets a sheet with some blank lines between learners through.
MAX_READ_ROWS = MAX_ROWS + 1_000
# An XLSX of 40,000 learners inflates to ~15 MB; the caps leave room and stop zip bombs.
XLSX_LIMITS = {"max_entries": 200, "max_total_bytes": 64 * 1024 ** 2, "max_ratio": 100}
XLSX_CHILD = {"memory_bytes": 768 * 1024 ** 2, "cpu_seconds": 30, "wall_seconds": 60}
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


class Row(list):
    """A row's cells and its number in the file (header = 1): blank lines are skipped, but the
    rows after them keep the numbers the spreadsheet shows."""

    def __init__(self, cells, number):
        super().__init__(cells)
        self.number = number


def column_letter(index):
    """Spreadsheet column letters: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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
    table = iter(table)
    header = next(table, None)
    if not header:
        raise _file_error("the file is empty")
    rows = []
    for number, row in enumerate(itertools.islice(table, MAX_READ_ROWS), start=2):
        if not any(cell not in (None, "") for cell in row):
            continue  # blank lines do not count
        rows.append(Row(row, number))
        if len(rows) > MAX_ROWS:
            raise _file_error(f"more than {MAX_ROWS} rows")
    if next(table, None) is not None:
        raise _file_error(f"more than {MAX_READ_ROWS} rows (empty rows count)")
    return [str(h or "").strip().lower() for h in header], rows


def _xlsx_rows(content, archive_limits=XLSX_LIMITS, child_limits=XLSX_CHILD):
    """The rows of the first sheet, read in a capped child process after the archive checks."""
    try:
        check_zip(content, **archive_limits)
    except ArchiveRefused as exc:
        raise _file_error(f"not accepted as an XLSX workbook: {exc}")
    try:
        out = run_python(Path(__file__).with_name("xlsx_child.py"), [MAX_READ_ROWS + 1], content,
                         **child_limits)
    except CappedProcessFailed as exc:
        raise _file_error(f"not accepted as an XLSX workbook: {exc}")
    result = json.loads(out)
    if "error" in result:
        raise _file_error(result["error"])
    return result["rows"]


def check_header(header):
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    errors = [{"row": 1, "column": c, "column_letter": None, "message": "required column is missing"}
              for c in missing]
    errors += [{"row": 1, "column": c, "column_letter": column_letter(i),
                "message": f"unknown column (expected: {', '.join(COLUMNS)})"}
               for i, c in enumerate(header) if c and c not in COLUMNS]
    return errors


def _flatten(messages):
    for column, problems in messages.items():
        for problem in (problems if isinstance(problems, list) else [problems]):
            yield column, str(problem)


class _RowChecker:
    """Checks rows one by one against the schema, the earlier rows, the taken usernames and the
    tenant's units; gathers every error (the admin fixes the file in one pass)."""

    def __init__(self, header, units_by_code, taken_usernames, import_id):
        self.schema = schemas.ImportRowSchema()
        self.index = {name: i for i, name in enumerate(header) if name in COLUMNS}
        self.letters = {name: column_letter(i) for name, i in self.index.items()}
        self.units_by_code, self.taken_usernames, self.import_id = units_by_code, taken_usernames, import_id
        self.errors, self.first_row_of = [], {}

    def error(self, number, column, message):
        # the column by header and by letter, as the admin finds the cell in the spreadsheet
        self.errors.append({"row": number, "column": column, "column_letter": self.letters.get(column),
                            "message": message})

    def record(self, row):
        """The row's cells by column name: stripped, empty as None, the username in lower case."""
        record = {name: (row[i] if i < len(row) else None) for name, i in self.index.items()}
        record = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in record.items()}
        if record.get("username"):
            record["username"] = record["username"].lower()
        return record

    def check(self, row, number):
        record = self.record(row)
        try:
            learner, row_errors = self.schema.load(record), {}
        except ValidationError as exc:  # still check the other columns: report every error
            learner, row_errors = dict(record), exc.messages
            for column, message in _flatten(row_errors):
                self.error(number, column, message)
        if learner.get("username") and "username" not in row_errors:
            self.check_username(number, learner["username"])
        unit = self.units_by_code.get(str(learner.pop("unit_code", None) or "").upper())
        if unit is None and "unit_code" not in row_errors:
            self.error(number, "unit_code", "no active unit with this code in the tenant")
        elif unit is not None:
            learner["unit_id"] = unit["_id"]
        return learner

    def check_username(self, number, username):
        """Unique in the file, and not held by someone else (a username held by this very
        import is a redelivered job's own learner, not a duplicate)."""
        if username in self.first_row_of:
            self.error(number, "username", f"duplicate of row {self.first_row_of[username]}")
        else:
            self.first_row_of[username] = number
        taken = self.taken_usernames
        if username in taken and (self.import_id is None or taken[username] != self.import_id):
            self.error(number, "username", "already taken")


def validate_rows(header, rows, units_by_code, taken_usernames, seats_remaining, import_id=None):
    """(learners, errors): every row checked; learners only if there is no error at all.

    ``taken_usernames``: {username: import_id of the holder}; a username held by this very
    import (a redelivered job) is not a duplicate.
    """
    checker = _RowChecker(header, units_by_code, taken_usernames, import_id)
    learners = [checker.check(row, getattr(row, "number", position))
                for position, row in enumerate(rows, start=2)]
    errors = checker.errors
    if not errors and len(learners) > seats_remaining:
        errors.append({"row": None, "column": None,
                       "message": f"Learner quota exceeded: {len(learners)} rows, "
                                  f"{max(seats_remaining, 0)} seat(s) remain."})
    return (learners if not errors else []), errors
