"""One event flowing through all four services, over the real broker and store."""
import datetime as dt
import secrets
import uuid

import pytest

from api_client import ApiClient
from tests.polling import eventually

pytestmark = pytest.mark.e2e


def activity(course_id, lesson_id, kind="lesson_completed"):
    return {"activity_id": str(uuid.uuid4()), "kind": kind, "course_id": course_id,
            "lesson_id": lesson_id, "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat()}


@pytest.fixture
def tenant_setup(operator, platform):
    code = "T" + secrets.token_hex(3).upper()
    tenant = operator.post("/api/v1/tenants", {
        "code": code, "name": "Sở Thông tin và Truyền thông tỉnh Hà Giang", "kind": "province",
        "focal_contact": {"full_name": "Nguyễn Văn Ân", "mobile": "0912345678", "email": "an@example.vn"}})
    users = f"/api/v1/tenants/{tenant['tenant_id']}/users"
    admin_pw, learner_pw = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    operator.post(users, {"username": f"admin.{code.lower()}", "full_name": "Quản trị",
                          "email": "qt@example.vn", "role": "tenant_admin", "password": admin_pw})
    learner = operator.post(users, {"username": f"hv.{code.lower()}", "full_name": "Lê Thị Ngọc Ánh",
                                    "phone": "0987654321", "category": "civil_servant",
                                    "password": learner_pw})
    admin = ApiClient(platform.base_url).signed_in(f"admin.{code.lower()}", admin_pw)
    learner_client = ApiClient(platform.base_url).signed_in(f"hv.{code.lower()}", learner_pw)
    return tenant, admin, learner, learner_client


def test_tenant_learner_course_progress_and_report(operator, tenant_setup):
    tenant, admin, learner, learner_client = tenant_setup
    assert tenant["name"] == "Sở Thông tin và Truyền thông tỉnh Hà Giang"
    assert learner["full_name"] == "Lê Thị Ngọc Ánh"

    course = admin.post("/api/v1/courses", {
        "code": "CDS-01", "title": "Chuyển đổi số cơ bản",
        "lessons": [{"title": "Bài 1", "kind": "video"}, {"title": "Bài 2", "kind": "rich_text"}]})
    admin.post(f"/api/v1/courses/{course['course_id']}/publish")
    enrollment = admin.post(f"/api/v1/courses/{course['course_id']}/enrollments",
                            {"learner_id": learner["user_id"]})
    assert enrollment["learner_id"] == learner["user_id"]

    lesson_ids = [lesson["lesson_id"] for lesson in course["lessons"]]
    for lesson_id in lesson_ids:
        accepted = learner_client.post("/api/v1/activities", activity(course["course_id"], lesson_id),
                                       expect=(202,))
        assert accepted["accepted"] == 1

    progress = eventually(lambda: _completed(learner_client, course["course_id"]))
    assert progress["percent_complete"] == 100.0
    assert sorted(progress["lessons_done"]) == sorted(lesson_ids)

    report_path = f"/api/v1/tenants/{tenant['tenant_id']}/report"
    report = eventually(lambda: _report_with(admin, report_path, completions=1))
    assert (report["learners"], report["enrollments"], report["completions"]) == (1, 1, 1)
    assert report["completion_rate"] == 1.0
    assert report["as_of"] is not None


def _completed(client, course_id):
    try:
        progress = client.get(f"/api/v1/me/courses/{course_id}/progress")
    except Exception:
        return None
    return progress if progress["status"] == "completed" else None


def _report_with(client, path, completions):
    try:
        report = client.get(path)
    except Exception:
        return None
    return report if report["completions"] == completions else None
