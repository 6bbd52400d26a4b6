"""Certificate PDF and progress exports: Vietnamese text survives."""
import csv
import datetime as dt
import io
import unicodedata

from openpyxl import load_workbook
from pypdf import PdfReader

from services.progress import certificate_pdf, exports

NAME = unicodedata.normalize("NFC", "Lê Thị Ngọc Ánh")


def test_certificate_pdf_contains_the_vietnamese_name_and_title():
    pdf = certificate_pdf.render({
        "serial": "CC-2026-000123", "verification_code": "ABCDEFGHJKLMNPQR", "learner_name": NAME,
        "course_title": "Chuyển đổi số cơ bản", "issuer_name": "Sở Thông tin và Truyền thông tỉnh Hà Giang",
        "issued_at": dt.datetime(2026, 11, 23, 20, tzinfo=dt.timezone.utc)})
    text = unicodedata.normalize("NFC", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    for expected in (NAME, "Chuyển đổi số cơ bản", "CHỨNG NHẬN", "Hà Giang", "24/11/2026", "CC-2026-000123"):
        assert expected in text


ROWS = [{"learner_id": "l1", "unit_id": "Đơn vị 1", "status": "completed", "percent_complete": 100.0,
         "lessons_done": 3, "cancelled": False}]


def test_csv_and_xlsx_exports():
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(ROWS).decode("utf-8-sig"))))
    assert rows[0]["unit_id"] == "Đơn vị 1" and rows[0]["status"] == "completed"
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(ROWS))).active
    values = list(sheet.values)
    assert values[0] == exports.COLUMNS and values[1][3] == "Đơn vị 1"
