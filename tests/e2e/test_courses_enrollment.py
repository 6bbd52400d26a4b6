"""Enrollment over the gateway: visibility, intakes, idempotency, isolation, assignment jobs."""
import datetime as dt

import pytest

from tests.e2e.courses_fixtures import a, b, c, course_body, finished_job, published_course  # noqa: F401 (fixtures)
from tests.polling import eventually

pytestmark = pytest.mark.e2e


def _catalog_ids(client):
    return {c["course_id"] for c in client.get("/api/v1/courses", params={"limit": 200})["items"]}


def test_visibility_private_national_for_all_and_listed(operator, a, b, c):
    private = published_course(a.instructor)
    for_all = published_course(operator, national=True)
    listed = published_course(operator, national=True, audience_tenant_ids=[a.tenant_id, c.tenant_id])
    (_, learner_a), (_, learner_b), (_, learner_c) = a.user(), b.user(), c.user()
    assert {private["course_id"], for_all["course_id"], listed["course_id"]} <= _catalog_ids(learner_a)
    seen_b = _catalog_ids(learner_b)
    assert for_all["course_id"] in seen_b
    assert not {private["course_id"], listed["course_id"]} & seen_b
    assert {for_all["course_id"], listed["course_id"]} <= _catalog_ids(learner_c)
    assert learner_b.get(f"/api/v1/courses/{listed['course_id']}", expect=(404,))["code"] == "not_found"
    assert learner_b.get(f"/api/v1/courses/{private['course_id']}", expect=(404,))["code"] == "not_found"
    assert learner_b.post(f"/api/v1/courses/{listed['course_id']}/enrollments", {},
                          expect=(404,))["code"] == "not_found"
    assert learner_c.post(f"/api/v1/courses/{listed['course_id']}/enrollments", {})["status"] == "active"
    err = a.admin.post("/api/v1/courses", course_body(national=True), expect=(403,))
    assert err["code"] == "permission_denied"


def test_enrolling_twice_creates_nothing_new_and_cancel_is_recorded(a):
    course = published_course(a.instructor)
    learner, client = a.user()
    path = f"/api/v1/courses/{course['course_id']}/enrollments"
    first = client.post(path, {})
    again = a.admin.post(path, {"learner_id": learner["user_id"]})
    assert first["enrollment_id"] == again["enrollment_id"] and first["source"] == "self"
    listed = a.admin.get(path)["items"]
    assert [e["learner_id"] for e in listed] == [learner["user_id"]]
    mine = client.get("/api/v1/me/courses")["items"]
    assert [(m["course"]["course_id"], m["status"]) for m in mine] == [(course["course_id"], "active")]
    cancelled = client.post(f"/api/v1/enrollments/{first['enrollment_id']}/cancel")
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"]
    assert a.admin.get(path)["items"][0]["status"] == "cancelled"  # recorded, not deleted
    assert client.get("/api/v1/me/courses")["items"][0]["status"] == "cancelled"
    back = client.post(path, {})
    assert back["enrollment_id"] == first["enrollment_id"] and back["status"] == "active"


def test_national_course_admin_sees_only_own_learners_and_other_tenant_gets_404(operator, a, b):
    course = published_course(operator, national=True)
    path = f"/api/v1/courses/{course['course_id']}/enrollments"
    (learner_a, client_a), (learner_b, client_b) = a.user(), b.user()
    client_a.post(path, {})
    client_b.post(path, {})
    assert [e["learner_id"] for e in a.admin.get(path)["items"]] == [learner_a["user_id"]]
    assert [e["learner_id"] for e in b.admin.get(path)["items"]] == [learner_b["user_id"]]
    assert {e["learner_id"] for e in operator.get(path)["items"]} >= {learner_a["user_id"], learner_b["user_id"]}
    # tenant B's admin cannot enroll, see or cancel tenant A's learner
    assert b.admin.post(path, {"learner_id": learner_a["user_id"]}, expect=(404,))["code"] == "not_found"
    enrollment_a = client_a.get("/api/v1/me/courses")["items"][0]
    assert b.admin.post(f"/api/v1/enrollments/{enrollment_a['enrollment_id']}/cancel",
                        expect=(404,))["code"] == "not_found"
    assert client_b.post(f"/api/v1/enrollments/{enrollment_a['enrollment_id']}/cancel",
                         expect=(404,))["code"] == "not_found"
    assert a.admin.get(path, params={"limit": 1000}, expect=(422,))["code"] == "validation_failed"


def test_enrollment_outside_the_intake_window_is_refused(a, b):
    course = published_course(a.instructor)
    now = dt.datetime.now(dt.timezone.utc)
    intakes = f"/api/v1/courses/{course['course_id']}/intakes"
    past = a.instructor.post(intakes, {
        "name": "Đợt 1 năm 2026", "enroll_from": (now - dt.timedelta(days=30)).isoformat(),
        "enroll_until": (now - dt.timedelta(days=1)).isoformat(),
        "starts_on": "2026-01-01", "ends_on": "2026-03-01"})
    _, learner = a.user()
    path = f"/api/v1/courses/{course['course_id']}/enrollments"
    err = learner.post(path, {}, expect=(409,))
    assert err["code"] == "conflict" and "Đợt 1 năm 2026" in err["message"] and "intake_id" in err["errors"]
    err = learner.post(path, {"intake_id": past["intake_id"]}, expect=(409,))
    assert "open only from" in err["message"]
    current = a.instructor.post(intakes, {
        "name": "Đợt 2", "enroll_from": (now - dt.timedelta(days=1)).isoformat(),
        "enroll_until": (now + dt.timedelta(days=10)).isoformat(),
        "starts_on": "2026-12-01", "ends_on": "2027-01-31"})
    assert learner.post(path, {})["intake_id"] == current["intake_id"]
    assert [i["name"] for i in learner.get(intakes)] == ["Đợt 1 năm 2026", "Đợt 2"]
    bad = a.instructor.post(intakes, {"name": "x", "enroll_from": now.isoformat(),
                                      "enroll_until": (now - dt.timedelta(days=1)).isoformat(),
                                      "starts_on": "2026-12-01", "ends_on": "2026-11-01"}, expect=(422,))
    assert {"enroll_until", "ends_on"} & set(bad["errors"])
    assert b.admin.get(intakes, expect=(404,))["code"] == "not_found"


def test_assignment_by_category_and_csv_then_job_isolation(a, b):
    course = published_course(a.instructor)
    workers = [a.user(category="worker")[0] for _ in range(3)]
    a.user(category="citizen")
    job = a.admin.post(f"/api/v1/courses/{course['course_id']}/assignments", {"category": "worker"},
                       expect=(202,))
    done = eventually(lambda: finished_job(a.admin, job["job_id"]))
    assert done["result"]["enrolled"] == 3 and done["total"] == 3
    enrolled = {e["learner_id"] for e in a.admin.get(f"/api/v1/courses/{course['course_id']}/enrollments")["items"]}
    assert enrolled == {w["user_id"] for w in workers}
    assert b.admin.get(f"/api/v1/assignment-jobs/{job['job_id']}", expect=(404,))["code"] == "not_found"
    assert b.admin.post(f"/api/v1/courses/{course['course_id']}/assignments", {"category": "worker"},
                        expect=(404,))["code"] == "not_found"
    _, learner = a.user()
    assert learner.post(f"/api/v1/courses/{course['course_id']}/assignments", {"category": "worker"},
                        expect=(403,))["code"] == "permission_denied"
    again = a.admin.post(f"/api/v1/courses/{course['course_id']}/assignments",
                         {"learner_ids": [w["user_id"] for w in workers]}, expect=(202,))
    done = eventually(lambda: finished_job(a.admin, again["job_id"]))
    assert done["result"]["enrolled"] == 0 and done["result"]["already_enrolled"] == 3


def test_bulk_assignment_from_a_csv_of_usernames(a, b):
    course = published_course(a.instructor)
    users = [a.user()[0] for _ in range(2)]
    foreign = b.user()[0]
    rows = "username,ghi chú\n" + "".join(f"{u['username']},\n" for u in users + [foreign]) + "khong.ton.tai,\n"
    job = a.admin.request("POST", f"/api/v1/courses/{course['course_id']}/assignments", expect=(202,),
                          data=rows.encode(), headers={"Content-Type": "text/csv"})
    done = eventually(lambda: finished_job(a.admin, job["job_id"]))
    assert done["result"]["enrolled"] == 2 and done["result"]["skipped"]["unknown"] == 2
    bad = a.admin.request("POST", f"/api/v1/courses/{course['course_id']}/assignments", expect=(422,),
                          data=b"name\nx\n", headers={"Content-Type": "text/csv"})
    assert bad["code"] == "validation_failed"
