"""The operator's rebuild command (scripts/rebuild_reports.py) reproduces, from the source
services' paginated exports, exactly the numbers the live read models computed from events."""
import datetime as dt
import secrets
import subprocess
import sys
import uuid

import pytest

from api_client import ApiClient
from mooc_common.infra.store import service_database
from services.reports import projection
from services.reports.storage import ReportsStore
from tests.conftest import ROOT
from tests.e2e.reports_fixtures import new_tenant, report_when

pytestmark = pytest.mark.e2e


def _learner(operator, platform, tenant_id, code, category):
    password = secrets.token_urlsafe(12)
    user = operator.post(f"/api/v1/tenants/{tenant_id}/users", {
        "username": f"hv{secrets.token_hex(3)}.{code}", "full_name": "Hoàng Thị Dung", "email": "d@example.vn",
        "role": "learner", "category": category, "password": password})
    return user, ApiClient(platform.base_url).signed_in(user["username"], password)


def test_rebuild_reproduces_the_live_numbers(operator, platform):
    tenant, clients, _ = new_tenant(operator, platform, roles=("tenant_admin",))
    tid, admin = tenant["tenant_id"], clients["tenant_admin"]
    learners = [_learner(operator, platform, tid, tenant["code"].lower(), c)
                for c in ("civil_servant", "cadre", "civil_servant")]
    course = admin.post("/api/v1/courses", {"code": "ANTT-01", "title": "An toàn thông tin",
                                            "lessons": [{"title": "Bài 1", "kind": "video"}]})
    admin.post(f"/api/v1/courses/{course['course_id']}/publish")
    for user, _ in learners:
        admin.post(f"/api/v1/courses/{course['course_id']}/enrollments", {"learner_id": user["user_id"]})
    learners[0][1].post("/api/v1/activities", {
        "activity_id": str(uuid.uuid4()), "kind": "lesson_completed", "course_id": course["course_id"],
        "lesson_id": course["lessons"][0]["lesson_id"], "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat()},
        expect=(202,))
    live = report_when(admin, tid, lambda r: r["completions"] == 1 and r["enrollments"] == 3 and r["learners"] == 3
                       and r["courses"]["own"].get("published") == 1 and _settled(r))

    # make the read model drift from the sources (as after a lost event or a bad migration):
    # a phantom enrollment the sources never had, and a learner fact lost from the store
    store = ReportsStore(service_database(platform.env, "reports"))
    now = dt.datetime.now(dt.timezone.utc)
    phantom = dict(course_id=course["course_id"], intake_id=None, learner_id="ghost", unit_id=None,
                   category="cadre", enrollment_id=uuid.uuid4().hex, enrolled_at=now)
    store.enqueue(uuid.uuid4().hex, tid, now, projection.enrollment_changes(tid, phantom, True, now))
    store.db["users"].delete_one({"_id": learners[1][0]["user_id"]})
    report_when(admin, tid, lambda r: r["enrollments"] == 4)

    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "rebuild_reports.py"), "--tenant", tid],
                            env=platform.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    rebuilt = report_when(admin, tid, lambda r: r["as_of"] > live["as_of"] and r["enrollments"] == 3
                          and r["completions"] == 1 and r["learners"] == 3 and _settled(r))
    strip = lambda r: {k: v for k, v in r.items() if k != "as_of"}  # noqa: E731
    assert strip(rebuilt) == strip(live)


def _settled(report):
    """Everything the one completion leads to has arrived: the trained learner of the year,
    the certificate (issued by progress after the completion) and the learner's active day
    (a separate event); comparing before they all arrived compares two moments."""
    return (sum(row["learners_trained"] for row in report["plan_vs_actual"]) == 1 and report["certificates"] == 1
            and sum(report["active_learners"]["by_month"].values()) == 1)
