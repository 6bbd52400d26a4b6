"""Helpers of the courses e2e tests: tenants with users, accounts events, a course body."""
import secrets
import uuid

import pymongo
import pytest
import requests
from nameko.standalone.events import event_dispatcher

from api_client import ApiClient
from mooc_common.contracts.events.accounts import UNIT_CREATED, USERS_IMPORTED
from tests.security import documents


class TenantKit:
    """A tenant created by the operator, with a signed-in admin and instructor."""

    def __init__(self, operator, platform, storage_quota_bytes=None):
        self.operator, self.platform = operator, platform
        self.code = "C" + secrets.token_hex(4).upper()
        body = {"code": self.code, "name": "Sở Nội vụ tỉnh Lào Cai", "kind": "province",
                "focal_contact": {"full_name": "Trần Thị Hà", "mobile": "0912345678",
                                  "email": "ha@example.vn"}}
        if storage_quota_bytes is not None:
            body["storage_quota_bytes"] = storage_quota_bytes
        self.tenant = operator.post("/api/v1/tenants", body)
        self.tenant_id = self.tenant["tenant_id"]
        self.admin = self.user("tenant_admin")[1]
        self.instructor = self.user("instructor")[1]

    def user(self, role="learner", category="civil_servant"):
        username, password = f"{role[:5]}.{secrets.token_hex(4)}", secrets.token_urlsafe(12)
        body = {"username": username, "full_name": "Nguyễn Thị Ánh", "email": "a@example.vn",
                "role": role, "password": password}
        if role == "learner":
            body.update(category=category, phone="0987654321")
        user = self.operator.post(f"/api/v1/tenants/{self.tenant_id}/users", body)
        return user, ApiClient(self.platform.base_url).signed_in(username, password)


def course_body(code=None, **extra):
    return {"code": code or "K-" + secrets.token_hex(3), "title": "Kỹ năng số cho cán bộ, công chức",
            "description": "Khoá học về chuyển đổi số", "topic": "Chuyển đổi số",
            "target_categories": ["civil_servant"], "estimated_hours": 4.5,
            "sections": [{"title": "Phần 1", "lessons": [
                {"title": "Giới thiệu", "kind": "video", "video_url": "https://video.example.vn/1.mp4",
                 "duration_seconds": 600},
                {"title": "Bài đọc", "kind": "rich_text", "html": "<p>Xin chào</p>", "required": False},
                {"title": "Kiểm tra", "kind": "quiz", "quiz": {"pass_mark": 70, "max_attempts": 3, "questions": [
                    {"text": "Thủ đô của Việt Nam?", "kind": "single", "options": [
                        {"text": "Hà Nội", "correct": True}, {"text": "Huế"}]}]}},
            ]}], **extra}


def docx_bytes():
    """A minimal DOCX that passes the courses service's whole-file check (tests/security)."""
    return documents.office()


def published_course(client, **extra):
    course = client.post("/api/v1/courses", course_body(**extra))
    return client.post(f"/api/v1/courses/{course['course_id']}/publish")


def dispatch_accounts_events(platform, event_type, payloads, tenant_id):
    """Publish accounts events into the platform's vhost as the accounts service would."""
    dispatch = event_dispatcher({"AMQP_URI": platform.env["AMQP_URI"]})
    for payload in payloads:
        dispatch("accounts", event_type.type, event_type.build(payload, tenant_id))


def import_unit_learners(platform, tenant_id, count, batch=1000):
    """A unit (child of a root unit) and ``count`` learners in it, via UNIT_CREATED and
    USERS_IMPORTED events (batches of ``batch``); returns (root_id, unit_id, learner ids)."""
    root, unit = uuid.uuid4().hex, uuid.uuid4().hex
    dispatch_accounts_events(platform, UNIT_CREATED, [
        {"unit_id": root, "tenant_id": tenant_id, "code": "ROOT", "name": "Tỉnh", "parent_id": None,
         "path": [root], "status": "active"},
        {"unit_id": unit, "tenant_id": tenant_id, "code": "XA1", "name": "Xã Tả Van", "parent_id": root,
         "path": [root, unit], "status": "active"}], tenant_id)
    ids = [uuid.uuid4().hex for _ in range(count)]
    import_id = uuid.uuid4().hex
    dispatch_accounts_events(platform, USERS_IMPORTED, [
        {"import_id": import_id, "batch": n, "users": [
            {"user_id": i, "tenant_id": tenant_id, "role": "learner", "unit_id": unit,
             "category": "public_employee", "status": "pending_activation"} for i in ids[s:s + batch]]}
        for n, s in enumerate(range(0, count, batch))], tenant_id)
    return root, unit, ids


def courses_db(platform):
    """The courses service's database (read only here: to wait for its replica)."""
    return service_db(platform, "courses")


def service_db(platform, service):
    """A service's database (read only in tests: to wait for what its events fed)."""
    client = pymongo.MongoClient(platform.env["MONGO_URI"])
    return client[f"{platform.env['MONGO_DB_PREFIX']}{service}"]


def finished_job(client, job_id):
    """The assignment job once it succeeded (None while it runs; fails the test if it failed)."""
    try:
        job = client.get(f"/api/v1/assignment-jobs/{job_id}")
    except requests.ConnectionError:  # a keep-alive connection closed by the server meanwhile
        return None
    assert job["state"] != "failed", job
    return job if job["state"] == "succeeded" else None


# Tenants of their own per test module (import them: ``from tests.e2e.courses_fixtures import a, b``).
@pytest.fixture(scope="module")
def a(operator, platform):
    return TenantKit(operator, platform)


@pytest.fixture(scope="module")
def b(operator, platform):
    return TenantKit(operator, platform)


@pytest.fixture(scope="module")
def c(operator, platform):
    return TenantKit(operator, platform)
