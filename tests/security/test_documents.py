"""Uploaded documents: the whole file is checked in a capped child process (PDF without
JavaScript, automatic actions or embedded files; DOCX/PPTX with their main part, without
macros, ActiveX or unsafe paths, within zip limits) and stored file names are sanitised."""
import pytest

from services.courses import content
from tests.e2e.courses_fixtures import TenantKit, course_body
from tests.security import documents


@pytest.mark.parametrize("data, expected", [
    (documents.pdf(), content.PDF), (documents.office(), content.DOCX),
    (documents.office(documents.PPTX_MAIN), content.PPTX)])
def test_real_documents_pass(data, expected):
    assert content.check_document(data) == (expected, None)


def test_a_pdf_that_opens_at_a_destination_passes():
    """Word, LibreOffice and fpdf write /OpenAction as a destination ("page 1, fit width"):
    no action runs, so such everyday PDFs are accepted (an action dictionary is not)."""
    from fpdf import FPDF
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Tai lieu")
    data = bytes(pdf.output())
    assert b"/OpenAction" in data
    assert content.check_document(data) == (content.PDF, None)


@pytest.mark.parametrize("data, problem", [
    (documents.pdf(javascript=True), "JavaScript"),
    (documents.pdf(javascript=True).replace(b"/JavaScript", b"/J#61vaScript"), "JavaScript"),
    (documents.pdf(open_action=True), "automatic actions"),
    (b"%PDF-1.7\n" + b"0" * 500, "damaged"),
    (documents.office(extra=[("word/vbaProject.bin", b"macro")]), "macros"),
    (documents.office(extra=[("word/activeX/activeX1.xml", b"<x/>")]), "ActiveX"),
    (documents.office(extra=[("../../evil.xml", b"<x/>")]), "unsafe path"),
    (documents.office(main=("word/document.xml", "application/xml")), "neither a Word"),
    (documents.office(extra=[("word/media/big.bin", b"\0" * 300 * 1024 ** 2)]), "compressed more than"),
])
def test_hostile_documents_are_refused(data, problem):
    content_type, why = content.check_document(data)
    assert content_type is None and problem in why


@pytest.mark.parametrize("name, stored", [
    ("../../etc/passwd.pdf", "passwd.pdf"), ("C:\\Users\\an\\Bài giảng.docx", "Bài giảng.docx"),
    (".htaccess.pdf", "htaccess.pdf"), ('a"b<c>.pdf', "a_b_c_.pdf"), ("x\r\ny.pdf", "x_y.pdf")])
def test_stored_file_names_are_sanitised(name, stored):
    assert content.safe_filename(name) == stored


def _upload(client, course_id, filename, data, expect):
    return client.request("POST", f"/api/v1/courses/{course_id}/documents", params={"filename": filename},
                          data=data, headers={"Content-Type": "application/octet-stream"}, expect=expect)


@pytest.mark.e2e
def test_uploads_are_checked_whole_and_names_sanitised(operator, platform):
    kit = TenantKit(operator, platform)
    course = kit.instructor.post("/api/v1/courses", course_body())
    refused = _upload(kit.instructor, course["course_id"], "bai-giang.pdf", documents.pdf(javascript=True), (422,))
    assert "JavaScript" in refused["errors"]["file"][0]
    stored = _upload(kit.instructor, course["course_id"], "../../Giáo trình.docx", documents.office(), (201,))
    assert stored["filename"] == "Giáo trình.docx" and stored["state"] == "ready"
