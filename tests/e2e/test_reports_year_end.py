"""Year-end report: draft with the admin's evaluation, CSV/XLSX exports, immutable submitted
versions (hash, who, when), the submission event, and what the operator sees; plus the
access rules of every report endpoint."""
import datetime as dt
import io
import unicodedata

import pytest
import requests
from kombu import Connection, Exchange, Queue
from openpyxl import load_workbook

from mooc_common.contracts.events.reports import YEAR_END_REPORT_SUBMITTED
from services.reports.domain import content_sha256
from tests.e2e.reports_fixtures import TenantWorld, at, new_id, new_tenant, publisher, report_when  # noqa: F401
from tests.polling import eventually

pytestmark = pytest.mark.e2e

ROLES = ("tenant_admin", "report_viewer", "learner", "instructor")
EVALUATION = "Đơn vị đã hoàn thành tốt kế hoạch đào tạo năm 2026; cần tăng cường bồi dưỡng cấp xã."


@pytest.fixture(scope="module")
def tenant_with_activity(operator, platform, publisher):
    tenant, clients, users = new_tenant(operator, platform, roles=ROLES)
    world = TenantWorld(tenant["tenant_id"])
    unit = f"{tenant['tenant_id'][:6]}-root"
    world.unit(unit, [unit])
    learners = [(new_id("l-"), unit, "civil_servant"), (new_id("l-"), unit, "worker")]
    course_id = new_id("own")
    for learner in learners:
        world.learner(*learner)
        world.enroll(learner, course_id)
    world.plan(2026, courses=2, learners=4)
    world.course(course_id)
    world.complete(learners[0], course_id)
    for event in world.events:
        publisher.send(event)
    report_when(clients["tenant_admin"], tenant["tenant_id"],
                lambda r: r["completions"] == 1 and r["enrollments"] == 2 and r["plan_vs_actual"]
                and r["plan_vs_actual"][0]["planned_learners"] == 4 and r["learners"] == 3)
    return tenant, clients, world, learners, course_id


def test_year_end_draft_exports_submit_and_immutability(operator, platform, publisher, tenant_with_activity):
    tenant, clients, world, learners, course_id = tenant_with_activity
    admin, viewer = clients["tenant_admin"], clients["report_viewer"]
    base = f"/api/v1/tenants/{tenant['tenant_id']}/year-end-reports/2026"

    saved = admin.request("PUT", f"{base}/evaluation", json={"evaluation": unicodedata.normalize("NFD", EVALUATION)})
    assert saved["evaluation"] == EVALUATION  # stored NFC
    draft = viewer.get(base)
    assert draft["plan"] == {"planned_courses": 2, "planned_learners": 4}
    assert (draft["actual"]["courses_run"], draft["actual"]["learners_trained"]) == (1, 1)
    assert draft["achievement"] == {"courses_pct": 50.0, "learners_pct": 25.0}
    assert draft["learners_trained_by_category"] == [{"category": "civil_servant", "learners": 1}]
    assert draft["courses"][0]["course_id"] == course_id and draft["courses"][0]["completion_rate"] == 0.5
    assert draft["evaluation"] == EVALUATION

    csv_response = _raw(platform, admin, f"{base}?format=csv")
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    text = csv_response.content.decode("utf-8-sig")
    assert "Số lượt ghi danh" in text and EVALUATION in text and tenant["name"] in text
    xlsx = load_workbook(io.BytesIO(_raw(platform, admin, f"{base}?format=xlsx").content))
    assert xlsx.sheetnames == ["Tổng hợp", "Khóa học", "Theo đối tượng", "Theo đơn vị", "Đánh giá"]
    assert xlsx["Đánh giá"]["A2"].value == EVALUATION
    assert xlsx["Tổng hợp"]["A1"].value == "Chỉ tiêu"

    with _submissions_queue(platform) as receive:
        first = admin.post(f"{base}/submit", {}, expect=(201,))
        assert (first["version"], first["late"], first["submitted_by"]) == (1, False, tenant_admin_id(admin))
        # later events change the live report, never the submitted snapshot
        later = world.complete(learners[1], course_id, when=at((9, 1)))
        publisher.send(later)
        report_when(admin, tenant["tenant_id"], lambda r: r["completions"] == 2)
        v1 = viewer.get(f"{base}/versions/1")
        assert v1["content"]["actual"]["learners_trained"] == 1
        assert v1["content_sha256"] == first["content_sha256"] == content_sha256(v1["content"])
        assert viewer.get(base)["actual"]["learners_trained"] == 2

        second = admin.post(f"{base}/submit", {"evaluation": "Bản sửa: đã hoàn thành 2 học viên."}, expect=(201,))
        assert second["version"] == 2 and second["content_sha256"] != first["content_sha256"]
        versions = operator.get(f"{base}/versions")["versions"]
        assert [v["version"] for v in versions] == [1, 2]
        assert versions[0]["content_sha256"] == first["content_sha256"]
        assert viewer.get(f"{base}/versions/1")["content"] == v1["content"]
        v2_csv = _raw(platform, viewer, f"{base}/versions/2?format=csv").content.decode("utf-8-sig")
        assert "Bản sửa" in v2_csv

        late = admin.post(f"/api/v1/tenants/{tenant['tenant_id']}/year-end-reports/2025/submit",
                          {"evaluation": "Nộp muộn."}, expect=(201,))
        assert late["late"] is True  # after 15 December 2025
        # at-least-once: a re-publication carries the same event id; count distinct ids
        events = list({e["event_id"]: e for e in eventually(lambda: _at_least(receive, 3))}.values())
        assert sorted((e["payload"]["year"], e["payload"]["version"]) for e in events) == [(2025, 1), (2026, 1), (2026, 2)]
        assert all(e["tenant_id"] == tenant["tenant_id"] for e in events)

    national = operator.get("/api/v1/reports/national?year=2026")
    row = next(r for r in national["tenants"] if r["tenant_id"] == tenant["tenant_id"])
    assert row["year_end_submitted"] is True
    assert row["year_end"]["version"] == 2 and row["year_end"]["late"] is False
    assert national["deadline"].startswith("2026-12-16T00:00:00+07:00")
    row_2025 = next(r for r in operator.get("/api/v1/reports/national?year=2025")["tenants"]
                    if r["tenant_id"] == tenant["tenant_id"])
    assert row_2025["year_end"]["late"] is True


def test_year_end_input_is_validated(tenant_with_activity):
    tenant, clients, *_ = tenant_with_activity
    base = f"/api/v1/tenants/{tenant['tenant_id']}/year-end-reports"
    admin = clients["tenant_admin"]
    too_long = admin.request("PUT", f"{base}/2026/evaluation", json={"evaluation": "ả" * 8001}, expect=(422,))
    assert too_long["code"] == "validation_failed" and "evaluation" in too_long["errors"]
    assert admin.get(f"{base}/1800", expect=(422,))["errors"].get("year")
    assert admin.get(f"{base}/2026?format=pdf", expect=(422,))["errors"].get("format")
    assert admin.get(f"{base}/2026/versions/99", expect=(404,))["code"] == "not_found"


def test_cross_tenant_and_role_refusals(operator, platform, tenant_with_activity):
    tenant, clients, *_ = tenant_with_activity
    _, others, _ = new_tenant(operator, platform, name="Bộ Tư pháp")
    tid = tenant["tenant_id"]
    reads = [f"/api/v1/tenants/{tid}/report", f"/api/v1/tenants/{tid}/year-end-reports/2026",
             f"/api/v1/tenants/{tid}/year-end-reports/2026/versions",
             f"/api/v1/tenants/{tid}/year-end-reports/2026/versions/1"]
    for client in (others["tenant_admin"], others["report_viewer"]):
        for path in reads:
            assert client.get(path, expect=(404,))["code"] == "not_found", path
    assert others["tenant_admin"].post(f"/api/v1/tenants/{tid}/year-end-reports/2026/submit", {},
                                       expect=(404,))["code"] == "not_found"
    for role in ("learner", "instructor"):
        for path in reads:
            assert clients[role].get(path, expect=(403,))["code"] == "permission_denied"
    assert clients["report_viewer"].post(f"/api/v1/tenants/{tid}/year-end-reports/2026/submit", {},
                                         expect=(403,))["code"] == "permission_denied"
    for client in (clients["tenant_admin"], clients["report_viewer"]):
        assert client.get("/api/v1/reports/national", expect=(403,))["code"] == "permission_denied"
    assert requests.get(f"{platform.base_url}/api/v1/reports/national", timeout=10).status_code == 401


def tenant_admin_id(client):
    import jwt
    token = client.session.headers["Authorization"].split()[1]
    return jwt.decode(token, options={"verify_signature": False})["sub"]


def _raw(platform, client, path):
    response = client.session.get(f"{platform.base_url}{path}", timeout=15)
    assert response.status_code == 200, response.text
    return response


class _submissions_queue:
    """A queue bound to reports.events for the submission event, declared before the submits."""

    def __init__(self, platform):
        self.conn = Connection(platform.env["AMQP_URI"])
        self.queue = Queue(f"test-year-end-{new_id('')}", Exchange("reports.events", type="topic", durable=True),
                           routing_key=YEAR_END_REPORT_SUBMITTED.type, auto_delete=True)
        self.received = []

    def __enter__(self):
        self.bound = self.queue(self.conn.default_channel)
        self.bound.declare()
        return self.receive

    def receive(self):
        while (message := self.bound.get(no_ack=True)) is not None:
            self.received.append(message.payload)
        return self.received

    def __exit__(self, *exc):
        self.conn.release()


def _at_least(receive, n):
    received = receive()
    return received if len(received) >= n else None
