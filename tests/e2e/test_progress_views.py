"""Staff views of learners' progress: unit subtree and status filters, bounded pages, CSV/XLSX
export, and tenant isolation (also in national courses)."""
import csv
import io
import uuid

import pytest
from openpyxl import load_workbook

from api_client import ApiError
from mooc_common.contracts.events.accounts import UNIT_UPDATED
from tests.e2e.progress_fixtures import RIGHT, activity, events, make_tenant  # noqa: F401
from tests.polling import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def setup(operator, platform, events):
    a = make_tenant(operator, platform, "Bộ Tư pháp")
    b = make_tenant(operator, platform, "Sở Y tế tỉnh Điện Biên", learners=1)
    ta = a["tenant"]["tenant_id"]
    root, d1, c1, d2 = (uuid.uuid4().hex for _ in range(4))
    events.unit(ta, [root], "Bộ Tư pháp")
    events.unit(ta, [root, d1], "Vụ Pháp chế")
    events.unit(ta, [root, d1, c1], "Phòng Kiểm tra")
    events.unit(ta, [root, d2], "Cục Thi hành án")
    national = events.course(None, title="Luật An ninh mạng")
    own = events.course(ta, title="Nghiệp vụ hộ tịch")
    events.enroll(national, None, a["learners"][0], unit_id=c1)
    events.enroll(national, None, a["learners"][1], unit_id=d2)
    events.enroll(national, None, b["learners"][0])
    events.enroll(own, ta, a["learners"][0], unit_id=c1)
    for org in (a, b):
        eventually(lambda: total(org["admin"]["client"], national) == len(org["learners"]))
    return {"a": a, "b": b, "national": national, "own": own, "units": (root, d1, c1, d2)}


def total(client, course_id, **params):
    try:
        return client.get(f"/api/v1/courses/{course_id}/progress", params=params)["total"]
    except ApiError:
        return None


def learner_ids(page):
    return sorted(item["learner_id"] for item in page["items"])


def test_staff_see_only_their_tenants_learners_in_a_national_course(setup):
    a, b, national = setup["a"], setup["b"], setup["national"]
    page = a["instructor"]["client"].get(f"/api/v1/courses/{national}/progress")
    assert learner_ids(page) == sorted(l["user_id"] for l in a["learners"])
    assert {item["tenant_id"] for item in page["items"]} == {a["tenant"]["tenant_id"]}
    page = b["admin"]["client"].get(f"/api/v1/courses/{national}/progress")
    assert learner_ids(page) == [b["learners"][0]["user_id"]]


def test_unit_subtree_and_status_filters_and_unit_moves(setup, events):
    a, national = setup["a"], setup["national"]
    root, d1, c1, d2 = setup["units"]
    admin = a["admin"]["client"]
    url = f"/api/v1/courses/{national}/progress"
    assert learner_ids(admin.get(url, params={"unit_id": d1})) == [a["learners"][0]["user_id"]]
    assert len(admin.get(url, params={"unit_id": root})["items"]) == 2
    learner = a["learners"][0]
    learner["client"].post("/api/v1/activities/batch", {"activities": [
        activity(national, "video1", "video_progress", percent=92), activity(national, "doc1"),
        activity(national, "quiz1", "quiz_submitted", answers=RIGHT)]})
    eventually(lambda: total(admin, national, status="completed") == 1)
    assert learner_ids(admin.get(url, params={"status": "completed"})) == [learner["user_id"]]
    assert learner_ids(admin.get(url, params={"status": "not_started"})) == [a["learners"][1]["user_id"]]
    # Moving d2 under d1 re-paths d2's learners (accounts announces every moved unit).
    events.publish(UNIT_UPDATED, {"unit_id": d2, "tenant_id": a["tenant"]["tenant_id"], "code": "d2",
                                  "name": "Cục Thi hành án", "parent_id": d1, "path": [root, d1, d2],
                                  "status": "active"}, a["tenant"]["tenant_id"])
    eventually(lambda: total(admin, national, unit_id=d1) == 2)


def test_pages_are_bounded(setup):
    admin, national = setup["a"]["admin"]["client"], setup["national"]
    page = admin.get(f"/api/v1/courses/{national}/progress", params={"page_size": 1, "page": 2})
    assert (page["total"], page["page"], len(page["items"])) == (2, 2, 1)
    for bad in ({"page_size": 201}, {"page": 0}, {"status": "done"}):
        with pytest.raises(ApiError) as refused:
            admin.get(f"/api/v1/courses/{national}/progress", params=bad)
        assert refused.value.status == 422 and refused.value.body["code"] == "validation_failed"


def test_exports_csv_and_xlsx(setup):
    a, national = setup["a"], setup["national"]
    admin = a["admin"]["client"]
    response = admin.session.get(f"{admin.base_url}/api/v1/courses/{national}/progress/export",
                                 params={"format": "csv"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(r["learner_id"] for r in rows) == sorted(l["user_id"] for l in a["learners"])
    response = admin.session.get(f"{admin.base_url}/api/v1/courses/{national}/progress/export",
                                 params={"format": "xlsx", "unit_id": setup["units"][2]})
    assert response.status_code == 200
    values = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert values[0][0] == "learner_id" and [v[0] for v in values[1:]] == [a["learners"][0]["user_id"]]


def test_cross_tenant_access_is_refused(setup):
    a, b, own = setup["a"], setup["b"], setup["own"]
    for client in (b["admin"]["client"], b["instructor"]["client"]):
        for path in (f"/api/v1/courses/{own}/progress", f"/api/v1/courses/{own}/progress/export"):
            with pytest.raises(ApiError) as refused:
                client.get(path)
            assert refused.value.status == 404
    outsider = b["learners"][0]["client"]
    for path in (f"/api/v1/me/courses/{own}/progress", f"/api/v1/me/courses/{own}/certificate.pdf"):
        with pytest.raises(ApiError) as refused:
            outsider.get(path)
        assert refused.value.status == 404
    with pytest.raises(ApiError) as refused:
        outsider.post("/api/v1/activities", activity(own, "doc1"))
    assert refused.value.status == 404
    with pytest.raises(ApiError) as refused:  # learners do not see other learners
        a["learners"][0]["client"].get(f"/api/v1/courses/{own}/progress")
    assert refused.value.status == 403
