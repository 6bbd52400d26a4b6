"""Course authoring over the gateway: structure, lifecycle, sanitising, documents and quota."""
import http.client
import json
import urllib.parse
import unicodedata

import pytest

from tests.e2e.courses_fixtures import TenantKit, course_body, docx_bytes, published_course
from tests.security import documents

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def kit(operator, platform):
    return TenantKit(operator, platform)


@pytest.fixture(scope="module")
def other(operator, platform):
    return TenantKit(operator, platform)


def _lesson(course, kind):
    return next(l for l in course["lessons"] if l["kind"] == kind)


def test_create_course_with_sections_nfc_and_sanitised_html(kit):
    decomposed = unicodedata.normalize("NFD", "Kỹ năng số cho cán bộ")
    body = course_body(title=decomposed)
    body["sections"][0]["lessons"][1]["html"] = (
        '<p>An toàn <b>thông tin</b></p><script>alert("x")</script>'
        '<img src="https://a.vn/x.png" onerror="alert(1)"><a href="javascript:alert(1)">xem</a>')
    course = kit.instructor.post("/api/v1/courses", body)
    assert course["status"] == "draft" and course["revision"] == 0
    assert course["title"] == unicodedata.normalize("NFC", decomposed)
    html = _lesson(course, "rich_text")["html"]
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "<b>thông tin</b>" in html
    assert course["sections"][0]["title"] == "Phần 1"
    rule = course["completion_rule"]
    quiz = _lesson(course, "quiz")
    assert rule["required_quiz_ids"] == [quiz["lesson_id"]]
    assert _lesson(course, "rich_text")["lesson_id"] not in rule["required_lesson_ids"]
    assert quiz["quiz"]["questions"][0]["options"][0]["correct"] is True  # the author sees the key


def test_invalid_course_is_refused_with_field_errors(kit):
    body = course_body()
    body["sections"][0]["lessons"][2]["quiz"]["questions"][0]["options"][1]["correct"] = True
    body["sections"][0]["lessons"].append({"title": "SCORM", "kind": "external_package"})
    err = kit.instructor.post("/api/v1/courses", body, expect=(422,))
    assert err["code"] == "validation_failed"
    assert "sections" in err["errors"]


def test_duplicate_code_per_owner_conflicts_but_other_owner_may_reuse(kit, other):
    body = course_body()
    kit.instructor.post("/api/v1/courses", body)
    assert kit.admin.post("/api/v1/courses", body, expect=(409,))["code"] == "conflict"
    other.instructor.post("/api/v1/courses", body)


def test_learner_view_has_no_answer_keys_and_draft_is_hidden(kit):
    _, learner = kit.user()
    draft = kit.instructor.post("/api/v1/courses", course_body())
    assert learner.get(f"/api/v1/courses/{draft['course_id']}", expect=(404,))["code"] == "not_found"
    course = kit.instructor.post(f"/api/v1/courses/{draft['course_id']}/publish")
    seen = learner.get(f"/api/v1/courses/{course['course_id']}")
    quiz = _lesson(seen, "quiz")["quiz"]
    assert quiz["pass_mark"] == 70
    assert all("correct" not in o for q in quiz["questions"] for o in q["options"])


def test_editing_published_course_keeps_lesson_ids_and_bumps_revision(kit):
    course = published_course(kit.instructor)
    assert course["status"] == "published" and course["revision"] == 1
    body = course_body(code=course["code"])
    del body["code"]
    for section, old in zip(body["sections"], course["sections"]):
        section["section_id"] = old["section_id"]
        for lesson, old_lesson in zip(section["lessons"], old["lessons"]):
            lesson["lesson_id"] = old_lesson["lesson_id"]
    body["sections"][0]["lessons"][0]["title"] = "Giới thiệu (bản mới)"
    body["sections"][0]["lessons"].append({"title": "Bài mới", "kind": "video",
                                           "video_url": "https://video.example.vn/2.mp4"})
    edited = kit.instructor.request("PUT", f"/api/v1/courses/{course['course_id']}", json=body)
    assert edited["revision"] == 2 and edited["status"] == "published"
    old_ids = [l["lesson_id"] for l in course["lessons"]]
    assert [l["lesson_id"] for l in edited["lessons"]][:3] == old_ids
    assert edited["lessons"][3]["lesson_id"] not in old_ids
    body["sections"][0]["lessons"][0]["lesson_id"] = "not-a-lesson-of-this-course"
    err = kit.instructor.request("PUT", f"/api/v1/courses/{course['course_id']}", json=body, expect=(422,))
    assert err["code"] == "validation_failed"


def test_archive_then_no_edit_and_no_enrollment(kit):
    course = published_course(kit.admin)
    archived = kit.admin.post(f"/api/v1/courses/{course['course_id']}/archive")
    assert archived["status"] == "archived"
    body = course_body()
    del body["code"]
    assert kit.admin.request("PUT", f"/api/v1/courses/{course['course_id']}", json=body,
                             expect=(409,))["code"] == "conflict"
    _, learner = kit.user()
    assert learner.post(f"/api/v1/courses/{course['course_id']}/enrollments", {},
                        expect=(409,))["code"] == "conflict"


def test_only_owner_authors_edit_and_other_tenants_get_404(kit, other):
    course = published_course(kit.instructor)
    path = f"/api/v1/courses/{course['course_id']}"
    _, learner = kit.user()
    assert learner.post(f"{path}/publish", expect=(403,))["code"] == "permission_denied"
    for client in (other.admin, other.instructor):
        assert client.get(path, expect=(404,))["code"] == "not_found"
        assert client.post(f"{path}/archive", expect=(404,))["code"] == "not_found"
        assert client.get(f"{path}/enrollments", expect=(404,))["code"] == "not_found"
        assert client.post(f"{path}/intakes", {}, expect=(404, 422))["code"] in ("not_found", "validation_failed")
    _, foreign_learner = other.user()
    assert foreign_learner.post(f"{path}/enrollments", {}, expect=(404,))["code"] == "not_found"


def _pdf(size):
    return documents.pdf(size)  # a real PDF: the whole file is checked (tests/security)


def _upload(client, course_id, filename, data, expect=(201,)):
    return client.request("POST", f"/api/v1/courses/{course_id}/documents", params={"filename": filename},
                          data=data, headers={"Content-Type": "application/octet-stream"}, expect=expect)


def test_document_upload_typed_by_bytes_and_used_by_a_lesson(kit):
    course = kit.instructor.post("/api/v1/courses", course_body())
    big = _upload(kit.instructor, course["course_id"], "tai-lieu.pdf", _pdf(9 * 1024 * 1024 + 5))
    assert big["state"] == "ready" and big["content_type"] == "application/pdf"
    docx = _upload(kit.instructor, course["course_id"], "Giáo trình.docx", docx_bytes())
    assert docx["content_type"].endswith("wordprocessingml.document")
    fake = _upload(kit.instructor, course["course_id"], "virus.pdf", b"MZ\x90\x00" + b"x" * 100, expect=(422,))
    assert fake["code"] == "validation_failed"
    renamed = _upload(kit.instructor, course["course_id"], "slides.pptx", _pdf(1000), expect=(422,))
    assert "filename" in renamed["errors"]
    body = course_body()
    del body["code"]
    body["sections"][0]["lessons"].append({"title": "Giáo trình", "kind": "document",
                                           "document_id": docx["document_id"]})
    edited = kit.instructor.request("PUT", f"/api/v1/courses/{course['course_id']}", json=body)
    assert _lesson(edited, "document")["document_id"] == docx["document_id"]


def test_document_over_quota_or_size_limit_is_refused(operator, platform, kit):
    small = TenantKit(operator, platform, storage_quota_bytes=100_000)
    course = small.instructor.post("/api/v1/courses", course_body())
    _upload(small.instructor, course["course_id"], "a.pdf", _pdf(60_000))
    refused = _upload(small.instructor, course["course_id"], "b.pdf", _pdf(60_000), expect=(409,))
    assert refused["code"] == "quota_exceeded"
    _upload(small.instructor, course["course_id"], "c.pdf", _pdf(30_000))
    assert _upload(kit.instructor, course["course_id"], "d.pdf", b"x", expect=(404,))["code"] == "not_found"
    # the gateway refuses a body above the 50 MiB document limit before reading it
    url = urllib.parse.urlparse(platform.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.putrequest("POST", f"/api/v1/courses/{course['course_id']}/documents?filename=e.pdf")
    conn.putheader("Authorization", small.instructor.session.headers["Authorization"])
    conn.putheader("Content-Length", str(51 * 1024 * 1024))
    conn.endheaders()
    answer = conn.getresponse()
    assert answer.status == 413 and json.load(answer)["code"] == "payload_too_large"
    conn.close()
