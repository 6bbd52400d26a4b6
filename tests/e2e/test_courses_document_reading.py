"""Learners read a lesson's document through the gateway (GET /courses/{id}/documents/{doc}):
streamed in chunks, inline for PDF, and only for learners enrolled in a course that shows it."""
import pytest

from tests.e2e.courses_fixtures import TenantKit, course_body, docx_bytes
from tests.security import documents

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def kit(operator, platform):
    return TenantKit(operator, platform)


def upload(client, course_id, filename, data):
    return client.request("POST", f"/api/v1/courses/{course_id}/documents", params={"filename": filename},
                          data=data, headers={"Content-Type": "application/octet-stream"}, expect=(201,))


def test_an_enrolled_learner_reads_the_documents_of_the_course_and_nobody_else(kit, operator, platform):
    pdf = documents.pdf(5 * 1024 * 1024)  # > one 4 MiB chunk; a real PDF (whole-file check)
    course = kit.instructor.post("/api/v1/courses", course_body())
    path = f"/api/v1/courses/{course['course_id']}"
    shown = upload(kit.instructor, course["course_id"], "Tài liệu học tập.pdf", pdf)
    docx = docx_bytes()  # a ZIP carries its write time: keep the bytes sent
    word = upload(kit.instructor, course["course_id"], "bai-doc.docx", docx)
    hidden = upload(kit.instructor, course["course_id"], "nhap.pdf", documents.pdf())
    body = {k: v for k, v in course_body().items() if k != "code"}
    body["sections"][0]["lessons"] += [
        {"title": "Tài liệu", "kind": "document", "document_id": shown["document_id"]},
        {"title": "Bài đọc Word", "kind": "document", "document_id": word["document_id"]}]
    kit.instructor.request("PUT", path, json=body)
    kit.instructor.post(f"{path}/publish")
    _, learner = kit.user()
    _, not_enrolled = kit.user()
    learner.post(f"{path}/enrollments", {})

    read = learner.session.get(f"{platform.base_url}{path}/documents/{shown['document_id']}", timeout=30)
    assert read.status_code == 200 and read.content == pdf
    assert read.headers["Content-Type"] == "application/pdf"
    assert read.headers["Content-Disposition"].startswith("inline;")
    assert "filename*=UTF-8''T%C3%A0i%20li%E1%BB%87u" in read.headers["Content-Disposition"]
    download = learner.session.get(f"{platform.base_url}{path}/documents/{word['document_id']}", timeout=30)
    assert download.status_code == 200 and download.content == docx
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "wordprocessingml" in download.headers["Content-Type"]

    # Uploaded but shown by no lesson; not enrolled; another tenant's learner; unknown ids: 404.
    assert learner.get(f"{path}/documents/{hidden['document_id']}", expect=(404,))["code"] == "not_found"
    assert not_enrolled.get(f"{path}/documents/{shown['document_id']}", expect=(404,))["code"] == "not_found"
    _, foreign = TenantKit(operator, platform).user()
    assert foreign.get(f"{path}/documents/{shown['document_id']}", expect=(404,))["code"] == "not_found"
    assert learner.get(f"{path}/documents/{'0' * 32}", expect=(404,))["code"] == "not_found"
    # The editors read every document of their course.
    assert kit.instructor.session.get(f"{platform.base_url}{path}/documents/{hidden['document_id']}",
                                      timeout=30).status_code == 200
