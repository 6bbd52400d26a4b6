"""Loads a small demo data set through the public API (idempotent: a second run skips it).

The operator, a ministry and a province, an admin and a few learners in each, and one
published course of the ministry with the learners enrolled (their enrollment mails, and the
1 December year-end reminders, land in var/mail/ within a minute). Generated passwords are written
to var/demo-credentials.txt (not committed).
"""
import secrets
from pathlib import Path

from api_client import ApiClient, ApiError

CREDENTIALS = Path(__file__).resolve().parent.parent / "var" / "demo-credentials.txt"

TENANTS = [
    {"code": "BNV", "name": "Bộ Nội vụ", "kind": "ministry",
     "focal_contact": {"full_name": "Nguyễn Thị Hồng", "mobile": "0912345678", "email": "dau.moi@bnv.example.vn"},
     "learners": [("Trần Văn Đức", "civil_servant", "vi"), ("Lê Thị Thu Hằng", "public_employee", "en")]},
    {"code": "LCI", "name": "Tỉnh Lào Cai", "kind": "province", "learner_quota": 40000,
     "focal_contact": {"full_name": "Phạm Quốc Việt", "mobile": "0987654321", "email": "cds@laocai.example.vn"},
     "learners": [("Hoàng Thị Mỹ", "cadre", "vi"), ("Vũ Đình Khoa", "worker", "vi"), ("Đặng Ngọc Ánh", "citizen", "vi")]},
]


def _demo_course(base_url):
    return {
        "code": "KNS-01", "title": "Kỹ năng số cơ bản cho cán bộ, công chức",
        "description": "Khóa học theo Đề án 146: an toàn thông tin, dịch vụ công trực tuyến.",
        "topic": "Chuyển đổi số", "estimated_hours": 2,
        # The sample video is served by the gateway with the web app (web/public/media).
        "lessons": [{"title": "Bài 1: Chuyển đổi số là gì?", "kind": "video", "duration_seconds": 4,
                     "video_url": f"{base_url.rstrip('/')}/media/sample-lesson.webm"},
                    {"title": "Bài 2: An toàn thông tin cá nhân", "kind": "rich_text",
                     "html": "<p>Không chia sẻ <strong>mật khẩu</strong> và mã OTP với bất kỳ ai.</p>"},
                    {"title": "Bài 3: Kiểm tra", "kind": "quiz", "quiz": {
                        "pass_mark": 100, "max_attempts": 3, "questions": [{
                            "text": "Có nên chia sẻ mã OTP với người khác không?", "kind": "single",
                            "options": [{"text": "Không", "correct": True}, {"text": "Có"}]}]}}]}


def _new_tenant(operator, spec):
    """The tenant, or None when a previous run made it."""
    try:
        return operator.post("/api/v1/tenants", {k: v for k, v in spec.items() if k != "learners"})
    except ApiError as exc:
        if exc.status == 409:
            print(f"demo data: tenant {spec['code']} already present, skipping")
            return None
        raise


def _people(operator, tenant, spec, lines):
    """The tenant's admin (and password) and learners; each username and password added to ``lines``."""
    users = f"/api/v1/tenants/{tenant['tenant_id']}/users"
    admin_pw = secrets.token_urlsafe(12)
    admin = operator.post(users, {"username": f"admin.{spec['code'].lower()}", "full_name": "Quản trị viên",
                                  "email": f"admin@{spec['code'].lower()}.example.vn",
                                  "role": "tenant_admin", "password": admin_pw})
    lines.append(f"{admin['username']} {admin_pw}")
    learners = []
    for index, (name, category, locale) in enumerate(spec["learners"], 1):
        password = secrets.token_urlsafe(12)
        username = f"hv{index}.{spec['code'].lower()}"
        learner = operator.post(users, {"username": username, "full_name": name,
                                        "email": f"{username}@{spec['code'].lower()}.example.vn",
                                        "phone": f"09{secrets.randbelow(10 ** 8):08d}", "locale": locale,
                                        "category": category, "password": password})
        learners.append(learner)
        lines.append(f"{learner['username']} {password}")
    return admin, admin_pw, learners


def _publish_course(base_url, admin, admin_pw, learners):
    """The demo course, written and published by the tenant's admin, with the learners enrolled."""
    author = ApiClient(base_url).signed_in(admin["username"], admin_pw)
    course = author.post("/api/v1/courses", _demo_course(base_url))
    author.post(f"/api/v1/courses/{course['course_id']}/publish")
    for learner in learners:
        author.post(f"/api/v1/courses/{course['course_id']}/enrollments", {"learner_id": learner["user_id"]})


def load_demo(base_url, operator_username, operator_password):
    operator = ApiClient(base_url).signed_in(operator_username, operator_password)
    lines = []
    for spec in TENANTS:
        tenant = _new_tenant(operator, spec)
        if tenant is None:
            continue
        admin, admin_pw, learners = _people(operator, tenant, spec, lines)
        if spec["code"] == "BNV":
            _publish_course(base_url, admin, admin_pw, learners)
        print(f"demo data: tenant {spec['code']} ({spec['name']}) with {len(learners)} learners")
    if lines:
        CREDENTIALS.parent.mkdir(parents=True, exist_ok=True)
        with open(CREDENTIALS, "a") as out:
            out.write("".join(line + "\n" for line in lines))
        CREDENTIALS.chmod(0o600)
        print(f"demo data: usernames and passwords in {CREDENTIALS}")
